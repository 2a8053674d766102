package web_test

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chengguan/internal/config"
	"chengguan/internal/demo"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// escaped is text as html/template writes it into a page.
func escaped(s string) string { return template.HTMLEscapeString(s) }

func TestLoginSetsAHardenedSessionCookie(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		// A browser that sends Origin but not Sec-Fetch-Site (older or privacy-minded ones).
		u := a.anonymous()
		form := url.Values{"username": {"admin"}, "password": {demoPassword}, "next": {"/admin/units"}}
		r := u.do(t, http.MethodPost, "/login", strings.NewReader(form.Encode()),
			"Content-Type", "application/x-www-form-urlencoded", "Origin", a.URL)
		r.wantRedirect(t, "/admin/units")
		var session *http.Cookie
		for _, c := range r.cookies {
			if c.Name == sessionCookie {
				session = c
			}
		}
		if session == nil {
			t.Fatalf("login set no %s cookie; Set-Cookie: %q", sessionCookie, r.header.Values("Set-Cookie"))
		}
		if !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
			t.Fatalf("session cookie %q: want HttpOnly, Secure, SameSite=Lax, Path=/", session.String())
		}
		if !strings.HasPrefix(session.Value, "cgs_") || session.MaxAge <= 0 {
			t.Fatalf("session cookie %q: want a cgs_ token with a max age", session.String())
		}
		u.get(t, "/admin/units").wantStatus(t, http.StatusOK)

		// Signing out ends the session on the server, not only in the browser.
		stolen := u.cookies[sessionCookie].Value
		u.postForm(t, "/logout", nil).wantRedirect(t, "/login")
		thief := a.anonymous()
		thief.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: stolen}
		thief.get(t, "/").wantRedirect(t, "/login")
	})
}

func TestLoginWithWrongPasswordShowsTheFormAgain(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		u := a.anonymous()
		r := u.postForm(t, "/login", url.Values{"username": {"admin"}, "password": {"not-the-password"}})
		r.wantStatus(t, http.StatusUnauthorized)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("content type %q, want the HTML login page", ct)
		}
		body := r.String()
		for _, want := range []string{
			escaped(a.T(i18n.ZH, "login.failed", nil)),
			`action="/login"`,
			`value="admin"`, // the username stays filled in
		} {
			if !strings.Contains(body, want) {
				t.Errorf("login page lacks %q", want)
			}
		}
		if strings.Contains(body, "not-the-password") {
			t.Error("the login page echoes the password")
		}
		if u.cookies[sessionCookie] != nil {
			t.Error("a failed login set a session cookie")
		}
		if acc := a.account(t, "admin"); acc.FailedLogins != 1 {
			t.Errorf("failed logins = %d, want 1", acc.FailedLogins)
		}
	})
}

func TestCrossSiteLoginIsForbidden(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		form := url.Values{"username": {"admin"}, "password": {demoPassword}}.Encode()
		tests := []struct {
			name   string
			header []string
		}{
			{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
			{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site"}},
			{"foreign Origin", []string{"Origin", "https://evil.example"}},
		}
		for _, tt := range tests {
			u := a.anonymous()
			header := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, tt.header...)
			r := u.do(t, http.MethodPost, "/login", strings.NewReader(form), header...)
			e := r.wantError(t, http.StatusForbidden, "forbidden")
			if want := a.T(i18n.ZH, "error.cross_origin", nil); e.Error.Message != want {
				t.Errorf("%s: message %q, want %q", tt.name, e.Error.Message, want)
			}
			if u.cookies[sessionCookie] != nil {
				t.Errorf("%s: a refused login set a session cookie", tt.name)
			}
		}
		// A signed-in user's state-changing API call from another site is refused too.
		admin := a.loginDemo(t, "admin")
		r := admin.do(t, http.MethodPost, "/api/v1/tokens", strings.NewReader(`{"name":"x"}`),
			"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site")
		r.wantError(t, http.StatusForbidden, "forbidden")
	})
}

func TestLoginRedirectStaysOnTheSite(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		tests := []struct{ next, want string }{
			{"/admin/accounts?role=officer", "/admin/accounts?role=officer"},
			{"", "/"},
			{"//evil.example/", "/"},
			{`/\evil.example`, "/"},
			{"https://evil.example/", "/"},
		}
		for _, tt := range tests {
			r := a.anonymous().postForm(t, "/login", url.Values{"username": {"admin"}, "password": {demoPassword}, "next": {tt.next}})
			r.wantStatus(t, http.StatusSeeOther)
			if got := r.header.Get("Location"); got != tt.want {
				t.Errorf("next=%q: redirect to %q, want %q", tt.next, got, tt.want)
			}
		}
	})
}

func TestAnonymousVisitorIsSentToLogin(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		a.anonymous().get(t, "/admin/accounts?role=officer").
			wantRedirect(t, "/login?next="+url.QueryEscape("/admin/accounts?role=officer"))
		r := a.anonymous().get(t, "/login")
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(r.String(), `lang="zh-CN"`) || !strings.Contains(r.String(), escaped(a.T(i18n.ZH, "login.heading", nil))) {
			t.Fatalf("login page is not the Chinese login page:\n%.1500s", r.body)
		}
	})
}

func TestEveryRoleSeesItsPanelInChineseThenEnglish(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		for _, acc := range demo.Accounts() {
			u := a.loginDemo(t, acc.Username)
			for _, lang := range []string{i18n.ZH, i18n.EN} {
				if lang == i18n.EN {
					u.get(t, "/lang/en?back=/").wantRedirect(t, "/")
					if c := u.cookies[langCookie]; c == nil || c.Value != i18n.EN {
						t.Fatalf("%s: /lang/en set no %s=en cookie", acc.Username, langCookie)
					}
				}
				r := u.get(t, "/")
				r.wantStatus(t, http.StatusOK)
				body := r.String()
				panel := `data-role="` + string(acc.Role) + `"`
				if !strings.Contains(body, panel) {
					t.Errorf("%s (%s): home lacks the %s panel", acc.Username, lang, panel)
				}
				if n := strings.Count(body, "data-role="); n != 1 {
					t.Errorf("%s (%s): home has %d role panels, want 1", acc.Username, lang, n)
				}
				if want := `<html lang="` + lang + `"`; !strings.Contains(body, want) {
					t.Errorf("%s (%s): home is not marked %s", acc.Username, lang, want)
				}
				for _, key := range []string{acc.Role.LabelKey(), "home.duty." + string(acc.Role)} {
					if want := escaped(a.T(lang, key, nil)); !strings.Contains(body, want) {
						t.Errorf("%s (%s): home lacks %q (%s)", acc.Username, lang, want, key)
					}
				}
			}
		}
	})
}

func TestAuxiliaryGetsAReasonForAnAdminPage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		aux := a.loginDemo(t, "auxiliary")
		r := aux.get(t, "/admin/accounts")
		r.wantStatus(t, http.StatusForbidden)
		roles := a.I18n.For(i18n.ZH).List(identity.RoleList(identity.ActAccountView.GrantedBy()).LabelKeys())
		if want := escaped(a.T(i18n.ZH, "perm.role_required", map[string]any{"Roles": roles})); !strings.Contains(r.String(), want) {
			t.Fatalf("403 page lacks the reason %q:\n%.3000s", want, r.body)
		}
		// The navigation does not offer what the role cannot open; the
		// organisation of the auxiliary's own squad is open to it, read-only.
		home := aux.get(t, "/").String()
		if strings.Contains(home, `href="/admin/accounts"`) {
			t.Error("the auxiliary's navigation links to account administration")
		}
		units := aux.get(t, "/admin/units")
		units.wantStatus(t, http.StatusOK)
		if !strings.Contains(units.String(), "东城区城管执法中队") || strings.Contains(units.String(), "西城区") {
			t.Errorf("the auxiliary's organisation page should list its squad only:\n%.3000s", units.body)
		}
		if strings.Contains(units.String(), `href="/admin/units/new`) || strings.Contains(units.String(), ">"+a.T(i18n.ZH, "form.edit", nil)+"<") {
			t.Error("the auxiliary is offered to create or edit units")
		}
	})
}

func TestAdminCreatesAccountWithTheForm(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.loginDemo(t, "admin")
		squad := a.unitID(t, "419901-ZD01")

		r := admin.get(t, "/admin/accounts/new")
		r.wantStatus(t, http.StatusOK)
		for _, want := range []string{`action="/admin/accounts"`, `name="role_0"`, `name="unit_0"`, `value="` + squad + `"`} {
			if !strings.Contains(r.String(), want) {
				t.Fatalf("new account form lacks %q", want)
			}
		}

		r = admin.postForm(t, "/admin/accounts", url.Values{
			"username": {"li.si"}, "display_name": {"李四"}, "password": {testPassword},
			"role_0": {"officer"}, "unit_0": {squad}, "role_1": {""}, "unit_1": {""},
		})
		acc := a.account(t, "li.si")
		r.wantRedirect(t, "/admin/accounts/"+acc.ID)
		if len(acc.Assignments) != 1 || acc.Assignments[0].Role != identity.RoleOfficer || acc.Assignments[0].UnitID != squad {
			t.Fatalf("created account's roles = %+v, want officer in the squad", acc.Assignments)
		}
		page := admin.get(t, r.header.Get("Location"))
		page.wantStatus(t, http.StatusOK)
		for _, want := range []string{"李四", "li.si", escaped(a.T(i18n.ZH, "account.created", nil)), escaped(a.T(i18n.ZH, "role.officer", nil))} {
			if !strings.Contains(page.String(), want) {
				t.Errorf("account page lacks %q", want)
			}
		}
		a.login(t, "li.si", testPassword)
	})
}

func TestAccountFormErrorKeepsInputAndNamesTheField(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.loginDemo(t, "admin")
		squad := a.unitID(t, "419901-ZD01")
		r := admin.postForm(t, "/admin/accounts", url.Values{
			"username": {"wang.wu"}, "display_name": {"王五"}, "password": {"short"},
			"role_0": {"auxiliary"}, "unit_0": {squad},
		})
		r.wantStatus(t, http.StatusBadRequest)
		body := r.String()
		for _, want := range []string{
			`<p class="field-error">` + escaped(a.T(i18n.ZH, "password.too_short", nil)) + `</p>`,
			escaped(a.T(i18n.ZH, "error.invalid_fields", nil)),
			`value="wang.wu"`, `value="王五"`,
			`<option value="auxiliary" selected>`,
			`<option value="` + squad + `" selected>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("re-rendered form lacks %q", want)
			}
		}
		if strings.Contains(body, `value="short"`) {
			t.Error("the re-rendered form echoes the password")
		}
		if _, err := a.Identity.AccountByUsername(t.Context(), identity.System(), "wang.wu"); err == nil {
			t.Error("the invalid account was created")
		}

		// A unit the form did not offer, and a role that does not exist.
		r = admin.postForm(t, "/admin/accounts", url.Values{
			"username": {"wang.wu"}, "display_name": {"王五"}, "password": {testPassword},
			"role_0": {"emperor"}, "unit_0": {squad},
		})
		r.wantStatus(t, http.StatusBadRequest)
		if want := escaped(a.T(i18n.ZH, "account.role_unknown", nil)); !strings.Contains(r.String(), want) {
			t.Errorf("form lacks the unknown-role message %q", want)
		}
	})
}

func TestDisablingAccountInTheUIEndsItsSessionsAndTokens(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		target := a.createAccount(t, "zhao.liu", identity.RoleInspector, "419901001")
		victim := a.login(t, "zhao.liu", testPassword)
		victim.get(t, "/").wantStatus(t, http.StatusOK)
		bot := a.bearer(t, "zhao.liu", testPassword)
		bot.getJSON(t, "/api/v1/me").wantStatus(t, http.StatusOK)

		admin := a.loginDemo(t, "admin")
		admin.postForm(t, "/admin/accounts/"+target.ID+"/status", url.Values{"disabled": {"1"}}).
			wantRedirect(t, "/admin/accounts/"+target.ID+"?flash=account.disabled_now")

		victim.get(t, "/").wantRedirect(t, "/login")
		victim.getJSON(t, "/api/v1/me").wantError(t, http.StatusUnauthorized, "unauthenticated")
		bot.getJSON(t, "/api/v1/me").wantError(t, http.StatusUnauthorized, "unauthenticated")
		if acc := a.account(t, "zhao.liu"); !acc.Disabled {
			t.Fatal("the account is not disabled")
		}
		r := a.anonymous().postForm(t, "/login", url.Values{"username": {"zhao.liu"}, "password": {testPassword}})
		r.wantStatus(t, http.StatusForbidden)
		if want := escaped(a.T(i18n.ZH, "login.disabled", nil)); !strings.Contains(r.String(), want) {
			t.Errorf("login of a disabled account lacks %q", want)
		}

		// An administrator cannot lock themselves out the same way.
		me := a.account(t, "admin")
		r = admin.postForm(t, "/admin/accounts/"+me.ID+"/status", url.Values{"disabled": {"1"}})
		r.wantStatus(t, http.StatusForbidden)
		admin.get(t, "/").wantStatus(t, http.StatusOK)
	})
}

func TestAdminChangesAccountFromItsPage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		target := a.createAccount(t, "qian.qi", identity.RoleInspector, "419901001")
		admin := a.loginDemo(t, "admin")
		page := "/admin/accounts/" + target.ID

		admin.postForm(t, page, url.Values{"display_name": {"钱七"}}).wantRedirect(t, page+"?flash=form.saved")
		admin.postForm(t, page+"/roles", url.Values{
			"keep":   {string(identity.RoleInspector) + "|" + a.unitID(t, "419901001")},
			"role_0": {string(identity.RoleOfficer)}, "unit_0": {a.unitID(t, "419901-ZD01")},
		}).wantRedirect(t, page+"?flash=account.roles_saved")
		admin.postForm(t, page+"/password", url.Values{"password": {"a-new-password-1"}}).
			wantRedirect(t, page+"?flash=account.password_reset")

		acc := a.account(t, "qian.qi")
		if acc.DisplayName != "钱七" || len(acc.Assignments) != 2 || !acc.MustChangePassword {
			t.Fatalf("account after the changes = %+v", acc)
		}
		// After a reset the owner must choose a new password before anything else.
		owner := a.login(t, "qian.qi", "a-new-password-1")
		owner.get(t, "/").wantRedirect(t, "/account")
		r := owner.postForm(t, "/account/password", url.Values{
			"current_password": {"a-new-password-1"}, "new_password": {"my-own-password-9"}, "confirm_password": {"my-own-password-9"},
		})
		r.wantStatus(t, http.StatusOK)
		owner.get(t, "/").wantStatus(t, http.StatusOK)
	})
}

func TestHomeShowsWhereTheUserWorksAndWhatLiesUnderIt(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	home := a.loginDemo(t, "inspector").get(t, "/")
	home.wantStatus(t, http.StatusOK)
	for _, want := range []string{"示范市 › 东城区 › 建设路街道", a.T(i18n.ZH, "home.children", nil) + "鹰城社区、矿工路社区"} {
		if !strings.Contains(home.String(), escaped(want)) {
			t.Errorf("the inspector's home lacks %q", want)
		}
	}
}

func TestRepeatedFailedSignInsAreSlowedWithRetryAfter(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	u := a.anonymous()
	bad := url.Values{"username": {"officer"}, "password": {"not-the-password"}}
	for i := 0; i < a.Config.LoginSlowAfter; i++ {
		u.postForm(t, "/login", bad).wantStatus(t, http.StatusUnauthorized)
	}
	r := u.postForm(t, "/login", url.Values{"username": {"officer"}, "password": {demoPassword}})
	r.wantStatus(t, http.StatusTooManyRequests)
	if got := r.header.Get("Retry-After"); got == "" || got == "0" {
		t.Fatalf("Retry-After: got %q, want seconds to wait", got)
	}
	if !strings.Contains(r.String(), escaped(a.T(i18n.ZH, "login.wait", map[string]any{"Seconds": 1}))) {
		t.Fatalf("the page does not say how long to wait:\n%.2000s", r.body)
	}
}

func TestOneClientCannotTryPasswordsOnManyAccounts(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t), func(c *config.Config) { c.LoginClientLimit = 2 })
	u := a.anonymous()
	for _, name := range []string{"officer", "inspector"} {
		u.postForm(t, "/login", url.Values{"username": {name}, "password": {"guess-guess-1"}}).wantStatus(t, http.StatusUnauthorized)
	}
	r := u.postForm(t, "/login", url.Values{"username": {"dept"}, "password": {demoPassword}})
	r.wantStatus(t, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After on a throttled sign-in")
	}
	// The accounts themselves were not charged for the refused attempt.
	if n := a.account(t, "dept").FailedLogins; n != 0 {
		t.Fatalf("the throttled attempt counted against the account: %d failures", n)
	}
}
