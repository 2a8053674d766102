package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chengguan/internal/calendar"
	"chengguan/internal/evidence"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
)

// sceneJPEG is a small photo a browser can show, different for each seed.
func sceneJPEG(t *testing.T, seed byte) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 160; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x) + seed*40, G: uint8(y*2) + seed*20, B: 120 + seed*10, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// photoFile writes a small JPEG for the browser's file inputs.
func photoFile(t *testing.T, name string, seed byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, sceneJPEG(t, seed), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// caseIDFrom reads the case's ID from the address of its page.
func caseIDFrom(t *testing.T, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(u.Path, "/cases/") {
		t.Fatalf("at %s, want a case page", loc)
	}
	return strings.TrimPrefix(u.Path, "/cases/")
}

// openMove opens a move's form on the case page and submits it.
func openMove(t *testing.T, tab context.Context, move string, fill ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	do(t, tab, chromedp.WaitVisible(chromedp.CSS("#move-"+move+" > summary")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("move-`+move+`").open = true`))
	if len(fill) > 0 {
		do(t, tab, fill...)
	}
	if status := submit(t, tab, chromedp.CSS("#do-"+move)); status != 200 {
		why := run(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".notice.error, .field-error")].map(e => e.textContent)`))
		t.Fatalf("%s: the page after the move has status %d: %q", move, status, why)
	}
}

// stateOf reads the case's state from the store.
func (a *app) stateOf(t *testing.T, id string) urban.State {
	t.Helper()
	c, err := a.Urban.Get(context.Background(), a.account(t, "supervisor").Actor(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.State
}

// TestTheWholeLoopInABrowser: an inspector reports with a photo on his phone, the
// operator files, the command centre dispatches, the department handles with an
// after-photo, the inspector verifies, the operator closes, and the case counts in the
// indicators.
func TestTheWholeLoopInABrowser(t *testing.T) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	cat := a.category(t, taxonomy.Event, "0102")
	phone := chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2))

	inspector := newTab(t, ctx)
	browserLogin(t, inspector, a, "inspector", demoPassword)
	do(t, inspector, phone,
		chromedp.Navigate(a.URL+"/cases/new"),
		chromedp.WaitVisible(chromedp.ID("category_id")),
		chromedp.SetValue(chromedp.ID("category_id"), cat.ID),
		chromedp.SendKeys(chromedp.ID("description"), "路边暴露垃圾，约两立方"),
		chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photoFile(t, "scene.jpg", 0)}),
		// No GPS in a headless browser: the inspector types the place the map
		// would give.
		chromedp.SetValue(chromedp.ID("lon"), "113.2000"),
		chromedp.SetValue(chromedp.ID("lat"), "33.7600"),
	)
	if status := submit(t, inspector, "#submit-report"); status != 200 {
		t.Fatalf("report: status %d", status)
	}
	id := caseIDFrom(t, run(t, inspector, chromedp.Location()))
	if n := run(t, inspector, chromedp.Evaluate[int](`document.querySelectorAll("img.photo").length`)); n != 1 {
		t.Fatalf("the new case shows %d photos, want the report's one", n)
	}

	operator := newTab(t, ctx)
	browserLogin(t, operator, a, "operator", demoPassword)
	do(t, operator, chromedp.Navigate(a.URL+"/cases"), chromedp.WaitVisible(chromedp.CSS(`a[href="/cases/`+id+`"]`)),
		chromedp.Navigate(a.URL+"/cases/"+id))
	openMove(t, operator, "file")
	if s := a.stateOf(t, id); s != urban.StateFiled {
		t.Fatalf("after filing the case is %s", s)
	}

	// The command centre's board has the category's department preselected.
	shiftlead := newTab(t, ctx)
	browserLogin(t, shiftlead, a, "shiftlead", demoPassword)
	do(t, shiftlead, phone, chromedp.Navigate(a.URL+"/cases"), chromedp.WaitVisible(chromedp.ID("dept-"+id)))
	if dept := run(t, shiftlead, chromedp.Value(chromedp.ID("dept-"+id))); dept != cat.DepartmentID {
		t.Fatalf("the dispatch board preselects %s, want the category's department %s", dept, cat.DepartmentID)
	}
	if status := submit(t, shiftlead, chromedp.CSS(`form[action="/cases/`+id+`/move"] button[type="submit"]`)); status != 200 {
		t.Fatalf("dispatch: status %d", status)
	}
	if s := a.stateOf(t, id); s != urban.StateDispatched {
		t.Fatalf("after dispatching the case is %s", s)
	}

	dept := newTab(t, ctx)
	browserLogin(t, dept, a, "dept", demoPassword)
	do(t, dept, phone, chromedp.Navigate(a.URL+"/cases"), chromedp.WaitVisible(chromedp.CSS(`a[href="/cases/`+id+`"]`)),
		chromedp.Navigate(a.URL+"/cases/"+id))
	openMove(t, dept, "handle",
		chromedp.SendKeys(chromedp.ID("handle-note"), "已清运完毕"),
		chromedp.SetUploadFiles(chromedp.ID("handle-photos"), []string{photoFile(t, "after.jpg", 1)}))
	if s := a.stateOf(t, id); s != urban.StateHandled {
		t.Fatalf("after handling the case is %s", s)
	}

	do(t, inspector, chromedp.Navigate(a.URL+"/cases?view=verify"), chromedp.WaitVisible(chromedp.CSS(`a[href="/cases/`+id+`"]`)),
		chromedp.Navigate(a.URL+"/cases/"+id))
	openMove(t, inspector, "verify",
		chromedp.SetUploadFiles(chromedp.ID("verify-photos"), []string{photoFile(t, "check.jpg", 2)}))
	if s := a.stateOf(t, id); s != urban.StateVerified {
		t.Fatalf("after verifying the case is %s", s)
	}

	do(t, operator, chromedp.Navigate(a.URL+"/cases/"+id))
	openMove(t, operator, "close")
	if s := a.stateOf(t, id); s != urban.StateClosed {
		t.Fatalf("after closing the case is %s", s)
	}
	if n := run(t, operator, chromedp.Evaluate[int](`document.querySelectorAll("img.photo").length`)); n != 3 {
		t.Fatalf("the closed case shows %d photos, want before, after and verification", n)
	}
	state := run(t, operator, chromedp.Text(chromedp.CSS(".case-summary .state")))
	if want := a.T(i18n.ZH, "case.state.closed", nil); state != want {
		t.Fatalf("the case page's state reads %q, want %q", state, want)
	}

	supervisor := newTab(t, ctx)
	browserLogin(t, supervisor, a, "supervisor", demoPassword)
	do(t, supervisor, chromedp.Navigate(a.URL+"/indicators"), chromedp.WaitVisible(chromedp.CSS("table.indicators")))
	// Columns: the group, 立案数, 应结案数, 结案数, 结案率 …
	closed := run(t, supervisor, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.indicators tfoot td")].map(td => td.textContent)`))
	if len(closed) < 4 || closed[0] != "1" || closed[2] != "1" || closed[3] != "100.0%" {
		t.Fatalf("the indicators' totals are %v, want one case filed and closed", closed)
	}
	row := run(t, supervisor, chromedp.Text(chromedp.CSS("table.indicators tbody th")))
	if !strings.Contains(row, "环境卫生") {
		t.Fatalf("the indicators' row is %q, want the sanitation department", row)
	}
	if title := run(t, supervisor, chromedp.AttributeValue(chromedp.CSS("table.indicators thead th:nth-child(5)"), "title")); title.Value != a.T(i18n.ZH, "indicator.closure_rate.formula", nil) {
		t.Fatalf("the closure rate's heading explains %q", title.Value)
	}
}

// TestResidentReportsAndTracksInABrowser: the public form gives the number and the
// private link once; the link shows the progress and, after closing, takes a rating.
func TestResidentReportsAndTracksInABrowser(t *testing.T) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	cat := a.category(t, taxonomy.Event, "0102")
	tab := newTab(t, ctx)
	do(t, tab, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.URL+"/report"),
		chromedp.WaitVisible(chromedp.ID("pick-map")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#pick-map.leaflet-container") !== null`),
		chromedp.Click(chromedp.ID("pick-map")),
		chromedp.Poll[chromedp.Void](`document.getElementById("lon").value !== ""`),
		chromedp.SetValue(chromedp.ID("category_id"), cat.ID),
		chromedp.SendKeys(chromedp.ID("description"), "小区门口垃圾堆积"),
		chromedp.SetValue(chromedp.ID("lon"), "113.2000"),
		chromedp.SetValue(chromedp.ID("lat"), "33.7600"),
		chromedp.SendKeys(chromedp.ID("contact_phone"), "13912345678"),
	)
	if status := submit(t, tab, "#submit-report"); status != 201 {
		t.Fatalf("resident report: status %d", status)
	}
	number := run(t, tab, chromedp.Text(chromedp.ID("case-number")))
	link := run(t, tab, chromedp.AttributeValue(chromedp.ID("track-link"), "href"))
	if !link.Exists || !strings.HasPrefix(link.Value, "/track/"+number+"?k=") {
		t.Fatalf("tracking link %q for case %s", link.Value, number)
	}
	do(t, tab, chromedp.Navigate(a.URL+link.Value), chromedp.WaitVisible(chromedp.ID("track-state")))
	if s := run(t, tab, chromedp.Text(chromedp.ID("track-state"))); s != a.T(i18n.ZH, "case.state.reported", nil) {
		t.Fatalf("tracking state %q", s)
	}

	// Staff take it to the end through the service; the resident rates it.
	c, err := a.Urban.PublicCase(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	ctxb := context.Background()
	blob, err := a.Urban.PutEvidence(ctxb, bytes.NewReader(append(append([]byte(nil), testJPEG...), 9)), "after.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		user string
		in   urban.Input
	}{
		{"operator", urban.Input{Move: urban.MoveFile}},
		{"shiftlead", urban.Input{Move: urban.MoveDispatch, DepartmentID: cat.DepartmentID}},
		{"dept", urban.Input{Move: urban.MoveHandle, Note: "已清理", Public: true, Photos: []evidence.Blob{blob}}},
		{"inspector", urban.Input{Move: urban.MoveVerify}},
		{"operator", urban.Input{Move: urban.MoveClose}},
	} {
		if _, err := a.Urban.Act(ctxb, a.account(t, step.user).Actor(), c.ID, step.in); err != nil {
			t.Fatalf("%s %s: %v", step.user, step.in.Move, err)
		}
	}
	do(t, tab, chromedp.Navigate(a.URL+link.Value), chromedp.WaitVisible(chromedp.ID("submit-rating")))
	page := run(t, tab, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(page, "已清理") || strings.Contains(page, "钱环卫") || strings.Contains(page, "13912345678") {
		t.Fatalf("the tracking page shows the public note, and no name or phone: %s", page)
	}
	do(t, tab, chromedp.Click(chromedp.ID("rating-5")), chromedp.SendKeys(chromedp.ID("comment"), "处理及时"))
	if status := submit(t, tab, "#submit-rating"); status != 200 {
		t.Fatalf("rating: status %d", status)
	}
	if got, want := run(t, tab, chromedp.Text(chromedp.CSS(".notice.ok"))), a.T(i18n.ZH, "track.rated", nil); got != want {
		t.Fatalf("after rating the notice reads %q, want %q", got, want)
	}
	if c, _ = a.Urban.PublicCase(ctxb, number); c.Rating != 5 {
		t.Fatalf("stored rating %d, want 5", c.Rating)
	}
}

// seeded are the cases the screens show.
type seeded struct {
	reported, filed, dispatched, handled, closed string
	closedNumber, tracking                       string
	// inPark is filed in 湛河公园, whose responsibility area suggests the
	// landscaping department over the category's sanitation.
	inPark string
}

// seedCases puts cases in every stage of the loop through the service: two reports of
// the same kind close together (duplicates), and a resident's report taken to the end.
func seedCases(t *testing.T, a *app) seeded {
	t.Helper()
	ctx := context.Background()
	cat := a.category(t, taxonomy.Event, "0102")
	actor := func(name string) *identity.Actor { return a.account(t, name).Actor() }
	photo := func(extra byte) []evidence.Blob {
		b, err := a.Urban.PutEvidence(ctx, bytes.NewReader(sceneJPEG(t, extra)), "p.jpg")
		if err != nil {
			t.Fatal(err)
		}
		return []evidence.Blob{b}
	}
	report := func(who string, channel urban.Channel, desc string, dLon float64, extra byte) urban.Receipt {
		var a0 *identity.Actor
		if who != "" {
			a0 = actor(who)
		}
		rc, err := a.Urban.Submit(ctx, a0, urban.Report{Channel: channel, CategoryID: cat.ID, Description: desc,
			Address: fmt.Sprintf("建设路 %d 号", extra), Lon: yingchengLon + dLon, Lat: yingchengLat,
			Photos: photo(extra), ReporterKey: "screens", Contact: urban.Contact{Name: "王五", Phone: "13912345678"}})
		if err != nil {
			t.Fatalf("seed report: %v", err)
		}
		return rc
	}
	act := func(id, who string, in urban.Input) {
		t.Helper()
		if _, err := a.Urban.Act(ctx, actor(who), id, in); err != nil {
			t.Fatalf("seed %s by %s: %v", in.Move, who, err)
		}
	}
	var s seeded
	closed := report("", urban.ChannelResident, "小区门口垃圾堆积，已有三天", 0.0004, 1)
	s.closed, s.closedNumber, s.tracking = closed.Case.ID, closed.Case.Number, closed.Tracking
	act(s.closed, "operator", urban.Input{Move: urban.MoveFile})
	act(s.closed, "shiftlead", urban.Input{Move: urban.MoveDispatch, DepartmentID: cat.DepartmentID})
	act(s.closed, "dept", urban.Input{Move: urban.MoveHandle, Note: "已清运，并清洗地面", Public: true, Photos: photo(2)})
	act(s.closed, "inspector", urban.Input{Move: urban.MoveVerify, Photos: photo(3)})
	act(s.closed, "operator", urban.Input{Move: urban.MoveClose})

	s.dispatched = report("inspector", urban.ChannelInspector, "垃圾桶满溢，周边有散落垃圾", 0.004, 4).Case.ID
	act(s.dispatched, "operator", urban.Input{Move: urban.MoveFile})
	act(s.dispatched, "shiftlead", urban.Input{Move: urban.MoveDispatch, DepartmentID: cat.DepartmentID})
	s.handled = report("inspector", urban.ChannelInspector, "绿化带内有建筑垃圾", -0.004, 5).Case.ID
	act(s.handled, "operator", urban.Input{Move: urban.MoveFile})
	act(s.handled, "shiftlead", urban.Input{Move: urban.MoveDispatch, DepartmentID: cat.DepartmentID})
	act(s.handled, "dept", urban.Input{Move: urban.MoveHandle, Note: "已清理", Photos: photo(6)})
	s.filed = report("operator", urban.ChannelHotline, "市民来电：路口垃圾无人清运", 0.008, 7).Case.ID
	act(s.filed, "operator", urban.Input{Move: urban.MoveFile})
	park, err := a.Urban.Submit(ctx, actor("operator"), urban.Report{Channel: urban.ChannelHotline, CategoryID: cat.ID,
		Description: "市民来电：湛河公园草坪上有垃圾", Address: "湛河公园", Lon: 113.1660, Lat: 33.7615,
		Contact: urban.Contact{Name: "赵六", Phone: "13812345678"}})
	if err != nil {
		t.Fatalf("seed report in the park: %v", err)
	}
	s.inPark = park.Case.ID
	act(s.inPark, "operator", urban.Input{Move: urban.MoveFile})
	s.reported = report("inspector", urban.ChannelInspector, "人行道上暴露垃圾", 0, 8).Case.ID
	report("inspector", urban.ChannelInspector, "人行道上暴露垃圾（重复上报）", 0.0001, 9)
	return s
}

// caseScreens are the closed loop's pages for the screen tests.
func caseScreens(t *testing.T, a *app) []screen {
	s := seedCases(t, a)
	return []screen{
		{name: "cases-intake", user: "operator", path: "/cases?view=intake"},
		{name: "case-reported", user: "operator", path: "/cases/" + s.reported},
		{name: "case-contact", user: "operator", path: "/cases/" + s.filed, after: func(t *testing.T, tab context.Context) {
			if status := submit(t, tab, "#show-contact"); status != 200 {
				t.Fatalf("show contact: status %d", status)
			}
		}},
		{name: "case-hotline", user: "operator", path: "/cases/new?channel=hotline"},
		{name: "cases-dispatch", user: "shiftlead", path: "/cases"},
		{name: "case-dispatch-area", user: "shiftlead", path: "/cases/" + s.inPark, after: func(t *testing.T, tab context.Context) {
			do(t, tab, chromedp.Evaluate[chromedp.Void](`document.getElementById("move-dispatch").open = true`))
		}},
		{name: "cases-map", user: "shiftlead", path: "/cases/map", after: func(t *testing.T, tab context.Context) {
			do(t, tab, chromedp.Poll[chromedp.Void](`document.getElementById("cases-map").dataset.casesShown !== undefined`))
		}},
		{name: "indicators", user: "shiftlead", path: "/indicators?dimension=street"},
		{name: "cases-inbox", user: "dept", path: "/cases"},
		{name: "case-dept", user: "dept", path: "/cases/" + s.dispatched, after: func(t *testing.T, tab context.Context) {
			do(t, tab, chromedp.Evaluate[chromedp.Void](`document.getElementById("move-handle").open = true`))
		}},
		{name: "cases-verify", user: "inspector", path: "/cases?view=verify"},
		{name: "case-verify", user: "inspector", path: "/cases/" + s.handled, after: func(t *testing.T, tab context.Context) {
			do(t, tab, chromedp.Poll[chromedp.Void](`document.getElementById("case-map").dataset.ready === "1"`))
		}},
		{name: "case-new", user: "inspector", path: "/cases/new"},
		{name: "case-closed", user: "supervisor", path: "/cases/" + s.closed},
		{name: "indicators-dept", user: "supervisor", path: "/indicators"},
		{name: "indicators-range", user: "supervisor", path: "/indicators?period=range&dimension=street&from=" +
			calendar.DateOf(time.Now()).AddDays(-45).String() + "&to=" + calendar.DateOf(time.Now()).String()},
		{name: "indicators-range-error", user: "supervisor", path: "/indicators?period=range&from=2026-03-10&to=2026-03-09"},
		{name: "report", path: "/report"},
		{name: "report-errors", path: "/report", after: func(t *testing.T, tab context.Context) {
			do(t, tab, chromedp.SendKeys(chromedp.ID("description"), "  "),
				chromedp.Evaluate[chromedp.Void](`document.querySelector("form.report-form").noValidate = true`))
			if status := submit(t, tab, "#submit-report"); status != 400 {
				t.Fatalf("empty resident report: status %d, want 400", status)
			}
		}},
		{name: "track", path: "/track/" + s.closedNumber + "?k=" + s.tracking},
		{name: "track-lookup", path: "/track"},
		// English last: the language is the tab's cookie.
		{name: "case-closed-en", user: "supervisor", path: "/lang/en?back=/cases/" + s.closed},
		{name: "indicators-en", user: "supervisor", path: "/indicators?dimension=grid"},
		{name: "report-en", path: "/lang/en?back=/report"},
		// Last, as it disables a department: a responsibility area whose unit cannot take cases.
		{name: "map-area-warning", user: "shiftlead", path: "/map", after: func(t *testing.T, tab context.Context) {
			a.loginDemo(t, "admin").sendJSON(t, "PATCH", "/api/v1/units/"+a.unitID(t, "419900-HW"), map[string]any{"disabled": true})
			do(t, tab, chromedp.Reload(), chromedp.Poll[chromedp.Void](`document.getElementById("map").dataset.areasShown !== undefined`),
				chromedp.Evaluate[chromedp.Void](`document.getElementById("areas-list").open = true`))
		}},
	}
}

// TestCaseListFiltersAsTheOperatorTypes: the work list filters without a submit (htmx)
// and keeps the filter in the address.
func TestCaseListFiltersAsTheOperatorTypes(t *testing.T) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	seedCases(t, a)
	tab := newTab(t, ctx)
	browserLogin(t, tab, a, "operator", demoPassword)
	do(t, tab,
		chromedp.Navigate(a.URL+"/cases?view=all"),
		chromedp.WaitVisible(chromedp.CSS(`#results li.case`)),
		chromedp.SendKeys(chromedp.ID("q"), "重复上报"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#results li.case").length === 1`),
	)
	if got := run(t, tab, chromedp.Text(chromedp.CSS("#results li.case .case-desc"))); !strings.Contains(got, "重复上报") {
		t.Fatalf("the filtered list shows %q", got)
	}
	if loc := run(t, tab, chromedp.Location()); !strings.Contains(loc, "q=") || !strings.Contains(loc, "view=all") {
		t.Fatalf("the address %s does not keep the filter", loc)
	}
}

// TestInboxLinksOpenTheMoveForm: the department's inbox links straight to the handling
// form of a case, opened.
func TestInboxLinksOpenTheMoveForm(t *testing.T) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	s := seedCases(t, a)
	tab := newTab(t, ctx)
	browserLogin(t, tab, a, "dept", demoPassword)
	do(t, tab, chromedp.Navigate(a.URL+"/cases"),
		chromedp.Click(chromedp.CSS(`a[href="/cases/`+s.dispatched+`#do-return"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.ID("return-note")),
	)
	if open := run(t, tab, chromedp.Evaluate[bool](`document.getElementById("move-return").open && !document.getElementById("move-extend").open`)); !open {
		t.Fatal("the return form is not the one opened")
	}
}
