package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chengguan/internal/i18n"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// onlyReader hides a body's length, so the request goes out chunked and
// the server cannot refuse it by Content-Length alone.
type onlyReader struct{ io.Reader }

func TestBadInputIsRefusedWithoutServerError(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		api := a.bearer(t, "admin", demoPassword)
		ui := a.loginDemo(t, "admin")
		anon := a.anonymous()
		unit := a.unitID(t, "419901")
		big := `{"name":"` + strings.Repeat("x", testMaxBody) + `"}`
		const jsonCT, formCT = "application/json", "application/x-www-form-urlencoded"

		tests := []struct {
			name        string
			who         *user
			method      string
			path        string
			contentType string
			body        io.Reader
			status      int
			code        string // for JSON answers
			messageKey  string // checked when set
			field       string // a field the error must name, when set
			html        bool   // a page rather than JSON
		}{
			// JSON that does not decode.
			{name: "malformed JSON", who: api, method: "POST", path: "/api/v1/units", contentType: jsonCT,
				body: strings.NewReader(`{"code":`), status: 400, code: "invalid"},
			{name: "empty JSON body", who: api, method: "POST", path: "/api/v1/units", contentType: jsonCT,
				body: strings.NewReader(``), status: 400, code: "invalid"},
			{name: "JSON array for an object", who: api, method: "POST", path: "/api/v1/accounts", contentType: jsonCT,
				body: strings.NewReader(`[]`), status: 400, code: "invalid"},
			{name: "JSON null", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: strings.NewReader(`null`), status: 400, code: "invalid"},
			{name: "wrong types", who: api, method: "POST", path: "/api/v1/units", contentType: jsonCT,
				body: strings.NewReader(`{"code":1,"name":true,"kind":[]}`), status: 400, code: "invalid", field: "code"},
			{name: "wrong type in a patch", who: api, method: "PATCH", path: "/api/v1/units/" + unit, contentType: jsonCT,
				body: strings.NewReader(`{"disabled":"yes"}`), status: 400, code: "invalid"},
			{name: "unknown field", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: strings.NewReader(`{"name":"x","admin":true}`), status: 400, code: "invalid"},
			{name: "deep nesting", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: strings.NewReader(strings.Repeat("[", 4000) + strings.Repeat("]", 4000)), status: 400, code: "invalid"},
			{name: "huge number", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: strings.NewReader(`{"name":"x","ttl_days":1e400}`), status: 400, code: "invalid"},
			// JSON that decodes into values the rules refuse.
			{name: "unknown role", who: api, method: "POST", path: "/api/v1/accounts", contentType: jsonCT,
				body:   strings.NewReader(`{"username":"new.one","display_name":"新","password":"long-enough-1","roles":[{"role":"emperor","unit_id":"` + unit + `"}]}`),
				status: 400, code: "invalid", field: "assignments[0].role"},
			{name: "role in a unit that is not a UUID", who: api, method: "PUT", path: "/api/v1/accounts/" + a.account(t, "officer").ID + "/roles", contentType: jsonCT,
				body: strings.NewReader(`{"roles":[{"role":"officer","unit_id":"419901"}]}`), status: 400, code: "invalid", field: "assignments[0].unit_id"},
			{name: "unknown unit kind", who: api, method: "POST", path: "/api/v1/units", contentType: jsonCT,
				body: strings.NewReader(`{"code":"X1","name":"x","kind":"galaxy","parent_id":"` + unit + `"}`), status: 400, code: "invalid"},
			{name: "NUL in a name", who: api, method: "POST", path: "/api/v1/units", contentType: jsonCT,
				body: strings.NewReader(`{"code":"X1","name":"a\u0000b","kind":"street","parent_id":"` + unit + `"}`), status: 400, code: "invalid"},
			{name: "token lifetime out of range", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: strings.NewReader(`{"name":"x","ttl_days":100000}`), status: 400, code: "invalid"},
			{name: "query of the wrong type", who: api, method: "GET", path: "/api/v1/accounts?limit=abc", status: 400, code: "invalid", field: "limit"},
			{name: "unknown role in a query", who: api, method: "GET", path: "/api/v1/accounts?role=emperor", status: 400, code: "invalid"},
			{name: "unknown kind in a query", who: api, method: "GET", path: "/api/v1/units?kind=galaxy", status: 400, code: "invalid"},
			{name: "invalid UTF-8 in a query", who: api, method: "GET", path: "/api/v1/accounts?q=%FF%FE", status: 400, code: "invalid"},
			// Path IDs that are not UUIDs.
			{name: "unit ID not a UUID", who: api, method: "GET", path: "/api/v1/units/not-a-uuid", status: 404, code: "not_found"},
			{name: "account ID not a UUID", who: api, method: "GET", path: "/api/v1/accounts/123", status: 404, code: "not_found"},
			{name: "patch with a bad ID", who: api, method: "PATCH", path: "/api/v1/units/zzz", contentType: jsonCT,
				body: strings.NewReader(`{}`), status: 404, code: "not_found"},
			{name: "revoke a token with a bad ID", who: api, method: "DELETE", path: "/api/v1/tokens/zzz", status: 404, code: "not_found"},
			{name: "ID longer than a UUID", who: api, method: "POST", path: "/api/v1/accounts/" + strings.Repeat("a", 40) + "/unlock",
				status: 400, code: "invalid", field: "id"},
			// Bodies and encodings.
			{name: "JSON body over the limit", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: strings.NewReader(big), status: 413, code: "too_large"},
			{name: "chunked JSON body over the limit", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: onlyReader{strings.NewReader(big)}, status: 413, code: "too_large"},
			{name: "invalid UTF-8 in JSON", who: api, method: "POST", path: "/api/v1/tokens", contentType: jsonCT,
				body: bytes.NewReader([]byte("{\"name\":\"\xff\xfe\"}")), status: 400, code: "invalid", messageKey: "error.invalid_utf8"},
			{name: "unsupported content type", who: api, method: "POST", path: "/api/v1/tokens", contentType: "text/plain",
				body: strings.NewReader(`{"name":"x"}`), status: 415, code: "unsupported_media_type", messageKey: "error.unsupported_media_type"},
			{name: "garbage bearer token", who: &user{app: a, cookies: map[string]*http.Cookie{}, token: "cgt_garbage"},
				method: "GET", path: "/api/v1/me", status: 401, code: "unauthenticated"},
			{name: "bearer token of another kind", who: &user{app: a, cookies: map[string]*http.Cookie{}, token: "cgs_" + strings.Repeat("x", 200)},
				method: "GET", path: "/api/v1/me", status: 401, code: "unauthenticated"},
			// Forms of the UI.
			{name: "invalid UTF-8 in a form", who: ui, method: "POST", path: "/admin/accounts", contentType: formCT,
				body: strings.NewReader("username=%FF%FE&display_name=x&password=long-enough-1"), status: 400,
				messageKey: "error.invalid_utf8", html: true},
			{name: "invalid UTF-8 in the login form", who: anon, method: "POST", path: "/login", contentType: formCT,
				body: strings.NewReader("username=adm%C0in&password=x"), status: 400, messageKey: "error.invalid_utf8", html: true},
			{name: "malformed form encoding", who: ui, method: "POST", path: "/admin/units", contentType: formCT,
				body: strings.NewReader("code=%zz"), status: 400, messageKey: "error.body_unreadable", html: true},
			{name: "form over the limit", who: ui, method: "POST", path: "/admin/accounts", contentType: formCT,
				body: onlyReader{strings.NewReader("display_name=" + strings.Repeat("x", testMaxBody))}, status: 413, html: true},
			{name: "NUL in the login username", who: anon, method: "POST", path: "/login", contentType: formCT,
				body: strings.NewReader("username=ad%00min&password=long-enough-1"), status: 401, messageKey: "login.failed", html: true},
			{name: "unknown role in the form", who: ui, method: "POST", path: "/admin/accounts", contentType: formCT,
				body: strings.NewReader(url.Values{"username": {"new.one"}, "display_name": {"新"}, "password": {"long-enough-1"},
					"role_0": {"emperor"}, "unit_0": {unit}}.Encode()), status: 400, html: true},
			{name: "account page with a bad ID", who: ui, method: "GET", path: "/admin/accounts/not-a-uuid", status: 404,
				messageKey: "account.not_found", html: true},
			{name: "account action with a bad ID", who: ui, method: "POST", path: "/admin/accounts/not-a-uuid/status", contentType: formCT,
				body: strings.NewReader("disabled=1"), status: 404, html: true},
			{name: "unit page with a bad ID", who: ui, method: "GET", path: "/admin/units/" + strings.Repeat("9", 36), status: 404, html: true},
			{name: "unknown kind in a page query", who: ui, method: "GET", path: "/admin/units?kind=galaxy", status: 400, html: true},
			{name: "unknown language", who: ui, method: "GET", path: "/lang/xx", status: 404, html: true},
		}
		for _, tt := range tests {
			header := []string{"Accept", "application/json"}
			if tt.html {
				header = []string{"Accept", "text/html", "Sec-Fetch-Site", "same-origin"}
			}
			if tt.contentType != "" {
				header = append(header, "Content-Type", tt.contentType)
			}
			r := tt.who.do(t, tt.method, tt.path, tt.body, header...)
			if r.status != tt.status {
				t.Errorf("%s: status %d, want %d; body:\n%.600s", tt.name, r.status, tt.status, r.body)
				continue
			}
			if tt.html {
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("%s: content type %q, want a page", tt.name, ct)
				}
				if tt.messageKey != "" && !strings.Contains(r.String(), escaped(a.T(i18n.ZH, tt.messageKey, nil))) {
					t.Errorf("%s: page lacks the message of %s", tt.name, tt.messageKey)
				}
				continue
			}
			e := r.apiError(t)
			if e.Error.Code != tt.code {
				t.Errorf("%s: code %q, want %q; body:\n%s", tt.name, e.Error.Code, tt.code, r.body)
			}
			if tt.messageKey != "" && e.Error.Message != a.T(i18n.ZH, tt.messageKey, nil) {
				t.Errorf("%s: message %q, want that of %s", tt.name, e.Error.Message, tt.messageKey)
			}
			if tt.field != "" && e.field(tt.field) == "" {
				t.Errorf("%s: error does not name the field %s; body:\n%s", tt.name, tt.field, r.body)
			}
		}
	})
}
