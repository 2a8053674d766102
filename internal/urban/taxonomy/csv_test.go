package taxonomy_test

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/urban/taxonomy"
)

const header = "kind,code,major_name,major_name_en,name,name_en,department,file_condition,close_condition," +
	"file_limit,dispatch_limit,handle_limit,verify_limit,urgent_handle_limit,critical_handle_limit,enabled,source\n"

const twoRows = header +
	"event,0102,市容环境,City appearance,暴露垃圾,Exposed rubbish,419900-HW,有暴露垃圾,清除干净,1 workhour,1 workhour,4 workhour,2 workhour,2 workhour,,true,national\n" +
	"部件,0101,公用设施,,上水井盖,,419900-GS,\"井盖破损，\n或缺失\",更换,1工作时,1工作时,2工作日,2工作时,4小时,2小时,是,国标\n"

func TestParseCSVReadsRowsWithTheirLines(t *testing.T) {
	rows, problems, err := taxonomy.ParseCSV([]byte(twoRows))
	if err != nil || len(problems) != 0 {
		t.Fatalf("ParseCSV: %v, problems %v", err, problems)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 3 {
		t.Fatalf("rows %+v, want lines 2 and 3", rows)
	}
	c := rows[1].Category
	if c.Kind != taxonomy.Component || c.Code != "0101" || c.Source != taxonomy.National || !c.Enabled ||
		c.FileCondition != "井盖破损，\n或缺失" || c.HandleLimit != lim(2, calendar.Workday) || rows[1].Department != "419900-GS" ||
		!slices.Equal(c.Urgencies, []taxonomy.UrgencyLimit{{Level: taxonomy.Urgent, Handle: lim(4, calendar.Hour)}, {Level: taxonomy.Critical, Handle: lim(2, calendar.Hour)}}) {
		t.Fatalf("second row: %+v", c)
	}
}

func TestParseCSVAcceptsBOMAndGB18030(t *testing.T) {
	want, _, err := taxonomy.ParseCSV([]byte(twoRows))
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(twoRows))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"UTF-8 with BOM": append([]byte{0xEF, 0xBB, 0xBF}, twoRows...),
		"GBK":            gbk,
		"CRLF":           []byte(strings.ReplaceAll(twoRows, "\n", "\r\n")),
	} {
		got, problems, err := taxonomy.ParseCSV(data)
		if err != nil || len(problems) != 0 {
			t.Fatalf("%s: %v %v", name, err, problems)
		}
		for i := range want {
			w, g := want[i].Category, got[i].Category
			if name == "CRLF" {
				g.FileCondition = strings.ReplaceAll(g.FileCondition, "\r\n", "\n")
			}
			if !taxonomy.SameContent(w, g) || want[i].Line != got[i].Line {
				t.Fatalf("%s row %d: %+v, want %+v", name, i, got[i], want[i])
			}
		}
	}
}

func TestParseCSVRefusesUnreadableFiles(t *testing.T) {
	cases := map[string]struct {
		data string
		key  string
	}{
		"UTF-16":          {"\xff\xfek\x00", "taxonomy.csv_encoding"},
		"no header":       {"", "taxonomy.csv_header"},
		"missing column":  {"kind,code,name\n", "taxonomy.csv_column_missing"},
		"column twice":    {strings.TrimSuffix(header, "\n") + ",代码\n", "taxonomy.csv_column_twice"},
		"unclosed quote":  {header + "event,\"0102\n", "taxonomy.csv_syntax"},
		"invalid GB18030": {header + "\x81\x20\n", "taxonomy.csv_encoding"},
	}
	for name, tc := range cases {
		_, _, err := taxonomy.ParseCSV([]byte(tc.data))
		if e := apperr.As(err); e.Code != apperr.Invalid || e.Key != tc.key {
			t.Errorf("%s: %v, want invalid %s", name, err, tc.key)
		}
	}
}

func TestParseCSVReportsEveryBadCellWithItsLine(t *testing.T) {
	data := header +
		"event,0102,市容环境,,暴露垃圾,,HW,,,1 workhour,1 workhour,4 workhour,2 workhour,,,true,national\n" +
		"\n" + // blank lines are skipped but counted
		"thing,0103,市容环境,,积存垃圾,,HW,,,1 fortnight,1 workhour,4 workhour,2 workhour,,,maybe,federal\n" +
		"event,0102,市容环境,,暴露垃圾,,HW,,,1 workhour,1 workhour,4 workhour,2 workhour,x,,true,national\n"
	rows, problems, err := taxonomy.ParseCSV([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, strings.Join([]string{strconv.Itoa(p.Line), p.Column, p.Key}, " "))
	}
	want := []string{
		"4 kind taxonomy.kind_invalid", "4 source taxonomy.source_invalid", "4 enabled taxonomy.enabled_invalid",
		"4 file_limit taxonomy.limit_format",
		"5 urgent_handle_limit taxonomy.limit_format", "5 code taxonomy.csv_duplicate",
	}
	if len(rows) != 3 || !slices.Equal(got, want) {
		t.Fatalf("%d rows, problems:\n%s\nwant:\n%s", len(rows), strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestExportReadsBackAsTheSameCatalogue(t *testing.T) {
	rows, problems, err := taxonomy.ParseCSV(taxonomy.DemoCSV())
	if err != nil || len(problems) != 0 {
		t.Fatalf("demo CSV: %v %v", err, problems)
	}
	var cats []taxonomy.Category
	for _, r := range rows {
		c := r.Category
		c.DepartmentCode = r.Department
		cats = append(cats, c)
	}
	var buf bytes.Buffer
	if err := taxonomy.WriteCSV(&buf, cats); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatal("export has no UTF-8 byte order mark")
	}
	back, problems, err := taxonomy.ParseCSV(buf.Bytes())
	if err != nil || len(problems) != 0 || len(back) != len(rows) {
		t.Fatalf("export reads back: %d rows, %v %v", len(back), err, problems)
	}
	for i := range rows {
		if !taxonomy.SameContent(rows[i].Category, back[i].Category) || rows[i].Department != back[i].Department {
			t.Fatalf("row %d: %+v, want %+v", i, back[i], rows[i])
		}
	}
}

func TestDemoCatalogueIsValidAndRealistic(t *testing.T) {
	rows, problems, err := taxonomy.ParseCSV(taxonomy.DemoCSV())
	if err != nil || len(problems) != 0 {
		t.Fatalf("demo CSV: %v %v", err, problems)
	}
	kinds := map[taxonomy.Kind]int{}
	depts := map[string]bool{}
	var cats []taxonomy.Category
	for _, r := range rows {
		c := r.Category
		c.DepartmentID = r.Department
		if bad := c.Validate(); len(bad) > 0 {
			t.Errorf("line %d (%s): %v", r.Line, c.Code, fields(bad))
		}
		kinds[c.Kind]++
		depts[r.Department] = true
		cats = append(cats, c)
	}
	if len(rows) < 40 || kinds[taxonomy.Component] < 15 || kinds[taxonomy.Event] < 15 {
		t.Fatalf("demo catalogue: %d rows, %v; want at least 40 with both kinds", len(rows), kinds)
	}
	for _, d := range []string{"419900-HW", "419900-SZ", "419900-YL", "419900-RQ", "419900-GS", "419900-JT"} {
		if !depts[d] {
			t.Errorf("no demo category is handled by %s", d)
		}
	}
	if c := taxonomy.MajorConflicts(cats); len(c) > 0 {
		t.Fatalf("major class names disagree: %v", c)
	}
}

// FuzzParseCSV: any bytes give rows and problems or an Invalid error, never a
// panic, and every problem names a line of a row that was read.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(twoRows))
	f.Add(taxonomy.DemoCSV())
	f.Add([]byte(header + "event,0102,,,,,,,,4,,,,,,x,y\n"))
	f.Add([]byte("\xef\xbb\xbf" + header))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, problems, err := taxonomy.ParseCSV(data)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error %v is not Invalid", err)
			}
			return
		}
		lines := map[int]bool{}
		for _, r := range rows {
			lines[r.Line] = true
		}
		for _, p := range problems {
			if !lines[p.Line] {
				t.Fatalf("problem %+v names no row's line", p)
			}
		}
	})
}
