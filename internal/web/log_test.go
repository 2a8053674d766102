package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

func TestRequestLogIsJSONWithoutCredentialsOrQueries(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		// Names that appear nowhere else in a log line.
		const username, wrongPassword = "quiet-walrus", "wrong-but-long-password"
		a.createAccount(t, username, identity.RoleAdmin, "419900")

		a.anonymous().postForm(t, "/login", url.Values{"username": {username}, "password": {wrongPassword}}).
			wantStatus(t, http.StatusUnauthorized)
		a.anonymous().postForm(t, "/login", url.Values{"username": {"no-such-" + username}, "password": {wrongPassword}}).
			wantStatus(t, http.StatusUnauthorized)
		u := a.login(t, username, testPassword)
		session := u.cookies[sessionCookie].Value
		u.get(t, "/admin/accounts?q=secret-query-one").wantStatus(t, http.StatusOK)
		bot := a.bearer(t, username, testPassword)
		bot.getJSON(t, "/api/v1/accounts?q=secret-query-two").wantStatus(t, http.StatusOK)
		r := bot.do(t, http.MethodGet, "/api/v1/me", nil, "X-Request-Id", "support-ticket-42")
		r.wantStatus(t, http.StatusOK)
		if got := r.header.Get("X-Request-Id"); got != "support-ticket-42" {
			t.Errorf("X-Request-Id %q, want the client's support-ticket-42", got)
		}
		r = bot.do(t, http.MethodGet, "/api/v1/me", nil, "X-Request-Id", "<script>")
		injected := r.header.Get("X-Request-Id")
		if injected == "<script>" || injected == "" {
			t.Errorf("an unsafe X-Request-Id was kept as %q", injected)
		}

		logs := a.Logs()
		for _, secret := range []string{username, testPassword, wrongPassword, "secret-query", session, bot.token} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains %q:\n%s", secret, logs)
			}
		}
		requests := 0
		ids := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line is not JSON: %v\n%s", err, line)
			}
			if rec["msg"] != "request" {
				continue
			}
			requests++
			id, _ := rec["request_id"].(string)
			if id == "" {
				t.Errorf("request log line without request_id: %s", line)
			}
			ids[id] = true
			for _, key := range []string{"method", "route", "status", "duration"} {
				if _, ok := rec[key]; !ok {
					t.Errorf("request log line without %s: %s", key, line)
				}
			}
		}
		if requests < 7 {
			t.Fatalf("%d request lines logged, want one per request:\n%s", requests, logs)
		}
		if !ids["support-ticket-42"] || !ids[injected] {
			t.Errorf("the log lacks the request IDs the client saw (support-ticket-42, %s)", injected)
		}
	})
}

func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.loginDemo(t, "admin")
		tests := []struct {
			who  *user
			path string
		}{
			{a.anonymous(), "/login"},
			{a.anonymous(), "/"},
			{a.anonymous(), "/api/v1/me"},
			{a.anonymous(), "/healthz"},
			{a.anonymous(), "/static/app.css"},
			{a.anonymous(), "/no/such/page"},
			{admin, "/"},
			{admin, "/admin/accounts"},
		}
		for _, tt := range tests {
			r := tt.who.get(t, tt.path)
			if r.status >= 500 {
				t.Errorf("%s: status %d", tt.path, r.status)
			}
			csp := r.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s: CSP %q lacks %q", tt.path, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s: CSP %q allows inline code", tt.path, csp)
			}
			if got := r.header.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("%s: X-Frame-Options %q, want DENY", tt.path, got)
			}
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options %q, want nosniff", tt.path, got)
			}
			if got := r.header.Get("Referrer-Policy"); got == "" {
				t.Errorf("%s: no Referrer-Policy", tt.path)
			}
		}
		// Pages with personal data are never cached.
		if got := admin.get(t, "/admin/accounts").header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("/admin/accounts: Cache-Control %q, want no-store", got)
		}
	})
}
