package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

func TestHealthzAnswersOK(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		r := a.anonymous().getJSON(t, "/healthz")
		r.wantStatus(t, http.StatusOK)
		var got struct{ Status string }
		r.decode(t, &got)
		if got.Status != "ok" {
			t.Fatalf("healthz status %q, want ok", got.Status)
		}
	})
}

func TestReadyzReportsTheSchemaVersion(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		_, latest, err := db.SchemaVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		r := a.anonymous().getJSON(t, "/readyz")
		r.wantStatus(t, http.StatusOK)
		var got struct {
			Status        string `json:"status"`
			Database      string `json:"database"`
			SchemaVersion int64  `json:"schema_version"`
		}
		r.decode(t, &got)
		if got.Status != "ready" || got.Database != string(db.Dialect) || got.SchemaVersion != latest || latest < 1 {
			t.Fatalf("readyz = %+v, want ready on %s at schema %d", got, db.Dialect, latest)
		}
	})
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		a.anonymous().getJSON(t, "/healthz").wantStatus(t, http.StatusOK)
		r := a.anonymous().do(t, http.MethodGet, "/metrics", nil)
		r.wantStatus(t, http.StatusOK)
		want := `chengguan_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`
		if !strings.Contains(r.String(), want) {
			t.Fatalf("metrics lack %q:\n%.3000s", want, r.body)
		}
	})
}

func TestOpenAPIDocumentIsVersion31AndListsTheEndpoints(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		r := a.anonymous().getJSON(t, "/api/v1/openapi.json")
		r.wantStatus(t, http.StatusOK)
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
			Servers []struct {
				URL string `json:"url"`
			} `json:"servers"`
		}
		r.decode(t, &doc)
		if !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Fatalf("openapi = %q, want 3.1.x", doc.OpenAPI)
		}
		for _, p := range []string{"/me", "/units", "/units/{id}", "/accounts", "/accounts/{id}", "/tokens", "/tokens/{id}", "/grid/lookup"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("openapi.json lacks path %s", p)
			}
		}
		if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
			t.Errorf("servers = %+v, want the one base /api/v1", doc.Servers)
		}
	})
}

func TestAnonymousAPICallIsRefusedInTheRequestLanguage(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		tests := []struct {
			acceptLanguage string
			lang           string
		}{
			{"", i18n.ZH},
			{"en", i18n.EN},
			{"en-GB,en;q=0.9", i18n.EN},
			{"zh-CN,zh;q=0.9,en;q=0.5", i18n.ZH},
			{"fr", i18n.ZH},
		}
		for _, tt := range tests {
			u := a.anonymous()
			u.acceptLanguage = tt.acceptLanguage
			e := u.getJSON(t, "/api/v1/me").wantError(t, http.StatusUnauthorized, "unauthenticated")
			if want := a.T(tt.lang, "error.unauthenticated", nil); e.Error.Message != want {
				t.Errorf("Accept-Language %q: message %q, want %q", tt.acceptLanguage, e.Error.Message, want)
			}
			if e.Error.RequestID == "" {
				t.Errorf("Accept-Language %q: no request_id in the error", tt.acceptLanguage)
			}
		}
		// The two languages really differ, so the check above means something.
		if a.T(i18n.ZH, "error.unauthenticated", nil) == a.T(i18n.EN, "error.unauthenticated", nil) {
			t.Fatal("error.unauthenticated is the same in both languages")
		}
	})
}

func TestAPITokenAuthenticatesUntilRevoked(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		session := a.loginDemo(t, "operator")
		r := session.sendJSON(t, http.MethodPost, "/api/v1/tokens", map[string]any{"name": "脚本", "ttl_days": 30})
		r.wantStatus(t, http.StatusCreated)
		var tok struct {
			ID, Name, Token string
			ExpiresAt       string `json:"expires_at"`
		}
		r.decode(t, &tok)
		if tok.Name != "脚本" || tok.ExpiresAt == "" || !strings.HasPrefix(tok.Token, "cgt_") {
			t.Fatalf("created token = %+v", tok)
		}

		bot := a.anonymous()
		bot.token = tok.Token
		r = bot.getJSON(t, "/api/v1/me")
		r.wantStatus(t, http.StatusOK)
		var me struct {
			Username string
			Roles    []struct{ Role string }
		}
		r.decode(t, &me)
		if me.Username != "operator" || len(me.Roles) != 1 || me.Roles[0].Role != string(identity.RoleOperator) {
			t.Fatalf("me with the token = %+v, want operator", me)
		}

		r = session.getJSON(t, "/api/v1/tokens")
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(r.String(), tok.ID) || strings.Contains(r.String(), tok.Token) {
			t.Fatalf("token list must hold the token's ID but never its secret:\n%s", r.body)
		}

		session.do(t, http.MethodDelete, "/api/v1/tokens/"+tok.ID, nil).wantStatus(t, http.StatusNoContent)
		bot.getJSON(t, "/api/v1/me").wantError(t, http.StatusUnauthorized, "unauthenticated")
		// The list keeps the token, marked revoked.
		r = session.getJSON(t, "/api/v1/tokens")
		if !strings.Contains(r.String(), `"revoked_at"`) {
			t.Fatalf("revoked token not shown as revoked:\n%s", r.body)
		}
	})
}

func TestUserCannotRevokeAnotherUsersToken(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		owner := a.loginDemo(t, "inspector")
		r := owner.sendJSON(t, http.MethodPost, "/api/v1/tokens", map[string]any{"name": "mine"})
		r.wantStatus(t, http.StatusCreated)
		var tok struct{ ID, Token string }
		r.decode(t, &tok)

		a.loginDemo(t, "admin").do(t, http.MethodDelete, "/api/v1/tokens/"+tok.ID, nil).
			wantError(t, http.StatusNotFound, "not_found")
		bot := a.anonymous()
		bot.token = tok.Token
		bot.getJSON(t, "/api/v1/me").wantStatus(t, http.StatusOK)
	})
}

func TestAdminCreatesUnitAndAccountThroughAPI(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.bearer(t, "admin", demoPassword)

		r := admin.sendJSON(t, http.MethodPost, "/api/v1/units", map[string]any{
			"code": "419901-ZD02", "name": "东城区第二中队", "name_en": "Dongcheng Squad 2",
			"kind": "squad", "parent_id": a.unitID(t, "419901"),
		})
		r.wantStatus(t, http.StatusCreated)
		var unit struct {
			ID, Code, Name, Kind string
			KindName             string `json:"kind_name"`
			Depth                int
		}
		r.decode(t, &unit)
		if unit.Code != "419901-ZD02" || unit.Kind != "squad" || unit.Depth != 2 || unit.KindName != a.T(i18n.ZH, "unit_kind.squad", nil) {
			t.Fatalf("created unit = %+v", unit)
		}

		r = admin.sendJSON(t, http.MethodPost, "/api/v1/accounts", map[string]any{
			"username": "Zhang.San", "display_name": "张三", "password": testPassword,
			"roles": []map[string]string{{"role": "officer", "unit_id": unit.ID}},
		})
		r.wantStatus(t, http.StatusCreated)
		var acc struct {
			ID, Username string
			Roles        []struct {
				Role   string
				UnitID string `json:"unit_id"`
			}
		}
		r.decode(t, &acc)
		if acc.Username != "zhang.san" || len(acc.Roles) != 1 || acc.Roles[0].UnitID != unit.ID {
			t.Fatalf("created account = %+v", acc)
		}

		// The service agrees, and the new account can sign in.
		got := a.account(t, "zhang.san")
		if got.ID != acc.ID || len(got.Assignments) != 1 || got.Assignments[0].Role != identity.RoleOfficer {
			t.Fatalf("stored account = %+v", got)
		}
		a.login(t, "zhang.san", testPassword)

		r = admin.getJSON(t, "/api/v1/units?q=419901-ZD02")
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(r.String(), unit.ID) {
			t.Fatalf("unit list lacks the new unit:\n%s", r.body)
		}

		// The same username again is a field error, not a server error.
		r = admin.sendJSON(t, http.MethodPost, "/api/v1/accounts", map[string]any{
			"username": "zhang.san", "display_name": "张三", "password": testPassword,
			"roles": []map[string]string{{"role": "officer", "unit_id": unit.ID}},
		})
		e := r.wantError(t, http.StatusBadRequest, "invalid")
		if want := a.T(i18n.ZH, "account.username_taken", nil); e.field("username") != want {
			t.Fatalf("username field message %q, want %q", e.field("username"), want)
		}
	})
}

func TestAuxiliaryIsRefusedTheAccountListWithAReason(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		aux := a.loginDemo(t, "auxiliary")
		for _, lang := range i18n.Languages() {
			aux.acceptLanguage = lang
			e := aux.getJSON(t, "/api/v1/accounts").wantError(t, http.StatusForbidden, "forbidden")
			roles := a.I18n.For(lang).List(identity.RoleList(identity.ActAccountView.GrantedBy()).LabelKeys())
			want := a.T(lang, "perm.role_required", map[string]any{"Roles": roles})
			if e.Error.Message != want {
				t.Errorf("%s: message %q, want %q", lang, e.Error.Message, want)
			}
			if !strings.Contains(e.Error.Message, a.T(lang, "role.admin", nil)) {
				t.Errorf("%s: reason %q does not name the role that may list accounts", lang, e.Error.Message)
			}
		}
	})
}

func TestOfficerCannotCreateUnit(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		officer := a.bearer(t, "officer", demoPassword)
		officer.sendJSON(t, http.MethodPost, "/api/v1/units", map[string]any{
			"code": "419901003", "name": "新街道", "kind": "street", "parent_id": a.unitID(t, "419901"),
		}).wantError(t, http.StatusForbidden, "forbidden")
		if _, err := a.Identity.UnitByCode(context.Background(), identity.System(), "419901003"); err == nil {
			t.Fatal("the refused unit was created")
		}
	})
}

func TestDistrictAdminSeesOnlyItsDistrict(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		a.createAccount(t, "dc-admin", identity.RoleAdmin, "419901")
		east := a.createAccount(t, "dc-officer", identity.RoleOfficer, "419901-ZD01")
		west := a.createAccount(t, "xc-officer", identity.RoleOfficer, "419902-ZD01")
		dc := a.login(t, "dc-admin", testPassword)

		r := dc.getJSON(t, "/api/v1/accounts?limit=200")
		r.wantStatus(t, http.StatusOK)
		var list struct {
			Accounts []struct{ ID, Username string }
			Total    int
		}
		r.decode(t, &list)
		var names []string
		for _, acc := range list.Accounts {
			names = append(names, acc.Username)
		}
		if !slices.Contains(names, "dc-officer") || !slices.Contains(names, "dc-admin") {
			t.Errorf("district admin's list %v lacks accounts of its district", names)
		}
		for _, outside := range []string{"xc-officer", "admin", "operator", "supervisor"} {
			if slices.Contains(names, outside) {
				t.Errorf("district admin's list %v shows %s from outside the district", names, outside)
			}
		}
		if list.Total != len(list.Accounts) {
			t.Errorf("total %d, but %d accounts listed", list.Total, len(list.Accounts))
		}

		dc.getJSON(t, "/api/v1/accounts/"+east.ID).wantStatus(t, http.StatusOK)
		e := dc.getJSON(t, "/api/v1/accounts/"+west.ID).wantError(t, http.StatusForbidden, "forbidden")
		if want := a.T(i18n.ZH, "perm.outside_jurisdiction", nil); e.Error.Message != want {
			t.Errorf("message %q, want %q", e.Error.Message, want)
		}
		dc.sendJSON(t, http.MethodPatch, "/api/v1/accounts/"+west.ID, map[string]any{"disabled": true}).
			wantError(t, http.StatusForbidden, "forbidden")
		if acc := a.account(t, "xc-officer"); acc.Disabled {
			t.Fatal("a district admin disabled an account of the other district")
		}

		// The unit list is the district's subtree only.
		r = dc.getJSON(t, "/api/v1/units")
		r.wantStatus(t, http.StatusOK)
		if strings.Contains(r.String(), a.unitID(t, "419902")) || !strings.Contains(r.String(), a.unitID(t, "419901001")) {
			t.Fatalf("district admin's unit list is not its district:\n%.2000s", r.body)
		}
	})
}

func TestOpenAPIDescribesTheErrorShape(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
				Required   []string       `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	r := a.anonymous().getJSON(t, "/api/v1/openapi.json")
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &doc)
	def, ok := doc.Paths["/accounts"]["post"].Responses["default"].Content["application/json"]
	if !ok {
		t.Fatalf("POST /accounts has no application/json default (error) response")
	}
	name := strings.TrimPrefix(def.Schema.Ref, "#/components/schemas/")
	if _, ok := doc.Components.Schemas[name].Properties["error"]; !ok {
		t.Fatalf("error schema %q has no \"error\" property: %+v", name, doc.Components.Schemas[name])
	}
	detail := doc.Components.Schemas["ErrorDetail"]
	if !slices.Contains(detail.Required, "code") || !slices.Contains(detail.Required, "message") {
		t.Fatalf("ErrorDetail must require code and message: %+v", detail)
	}
}

func TestAnonymousClientIsAskedToSignInBeforeItsInputIsJudged(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	r := a.anonymous().sendJSON(t, http.MethodPost, "/api/v1/units", map[string]any{"code": "?"})
	r.wantError(t, http.StatusUnauthorized, "unauthenticated")
}

func TestResetPasswordEndsTokensAndLimitsTheAccountUntilChanged(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.bearer(t, "admin", demoPassword)
		before := a.bearer(t, "operator", demoPassword)
		before.getJSON(t, "/api/v1/me").wantStatus(t, http.StatusOK)

		op := a.account(t, "operator")
		admin.sendJSON(t, http.MethodPost, "/api/v1/accounts/"+op.ID+"/password", map[string]any{"password": "reset-by-admin-1"}).
			wantStatus(t, http.StatusOK)
		before.getJSON(t, "/api/v1/me").wantError(t, http.StatusUnauthorized, "unauthenticated")

		after := a.login(t, "operator", "reset-by-admin-1")
		after.getJSON(t, "/api/v1/me").wantStatus(t, http.StatusOK)
		e := after.sendJSON(t, http.MethodPost, "/api/v1/tokens", map[string]any{"name": "sneaky"}).
			wantError(t, http.StatusForbidden, "forbidden")
		if want := a.T(i18n.ZH, "perm.must_change_password", nil); e.Error.Message != want {
			t.Fatalf("refusal %q, want %q", e.Error.Message, want)
		}
		// Resetting one's own password is refused: that needs the current one.
		adminAcc := a.account(t, "admin")
		admin.sendJSON(t, http.MethodPost, "/api/v1/accounts/"+adminAcc.ID+"/password", map[string]any{"password": "self-chosen-1"}).
			wantError(t, http.StatusForbidden, "forbidden")
	})
}

func TestAccountPatchAppliesWhollyOrNotAtAll(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a := startApp(t, db)
		admin := a.bearer(t, "admin", demoPassword)
		self := a.account(t, "admin")
		admin.sendJSON(t, http.MethodPatch, "/api/v1/accounts/"+self.ID, map[string]any{"display_name": "改了名", "disabled": true}).
			wantError(t, http.StatusForbidden, "forbidden")
		if got := a.account(t, "admin").DisplayName; got != self.DisplayName {
			t.Fatalf("a refused patch changed the name to %q", got)
		}
		op := a.account(t, "operator")
		admin.sendJSON(t, http.MethodPatch, "/api/v1/accounts/"+op.ID, map[string]any{"display_name": "新名字", "disabled": true}).
			wantStatus(t, http.StatusOK)
		if got := a.account(t, "operator"); got.DisplayName != "新名字" || !got.Disabled {
			t.Fatalf("patch applied partly: %+v", got)
		}
	})
}

func TestUnknownRoutesAndMethodsAnswerInTheErrorShape(t *testing.T) {
	t.Parallel()
	a := startApp(t, storagetest.OpenSQLite(t))
	u := a.anonymous()
	u.getJSON(t, "/api/v1/no-such-thing").wantError(t, http.StatusNotFound, "not_found")
	r := u.do(t, http.MethodDelete, "/api/v1/me", nil, "Accept", "application/json")
	r.wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	if got := r.header.Get("Allow"); got != "GET" {
		t.Fatalf("Allow: got %q, want GET", got)
	}
	page := u.do(t, http.MethodGet, "/no-such-page", nil, "Accept", "text/html")
	page.wantStatus(t, http.StatusNotFound)
	if !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("a browser gets %q for an unknown page, want an HTML page", page.header.Get("Content-Type"))
	}
}
