package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"chengguan/internal/identity"
)

// ---- units ----

type unitsData struct {
	Units []identity.Unit
	Kinds []identity.UnitKind
	Q     string
	Kind  string
	All   bool
}

func (s *Server) unitsPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.units")
	q := r.URL.Query()
	d := &unitsData{Kinds: identity.UnitKinds(), Q: q.Get("q"), Kind: q.Get("kind"), All: q.Get("all") == "1"}
	units, err := s.identity.Units(r.Context(), v.Actor, identity.UnitFilter{Query: d.Q,
		Kind: identity.UnitKind(d.Kind), IncludeDisabled: d.All})
	if err != nil {
		return err
	}
	d.Units = units
	if q.Get("created") == "1" {
		v.Flash = "unit.created"
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "units", v)
	return nil
}

type unitFormData struct {
	Unit    *identity.Unit
	Parents []identity.Unit
	Kinds   []identity.UnitKind
	// Hours are the working hours in force at the unit; HoursInherited
	// tells that they come from a unit above (or the default).
	Hours          string
	HoursInherited bool
	Timeline       []entry
}

func (s *Server) unitForm(w http.ResponseWriter, r *http.Request, status int, v *view, u *identity.Unit) error {
	d := &unitFormData{Unit: u, Kinds: identity.UnitKinds()}
	if u == nil {
		parents, err := s.identity.Units(r.Context(), v.Actor, identity.UnitFilter{})
		if err != nil {
			return err
		}
		d.Parents = parents
	} else {
		h, inherited, err := s.calendar.HoursFor(r.Context(), u.Path)
		if err != nil {
			return err
		}
		d.Hours, d.HoursInherited = h.String(), inherited
		if d.Timeline, err = s.timeline(r, v.Actor, "unit", u.ID); err != nil {
			return err
		}
		if _, ok := v.Form["hours"]; !ok && !inherited {
			v.Form["hours"] = d.Hours
		}
	}
	v.Data = d
	s.render(w, r, status, "unit_form", v)
	return nil
}

func (s *Server) unitNewPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.unit_new")
	v.Form["parent_id"] = r.URL.Query().Get("parent")
	return s.unitForm(w, r, http.StatusOK, v, nil)
}

func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.unit_new")
	f, err := form(r)
	if err != nil {
		return err
	}
	for _, k := range []string{"code", "name", "name_en", "kind", "parent_id"} {
		v.Form[k] = f.Get(k)
	}
	_, err = s.identity.CreateUnit(r.Context(), v.Actor, identity.UnitInput{Code: f.Get("code"), Name: f.Get("name"),
		NameEN: f.Get("name_en"), Kind: identity.UnitKind(f.Get("kind")), ParentID: f.Get("parent_id")})
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.unitForm(w, r, st, v, nil) })
	}
	http.Redirect(w, r, "/admin/units?created=1", http.StatusSeeOther)
	return nil
}

func (s *Server) unitEditPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.unit_edit")
	u, err := s.identity.Unit(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Form["code"], v.Form["name"], v.Form["name_en"] = u.Code, u.Name, u.NameEN
	if r.URL.Query().Get("saved") == "1" {
		v.Flash = "form.saved"
	}
	return s.unitForm(w, r, http.StatusOK, v, u)
}

func (s *Server) unitUpdate(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.unit_edit")
	f, err := form(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var p identity.UnitPatch
	if f.Has("disabled") {
		disabled := f.Get("disabled") == "1"
		p.Disabled = &disabled
	} else {
		code, name, nameEN := f.Get("code"), f.Get("name"), f.Get("name_en")
		p.Code, p.Name, p.NameEN = &code, &name, &nameEN
		v.Form["code"], v.Form["name"], v.Form["name_en"] = code, name, nameEN
	}
	u, err := s.identity.UpdateUnit(r.Context(), v.Actor, id, p)
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error {
			cur, err := s.identity.Unit(r.Context(), v.Actor, id)
			if err != nil {
				return err
			}
			return s.unitForm(w, r, st, v, cur)
		})
	}
	http.Redirect(w, r, "/admin/units/"+u.ID+"?saved=1", http.StatusSeeOther)
	return nil
}

// unitHours sets or clears a unit's working hours.
func (s *Server) unitHours(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.unit_edit")
	f, err := form(r)
	if err != nil {
		return err
	}
	u, err := s.identity.Unit(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Form["code"], v.Form["name"], v.Form["name_en"], v.Form["hours"] = u.Code, u.Name, u.NameEN, f.Get("hours")
	if err := s.calendar.SetHours(r.Context(), v.Actor, u, f.Get("hours")); err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.unitForm(w, r, st, v, u) })
	}
	http.Redirect(w, r, "/admin/units/"+u.ID+"?saved=1", http.StatusSeeOther)
	return nil
}

// ---- accounts ----

type accountsData struct {
	Accounts []identity.Account
	Total    int
	Roles    []identity.Role
	Units    []identity.Unit
	Q        string
	Role     string
	UnitID   string
	Offset   int
	Prev     string
	Next     string
}

const accountsPerPage = 50

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.accounts")
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	d := &accountsData{Roles: identity.Roles(), Q: q.Get("q"), Role: q.Get("role"), UnitID: q.Get("unit_id"), Offset: offset}
	list, total, err := s.identity.Accounts(r.Context(), v.Actor, identity.AccountFilter{Query: d.Q,
		Role: identity.Role(d.Role), UnitID: d.UnitID, Limit: accountsPerPage, Offset: offset})
	if err != nil {
		return err
	}
	d.Accounts, d.Total = list, total
	if v.Can(string(identity.ActUnitView)) {
		if d.Units, err = s.identity.Units(r.Context(), v.Actor, identity.UnitFilter{}); err != nil {
			return err
		}
	}
	page := func(off int) string {
		u := url.Values{"q": {d.Q}, "role": {d.Role}, "unit_id": {d.UnitID}, "offset": {strconv.Itoa(off)}}
		return "/admin/accounts?" + u.Encode()
	}
	if offset > 0 {
		d.Prev = page(max(0, offset-accountsPerPage))
	}
	if offset+accountsPerPage < total {
		d.Next = page(offset + accountsPerPage)
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "accounts", v)
	return nil
}

type accountFormData struct {
	Account *identity.Account
	Roles   []identity.Role
	Units   []identity.Unit
	// NewRows is how many empty role rows the form offers.
	NewRows  []int
	Timeline []entry
}

func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, status int, v *view, page string, a *identity.Account) error {
	units, err := s.identity.Units(r.Context(), v.Actor, identity.UnitFilter{})
	if err != nil {
		return err
	}
	d := &accountFormData{Account: a, Roles: identity.Roles(), Units: units, NewRows: []int{0, 1, 2}}
	if a != nil {
		if d.Timeline, err = s.timeline(r, v.Actor, "account", a.ID); err != nil {
			return err
		}
	}
	v.Data = d
	s.render(w, r, status, page, v)
	return nil
}

func (s *Server) accountNewPage(w http.ResponseWriter, r *http.Request) error {
	return s.accountForm(w, r, http.StatusOK, s.newView(r, "page.account_new"), "account_new", nil)
}

// rolesFromForm reads rows role_N/unit_N; rows left empty are skipped, and
// keep=ROLE|UNIT checkboxes carry existing assignments.
func rolesFromForm(f url.Values) []identity.AssignmentInput {
	var out []identity.AssignmentInput
	for _, k := range f["keep"] {
		if role, unit, ok := strings.Cut(k, "|"); ok {
			out = append(out, identity.AssignmentInput{Role: identity.Role(role), UnitID: unit})
		}
	}
	for i := 0; i < 10; i++ {
		role, unit := f.Get("role_"+strconv.Itoa(i)), f.Get("unit_"+strconv.Itoa(i))
		if role == "" && unit == "" {
			continue
		}
		out = append(out, identity.AssignmentInput{Role: identity.Role(role), UnitID: unit})
	}
	return out
}

func (s *Server) accountCreate(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.account_new")
	f, err := form(r)
	if err != nil {
		return err
	}
	for k := range f {
		if k != "password" {
			v.Form[k] = f.Get(k)
		}
	}
	a, err := s.identity.CreateAccount(r.Context(), v.Actor, identity.AccountInput{Username: f.Get("username"),
		DisplayName: f.Get("display_name"), Password: f.Get("password"), Assignments: rolesFromForm(f)})
	if err != nil {
		return s.formFailure(w, r, v, err, func(st int) error { return s.accountForm(w, r, st, v, "account_new", nil) })
	}
	http.Redirect(w, r, "/admin/accounts/"+a.ID+"?flash=account.created", http.StatusSeeOther)
	return nil
}

// accountFlashes are the notices an account page may show after a redirect.
func accountFlash(key string) string {
	switch key {
	case "account.created", "form.saved", "account.roles_saved", "account.password_reset",
		"account.disabled_now", "account.enabled_now", "account.unlocked", "account.access_revoked":
		return key
	}
	return ""
}

func (s *Server) accountEditPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.account_edit")
	a, err := s.identity.Account(r.Context(), v.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Form["display_name"] = a.DisplayName
	v.Flash = accountFlash(r.URL.Query().Get("flash"))
	return s.accountForm(w, r, http.StatusOK, v, "account_edit", a)
}

// accountAction runs one administrative change from the account page and
// redirects back with a notice, or re-renders the page with the refusal.
func (s *Server) accountAction(w http.ResponseWriter, r *http.Request, flash string,
	do func(v *view, f url.Values, id string) error) error {
	v := s.newView(r, "page.account_edit")
	f, err := form(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := do(v, f, id); err != nil {
		return s.formFailure(w, r, v, err, func(st int) error {
			a, err := s.identity.Account(r.Context(), v.Actor, id)
			if err != nil {
				return err
			}
			if v.Form["display_name"] == "" {
				v.Form["display_name"] = a.DisplayName
			}
			return s.accountForm(w, r, st, v, "account_edit", a)
		})
	}
	http.Redirect(w, r, "/admin/accounts/"+id+"?flash="+flash, http.StatusSeeOther)
	return nil
}

func (s *Server) accountUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "form.saved", func(v *view, f url.Values, id string) error {
		name := f.Get("display_name")
		v.Form["display_name"] = name
		_, err := s.identity.UpdateAccount(r.Context(), v.Actor, id, identity.AccountPatch{DisplayName: &name})
		return err
	})
}

func (s *Server) accountRoles(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "account.roles_saved", func(v *view, f url.Values, id string) error {
		_, err := s.identity.SetAssignments(r.Context(), v.Actor, id, rolesFromForm(f))
		return err
	})
}

func (s *Server) accountResetPassword(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "account.password_reset", func(v *view, f url.Values, id string) error {
		_, err := s.identity.ResetPassword(r.Context(), v.Actor, id, f.Get("password"))
		return err
	})
}

func (s *Server) accountStatus(w http.ResponseWriter, r *http.Request) error {
	f, err := form(r)
	if err != nil {
		return err
	}
	disable := f.Get("disabled") == "1"
	flash := "account.enabled_now"
	if disable {
		flash = "account.disabled_now"
	}
	return s.accountAction(w, r, flash, func(v *view, _ url.Values, id string) error {
		_, err := s.identity.UpdateAccount(r.Context(), v.Actor, id, identity.AccountPatch{Disabled: &disable})
		return err
	})
}

func (s *Server) accountUnlock(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "account.unlocked", func(v *view, _ url.Values, id string) error {
		_, err := s.identity.Unlock(r.Context(), v.Actor, id)
		return err
	})
}

func (s *Server) accountRevoke(w http.ResponseWriter, r *http.Request) error {
	return s.accountAction(w, r, "account.access_revoked", func(v *view, _ url.Values, id string) error {
		_, err := s.identity.RevokeAccess(r.Context(), v.Actor, id)
		return err
	})
}
