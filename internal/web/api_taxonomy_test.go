package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban/taxonomy"
)

type categoryJSON struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	Enabled    bool   `json:"enabled"`
	Version    int    `json:"version"`
	Department struct {
		Code string `json:"code"`
	} `json:"department"`
	HandleLimit struct {
		Amount int    `json:"amount"`
		Unit   string `json:"unit"`
	} `json:"handle_limit"`
}

func (a *app) category(tb testing.TB, kind taxonomy.Kind, code string) taxonomy.Category {
	tb.Helper()
	c, err := a.Taxonomy.ByCode(context.Background(), kind, code)
	if err != nil {
		tb.Fatalf("category %s %s: %v", kind, code, err)
	}
	return c
}

func TestStaffListAndFilterTheCatalogue(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		inspector := a.loginDemo(t, "inspector")
		var all struct{ Categories []categoryJSON }
		inspector.getJSON(t, "/api/v1/categories").decode(t, &all)
		if len(all.Categories) < 40 {
			t.Fatalf("%d categories, want the demo's 40+", len(all.Categories))
		}
		var some struct{ Categories []categoryJSON }
		inspector.getJSON(t, "/api/v1/categories?kind=event&major=01&enabled=true&text=%E5%9E%83%E5%9C%BE").decode(t, &some) // 垃圾
		if len(some.Categories) != 2 || some.Categories[0].Code != "0102" || some.Categories[1].Code != "0103" {
			t.Fatalf("events 01 with 垃圾: %+v", some.Categories)
		}
		var one categoryJSON
		inspector.getJSON(t, "/api/v1/categories/"+some.Categories[0].ID).decode(t, &one)
		if one.Name != "暴露垃圾" || one.Department.Code != "419900-HW" || one.HandleLimit.Amount != 4 || one.HandleLimit.Unit != "workhour" {
			t.Fatalf("GET one: %+v", one)
		}
		inspector.getJSON(t, "/api/v1/categories/"+strings.Repeat("0", 36)).wantError(t, http.StatusNotFound, "not_found")
		inspector.getJSON(t, "/api/v1/categories?kind=thing").wantError(t, http.StatusBadRequest, "invalid")
		a.anonymous().getJSON(t, "/api/v1/categories").wantError(t, http.StatusUnauthorized, "unauthenticated")
	})
}

func TestAdministratorEditsACategoryAndDepartmentsCannot(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		c := a.category(t, taxonomy.Event, "0104")
		body := map[string]any{
			"major_name": c.MajorName, "major_name_en": c.MajorNameEN, "name": c.Name, "name_en": c.NameEN,
			"department": "419900-SZ", "file_condition": c.FileCondition, "close_condition": "路面冲洗干净",
			"file_limit": map[string]any{"amount": 1, "unit": "workhour"}, "dispatch_limit": map[string]any{"amount": 1, "unit": "workhour"},
			"handle_limit": map[string]any{"amount": 3, "unit": "workhour"}, "verify_limit": map[string]any{"amount": 2, "unit": "workhour"},
			"urgencies": []any{map[string]any{"level": "urgent", "handle": map[string]any{"amount": 1, "unit": "workhour"}}},
			"enabled":   true, "version": 1,
		}
		a.loginDemo(t, "dept").sendJSON(t, http.MethodPut, "/api/v1/categories/"+c.ID, body).wantError(t, http.StatusForbidden, "forbidden")
		admin := a.loginDemo(t, "admin")
		var got categoryJSON
		r := admin.sendJSON(t, http.MethodPut, "/api/v1/categories/"+c.ID, body)
		r.wantStatus(t, http.StatusOK)
		r.decode(t, &got)
		if got.Version != 2 || got.Department.Code != "419900-SZ" || got.HandleLimit.Amount != 3 {
			t.Fatalf("PUT: %s", r)
		}
		admin.sendJSON(t, http.MethodPut, "/api/v1/categories/"+c.ID, body).wantError(t, http.StatusConflict, "conflict")
		body["version"], body["name"] = 2, "脏路"
		e := admin.sendJSON(t, http.MethodPut, "/api/v1/categories/"+c.ID, body).wantError(t, http.StatusBadRequest, "invalid")
		if e.field("name") == "" {
			t.Fatalf("renaming a national category: %+v", e)
		}
	})
}

// smallCSV is a catalogue file within the test server's 8 KiB body limit.
const smallCSV = "kind,code,major_name,major_name_en,name,name_en,department,file_condition,close_condition," +
	"file_limit,dispatch_limit,handle_limit,verify_limit,urgent_handle_limit,critical_handle_limit,enabled,source\n" +
	"event,0102,市容环境,City appearance,暴露垃圾,Exposed rubbish,419900-HW,公共区域有暴露垃圾、卫生死角,垃圾清除，现场整洁,1 workhour,1 workhour,3 workhour,2 workhour,2 workhour,,true,national\n" +
	"event,0605,扩展事件,City extension events,违规晾晒,Laundry in the street,419900-HW,,,1 工作时,1 工作时,1 工作日,2 工作时,,,是,扩展\n"

func TestImportTakesCSVOrAnUploadInUTF8OrGBK(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.loginDemo(t, "admin")
		r := admin.do(t, http.MethodPost, "/api/v1/categories/import", strings.NewReader(smallCSV), "Content-Type", "text/csv", "Accept", "application/json")
		r.wantStatus(t, http.StatusOK)
		var rep taxonomy.ImportReport
		r.decode(t, &rep)
		if rep.Rows != 2 || rep.Created != 1 || rep.Updated != 1 {
			t.Fatalf("import: %s", r)
		}
		// The same file again, in GBK and uploaded as a form: nothing changes.
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(smallCSV)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "分类.csv")
		_, _ = fw.Write([]byte(gbk))
		_ = mw.Close()
		r = admin.do(t, http.MethodPost, "/api/v1/categories/import", &buf, "Content-Type", mw.FormDataContentType(), "Accept", "application/json")
		r.wantStatus(t, http.StatusOK)
		r.decode(t, &rep)
		if rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
			t.Fatalf("re-import in GBK: %s", r)
		}
		if c := a.category(t, taxonomy.Event, "0605"); c.Source != taxonomy.City || c.HandleLimit.Amount != 1 {
			t.Fatalf("imported city category: %+v", c)
		}
	})
}

func TestImportWithBadRowsAnswersEveryProblemByLineAndWritesNothing(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.loginDemo(t, "admin")
		bad := strings.Replace(smallCSV, "419900-HW,,,", "419900-ZHZX,,,", 1)        // line 3: not a department
		bad = strings.Replace(bad, "3 workhour,2 workhour", "3 weeks,2 workhour", 1) // line 2: bad limit
		e := admin.do(t, http.MethodPost, "/api/v1/categories/import", strings.NewReader(bad), "Content-Type", "text/csv", "Accept", "application/json").
			wantError(t, http.StatusBadRequest, "invalid")
		if e.field("line 2/handle_limit") == "" || e.field("line 3/department") == "" || len(e.Error.Fields) != 2 {
			t.Fatalf("problems: %+v", e)
		}
		if c := a.category(t, taxonomy.Event, "0102"); c.Version != 1 || c.HandleLimit.Amount != 4 {
			t.Fatalf("a refused import changed 0102: %+v", c)
		}
		if _, err := a.Taxonomy.ByCode(context.Background(), taxonomy.Event, "0605"); err == nil {
			t.Fatal("a refused import created 0605")
		}
		a.loginDemo(t, "dept").do(t, http.MethodPost, "/api/v1/categories/import", strings.NewReader(smallCSV), "Content-Type", "text/csv", "Accept", "application/json").
			wantError(t, http.StatusForbidden, "forbidden")
	})
}

func TestExportRoundTripsThroughImport(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		r := a.loginDemo(t, "operator").do(t, http.MethodGet, "/api/v1/categories/export.csv", nil)
		r.wantStatus(t, http.StatusOK)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("Content-Type %q", ct)
		}
		rep, err := a.Taxonomy.Import(context.Background(), identity.System(), r.body)
		if err != nil || rep.Rows < 40 || rep.Unchanged != rep.Rows {
			t.Fatalf("export re-imported: %+v %v", rep, err)
		}
	})
}

func TestCategoryPages(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		c := a.category(t, taxonomy.Event, "0102")
		dept := a.loginDemo(t, "dept")
		r := dept.get(t, "/admin/categories?kind=event&text=垃圾")
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(r.String(), "暴露垃圾") || strings.Contains(r.String(), "上水井盖") || strings.Contains(r.String(), `action="/admin/categories/import"`) {
			t.Fatal("department's filtered list: want 暴露垃圾 only, no import form")
		}
		r = dept.get(t, "/admin/categories/"+c.ID)
		r.wantStatus(t, http.StatusOK)
		if strings.Contains(r.String(), `type="submit" class="primary"`) {
			t.Fatal("department sees a save button")
		}
		dept.get(t, "/admin/categories/new").wantStatus(t, http.StatusForbidden)

		admin := a.loginDemo(t, "admin")
		form := map[string][]string{"version": {"1"}, "major_name": {c.MajorName}, "major_name_en": {c.MajorNameEN},
			"name": {c.Name}, "name_en": {c.NameEN}, "department": {c.DepartmentID},
			"file_limit_amount": {"1"}, "file_limit_unit": {"workhour"}, "dispatch_limit_amount": {"1"}, "dispatch_limit_unit": {"workhour"},
			"handle_limit_amount": {"6"}, "handle_limit_unit": {"workhour"}, "verify_limit_amount": {"2"}, "verify_limit_unit": {"workhour"},
			"urgent_handle_limit_amount": {"8"}, "urgent_handle_limit_unit": {"workhour"}, "enabled": {"1"}}
		r = admin.postForm(t, "/admin/categories/"+c.ID, form)
		r.wantStatus(t, http.StatusBadRequest)
		if !strings.Contains(r.String(), a.T("zh-CN", "taxonomy.urgency_slower", nil)) {
			t.Fatal("the form does not say the urgent limit is too long")
		}
		form["urgent_handle_limit_amount"] = []string{"3"}
		admin.postForm(t, "/admin/categories/"+c.ID, form).wantRedirect(t, "/admin/categories/"+c.ID)
		if got := a.category(t, taxonomy.Event, "0102"); got.HandleLimit.Amount != 6 || got.Version != 2 {
			t.Fatalf("after the form: %+v", got)
		}
		page := admin.get(t, "/admin/categories/"+c.ID).String()
		for _, want := range []string{a.T("zh-CN", "category.create", nil), a.T("zh-CN", "category.update", nil), "王管理"} {
			if !strings.Contains(page, want) {
				t.Errorf("the category's timeline lacks %q", want)
			}
		}
	})
}

// uploadCSV posts a file to the import page as a browser's form does.
func uploadCSV(t *testing.T, u *user, data string) *reply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "categories.csv")
	_, _ = fw.Write([]byte(data))
	_ = mw.Close()
	return u.do(t, http.MethodPost, "/admin/categories/import", &buf, "Content-Type", mw.FormDataContentType(),
		"Accept", "text/html", "Origin", u.app.URL, "Sec-Fetch-Site", "same-origin")
}

func TestImportPageReportsEachProblemByLine(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.loginDemo(t, "admin")
		bad := strings.Replace(smallCSV, "419900-HW,,,", "419900-NOPE,,,", 1)
		r := uploadCSV(t, admin, bad)
		r.wantStatus(t, http.StatusBadRequest)
		page := r.String()
		if !strings.Contains(page, "<td>3</td>") || !strings.Contains(page, a.T("zh-CN", "taxonomy.department_unknown", map[string]any{"Unit": "419900-NOPE"})) {
			t.Fatalf("the page does not report line 3's unknown department:\n%s", page)
		}
		if _, err := a.Taxonomy.ByCode(context.Background(), taxonomy.Event, "0605"); err == nil {
			t.Fatal("a refused upload created 0605")
		}
		loc := uploadCSV(t, admin, smallCSV).wantRedirect(t, "/admin/categories?")
		if !strings.Contains(loc, "created=1") || !strings.Contains(loc, "updated=1") {
			t.Fatalf("redirect after the import: %s", loc)
		}
		if !strings.Contains(admin.get(t, loc).String(), a.T("zh-CN", "taxonomy.imported", map[string]any{"Rows": 2, "Created": 1, "Updated": 1, "Unchanged": 0})) {
			t.Fatal("the list does not say what the import did")
		}
		uploadCSV(t, a.loginDemo(t, "dept"), smallCSV).wantStatus(t, http.StatusForbidden)
	})
}
