package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"chengguan/internal/grid"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/storage/storagetest"
)

// The environment variables read by the browser tests.
const (
	envChromium       = "CHENGGUAN_CHROMIUM"
	envRequireBrowser = "CHENGGUAN_TEST_REQUIRE_BROWSER"
	envScreenshots    = "CHENGGUAN_SCREENSHOTS"
	envScreensOnly    = "CHENGGUAN_SCREENS_ONLY" // while working on a page: the screens whose name holds it
)

// browserStep bounds one browser action; the browser itself lives as long
// as the test.
const browserStep = 30 * time.Second

// newBrowser starts a headless Chromium with a profile of its own and
// returns a context for its first tab. Without a Chromium the test skips,
// unless CHENGGUAN_TEST_REQUIRE_BROWSER=1 makes it fail.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv(envRequireBrowser) == "1" {
			t.Fatalf("no Chromium (set %s or put chromium on PATH) but %s=1", envChromium, envRequireBrowser)
		}
		t.Skipf("browser tests skipped: no Chromium (set %s or put chromium on PATH)", envChromium)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser to exit, before TempDir is removed
	})
	// The first Do starts the browser; it must have no deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	return ctx
}

// newTab opens a tab with a cookie jar of its own in the browser of ctx.
func newTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return tab
}

// do runs steps in the tab, each batch within browserStep.
func do(t *testing.T, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStep)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// run runs one action that returns a value.
func run[T any](t *testing.T, tab context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStep)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// submit clicks a button that submits a form and waits for the page that
// answers; it returns the HTTP status of that page.
func submit(t *testing.T, tab context.Context, button chromedp.CSS) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStep)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(button, chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("browser: submit with %s: %v", button, err)
	}
	return resp.Status
}

// browserLogin signs in through the login page.
func browserLogin(t *testing.T, tab context.Context, a *app, username, password string) {
	t.Helper()
	do(t, tab,
		chromedp.Navigate(a.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	if status := submit(t, tab, `form[action="/login"] button[type="submit"]`); status != 200 {
		t.Fatalf("login as %s: the page after submitting has status %d", username, status)
	}
	if loc := run(t, tab, chromedp.Location()); loc != a.URL+"/" {
		t.Fatalf("login as %s: at %s, want the home page", username, loc)
	}
}

func TestAdminCreatesAccountInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	tab := newTab(t, ctx)

	browserLogin(t, tab, a, "admin", demoPassword)
	do(t, tab, chromedp.WaitVisible(chromedp.CSS(`[data-role="admin"]`)))

	// The session cookie is Secure, and Chromium keeps it on http://127.0.0.1
	// because a loopback address counts as a secure context.
	cctx, cancel := context.WithTimeout(tab, browserStep)
	defer cancel()
	cookies, err := chromedp.Call(cctx, network.GetCookies, network.GetCookiesParams{URLs: []string{a.URL}})
	if err != nil {
		t.Fatalf("browser cookies: %v", err)
	}
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.Secure || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax {
		t.Fatalf("browser's session cookie = %+v, want Secure, HttpOnly, SameSite=Lax", session)
	}

	newAccount := chromedp.CSS(`main a[href="/admin/accounts/new"]`)
	if got, want := run(t, tab, chromedp.Text(newAccount)), a.T(i18n.ZH, "account.new", nil); got != want {
		t.Fatalf("home's link to the new account form reads %q, want %q", got, want)
	}
	if status := submit(t, tab, newAccount); status != 200 {
		t.Fatalf("new account form: status %d", status)
	}

	squad := a.unitID(t, "419901-ZD01")
	do(t, tab,
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "chen.ba"),
		chromedp.SendKeys(chromedp.ID("display_name"), "陈八"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.SetValue(chromedp.ID("role_0"), string(identity.RoleSquadLeader)),
		chromedp.SetValue(chromedp.ID("unit_0"), squad),
	)
	if status := submit(t, tab, `form[action="/admin/accounts"] button[type="submit"]`); status != 200 {
		t.Fatalf("account page after creating: status %d", status)
	}

	acc := a.account(t, "chen.ba")
	if loc := run(t, tab, chromedp.Location()); !strings.HasPrefix(loc, a.URL+"/admin/accounts/"+acc.ID) {
		t.Fatalf("after creating the account the browser is at %s, want its page", loc)
	}
	if h1 := run(t, tab, chromedp.Text(chromedp.CSS("main h1"))); !strings.Contains(h1, "陈八") || !strings.Contains(h1, "chen.ba") {
		t.Fatalf("account page heading %q, want the new account's names", h1)
	}
	if notice, want := run(t, tab, chromedp.Text(chromedp.CSS(".notice.ok"))), a.T(i18n.ZH, "account.created", nil); notice != want {
		t.Fatalf("notice %q, want %q", notice, want)
	}
	if len(acc.Assignments) != 1 || acc.Assignments[0].Role != identity.RoleSquadLeader || acc.Assignments[0].UnitID != squad {
		t.Fatalf("stored roles = %+v, want squad leader of the Dongcheng squad", acc.Assignments)
	}
}

// screen is one page the screen tests show.
type screen struct {
	name string
	user string // demo account, or "" for a visitor
	path string
	// after runs once the page has loaded, e.g. to submit a form.
	after func(t *testing.T, tab context.Context)
}

func screens(t *testing.T, a *app) []screen {
	officer := a.account(t, "officer")
	category := a.category(t, "event", "0102")
	person := loadPersonnelDemo(t, a)
	return append([]screen{
		{name: "login", path: "/login"},
		{name: "home-admin", user: "admin", path: "/"},
		{name: "home-squadlead", user: "squadlead", path: "/"},
		{name: "home-auxiliary", user: "auxiliary", path: "/"},
		{name: "units", user: "admin", path: "/admin/units"},
		{name: "accounts", user: "admin", path: "/admin/accounts"},
		{name: "account-new", user: "admin", path: "/admin/accounts/new"},
		{name: "account-new-errors", user: "admin", path: "/admin/accounts/new", after: func(t *testing.T, tab context.Context) {
			// Input the browser accepts and the server refuses.
			do(t, tab,
				chromedp.SendKeys(chromedp.ID("username"), "Bad Name!"),
				chromedp.SendKeys(chromedp.ID("display_name"), "   "),
				chromedp.SendKeys(chromedp.ID("password"), "long-enough-1"),
			)
			if status := submit(t, tab, `form[action="/admin/accounts"] button[type="submit"]`); status != 400 {
				t.Fatalf("invalid account form: status %d, want 400", status)
			}
		}},
		{name: "account-edit", user: "admin", path: "/admin/accounts/" + officer.ID},
		{name: "my-account", user: "admin", path: "/account"},
		{name: "calendar", user: "admin", path: "/admin/calendar"},
		{name: "map", user: "inspector", path: "/map", after: func(t *testing.T, tab context.Context) {
			do(t, tab, chromedp.Poll[chromedp.Void](`document.getElementById("map").dataset.areasShown !== undefined`))
			// Point at the market, the smallest area, to show its tooltip.
			run(t, tab, chromedp.Evaluate[bool](hoverSmallestAreaJS))
		}},
		{name: "grid-import", user: "admin", path: "/map/import"},
		{name: "grid-import-problems", user: "admin", path: "/map/import", after: func(t *testing.T, tab context.Context) {
			uploadIn(t, tab, "cells_file", "bad.geojson", badDemoGrid(t))
			if status := submit(t, tab, `form[action="/map/import/cells"] button[type="submit"]`); status != 400 {
				t.Fatalf("a refused grid: status %d, want 400", status)
			}
		}},
		{name: "grid-import-done", user: "admin", path: "/map/import", after: func(t *testing.T, tab context.Context) {
			uploadIn(t, tab, "areas_file", "areas.geojson", grid.DemoAreasGeoJSON())
			if status := submit(t, tab, `form[action="/map/import/areas"] button[type="submit"]`); status != 200 {
				t.Fatalf("the map after an area import: status %d, want 200", status)
			}
			do(t, tab, chromedp.Poll[chromedp.Void](`document.getElementById("map").dataset.areasShown !== undefined`))
		}},
		{name: "calendar-2026", user: "admin", path: "/admin/calendar/2026"},
		{name: "categories", user: "admin", path: "/admin/categories"},
		{name: "categories-dept", user: "dept", path: "/admin/categories?kind=event"},
		{name: "category-edit", user: "admin", path: "/admin/categories/" + category.ID},
		{name: "category-view-dept", user: "dept", path: "/admin/categories/" + category.ID},
		{name: "category-new", user: "admin", path: "/admin/categories/new"},
		{name: "personnel-roster", user: "squadlead", path: "/personnel"},
		{name: "personnel-card", user: "admin", path: "/personnel/people/" + person},
		{name: "personnel-certs", user: "squadlead", path: "/personnel/boards/certs"},
		{name: "personnel-training", user: "supervisor", path: "/personnel/boards/training"},
		{name: "personnel-equipment", user: "squadlead", path: "/personnel/boards/equipment"},
		{name: "personnel-staffing", user: "supervisor", path: "/personnel/boards/staffing"},
		{name: "personnel-import", user: "admin", path: "/personnel/import"},
		{name: "personnel-exams", user: "squadlead", path: "/personnel/exams"},
		{name: "personnel-new", user: "admin", path: "/personnel/new"},
	}, caseScreens(t, a)...)
}

// uploadIn chooses a file holding data in the file input with the ID id.
func uploadIn(t *testing.T, tab context.Context, id, name string, data []byte) {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	do(t, tab, chromedp.SetUploadFiles(chromedp.ID(id), []string{file}))
}

// hoverSmallestAreaJS moves the mouse onto the smallest responsibility area
// drawn on the map (the areas are the dashed paths), as a pointer would.
const hoverSmallestAreaJS = `(() => {
	const paths = [...document.querySelectorAll('#map path.leaflet-interactive[stroke-dasharray]')];
	if (!paths.length) return false;
	const size = p => { const r = p.getBoundingClientRect(); return r.width * r.height; };
	const p = paths.sort((a, b) => size(a) - size(b))[0];
	const r = p.getBoundingClientRect();
	const at = {bubbles: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2};
	p.dispatchEvent(new MouseEvent('mouseover', at));
	p.dispatchEvent(new MouseEvent('mousemove', at));
	return true;
})()`

// showScreens visits every screen at every width, one tab per user, and
// calls shot on each.
func showScreens(t *testing.T, widths []int64, shot func(t *testing.T, tab context.Context, s screen, width int64)) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	tabs := map[string]context.Context{}
	only := os.Getenv(envScreensOnly)
	for _, s := range screens(t, a) {
		if only != "" && !strings.Contains(s.name, only) {
			continue
		}
		tab, ok := tabs[s.user]
		if !ok {
			tab = newTab(t, ctx)
			if s.user != "" {
				browserLogin(t, tab, a, s.user, demoPassword)
			}
			tabs[s.user] = tab
		}
		for _, w := range widths {
			emulate := chromedp.EmulateViewport(w, 900)
			if w < 768 {
				emulate = chromedp.EmulateViewport(w, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2))
			}
			do(t, tab, emulate, chromedp.Navigate(a.URL+s.path), chromedp.WaitVisible(chromedp.CSS("main")))
			if s.after != nil {
				s.after(t, tab)
			}
			shot(t, tab, s, w)
		}
	}
}

// overflowJS lists the elements wider than the page, outside the boxes
// that are meant to scroll sideways (.scroll) or to clip what they hold (the
// map, whose layers extend past its edges by design).
const overflowJS = `(() => {
	const limit = document.documentElement.clientWidth;
	const out = [];
	for (const el of document.querySelectorAll('body *')) {
		if (el.closest('.scroll, .map')) continue;
		const r = el.getBoundingClientRect();
		if (r.width > 0 && (r.right > limit + 1 || r.left < -1)) {
			out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).replace(/ /g, '.') : ''));
		}
	}
	return out;
})()`

// brokenWordsJS lists table headings and links that wrap onto more than
// one line: in Chinese that means a word cut into single characters.
const brokenWordsJS = `(() => {
	const out = [];
	for (const el of document.querySelectorAll('.table th, .table td a')) {
		if (!el.textContent.trim() || el.querySelector('.sr-only')) continue;
		const range = document.createRange();
		range.selectNodeContents(el);
		const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
		if (lines.size > 1) out.push(el.textContent.trim());
	}
	return out;
})()`

func TestPagesFitANarrowScreen(t *testing.T) {
	showScreens(t, []int64{375}, func(t *testing.T, tab context.Context, s screen, width int64) {
		wide := run(t, tab, chromedp.Evaluate[[]string](overflowJS))
		if len(wide) > 0 {
			t.Errorf("%s at %d px: wider than the screen: %v", s.name, width, wide)
		}
		if broken := run(t, tab, chromedp.Evaluate[[]string](brokenWordsJS)); len(broken) > 0 {
			t.Errorf("%s at %d px: table words broken across lines: %q", s.name, width, broken)
		}
		if scroll := run(t, tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`)); scroll {
			t.Errorf("%s at %d px: the page scrolls sideways", s.name, width)
		}
	})
}

// TestScreens writes full-page screenshots of the main screens at a phone's
// and a desktop's width into the directory CHENGGUAN_SCREENSHOTS names, for
// people to look at. It does not run otherwise.
func TestScreens(t *testing.T) {
	dir := os.Getenv(envScreenshots)
	if dir == "" {
		t.Skipf("set %s to a directory to write screenshots", envScreenshots)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	showScreens(t, []int64{375, 1280}, func(t *testing.T, tab context.Context, s screen, width int64) {
		png := run(t, tab, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, fmt.Sprintf("%s-%d.png", s.name, width))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", file)
	})
}

// TestAccountListFiltersAsTheAdminTypes: with JavaScript the search box
// filters the list without a submit (htmx); the filter form works without it.
func TestAccountListFiltersAsTheAdminTypes(t *testing.T) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	tab := newTab(t, ctx)
	browserLogin(t, tab, a, "admin", demoPassword)
	do(t, tab,
		chromedp.Navigate(a.URL+"/admin/accounts"),
		chromedp.WaitVisible(chromedp.CSS(`#results a[href^="/admin/accounts/"]`)),
		chromedp.SendKeys(chromedp.ID("q"), "squad"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#results tbody tr").length === 1`),
	)
	if got := run(t, tab, chromedp.Text(chromedp.CSS("#results tbody tr td a"))); got != "郑中队" {
		t.Fatalf("filtered list shows %q, want the squad leader 郑中队", got)
	}
	if loc := run(t, tab, chromedp.Location()); !strings.Contains(loc, "q=squad") {
		t.Fatalf("the address %s does not keep the filter", loc)
	}
}

// TestGridMapDrawsEveryCellOfTheVersionInForce opens the map as an
// inspector and counts the polygons Leaflet drew: the 240 cells and, over
// them, the 5 responsibility areas, which the checkbox hides and shows again.
func TestGridMapDrawsEveryCellOfTheVersionInForce(t *testing.T) {
	ctx := newBrowser(t)
	a := startApp(t, storagetest.OpenSQLite(t))
	tab := newTab(t, ctx)
	browserLogin(t, tab, a, "inspector", demoPassword)
	do(t, tab,
		chromedp.Navigate(a.URL+"/map"),
		chromedp.Poll[chromedp.Void](`document.getElementById("map").dataset.cellsShown === "240"`),
		chromedp.Poll[chromedp.Void](`document.getElementById("map").dataset.areasShown === "5"`),
	)
	drawn := func() int {
		return run(t, tab, chromedp.Evaluate[int](`document.querySelectorAll("#map path.leaflet-interactive").length`))
	}
	if n := drawn(); n != 245 {
		t.Fatalf("the map drew %d polygons, want 240 cells and 5 areas", n)
	}
	do(t, tab, chromedp.Click(chromedp.ID("areas-toggle")),
		chromedp.Poll[chromedp.Void](`document.getElementById("map").dataset.areasVisible === "false"`))
	if n := drawn(); n != 240 {
		t.Fatalf("with the areas hidden the map shows %d polygons, want the 240 cells", n)
	}
	do(t, tab, chromedp.Click(chromedp.ID("areas-toggle")),
		chromedp.Poll[chromedp.Void](`document.getElementById("map").dataset.areasVisible === "true"`))
	if n := drawn(); n != 245 {
		t.Fatalf("with the areas shown again the map shows %d polygons, want 245", n)
	}
	if status := run(t, tab, chromedp.Text(chromedp.ID("map-status"))); !strings.Contains(status, "5 个责任区") {
		t.Fatalf("the status line says %q", status)
	}
}
