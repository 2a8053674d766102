package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
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
	// Who held recorder JLY0001 a week ago (handed out 30 days ago), and
	// 40 days ago (nobody).
	weekAgo := time.Now().Add(-7 * 24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	if r := lead.get(t, "/personnel/boards/equipment?serial=JLY0001&at="+weekAgo); !strings.Contains(r.String(), `class="notice ok"`) {
		t.Errorf("no holder of JLY0001 a week ago")
	}
	longAgo := time.Now().Add(-40 * 24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	if r := lead.get(t, "/personnel/boards/equipment?serial=JLY0001&at="+longAgo); !strings.Contains(r.String(), "该时刻无人领用此装备") {
		t.Errorf("a holder of JLY0001 40 days ago")
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

	xlsx, err := sheet.Write("装备", equipmentHeader(), [][]string{
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
	xlsx, _ = sheet.Write("装备", equipmentHeader(), [][]string{{"执法记录仪", "NEW-1", "X", "419901-ZD01", "完好"}})
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

func TestPersonnelAdministratorKeepsRecordsWithForms(t *testing.T) {
	a := startApp(t, storagetest.OpenSQLite(t))
	admin, lead := a.loginDemo(t, "admin"), a.loginDemo(t, "squadlead")
	squad := a.unitID(t, "419901-ZD01")
	admin.get(t, "/personnel/new").wantStatus(t, http.StatusOK)
	lead.get(t, "/personnel/new").wantStatus(t, http.StatusForbidden)
	person := url.Values{"name": {"表单队员"}, "id_number": {"110105194912310021"}, "unit_id": {squad}, "staff_type": {"civil_servant"}}
	r := admin.postForm(t, "/personnel/people", person)
	r.wantStatus(t, http.StatusBadRequest)
	if !strings.Contains(r.String(), "校验码") {
		t.Fatalf("the form does not say what is wrong with the ID number")
	}
	person.Set("id_number", "11010519491231002X")
	card := admin.postForm(t, "/personnel/people", person).wantRedirect(t, "/personnel/people/")
	id := strings.TrimPrefix(card, "/personnel/people/")
	admin.postForm(t, "/personnel/people/"+id+"/certificates", url.Values{"number": {"表单-001"}, "issuer": {"示范市人民政府"},
		"valid_from": {"2025-01-01"}, "valid_to": {"2030-12-31"}, "status": {"applied"}}).wantRedirect(t, card)
	ctx := context.Background()
	svc := personnel.NewService(storage.NewPersonnelStore(a.DB), ids.New, nil, personnel.Options{})
	c, err := svc.Card(ctx, identity.System(), id)
	if err != nil || len(c.Certificates) != 1 {
		t.Fatalf("card %+v %v", c.Certificates, err)
	}
	cert := c.Certificates[0]
	// Issuing before review is refused with the reason, on the card.
	r = admin.postForm(t, "/personnel/certificates/"+cert.ID+"/status", url.Values{"status": {"valid"},
		"version": {strconv.Itoa(cert.Version)}, "person_id": {id}})
	r.wantStatus(t, http.StatusConflict)
	admin.postForm(t, "/personnel/certificates/"+cert.ID+"/status", url.Values{"status": {"reviewed"},
		"version": {strconv.Itoa(cert.Version)}, "person_id": {id}}).wantRedirect(t, card)
	admin.postForm(t, "/personnel/people/"+id+"/periods", url.Values{"status": {"suspended"}, "from": {"2025-01-01"}}).wantRedirect(t, card)
	page := admin.get(t, card).String()
	for _, want := range []string{"审核通过", "停职", "执法证 表单-001 尚在申领审核中"} {
		if !strings.Contains(page, want) {
			t.Errorf("card has no %q", want)
		}
	}
	lead.postForm(t, "/personnel/people/"+id+"/periods", url.Values{"status": {"leave"}, "from": {"2025-01-01"}}).wantStatus(t, http.StatusForbidden)

	// Equipment: hand out by serial, take back; duty.
	if _, err := svc.SaveEquipment(ctx, identity.System(), personnel.Equipment{Kind: personnel.EquipRecorder, Serial: "FORM-REC", UnitID: squad}); err != nil {
		t.Fatal(err)
	}
	admin.postForm(t, "/personnel/people/"+id+"/equipment", url.Values{"serial": {"NO-SUCH"}}).wantStatus(t, http.StatusBadRequest)
	admin.postForm(t, "/personnel/people/"+id+"/equipment", url.Values{"serial": {"FORM-REC"}}).wantRedirect(t, card)
	c, _ = svc.Card(ctx, identity.System(), id)
	if len(c.Holdings) != 1 || c.Holdings[0].Serial != "FORM-REC" || !c.Holdings[0].To.IsZero() {
		t.Fatalf("holdings %+v", c.Holdings)
	}
	admin.postForm(t, "/personnel/equipment/"+c.Holdings[0].EquipmentID+"/return", url.Values{"person_id": {id}}).wantRedirect(t, card)
	admin.postForm(t, "/personnel/people/"+id+"/duties", url.Values{"start": {"2026-11-23T08:00"}, "end": {"2026-11-23T18:00"},
		"post": {"带班"}}).wantRedirect(t, card)
	c, _ = svc.Card(ctx, identity.System(), id)
	if c.Holdings[0].To.IsZero() || len(c.Duties) != 1 || c.Duties[0].Post != "带班" {
		t.Fatalf("after return and duty: %+v %+v", c.Holdings, c.Duties)
	}
}

// TestPersonnelPagesInEnglishShowNoRawKeys: every personnel page in English
// is translated (a missing key would show as "personnel.…").
func TestPersonnelPagesInEnglishShowNoRawKeys(t *testing.T) {
	a := startApp(t, storagetest.OpenSQLite(t))
	id := loadPersonnelDemo(t, a)
	for _, name := range []string{"admin", "squadlead", "supervisor"} {
		u := a.loginDemo(t, name)
		u.cookies["cg_lang"] = &http.Cookie{Name: "cg_lang", Value: "en"}
		for _, path := range []string{"/", "/personnel", "/personnel/people/" + id, "/personnel/boards/certs", "/personnel/boards/training",
			"/personnel/boards/equipment", "/personnel/boards/staffing", "/personnel/exams", "/personnel/new", "/personnel/import"} {
			r := u.get(t, path)
			if r.status != http.StatusOK && r.status != http.StatusForbidden {
				t.Fatalf("%s %s: status %d", name, path, r.status)
			}
			if path == "/personnel" && !strings.Contains(r.String(), "Enforcement staff roster") {
				t.Fatalf("%s: not in English", path)
			}
			if i := strings.Index(r.String(), "personnel."); i >= 0 {
				t.Errorf("%s %s: raw key near %q", name, path, r.String()[i:min(len(r.String()), i+60)])
			}
		}
	}
}

func equipmentHeader() []string {
	h, _ := personnel.ImportHeader(personnel.ImportEquipment)
	return h
}

func TestThePersonnelAdministratorGivesAPersonAPhoto(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	person := loadPersonnelDemo(t, a)
	admin := a.loginDemo(t, "admin")
	card := "/personnel/people/" + person
	admin.get(t, card+"/photo").wantStatus(t, http.StatusNotFound)
	admin.postMultipart(t, card+"/photo", url.Values{}, []byte("plain text, not a photo")).wantStatus(t, http.StatusUnsupportedMediaType)
	admin.postMultipart(t, card+"/photo", url.Values{}, testJPEG).wantRedirect(t, card)
	admin.get(t, card).wantBody(t, `class="person-photo" src="`+card+`/photo"`)
	photo := admin.get(t, card+"/photo")
	photo.wantStatus(t, http.StatusOK)
	if photo.header.Get("Content-Type") != "image/jpeg" || photo.header.Get("X-Content-Type-Options") != "nosniff" ||
		!bytes.Equal(photo.body, testJPEG) {
		t.Fatalf("photo: %v", photo.header)
	}
	a.loginDemo(t, "squadlead").get(t, card+"/photo").wantStatus(t, http.StatusOK)
	a.loginDemo(t, "inspector").get(t, card+"/photo").wantStatus(t, http.StatusForbidden)
	a.loginDemo(t, "squadlead").postMultipart(t, card+"/photo", url.Values{}, testJPEG).wantStatus(t, http.StatusForbidden)
}
