package web_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"chengguan/internal/demo"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/personnel"
	"chengguan/internal/personnel/sheet"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// loadPersonnelDemo loads the demo city's personnel into a's database and
// returns the personnel ID of the demo officer 孙执法.
func loadPersonnelDemo(tb testing.TB, a *app) string {
	tb.Helper()
	ctx := context.Background()
	svc := personnel.NewService(storage.NewPersonnelStore(a.DB), ids.New, nil, personnel.Options{})
	if _, err := demo.LoadPersonnel(ctx, a.Identity, svc, time.Now()); err != nil {
		tb.Fatalf("demo personnel: %v", err)
	}
	pg, err := svc.Roster(ctx, identity.System(), personnel.Filter{Text: "孙执法"})
	if err != nil || len(pg.Lines) != 1 {
		tb.Fatalf("demo officer: %v %v", pg, err)
	}
	return pg.Lines[0].Person.ID
}

func TestPersonnelPagesShowTheDemoCity(t *testing.T) {
	a := startApp(t, storagetest.OpenSQLite(t))
	id := loadPersonnelDemo(t, a)
	admin, lead := a.loginDemo(t, "admin"), a.loginDemo(t, "squadlead")
	for _, tt := range []struct {
		u    *user
		path string
		want []string
	}{
		{lead, "/personnel", []string{"孙执法", "********"}},
		{lead, "/personnel?cert=expired", []string{"已过期"}},
		{lead, "/personnel/people/" + id, []string{"孙执法", "执法记录仪", "身份证号和电话已脱敏"}},
		{admin, "/personnel/people/" + id, []string{"本次查看已记入执法全过程记录"}},
		{lead, "/personnel/boards/certs", []string{"豫平执"}},
		{lead, "/personnel/boards/training", []string{"未完成"}},
		{lead, "/personnel/boards/equipment", []string{"JLY0001"}},
		{admin, "/personnel/boards/staffing", []string{"东城区", "未达标"}},
		{lead, "/", []string{"执法证到期提醒", "今日值班"}},
		{lead, "/personnel/exams", []string{"法律知识考试", "20261122", "必考", "抽中"}},
	} {
		r := tt.u.get(t, tt.path)
		r.wantStatus(t, http.StatusOK)
		for _, w := range tt.want {
			if !strings.Contains(r.String(), w) {
				t.Errorf("%s: no %q", tt.path, w)
			}
		}
	}
	// The squad leader of 东城区 does not see 西城区's people.
	if r := lead.get(t, "/personnel?q=郑中队"); !strings.Contains(r.String(), "郑中队") {
		t.Errorf("squad leader does not find himself")
	}
	a.loginDemo(t, "auxiliary").get(t, "/personnel").wantStatus(t, http.StatusForbidden)
}

func TestPersonnelExportMasksAsTheScreenAndImportIsAllOrNothing(t *testing.T) {
	a := startApp(t, storagetest.OpenSQLite(t))
	loadPersonnelDemo(t, a)
	admin, lead := a.loginDemo(t, "admin"), a.loginDemo(t, "squadlead")
	read := func(r *reply) [][]string {
		t.Helper()
		r.wantStatus(t, http.StatusOK)
		tb, err := sheet.Read(r.body, "", []string{"姓名", "身份证号", "性别", "编制类型", "岗位", "职务", "单位", "电话", "入职日期", "执法证", "有效期至"},
			sheet.DefaultLimits())
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		return tb.Rows
	}
	rows := read(lead.get(t, "/personnel/export.xlsx?q=孙执法"))
	if len(rows) != 1 || !strings.Contains(rows[0][1], "********") || !strings.Contains(rows[0][7], "****") {
		t.Fatalf("squad leader's export %v, want masked", rows)
	}
	rows = read(admin.get(t, "/api/v1/personnel/export?q=孙执法"))
	if len(rows) != 1 || strings.Contains(rows[0][1], "*") {
		t.Fatalf("administrator's export %v, want full", rows)
	}

	xlsx, err := sheet.Write("装备", personnel.ImportHeaders[personnel.ImportEquipment], [][]string{
		{"执法记录仪", "NEW-1", "X", "419901-ZD01", "完好"},
		{"飞机", "NEW-2", "X", "419901-ZD01", "完好"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := admin.do(t, http.MethodPost, "/api/v1/personnel/import?kind=equipment", bytes.NewReader(xlsx), "Content-Type", xlsxType)
	e := r.wantError(t, http.StatusBadRequest, "invalid")
	if e.field("rows[3].类型") == "" {
		t.Fatalf("no per-row report in %s", r)
	}
	if strings.Contains(lead.get(t, "/personnel/boards/equipment").String(), "NEW-1") {
		t.Fatalf("a refused import wrote its good row")
	}
	lead.do(t, http.MethodPost, "/api/v1/personnel/import?kind=equipment", bytes.NewReader(xlsx), "Content-Type", xlsxType).
		wantError(t, http.StatusForbidden, "forbidden")
	xlsx, _ = sheet.Write("装备", personnel.ImportHeaders[personnel.ImportEquipment], [][]string{{"执法记录仪", "NEW-1", "X", "419901-ZD01", "完好"}})
	r = admin.do(t, http.MethodPost, "/api/v1/personnel/import?kind=equipment", bytes.NewReader(xlsx), "Content-Type", xlsxType)
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(lead.get(t, "/personnel/boards/equipment").String(), "NEW-1") {
		t.Fatalf("the import did not write")
	}
	// Not an xlsx at all.
	admin.do(t, http.MethodPost, "/api/v1/personnel/import?kind=roster", strings.NewReader("a,b\n"), "Content-Type", xlsxType).
		wantError(t, http.StatusBadRequest, "invalid")
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
