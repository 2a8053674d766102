package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"chengguan/internal/apperr"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
)

const (
	sessionCookie = "cg_session"
	langCookie    = "cg_lang"
)

// uiHandler is a UI handler that returns its error to one wrapper.
type uiHandler func(w http.ResponseWriter, r *http.Request) error

// page wraps a handler that needs a signed-in user: anonymous visitors go to
// the login page, and an account whose password was reset by an
// administrator must change it before anything else.
func (s *Server) page(h uiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r.Context())
		// The UI needs a session: an API token opens the API only.
		if ri.actor == nil || ri.account == nil || ri.token == "" {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if ri.account.MustChangePassword && r.URL.Path != "/account" && r.URL.Path != "/account/password" {
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /lang/{lang}", s.switchLanguage)
	mux.Handle("GET /{$}", s.page(s.home))
	mux.Handle("GET /account", s.page(s.accountPage))
	mux.Handle("POST /account/password", s.page(s.changeOwnPassword))
	mux.Handle("POST /account/tokens", s.page(s.createOwnToken))
	mux.Handle("POST /account/tokens/{id}/revoke", s.page(s.revokeOwnToken))
	mux.Handle("GET /admin/units", s.page(s.unitsPage))
	mux.Handle("GET /admin/units/new", s.page(s.unitNewPage))
	mux.Handle("POST /admin/units", s.page(s.unitCreate))
	mux.Handle("GET /admin/units/{id}", s.page(s.unitEditPage))
	mux.Handle("POST /admin/units/{id}", s.page(s.unitUpdate))
	mux.Handle("POST /admin/units/{id}/hours", s.page(s.unitHours))
	mux.Handle("GET /admin/accounts", s.page(s.accountsPage))
	mux.Handle("GET /admin/accounts/new", s.page(s.accountNewPage))
	mux.Handle("POST /admin/accounts", s.page(s.accountCreate))
	mux.Handle("GET /admin/accounts/{id}", s.page(s.accountEditPage))
	mux.Handle("POST /admin/accounts/{id}", s.page(s.accountUpdate))
	mux.Handle("POST /admin/accounts/{id}/roles", s.page(s.accountRoles))
	mux.Handle("POST /admin/accounts/{id}/password", s.page(s.accountResetPassword))
	mux.Handle("POST /admin/accounts/{id}/status", s.page(s.accountStatus))
	mux.Handle("POST /admin/accounts/{id}/unlock", s.page(s.accountUnlock))
	mux.Handle("POST /admin/accounts/{id}/revoke", s.page(s.accountRevoke))
	mux.Handle("GET /admin/ledger", s.page(s.ledgerPage))
	mux.Handle("GET /map", s.page(s.mapPage))
	mux.Handle("GET /map/import", s.page(s.gridImportPage))
	mux.Handle("POST /map/import/cells", s.page(s.gridCellsImport))
	mux.Handle("POST /map/import/areas", s.page(s.gridAreasImport))
	mux.Handle("GET /admin/calendar", s.page(s.calendarPage))
	mux.Handle("GET /admin/calendar/{year}", s.page(s.calendarYearPage))
	mux.Handle("POST /admin/calendar/{year}", s.page(s.calendarYearSave))
	mux.Handle("GET /admin/categories", s.page(s.categoriesPage))
	mux.Handle("GET /admin/categories/new", s.page(s.categoryNewPage))
	mux.Handle("POST /admin/categories", s.page(s.categoryCreate))
	mux.Handle("POST /admin/categories/import", s.page(s.categoryImport))
	mux.Handle("GET /admin/categories/{id}", s.page(s.categoryEditPage))
	mux.Handle("POST /admin/categories/{id}", s.page(s.categoryUpdate))
	s.personnelUIRoutes(mux)
	s.caseUIRoutes(mux)
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: !s.cfg.InsecureCookies, SameSite: http.SameSiteLaxMode})
}

func clearCookie(w http.ResponseWriter, name string, insecure bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: !insecure, SameSite: http.SameSiteLaxMode})
}

// form parses a POSTed form and refuses invalid UTF-8 in any value.
func form(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, errTooLarge
		}
		return nil, apperr.Wrap(apperr.Invalid, "error.body_unreadable", err)
	}
	for k, vs := range r.PostForm {
		if !utf8.ValidString(k) {
			return nil, errBadUTF8
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, errBadUTF8
			}
		}
	}
	return r.PostForm, nil
}

// localPath accepts only a path on this site as a redirect target: one
// leading slash, no scheme or host, and no control characters or
// backslashes, which browsers strip or read as slashes ("/\t/evil.example"
// would otherwise become "//evil.example").
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || len(p) > 2048 {
		return "/"
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return p
}

// ---- sign-in ----

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if actorOf(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := s.newView(r, "page.login")
	v.Form["next"] = localPath(r.URL.Query().Get("next"))
	s.render(w, r, http.StatusOK, "login", v)
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "page.login")
	f, err := form(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v.Form["username"] = f.Get("username")
	v.Form["next"] = localPath(f.Get("next"))
	client := clientAddr(r, s.proxies)
	var token string
	if wait := s.throttle.wait(client); wait > 0 {
		err = apperr.New(apperr.RateLimited, "login.client_wait").With(map[string]any{"Seconds": int(wait.Seconds() + 0.999)})
	} else {
		token, _, err = s.identity.Login(r.Context(), f.Get("username"), f.Get("password"))
		if apperr.Is(err, apperr.Unauthenticated) {
			s.throttle.failed(client)
		}
	}
	if err != nil {
		status, body := render(v.loc, info(r.Context()).id, err)
		logError(s.log, r, info(r.Context()).id, err)
		setRetryAfter(w, err)
		v.Err = &body.Error
		s.render(w, r, status, "login", v)
		return
	}
	s.setCookie(w, sessionCookie, token, s.cfg.SessionTTL)
	http.Redirect(w, r, v.Form["next"], http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if tok := info(r.Context()).token; tok != "" {
		if err := s.identity.Logout(r.Context(), tok); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	clearCookie(w, sessionCookie, s.cfg.InsecureCookies)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if !contains(i18n.Languages(), lang) {
		s.writeError(w, r, apperr.New(apperr.NotFound, ""))
		return
	}
	s.setCookie(w, langCookie, lang, 365*24*time.Hour)
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// ---- home ----

type homeData struct {
	Places                  []place
	Units, Accounts, Locked int
	LockedAccounts          []identity.Account
	RoleCounts              []roleCount
	Team                    []identity.Account
	TeamUnit                string
	Personnel               *squadPersonnel // a squad leader's staff: expiring certificates, today's duties
}

// place is one unit where the user holds roles: its chain from the city,
// the roles held there and the units directly under it.
type place struct {
	Trail    []identity.Unit
	Unit     identity.Unit
	Roles    []identity.Role
	Children []identity.Unit
}

type roleCount struct {
	Role  identity.Role
	Count int
}

// home shows one panel per role the user holds, with what that role does
// and the figures it needs.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := s.newView(r, "page.home")
	actor := v.Actor
	d := &homeData{}
	places, err := s.places(r, actor)
	if err != nil {
		return err
	}
	d.Places = places
	if v.Can(string(identity.ActUnitView)) {
		units, err := s.identity.Units(ctx, actor, identity.UnitFilter{})
		if err != nil {
			return err
		}
		d.Units = len(units)
	}
	if v.Can(string(identity.ActAccountView)) {
		_, total, err := s.identity.Accounts(ctx, actor, identity.AccountFilter{Limit: 1})
		if err != nil {
			return err
		}
		d.Accounts = total
		counts, err := s.identity.AccountCountsByRole(ctx, actor)
		if err != nil {
			return err
		}
		for _, role := range identity.Roles() {
			d.RoleCounts = append(d.RoleCounts, roleCount{role, counts[role]})
		}
	}
	if actor.HasRole(identity.RoleAdmin) {
		locked, n, err := s.identity.Accounts(ctx, actor, identity.AccountFilter{Locked: true, Limit: 20})
		if err != nil {
			return err
		}
		d.LockedAccounts, d.Locked = locked, n
	}
	for _, as := range actor.Assignments {
		if as.Role == identity.RoleSquadLeader {
			team, _, err := s.identity.Accounts(ctx, actor, identity.AccountFilter{UnitID: as.UnitID, Limit: 200})
			if err != nil {
				return err
			}
			d.Team, d.TeamUnit = team, as.UnitName
			if d.Personnel, err = s.squadPersonnel(r, actor); err != nil {
				return err
			}
			break
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "home", v)
	return nil
}

// places groups the actor's assignments by unit, in tree order.
func (s *Server) places(r *http.Request, actor *identity.Actor) ([]place, error) {
	ctx := r.Context()
	var out []place
	index := map[string]int{}
	for _, as := range actor.Assignments {
		if i, ok := index[as.UnitID]; ok {
			out[i].Roles = append(out[i].Roles, as.Role)
			continue
		}
		trail, err := s.identity.UnitTrail(ctx, actor, as.UnitID)
		if err != nil {
			return nil, err
		}
		children, err := s.identity.Units(ctx, actor, identity.UnitFilter{ParentID: as.UnitID})
		if err != nil {
			return nil, err
		}
		index[as.UnitID] = len(out)
		out = append(out, place{Trail: trail, Unit: trail[len(trail)-1], Roles: []identity.Role{as.Role}, Children: children})
	}
	return out, nil
}

// ---- own account ----

type accountPageData struct {
	Tokens []identity.APIToken
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccountPage(w, r, http.StatusOK, s.newView(r, "page.account"))
}

func (s *Server) renderAccountPage(w http.ResponseWriter, r *http.Request, status int, v *view) error {
	d := &accountPageData{}
	// Until a reset password is changed, the page offers nothing else.
	if !v.Account.MustChangePassword {
		tokens, err := s.identity.APITokens(r.Context(), v.Actor)
		if err != nil {
			return err
		}
		d.Tokens = tokens
	}
	v.Data = d
	if v.Flash == "" && v.Account.MustChangePassword {
		v.Flash = "account.must_change_password"
	}
	s.render(w, r, status, "account", v)
	return nil
}

// formFailure re-renders a form with the error of an invalid submission;
// other errors go to the error page.
func (s *Server) formFailure(w http.ResponseWriter, r *http.Request, v *view, err error, again func(status int) error) error {
	code := apperr.CodeOf(err)
	if code != apperr.Invalid && code != apperr.Forbidden && code != apperr.Conflict {
		return err
	}
	status, body := render(v.loc, info(r.Context()).id, err)
	v.Err = &body.Error
	return again(status)
}

func (s *Server) changeOwnPassword(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.account")
	f, err := form(r)
	if err != nil {
		return err
	}
	if f.Get("new_password") != f.Get("confirm_password") {
		err = apperr.InvalidFields(apperr.Field("confirm_password", "password.mismatch"))
	} else {
		err = s.identity.ChangeOwnPassword(r.Context(), v.Actor, f.Get("current_password"), f.Get("new_password"), info(r.Context()).token)
	}
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.renderAccountPage(w, r, st, v) })
	}
	v.Account.MustChangePassword = false
	v.Actor.MustChangePassword = false
	v.Flash = "account.password_changed"
	return s.renderAccountPage(w, r, http.StatusOK, v)
}

func (s *Server) createOwnToken(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.account")
	f, err := form(r)
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(f.Get("ttl_days"))
	v.Form["token_name"] = f.Get("name")
	secret, _, err := s.identity.CreateAPIToken(r.Context(), v.Actor, f.Get("name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.renderAccountPage(w, r, st, v) })
	}
	v.Secret = secret
	v.Flash = "token.created"
	return s.renderAccountPage(w, r, http.StatusOK, v)
}

func (s *Server) revokeOwnToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.identity.RevokeAPIToken(r.Context(), actorOf(r.Context()), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}
