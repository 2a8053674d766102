package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"chengguan/internal/config"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
)

// postMultipart submits a multipart form from a page of the same site; photos go in the
// field "photos".
func (u *user) postMultipart(tb testing.TB, path string, form url.Values, photos ...[]byte) *reply {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for i, p := range photos {
		part, err := mw.CreateFormFile("photos", fmt.Sprintf("photo-%d.jpg", i))
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = part.Write(p)
	}
	_ = mw.Close()
	return u.do(tb, http.MethodPost, path, &body, "Content-Type", mw.FormDataContentType(), "Accept", "text/html",
		"Origin", u.app.URL, "Sec-Fetch-Site", "same-origin")
}

var clientIDField = regexp.MustCompile(`name="client_id" value="([0-9a-f]{32})"`)

// wantBody fails unless the page contains every string.
func (r *reply) wantBody(tb testing.TB, want ...string) {
	tb.Helper()
	for _, w := range want {
		if !strings.Contains(string(r.body), w) {
			tb.Fatalf("%s %s: the page lacks %q; body:\n%.3000s", r.method, r.path, w, r.body)
		}
	}
}

// TestTheClosedLoopThroughThePages drives a case from the inspector's report form to the
// indicators with the pages' forms only, as a browser without JavaScript would.
func TestTheClosedLoopThroughThePages(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		cat := a.category(t, taxonomy.Event, "0102")
		inspector := a.loginDemo(t, "inspector")
		page := inspector.get(t, "/cases/new")
		page.wantStatus(t, http.StatusOK)
		page.wantBody(t, `accept="image/*" capture="environment"`, `<optgroup label="事件`, cat.Name)
		m := clientIDField.FindSubmatch(page.body)
		if m == nil {
			t.Fatalf("the report form has no client_id")
		}
		report := url.Values{"channel": {"inspector"}, "category_id": {cat.ID}, "urgency": {"normal"},
			"description": {"路边暴露垃圾"}, "address": {"建设路 1 号"}, "lon": {"113.2000"}, "lat": {"33.7600"},
			"client_id": {string(m[1])}}
		// Without a place the form comes back with the reason, keeping what was typed.
		noPlace := url.Values{}
		for k, v := range report {
			noPlace[k] = v
		}
		noPlace.Del("lon")
		r := inspector.postMultipart(t, "/cases/new", noPlace)
		r.wantStatus(t, http.StatusBadRequest)
		r.wantBody(t, a.T("zh-CN", "cases.location_required", nil), "路边暴露垃圾", string(m[1]))

		r = inspector.postMultipart(t, "/cases/new", report, testJPEG)
		loc := r.wantRedirect(t, "/cases/")
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/cases/")
		// The same form sent again is the same case.
		if again := inspector.postMultipart(t, "/cases/new", report, testJPEG).wantRedirect(t, "/cases/"); again != loc {
			t.Fatalf("resubmission went to %s, want %s", again, loc)
		}
		casePage := inspector.get(t, loc)
		casePage.wantStatus(t, http.StatusOK)
		casePage.wantBody(t, "/cases/"+id+"/evidence/", `id="case-map"`, a.T("zh-CN", "case.state.reported", nil))

		operator := a.loginDemo(t, "operator")
		operator.get(t, "/cases?view=intake").wantBody(t, `href="/cases/`+id+`"`)
		operator.postForm(t, "/cases/"+id+"/move", url.Values{"move": {"file"}}).wantRedirect(t, "/cases/"+id)
		// A stale version is refused on the page with the reason.
		operator.postForm(t, "/cases/"+id+"/move", url.Values{"move": {"dispatch"}, "version": {"1"},
			"department_id": {cat.DepartmentID}}).wantStatus(t, http.StatusConflict)

		shiftlead := a.loginDemo(t, "shiftlead")
		board := shiftlead.get(t, "/cases")
		board.wantStatus(t, http.StatusOK)
		board.wantBody(t, `href="/cases/`+id+`"`, `value="`+cat.DepartmentID+`" selected`)
		shiftlead.postForm(t, "/cases/"+id+"/move", url.Values{"move": {"dispatch"}, "department_id": {cat.DepartmentID},
			"back": {"/cases?view=dispatch"}}).wantRedirect(t, "/cases?view=dispatch")

		dept := a.loginDemo(t, "dept")
		dept.get(t, "/cases").wantBody(t, `href="/cases/`+id+`"`)
		detail := dept.get(t, "/cases/"+id)
		detail.wantBody(t, `id="move-handle"`, `id="move-return"`, `id="move-extend"`, `data-move="close"`)
		r = dept.postMultipart(t, "/cases/"+id+"/move", url.Values{"move": {"handle"}})
		r.wantStatus(t, http.StatusBadRequest)
		r.wantBody(t, a.T("zh-CN", "case.note_required", nil))
		dept.postMultipart(t, "/cases/"+id+"/move", url.Values{"move": {"handle"}, "note": {"已清运"}},
			append(append([]byte(nil), testJPEG...), 0)).wantRedirect(t, "/cases/"+id)

		inspector.get(t, "/cases?view=verify").wantBody(t, `href="/cases/`+id+`"`)
		inspector.postMultipart(t, "/cases/"+id+"/move", url.Values{"move": {"verify"}}).wantRedirect(t, "/cases/"+id)
		operator.postForm(t, "/cases/"+id+"/move", url.Values{"move": {"close"}}).wantRedirect(t, "/cases/"+id)

		closed := operator.get(t, "/cases/"+id)
		closed.wantBody(t, a.T("zh-CN", "case.state.closed", nil), "已清运", a.T("zh-CN", "cases.photos_after", nil))
		if n := strings.Count(string(closed.body), "/evidence/"); n < 4 { // two photos, each a link and an image
			t.Fatalf("the closed case shows %d evidence links, want both photos", n)
		}
		ind := a.loginDemo(t, "supervisor").get(t, "/indicators?dimension=department")
		ind.wantStatus(t, http.StatusOK)
		ind.wantBody(t, "环境卫生", a.T("zh-CN", "indicator.closure_rate.formula", nil), "100.0%")
		csv := a.loginDemo(t, "supervisor").get(t, "/indicators.csv?dimension=department")
		csv.wantStatus(t, http.StatusOK)
		if ct := csv.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(csv.String(), "环境卫生") {
			t.Fatalf("indicators CSV: %s\n%s", ct, csv)
		}
		a.loginDemo(t, "inspector").get(t, "/indicators").wantStatus(t, http.StatusForbidden)
	})
}

// TestResidentsReportAndTrackWithoutAnAccount: the public form answers with a number and
// a private link; the tracking page shows the progress and never a name.
func TestResidentsReportAndTrackWithoutAnAccount(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	cat := a.category(t, taxonomy.Event, "0102")
	resident := a.anonymous()
	form := resident.get(t, "/report")
	form.wantStatus(t, http.StatusOK)
	m := clientIDField.FindSubmatch(form.body)
	if m == nil {
		t.Fatal("the resident form has no client_id")
	}
	report := url.Values{"category_id": {cat.ID}, "description": {"小区门口垃圾堆积"}, "lon": {"113.2000"}, "lat": {"33.7600"},
		"client_id": {string(m[1])}, "contact_name": {"王五"}, "contact_phone": {"13912345678"}}
	r := resident.postMultipart(t, "/report", report, testJPEG)
	r.wantStatus(t, http.StatusCreated)
	link := regexp.MustCompile(`id="track-link" href="(/track/[^"]+)"`).FindSubmatch(r.body)
	if link == nil {
		t.Fatalf("no tracking link: %s", r)
	}
	track := strings.ReplaceAll(string(link[1]), "&amp;", "&")
	page := resident.get(t, track)
	page.wantStatus(t, http.StatusOK)
	page.wantBody(t, a.T("zh-CN", "case.state.reported", nil))
	for _, secret := range []string{"王五", "13912345678"} {
		if strings.Contains(page.String(), secret) {
			t.Fatalf("the tracking page shows %q", secret)
		}
	}
	resident.get(t, strings.SplitN(track, "?", 2)[0]+"?k=wrong").wantStatus(t, http.StatusNotFound)

	// The operator sees the caller only on asking, and the read is in the ledger.
	operator := a.loginDemo(t, "operator")
	list := operator.get(t, "/cases?view=intake")
	id := regexp.MustCompile(`class="case-num" href="/cases/([^"]+)"`).FindSubmatch(list.body)
	if id == nil {
		t.Fatalf("the intake queue lacks the resident's report: %s", list)
	}
	detail := operator.get(t, "/cases/"+string(id[1]))
	if strings.Contains(detail.String(), "13912345678") {
		t.Fatal("the case page shows the caller before asking")
	}
	detail.wantBody(t, `id="show-contact"`)
	operator.postForm(t, "/cases/"+string(id[1])+"/contact", url.Values{}).wantBody(t, "13912345678", "王五")
	if strings.Contains(a.loginDemo(t, "dept").get(t, "/cases/"+string(id[1])).String(), "show-contact") {
		t.Fatal("a department is offered the caller's details")
	}
}

// TestOfficersReportAndGetTheNumber: an officer or auxiliary reports but does not work
// cases, so the answer is the case number and a fresh form, not the case page.
func TestOfficersReportAndGetTheNumber(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	cat := a.category(t, taxonomy.Event, "0102")
	for _, who := range []string{"officer", "auxiliary"} {
		u := a.loginDemo(t, who)
		form := u.get(t, "/cases/new")
		form.wantStatus(t, http.StatusOK)
		m := clientIDField.FindSubmatch(form.body)
		r := u.postMultipart(t, "/cases/new", url.Values{"category_id": {cat.ID}, "description": {"占道经营"},
			"lon": {"113.2"}, "lat": {"33.76"}, "client_id": {string(m[1])}}, testJPEG)
		r.wantStatus(t, http.StatusOK)
		r.wantBody(t, `class="notice ok receipt"`)
		if !regexp.MustCompile(`receipt".*\d{4}-\d{6}`).Match(r.body) {
			t.Fatalf("%s: the receipt has no case number", who)
		}
		if strings.Contains(r.String(), `value="`+string(m[1])+`"`) {
			t.Fatalf("%s: the fresh form reuses the client ID of the report just made", who)
		}
		u.get(t, "/cases").wantStatus(t, http.StatusForbidden)
	}
}

// BenchmarkDispatchBoard measures the command centre's work list over loopback: the
// page counts and lists 100 of 300 filed cases, with each row's category and time left
// in its stage, and renders them.
func BenchmarkDispatchBoard(b *testing.B) {
	a := startApp(b, storagetest.OpenSQLite(b))
	cat := a.category(b, taxonomy.Event, "0102")
	ctx := context.Background()
	inspector, operator := a.account(b, "inspector").Actor(), a.account(b, "operator").Actor()
	for i := range 300 {
		rc, err := a.Urban.Submit(ctx, inspector, urban.Report{Channel: urban.ChannelInspector, CategoryID: cat.ID,
			Description: fmt.Sprintf("暴露垃圾 %d", i), Lon: yingchengLon + float64(i%20)*0.001, Lat: yingchengLat})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Urban.Act(ctx, operator, rc.Case.ID, urban.Input{Move: urban.MoveFile}); err != nil {
			b.Fatal(err)
		}
	}
	shiftlead := a.loginDemo(b, "shiftlead")
	shiftlead.get(b, "/cases?view=dispatch").wantStatus(b, http.StatusOK)
	b.ResetTimer()
	for b.Loop() {
		r := shiftlead.get(b, "/cases?view=dispatch")
		if r.status != http.StatusOK {
			b.Fatalf("status %d", r.status)
		}
	}
}

// TestApprovalsThroughThePages: a department's extension and an operator's void wait for
// the shift lead, who finds them in the intake queue's approvals and decides on the case
// page.
func TestApprovalsThroughThePages(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	cat := a.category(t, taxonomy.Event, "0102")
	ctx := context.Background()
	submit := func(desc string) string {
		rc, err := a.Urban.Submit(ctx, a.account(t, "inspector").Actor(), urban.Report{Channel: urban.ChannelInspector,
			CategoryID: cat.ID, Description: desc, Lon: yingchengLon, Lat: yingchengLat})
		if err != nil {
			t.Fatal(err)
		}
		return rc.Case.ID
	}
	operator, shiftlead, dept := a.loginDemo(t, "operator"), a.loginDemo(t, "shiftlead"), a.loginDemo(t, "dept")
	extend := submit("井盖缺失")
	operator.postForm(t, "/cases/"+extend+"/move", url.Values{"move": {"file"}}).wantRedirect(t, "/cases/")
	shiftlead.postForm(t, "/cases/"+extend+"/move", url.Values{"move": {"dispatch"}, "department_id": {cat.DepartmentID}}).wantRedirect(t, "/cases/")
	r := dept.postForm(t, "/cases/"+extend+"/move", url.Values{"move": {"extend"}, "note": {"需采购配件"}, "amount": {"0"}, "unit": {"workday"}})
	r.wantStatus(t, http.StatusBadRequest)
	r.wantBody(t, a.T("zh-CN", "case.extension_amount", nil), "需采购配件")
	dept.postForm(t, "/cases/"+extend+"/move", url.Values{"move": {"extend"}, "note": {"需采购配件"}, "amount": {"2"}, "unit": {"workday"}}).wantRedirect(t, "/cases/")

	void := submit("误报")
	operator.postForm(t, "/cases/"+void+"/move", url.Values{"move": {"void"}, "note": {"录入错误"}}).wantRedirect(t, "/cases/")
	page := operator.get(t, "/cases/"+void)
	page.wantBody(t, `class="notice warn"`, "录入错误")

	queue := shiftlead.get(t, "/cases?view=intake")
	queue.wantBody(t, a.T("zh-CN", "cases.section.pending", nil), `href="/cases/`+extend+`"`, `href="/cases/`+void+`"`)
	shiftlead.get(t, "/cases/"+extend).wantBody(t, `id="move-approve"`, `id="move-deny"`)
	shiftlead.postForm(t, "/cases/"+extend+"/move", url.Values{"move": {"approve"}}).wantRedirect(t, "/cases/")
	shiftlead.postForm(t, "/cases/"+void+"/move", url.Values{"move": {"approve"}}).wantRedirect(t, "/cases/")
	if s := a.stateOf(t, void); s != urban.StateVoid {
		t.Fatalf("the approved void left the case %s", s)
	}
	c, err := a.Urban.Get(ctx, a.account(t, "supervisor").Actor(), extend)
	if err != nil || c.Extensions != 1 || c.Pending != nil {
		t.Fatalf("after approving the extension: %+v, %v", c, err)
	}
}

func TestResidentsReopenAClosedCaseFromTheTrackingPage(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	ctx := context.Background()
	cat := a.category(t, taxonomy.Event, "0102")
	rc, err := a.Urban.Submit(ctx, nil, urban.Report{Channel: urban.ChannelResident, ReporterKey: "form:t", CategoryID: cat.ID,
		Description: "垃圾", Lon: yingchengLon, Lat: yingchengLat})
	if err != nil {
		t.Fatal(err)
	}
	act := func(who string, in urban.Input) {
		t.Helper()
		if _, err := a.Urban.Act(ctx, a.account(t, who).Actor(), rc.Case.ID, in); err != nil {
			t.Fatalf("%s %s: %v", who, in.Move, err)
		}
	}
	act("operator", urban.Input{Move: urban.MoveFile})
	act("operator", urban.Input{Move: urban.MoveDispatch, DepartmentID: cat.DepartmentID})
	act("dept", urban.Input{Move: urban.MoveHandle, Note: "已清运"})
	act("inspector", urban.Input{Move: urban.MoveVerify})
	act("operator", urban.Input{Move: urban.MoveClose})
	resident := a.anonymous()
	track := "/track/" + rc.Case.Number + "?k=" + rc.Tracking
	resident.get(t, track).wantBody(t, `id="submit-reopen"`)
	resident.postForm(t, "/track/"+rc.Case.Number+"/reopen", url.Values{"k": {"wrong"}, "reason": {"x"}}).wantStatus(t, http.StatusNotFound)
	resident.postForm(t, "/track/"+rc.Case.Number+"/reopen", url.Values{"k": {rc.Tracking}, "reason": {"又有垃圾了"}}).
		wantRedirect(t, "/track/"+rc.Case.Number)
	page := resident.get(t, track)
	page.wantBody(t, a.T("zh-CN", "case.state.filed", nil), "又有垃圾了")
	if strings.Contains(page.String(), `id="submit-reopen"`) {
		t.Fatal("a reopened case offers reopening again")
	}
}

func TestOneAddressCannotFloodTheResidentForm(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t), func(c *config.Config) { c.ReportClientLimit = 2 })
	cat := a.category(t, taxonomy.Event, "0102")
	resident := a.anonymous()
	for i := range 3 {
		form := resident.get(t, "/report")
		m := clientIDField.FindSubmatch(form.body)
		r := resident.postMultipart(t, "/report", url.Values{"category_id": {cat.ID}, "description": {fmt.Sprintf("垃圾 %d", i)},
			"lon": {"113.2000"}, "lat": {"33.7600"}, "client_id": {string(m[1])}}, testJPEG)
		if i < 2 {
			r.wantStatus(t, http.StatusCreated)
			continue
		}
		r.wantStatus(t, http.StatusTooManyRequests)
		if r.header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	}
}
