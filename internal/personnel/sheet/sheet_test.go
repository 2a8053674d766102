package sheet_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"chengguan/internal/personnel/sheet"
)

var header = []string{"类型", "编号", "型号", "单位编码", "状况"}

// book builds a workbook with one sheet; edit changes it before saving.
func book(t *testing.T, name string, rows [][]any, edit func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(name, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(f)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func good() [][]any {
	return [][]any{{"类型", "编号", "型号", "单位编码", "状况"}, {"执法记录仪", "JLY-1", "X1", "419901-ZD01", "完好"}}
}

func wantProblem(t *testing.T, err error, key string) *sheet.Problem {
	t.Helper()
	var p *sheet.Problem
	if !errors.As(err, &p) || p.Key != key {
		t.Fatalf("error %v, want problem %s", err, key)
	}
	return p
}

func TestReadGivesRowsWithTheirLineNumbers(t *testing.T) {
	rows := append(good(), []any{}, []any{"对讲机", "DJJ-1", "", "419901-ZD01", ""})
	tb, err := sheet.Read(book(t, "装备", rows, nil), "装备", header, sheet.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 2 || tb.Lines[0] != 2 || tb.Lines[1] != 4 || tb.Rows[1][1] != "DJJ-1" || len(tb.Rows[1]) != 5 {
		t.Fatalf("table %+v", tb)
	}
}

func TestHostileFilesAreRefusedWithAClearReason(t *testing.T) {
	lim := sheet.DefaultLimits()
	t.Run("not an xlsx", func(t *testing.T) {
		_, err := sheet.Read([]byte("姓名,身份证号\n张三,1\n"), "装备", header, lim)
		wantProblem(t, err, "personnel.xlsx_unreadable")
	})
	t.Run("a zip that is not a workbook", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("hello.txt")
		_, _ = w.Write([]byte("hi"))
		_ = zw.Close()
		_, err := sheet.Read(buf.Bytes(), "装备", header, lim)
		wantProblem(t, err, "personnel.xlsx_unreadable")
	})
	t.Run("wrong sheet", func(t *testing.T) {
		_, err := sheet.Read(book(t, "工资表", [][]any{{"姓名", "工资"}, {"张三", 100}}, nil), "装备", header, lim)
		p := wantProblem(t, err, "personnel.xlsx_header")
		if !strings.Contains(fmt.Sprint(p.Args["Want"]), "单位编码") {
			t.Fatalf("args %v: the expected header is not named", p.Args)
		}
	})
	t.Run("merged cells", func(t *testing.T) {
		data := book(t, "装备", good(), func(f *excelize.File) { _ = f.MergeCell("装备", "A2", "B2") })
		_, err := sheet.Read(data, "装备", header, lim)
		wantProblem(t, err, "personnel.xlsx_merged")
	})
	t.Run("formula", func(t *testing.T) {
		data := book(t, "装备", good(), func(f *excelize.File) { _ = f.SetCellFormula("装备", "C2", "=1+1") })
		_, err := sheet.Read(data, "装备", header, lim)
		p := wantProblem(t, err, "personnel.xlsx_formula")
		if p.Args["Row"] != "2" {
			t.Fatalf("formula row %v, want 2", p.Args["Row"])
		}
	})
	t.Run("a million empty rows", func(t *testing.T) {
		data := book(t, "装备", good(), func(f *excelize.File) {
			sw, _ := f.NewStreamWriter("装备")
			_ = sw.SetRow("A1", []any{"类型", "编号", "型号", "单位编码", "状况"})
			for i := 2; i <= 1_000_000; i++ {
				cell, _ := excelize.CoordinatesToCellName(1, i)
				_ = sw.SetRow(cell, []any{nil}, excelize.RowOpts{Height: 15})
			}
			_ = sw.Flush()
		})
		_, err := sheet.Read(data, "装备", header, lim)
		wantProblem(t, err, "personnel.xlsx_too_many_rows")
	})
	t.Run("zip bomb", func(t *testing.T) {
		// A real workbook plus a part that inflates to 300 MB of zeros.
		src, err := zip.NewReader(bytes.NewReader(book(t, "装备", good(), nil)), int64(len(book(t, "装备", good(), nil))))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range src.File {
			w, _ := zw.Create(f.Name)
			r, _ := f.Open()
			b := new(bytes.Buffer)
			_, _ = b.ReadFrom(r)
			r.Close()
			_, _ = w.Write(b.Bytes())
		}
		w, _ := zw.Create("xl/media/bomb.bin")
		zeros := make([]byte, 1<<20)
		for range 300 {
			_, _ = w.Write(zeros)
		}
		_ = zw.Close()
		if buf.Len() > 2<<20 {
			t.Fatalf("the bomb is %d bytes; it should be small", buf.Len())
		}
		_, err = sheet.Read(buf.Bytes(), "装备", header, lim)
		wantProblem(t, err, "personnel.xlsx_too_large")
	})
	t.Run("too large to open", func(t *testing.T) {
		small := lim
		small.MaxFileBytes = 100
		_, err := sheet.Read(book(t, "装备", good(), nil), "装备", header, small)
		wantProblem(t, err, "personnel.xlsx_too_large")
	})
	t.Run("header only", func(t *testing.T) {
		_, err := sheet.Read(book(t, "装备", good()[:1], nil), "装备", header, lim)
		wantProblem(t, err, "personnel.xlsx_empty")
	})
}

func TestWriteKeepsIDNumbersAsText(t *testing.T) {
	b, err := sheet.Write("名册", []string{"姓名", "身份证号"}, [][]string{{"张三", "11010519491231002X"}, {"李四", "440524188001010014"}})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := sheet.Read(b, "名册", []string{"姓名", "身份证号"}, sheet.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows[1][1] != "440524188001010014" {
		t.Fatalf("ID read back as %q", tb.Rows[1][1])
	}
}
