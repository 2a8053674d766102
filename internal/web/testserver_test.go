package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/config"
	"chengguan/internal/demo"
	"chengguan/internal/evidence"
	"chengguan/internal/grid"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/storage"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
	"chengguan/internal/web"
)

// testMaxBody is the body limit of the test server: small, so that the
// too-large cases need no megabyte bodies.
const testMaxBody = 8 << 10

// app is the whole chengguan web application over one database, with the
// demo city loaded, serving on a real TCP port of 127.0.0.1.
type app struct {
	URL      string
	DB       *storage.DB
	Identity *identity.Service
	Taxonomy *taxonomy.Service
	Urban    *urban.Service
	Grid     *grid.Service
	Areas    *grid.AreaService
	I18n     *i18n.Bundle
	Config   config.Config
	logs     *logBuffer
	client   *http.Client
}

// startApp starts the app over db; opts adjust the configuration. The
// server, its logs and its clients end with the test.
func startApp(tb testing.TB, db *storage.DB, opts ...func(*config.Config)) *app {
	tb.Helper()
	cfg := config.Default()
	cfg.MaxBodyBytes = testMaxBody
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatalf("test config: %v", err)
	}
	svc, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{
		// The cheapest argon2 that works: tests hash many passwords.
		Argon2:     identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1},
		SessionTTL: cfg.SessionTTL, SessionIdle: cfg.SessionIdle,
		SlowAfter: cfg.LoginSlowAfter, LockAfter: cfg.LoginLockAfter,
	})
	if err != nil {
		tb.Fatalf("identity service: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := demo.Load(ctx, svc, func(string) string { return demoPassword }); err != nil {
		tb.Fatalf("load demo city: %v", err)
	}
	gridSvc := grid.NewService(storage.NewGridStore(db), ids.New, nil)
	if _, _, err := demo.LoadGrid(ctx, gridSvc); err != nil {
		tb.Fatalf("load demo grid: %v", err)
	}
	areaSvc := grid.NewAreaService(storage.NewGridStore(db), storage.NewIdentityStore(db), ids.New, nil)
	if _, _, err := demo.LoadAreas(ctx, areaSvc); err != nil {
		tb.Fatalf("load demo responsibility areas: %v", err)
	}
	calSvc := calendar.NewService(storage.NewCalendarStore(db), ids.New, nil)
	taxSvc := taxonomy.NewService(storage.NewTaxonomyStore(db), storage.NewIdentityStore(db), calSvc, ids.New, nil)
	if _, _, err := demo.LoadCategories(ctx, taxSvc); err != nil {
		tb.Fatalf("load demo categories: %v", err)
	}
	blobs, err := evidence.Open(tb.TempDir(), evidence.Limits{})
	if err != nil {
		tb.Fatalf("evidence store: %v", err)
	}
	cases := urban.NewService(urban.Deps{Store: storage.NewUrbanStore(db), Units: svc.UnitLookup(),
		Categories: urban.Catalogue{Taxonomy: taxSvc}, Calendar: calSvc, Grid: gridSvc, Evidence: blobs,
		Config: urban.DefaultConfig(), NewID: ids.New, Areas: areaSvc})
	bundle, err := i18n.New()
	if err != nil {
		tb.Fatalf("i18n: %v", err)
	}
	logs := &logBuffer{}
	// Registered before the server's cleanup, so it runs after the server
	// has stopped: no request may have failed on the server side.
	tb.Cleanup(func() {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				tb.Errorf("server logged an error: %s", line)
			}
		}
	})
	srv, err := web.New(web.Deps{Config: cfg, DB: db, Identity: svc, Calendar: calSvc, Grid: gridSvc, Areas: areaSvc, Taxonomy: taxSvc, Ledger: storage.NewLedgerStore(db), Urban: cases, I18n: bundle,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		tb.Fatalf("web.New: %v", err)
	}
	// httptest listens on 127.0.0.1:0; the settings follow `chengguan serve`.
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.Config.MaxHeaderBytes = 64 << 10
	ts.Start()
	tb.Cleanup(ts.Close)
	client := ts.Client()
	client.Timeout = 30 * time.Second
	// Redirects are part of what the tests check.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &app{URL: ts.URL, DB: db, Identity: svc, Taxonomy: taxSvc, Urban: cases, Grid: gridSvc, Areas: areaSvc, I18n: bundle, Config: cfg, logs: logs, client: client}
}

// T translates key into lang, as the server would.
func (a *app) T(lang, key string, args map[string]any) string {
	return a.I18n.For(lang).T(key, args)
}

// Logs returns everything the server logged so far.
func (a *app) Logs() string { return a.logs.String() }

// unitID returns the ID of the unit with a code.
func (a *app) unitID(tb testing.TB, code string) string {
	tb.Helper()
	u, err := a.Identity.UnitByCode(context.Background(), identity.System(), code)
	if err != nil {
		tb.Fatalf("unit %s: %v", code, err)
	}
	return u.ID
}

// account returns the account with a username, as the system sees it.
func (a *app) account(tb testing.TB, username string) *identity.Account {
	tb.Helper()
	acc, err := a.Identity.AccountByUsername(context.Background(), identity.System(), username)
	if err != nil {
		tb.Fatalf("account %s: %v", username, err)
	}
	return acc
}

// testPassword is the password of the accounts tests create.
const testPassword = "correct-horse-42"

// createAccount adds an account with one role in the unit with unitCode.
func (a *app) createAccount(tb testing.TB, username string, role identity.Role, unitCode string) *identity.Account {
	tb.Helper()
	acc, err := a.Identity.CreateAccount(context.Background(), identity.System(), identity.AccountInput{
		Username: username, DisplayName: "测试 " + username, Password: testPassword,
		Assignments: []identity.AssignmentInput{{Role: role, UnitID: a.unitID(tb, unitCode)}},
	})
	if err != nil {
		tb.Fatalf("create account %s: %v", username, err)
	}
	return acc
}

// anonymous is a visitor with no credentials.
func (a *app) anonymous() *user {
	return &user{app: a, cookies: map[string]*http.Cookie{}}
}

// login signs in through the login form like a browser and returns the
// signed-in user; it fails the test unless the form accepts the password.
func (a *app) login(tb testing.TB, username, password string) *user {
	tb.Helper()
	u := a.anonymous()
	r := u.postForm(tb, "/login", url.Values{"username": {username}, "password": {password}})
	if r.status != http.StatusSeeOther || u.cookies[sessionCookie] == nil {
		tb.Fatalf("login %s: status %d, session cookie %v; body:\n%s", username, r.status, u.cookies[sessionCookie], r.body)
	}
	return u
}

// loginDemo signs in as a demo account.
func (a *app) loginDemo(tb testing.TB, username string) *user {
	tb.Helper()
	return a.login(tb, username, demoPassword)
}

// bearer signs in as username, issues an API token through the API and
// returns a user that presents only that token.
func (a *app) bearer(tb testing.TB, username, password string) *user {
	tb.Helper()
	r := a.login(tb, username, password).sendJSON(tb, http.MethodPost, "/api/v1/tokens", map[string]any{"name": "test"})
	r.wantStatus(tb, http.StatusCreated)
	var tok struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	r.decode(tb, &tok)
	if !strings.HasPrefix(tok.Token, "cgt_") {
		tb.Fatalf("token %q has no cgt_ prefix", tok.Token)
	}
	u := a.anonymous()
	u.token = tok.Token
	return u
}

// demoPassword is every demo account's password in these tests.
const demoPassword = "demo-password-1"

const (
	sessionCookie = "cg_session"
	langCookie    = "cg_lang"
)

// user is one HTTP client of the app. It keeps the cookies the server sets
// (ignoring Secure, as a browser does on localhost) and may present a
// bearer token instead.
type user struct {
	app     *app
	cookies map[string]*http.Cookie
	token   string
	// acceptLanguage is sent as Accept-Language when set.
	acceptLanguage string
}

// do sends one request; header holds name/value pairs.
func (u *user) do(tb testing.TB, method, path string, body io.Reader, header ...string) *reply {
	tb.Helper()
	req, err := http.NewRequest(method, u.app.URL+path, body)
	if err != nil {
		tb.Fatalf("new request %s %s: %v", method, path, err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	if u.acceptLanguage != "" {
		req.Header.Set("Accept-Language", u.acceptLanguage)
	}
	for _, c := range u.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := u.app.client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(u.cookies, c.Name)
			continue
		}
		u.cookies[c.Name] = c
	}
	return &reply{method: method, path: path, status: resp.StatusCode, header: resp.Header, cookies: resp.Cookies(), body: b}
}

// get sends a GET as a browser would for a page.
func (u *user) get(tb testing.TB, path string) *reply {
	tb.Helper()
	return u.do(tb, http.MethodGet, path, nil, "Accept", "text/html,application/xhtml+xml")
}

// getJSON sends a GET to the API.
func (u *user) getJSON(tb testing.TB, path string) *reply {
	tb.Helper()
	return u.do(tb, http.MethodGet, path, nil, "Accept", "application/json")
}

// sendJSON sends v as a JSON body.
func (u *user) sendJSON(tb testing.TB, method, path string, v any) *reply {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	return u.do(tb, method, path, bytes.NewReader(b), "Content-Type", "application/json", "Accept", "application/json")
}

// postForm submits a form from a page of the same site, as a browser does.
func (u *user) postForm(tb testing.TB, path string, form url.Values) *reply {
	tb.Helper()
	return u.do(tb, http.MethodPost, path, strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html",
		"Origin", u.app.URL, "Sec-Fetch-Site", "same-origin")
}

// reply is a response, read whole.
type reply struct {
	method, path string
	status       int
	header       http.Header
	cookies      []*http.Cookie
	body         []byte
}

func (r *reply) String() string { return string(r.body) }

// wantStatus fails the test unless the response has status want.
func (r *reply) wantStatus(tb testing.TB, want int) {
	tb.Helper()
	if r.status != want {
		tb.Fatalf("%s %s: status %d, want %d; body:\n%.2000s", r.method, r.path, r.status, want, r.body)
	}
}

// wantRedirect fails the test unless the response is a 303 to a location
// starting with prefix; it returns the location.
func (r *reply) wantRedirect(tb testing.TB, prefix string) string {
	tb.Helper()
	r.wantStatus(tb, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, prefix) {
		tb.Fatalf("%s %s: redirect to %q, want a location starting with %q", r.method, r.path, loc, prefix)
	}
	return loc
}

// decode unmarshals a JSON body into v.
func (r *reply) decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("%s %s: decode %T: %v; body:\n%.2000s", r.method, r.path, v, err, r.body)
	}
}

// errorShape is the one error body of the API.
type errorShape struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"fields"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

// apiError checks that the response is the JSON error shape with a code and
// a message, and returns it.
func (r *reply) apiError(tb testing.TB) errorShape {
	tb.Helper()
	if err := checkErrorShape(r.header.Get("Content-Type"), r.body); err != "" {
		tb.Fatalf("%s %s (status %d): %s; body:\n%.2000s", r.method, r.path, r.status, err, r.body)
	}
	var e errorShape
	r.decode(tb, &e)
	return e
}

// wantError fails the test unless the response has status and the error
// shape with code; it returns the error.
func (r *reply) wantError(tb testing.TB, status int, code string) errorShape {
	tb.Helper()
	r.wantStatus(tb, status)
	e := r.apiError(tb)
	if e.Error.Code != code {
		tb.Fatalf("%s %s: error code %q, want %q; body:\n%s", r.method, r.path, e.Error.Code, code, r.body)
	}
	return e
}

// checkErrorShape describes what is wrong with an error response, or
// returns "" when it is {"error":{"code":"…","message":"…"}} as JSON.
func checkErrorShape(contentType string, body []byte) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return "content type " + contentType + ", want application/json"
	}
	var e errorShape
	if err := json.Unmarshal(body, &e); err != nil {
		return "body is not JSON: " + err.Error()
	}
	if e.Error.Code == "" || e.Error.Message == "" {
		return `body lacks {"error":{"code","message"}}`
	}
	return ""
}

// field returns the message of one invalid field, or "".
func (e errorShape) field(name string) string {
	for _, f := range e.Error.Fields {
		if f.Field == name {
			return f.Message
		}
	}
	return ""
}

// logBuffer collects the server's log; handlers write from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
