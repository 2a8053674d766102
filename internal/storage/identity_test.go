package storage_test

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// t0 has sub-millisecond digits and a non-UTC zone on purpose: the store
// keeps milliseconds in UTC.
var t0 = time.Date(2026, 3, 2, 17, 30, 15, 123456789, time.FixedZone("CST", 8*3600))

// stored is t as the store gives it back.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func wantCode(t *testing.T, err error, code apperr.Code, what string) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("%s: got error %v, want code %s", what, err, code)
	}
}

func wantTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("%s: got %v, want %v in UTC", what, got, want)
	}
}

// tree is a small organisation tree in a store.
type tree struct {
	city, distA, streetA, distB identity.Unit
}

func newUnit(parent *identity.Unit, code string, kind identity.UnitKind) identity.Unit {
	u := identity.Unit{ID: ids.New(), Code: code, Name: "名称" + code, NameEN: "Name " + code, Kind: kind,
		CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
	if parent == nil {
		u.Path = "/" + u.ID + "/"
	} else {
		u.ParentID, u.Path = parent.ID, parent.Path+u.ID+"/"
	}
	return u
}

func makeTree(t testing.TB, s *storage.IdentityStore) tree {
	t.Helper()
	var tr tree
	tr.city = newUnit(nil, "3301", identity.KindCity)
	tr.distA = newUnit(&tr.city, "330102", identity.KindDistrict)
	tr.streetA = newUnit(&tr.distA, "330102001", identity.KindStreet)
	tr.distB = newUnit(&tr.city, "330105", identity.KindDistrict)
	for _, u := range []*identity.Unit{&tr.city, &tr.distA, &tr.streetA, &tr.distB} {
		if err := s.CreateUnit(context.Background(), u); err != nil {
			t.Fatalf("CreateUnit %s: %v", u.Code, err)
		}
	}
	return tr
}

func newAccount(username string) *identity.Account {
	return &identity.Account{ID: ids.New(), Username: username, DisplayName: "显示 " + username,
		PasswordHash: "$argon2id$fake", CreatedAt: t0, UpdatedAt: t0}
}

func createAccount(t *testing.T, s *storage.IdentityStore, username string, as ...identity.Assignment) *identity.Account {
	t.Helper()
	ctx := context.Background()
	a := newAccount(username)
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatalf("CreateAccount %s: %v", username, err)
	}
	if err := s.SetAssignments(ctx, a.ID, as); err != nil {
		t.Fatalf("SetAssignments %s: %v", username, err)
	}
	return a
}

func assign(r identity.Role, u identity.Unit) identity.Assignment {
	return identity.Assignment{Role: r, UnitID: u.ID, UnitPath: u.Path, UnitName: u.Name, UnitCode: u.Code, UnitKind: u.Kind}
}

func unitCodes(us []identity.Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Code)
	}
	return out
}

func usernames(as []identity.Account) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Username)
	}
	return out
}

func TestUnitRoundTrip(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		for _, want := range []identity.Unit{tr.city, tr.streetA} {
			got, err := s.UnitByID(ctx, want.ID)
			if err != nil {
				t.Fatalf("UnitByID: %v", err)
			}
			wantTime(t, got.CreatedAt, stored(want.CreatedAt), "CreatedAt")
			wantTime(t, got.UpdatedAt, stored(want.UpdatedAt), "UpdatedAt")
			want.CreatedAt, want.UpdatedAt = got.CreatedAt, got.UpdatedAt
			if *got != want {
				t.Fatalf("UnitByID: got %+v, want %+v", *got, want)
			}
			byCode, err := s.UnitByCode(ctx, want.Code)
			if err != nil || *byCode != *got {
				t.Fatalf("UnitByCode: got %+v, %v; want %+v", byCode, err, *got)
			}
		}
		if tr.city.ParentID != "" {
			t.Fatal("test setup: the city has a parent")
		}
	})
}

func TestUnitLookupsOfMissingRowsAreNotFound(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		u, err := s.UnitByID(ctx, ids.New())
		wantCode(t, err, apperr.NotFound, "UnitByID")
		if u != nil {
			t.Fatalf("UnitByID: got %+v with the error, want nil", u)
		}
		_, err = s.UnitByCode(ctx, "nope")
		wantCode(t, err, apperr.NotFound, "UnitByCode")
		missing := newUnit(nil, "x", identity.KindCity)
		wantCode(t, s.UpdateUnit(ctx, &missing), apperr.NotFound, "UpdateUnit")
	})
}

func TestDuplicateUnitCodeIsConflict(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		dup := newUnit(&tr.city, tr.distA.Code, identity.KindDistrict)
		wantCode(t, s.CreateUnit(ctx, &dup), apperr.Conflict, "CreateUnit with a taken code")
		b := tr.distB
		b.Code = tr.distA.Code
		wantCode(t, s.UpdateUnit(ctx, &b), apperr.Conflict, "UpdateUnit to a taken code")
		got, err := s.UnitByID(ctx, tr.distB.ID)
		if err != nil || got.Code != tr.distB.Code {
			t.Fatalf("after a refused update: got %+v, %v; want code %s", got, err, tr.distB.Code)
		}
	})
}

func TestUpdateUnitChangesOnlyEditableFields(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		u := tr.streetA
		u.Code, u.Name, u.NameEN, u.Disabled = "new-code", "新名称", "New name", true
		u.UpdatedAt = t0.Add(time.Hour)
		u.Kind, u.Path, u.ParentID = identity.KindCommunity, "/moved/", tr.distB.ID // ignored: units never move
		if err := s.UpdateUnit(ctx, &u); err != nil {
			t.Fatalf("UpdateUnit: %v", err)
		}
		got, err := s.UnitByID(ctx, u.ID)
		if err != nil {
			t.Fatalf("UnitByID: %v", err)
		}
		if got.Code != "new-code" || got.Name != "新名称" || got.NameEN != "New name" || !got.Disabled {
			t.Fatalf("edited fields: got %+v", *got)
		}
		if got.Kind != identity.KindStreet || got.Path != tr.streetA.Path || got.ParentID != tr.distA.ID {
			t.Fatalf("kind/path/parent changed: got %+v", *got)
		}
		wantTime(t, got.UpdatedAt, stored(u.UpdatedAt), "UpdatedAt")
		wantTime(t, got.CreatedAt, stored(tr.streetA.CreatedAt), "CreatedAt")
	})
}

func TestListUnitsFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		off := newUnit(&tr.distA, "33010299", identity.KindSquad)
		off.Disabled = true
		if err := s.CreateUnit(ctx, &off); err != nil {
			t.Fatalf("CreateUnit: %v", err)
		}
		all := identity.Scope{All: true}
		cases := []struct {
			name string
			f    identity.UnitFilter
			want []string
		}{
			{"everything, tree order", identity.UnitFilter{Scope: all}, pathOrder(tr.city, tr.distA, tr.streetA, tr.distB)},
			{"with disabled", identity.UnitFilter{Scope: all, IncludeDisabled: true}, pathOrder(tr.city, tr.distA, tr.streetA, tr.distB, off)},
			{"empty scope", identity.UnitFilter{}, nil},
			{"district A", identity.UnitFilter{Scope: identity.Scope{Paths: []string{tr.distA.Path}}}, pathOrder(tr.distA, tr.streetA)},
			{"two districts", identity.UnitFilter{Scope: identity.Scope{Paths: []string{tr.distB.Path, tr.streetA.Path}}}, pathOrder(tr.streetA, tr.distB)},
			{"kind", identity.UnitFilter{Scope: all, Kind: identity.KindDistrict}, pathOrder(tr.distA, tr.distB)},
			{"parent", identity.UnitFilter{Scope: all, ParentID: tr.city.ID}, pathOrder(tr.distA, tr.distB)},
			{"query by code", identity.UnitFilter{Scope: all, Query: "330102"}, pathOrder(tr.distA, tr.streetA)},
			{"query by name", identity.UnitFilter{Scope: all, Query: "名称330105"}, []string{tr.distB.Code}},
			{"query by English name, any case", identity.UnitFilter{Scope: all, Query: "NAME 3301"}, pathOrder(tr.city, tr.distA, tr.streetA, tr.distB)},
			{"query wildcards are literal", identity.UnitFilter{Scope: all, Query: "%"}, nil},
			{"query underscore is literal", identity.UnitFilter{Scope: all, Query: "3_01"}, nil},
			{"by IDs", identity.UnitFilter{Scope: all, IDs: []string{tr.distB.ID, tr.city.ID}}, pathOrder(tr.city, tr.distB)},
			{"by IDs within scope", identity.UnitFilter{Scope: identity.Scope{Paths: []string{tr.distA.Path}}, IDs: []string{tr.city.ID, tr.streetA.ID}}, []string{tr.streetA.Code}},
		}
		for _, c := range cases {
			got, err := s.ListUnits(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: ListUnits: %v", c.name, err)
			}
			if !slices.Equal(unitCodes(got), c.want) {
				t.Fatalf("%s: got %v, want %v", c.name, unitCodes(got), c.want)
			}
		}
	})
}

// pathOrder returns the codes of us sorted by path, the store's tree order.
func pathOrder(us ...identity.Unit) []string {
	slices.SortFunc(us, func(a, b identity.Unit) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	return unitCodes(us)
}

func TestAccountRoundTrip(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		a := newAccount("zhang.san")
		a.MustChangePassword = true
		a.FailedLogins = 4
		a.RetryAt = t0.Add(2 * time.Second)
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		as := []identity.Assignment{assign(identity.RoleOfficer, tr.streetA), assign(identity.RoleAdmin, tr.distA)}
		if err := s.SetAssignments(ctx, a.ID, as); err != nil {
			t.Fatalf("SetAssignments: %v", err)
		}
		got, err := s.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatalf("AccountByID: %v", err)
		}
		if got.Username != a.Username || got.DisplayName != a.DisplayName || got.PasswordHash != a.PasswordHash ||
			got.Disabled || !got.MustChangePassword || got.FailedLogins != 4 {
			t.Fatalf("AccountByID: got %+v, want %+v", *got, *a)
		}
		wantTime(t, got.RetryAt, stored(a.RetryAt), "RetryAt")
		if !got.LockedAt.IsZero() || got.Locked() {
			t.Fatalf("LockedAt: got %v, want zero", got.LockedAt)
		}
		wantTime(t, got.CreatedAt, stored(t0), "CreatedAt")
		// Assignments come in tree order: district A before its street.
		want := []identity.Assignment{assign(identity.RoleAdmin, tr.distA), assign(identity.RoleOfficer, tr.streetA)}
		if !slices.Equal(got.Assignments, want) {
			t.Fatalf("Assignments: got %+v, want %+v", got.Assignments, want)
		}
		byName, err := s.AccountByUsername(ctx, "zhang.san")
		if err != nil || byName.ID != a.ID || !slices.Equal(byName.Assignments, want) {
			t.Fatalf("AccountByUsername: got %+v, %v", byName, err)
		}
	})
}

func TestUpdateAccountRoundTripsEveryMutableField(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		a := createAccount(t, s, "li.si")
		a.DisplayName, a.PasswordHash, a.Disabled, a.MustChangePassword = "李四", "$argon2id$other", true, true
		a.FailedLogins, a.LockedAt, a.UpdatedAt = 10, t0.Add(time.Minute), t0.Add(time.Hour)
		a.Username = "renamed" // ignored: the username never changes
		if err := s.UpdateAccount(ctx, a); err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		got, err := s.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatalf("AccountByID: %v", err)
		}
		if got.Username != "li.si" || got.DisplayName != "李四" || got.PasswordHash != "$argon2id$other" ||
			!got.Disabled || !got.MustChangePassword || got.FailedLogins != 10 || !got.Locked() {
			t.Fatalf("after update: got %+v", *got)
		}
		wantTime(t, got.LockedAt, stored(a.LockedAt), "LockedAt")
		wantTime(t, got.UpdatedAt, stored(a.UpdatedAt), "UpdatedAt")
		// Zero times are stored as NULL and come back zero.
		got.LockedAt, got.RetryAt, got.FailedLogins = time.Time{}, time.Time{}, 0
		if err := s.UpdateAccount(ctx, got); err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		again, err := s.AccountByID(ctx, a.ID)
		if err != nil {
			t.Fatalf("AccountByID: %v", err)
		}
		if !again.LockedAt.IsZero() || !again.RetryAt.IsZero() || again.Locked() {
			t.Fatalf("cleared times: got locked %v retry %v, want zero", again.LockedAt, again.RetryAt)
		}
		missing := newAccount("ghost")
		wantCode(t, s.UpdateAccount(ctx, missing), apperr.NotFound, "UpdateAccount of a missing account")
	})
}

func TestAccountLookupsOfMissingRowsAreNotFound(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		a, err := s.AccountByID(ctx, ids.New())
		wantCode(t, err, apperr.NotFound, "AccountByID")
		if a != nil {
			t.Fatalf("AccountByID: got %+v with the error, want nil", a)
		}
		a, err = s.AccountByUsername(ctx, "nobody")
		wantCode(t, err, apperr.NotFound, "AccountByUsername")
		if a != nil {
			t.Fatalf("AccountByUsername: got %+v with the error, want nil", a)
		}
	})
}

func TestDuplicateUsernameIsConflict(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		createAccount(t, s, "wang.wu")
		wantCode(t, s.CreateAccount(ctx, newAccount("wang.wu")), apperr.Conflict, "CreateAccount with a taken username")
		dupID := newAccount("other")
		first := createAccount(t, s, "first")
		dupID.ID = first.ID
		wantCode(t, s.CreateAccount(ctx, dupID), apperr.Conflict, "CreateAccount with a taken ID")
	})
}

func TestSetAssignmentsReplacesRoles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		a := createAccount(t, s, "zhao.liu", assign(identity.RoleOfficer, tr.distA), assign(identity.RoleAuxiliary, tr.distB))
		want := []identity.Assignment{assign(identity.RoleInspector, tr.streetA)}
		if err := s.SetAssignments(ctx, a.ID, want); err != nil {
			t.Fatalf("SetAssignments: %v", err)
		}
		got, err := s.AccountByID(ctx, a.ID)
		if err != nil || !slices.Equal(got.Assignments, want) {
			t.Fatalf("after replace: got %+v, %v; want %+v", got.Assignments, err, want)
		}
		if err := s.SetAssignments(ctx, a.ID, nil); err != nil {
			t.Fatalf("SetAssignments(nil): %v", err)
		}
		got, err = s.AccountByID(ctx, a.ID)
		if err != nil || len(got.Assignments) != 0 {
			t.Fatalf("after clearing: got %+v, %v; want none", got.Assignments, err)
		}
		// A unit that does not exist is refused by its foreign key.
		bad := []identity.Assignment{{Role: identity.RoleOfficer, UnitID: ids.New()}}
		wantCode(t, s.SetAssignments(ctx, a.ID, bad), apperr.Conflict, "SetAssignments to a missing unit")
	})
}

func TestCountAccountsByRole(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		createAccount(t, s, "a.officer", assign(identity.RoleOfficer, tr.streetA))
		createAccount(t, s, "a.officer2", assign(identity.RoleOfficer, tr.distA), assign(identity.RoleOfficer, tr.streetA))
		createAccount(t, s, "b.officer", assign(identity.RoleOfficer, tr.distB))
		createAccount(t, s, "both", assign(identity.RoleSupervisor, tr.distB), assign(identity.RoleInspector, tr.streetA))
		off := createAccount(t, s, "off.officer", assign(identity.RoleOfficer, tr.streetA))
		off.Disabled = true
		if err := s.UpdateAccount(ctx, off); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			scope identity.Scope
			want  map[identity.Role]int
		}{
			{"everywhere", identity.Scope{All: true}, map[identity.Role]int{identity.RoleOfficer: 3, identity.RoleSupervisor: 1, identity.RoleInspector: 1}},
			{"district A", identity.Scope{Paths: []string{tr.distA.Path}}, map[identity.Role]int{identity.RoleOfficer: 2, identity.RoleInspector: 1}},
			{"nowhere", identity.Scope{}, map[identity.Role]int{}},
		}
		for _, c := range cases {
			got, err := s.CountAccountsByRole(ctx, c.scope)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !maps.Equal(got, c.want) {
				t.Fatalf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
	})
}

func TestListAccountsFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		createAccount(t, s, "city.admin", assign(identity.RoleAdmin, tr.city))
		createAccount(t, s, "a.admin", assign(identity.RoleAdmin, tr.distA))
		createAccount(t, s, "a.officer", assign(identity.RoleOfficer, tr.streetA))
		createAccount(t, s, "b.officer", assign(identity.RoleOfficer, tr.distB))
		createAccount(t, s, "both", assign(identity.RoleSupervisor, tr.distB), assign(identity.RoleInspector, tr.streetA))
		createAccount(t, s, "no.role")
		locked, err := s.AccountByUsername(ctx, "b.officer")
		if err != nil {
			t.Fatal(err)
		}
		locked.LockedAt, locked.FailedLogins = locked.CreatedAt, 10
		if err := s.UpdateAccount(ctx, locked); err != nil {
			t.Fatal(err)
		}
		all := identity.Scope{All: true}
		cases := []struct {
			name string
			f    identity.AccountFilter
			want []string
		}{
			{"everyone", identity.AccountFilter{Scope: all}, []string{"a.admin", "a.officer", "b.officer", "both", "city.admin", "no.role"}},
			{"the city's subtree includes role-less accounts", identity.AccountFilter{Scope: identity.Scope{Paths: []string{tr.city.Path}}},
				[]string{"a.admin", "a.officer", "b.officer", "both", "city.admin", "no.role"}},
			{"district A", identity.AccountFilter{Scope: identity.Scope{Paths: []string{tr.distA.Path}}}, []string{"a.admin", "a.officer", "both"}},
			{"district B", identity.AccountFilter{Scope: identity.Scope{Paths: []string{tr.distB.Path}}}, []string{"b.officer", "both"}},
			{"empty scope", identity.AccountFilter{}, nil},
			{"role", identity.AccountFilter{Scope: all, Role: identity.RoleOfficer}, []string{"a.officer", "b.officer"}},
			{"unit", identity.AccountFilter{Scope: all, UnitID: tr.streetA.ID}, []string{"a.officer", "both"}},
			{"query username", identity.AccountFilter{Scope: all, Query: "OFFICER"}, []string{"a.officer", "b.officer"}},
			{"query display name", identity.AccountFilter{Scope: all, Query: "显示 no"}, []string{"no.role"}},
			{"query underscore is literal", identity.AccountFilter{Scope: all, Query: "a_admin"}, nil},
			{"locked", identity.AccountFilter{Scope: all, Locked: true}, []string{"b.officer"}},
			{"locked in district A", identity.AccountFilter{Scope: identity.Scope{Paths: []string{tr.distA.Path}}, Locked: true}, nil},
		}
		for _, c := range cases {
			if c.f.Limit == 0 {
				c.f.Limit = 50
			}
			got, total, err := s.ListAccounts(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: ListAccounts: %v", c.name, err)
			}
			if !slices.Equal(usernames(got), c.want) || total != len(c.want) {
				t.Fatalf("%s: got %v (total %d), want %v", c.name, usernames(got), total, c.want)
			}
		}
		// Listed accounts carry all their roles, also those out of scope.
		got, _, err := s.ListAccounts(ctx, identity.AccountFilter{Scope: identity.Scope{Paths: []string{tr.distB.Path}}, Query: "both", Limit: 10})
		if err != nil || len(got) != 1 || len(got[0].Assignments) != 2 {
			t.Fatalf("assignments of a listed account: got %+v, %v", got, err)
		}
		// Pages: total counts every match.
		page, total, err := s.ListAccounts(ctx, identity.AccountFilter{Scope: all, Limit: 2, Offset: 2})
		if err != nil {
			t.Fatalf("page: %v", err)
		}
		if want := []string{"b.officer", "both"}; !slices.Equal(usernames(page), want) || total != 6 {
			t.Fatalf("page: got %v (total %d), want %v (total 6)", usernames(page), total, want)
		}
	})
}

func TestSessionLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		a := createAccount(t, s, "sess.user")
		b := createAccount(t, s, "other.user")
		se := &identity.Session{TokenHash: "h1", AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(12 * time.Hour), LastSeenAt: t0}
		for _, x := range []*identity.Session{se,
			{TokenHash: "h2", AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0, LastSeenAt: t0},
			{TokenHash: "h3", AccountID: b.ID, CreatedAt: t0, ExpiresAt: t0, LastSeenAt: t0}} {
			if err := s.CreateSession(ctx, x); err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
		}
		wantCode(t, s.CreateSession(ctx, se), apperr.Conflict, "CreateSession with a taken hash")
		got, err := s.SessionByHash(ctx, "h1")
		if err != nil {
			t.Fatalf("SessionByHash: %v", err)
		}
		if got.TokenHash != "h1" || got.AccountID != a.ID {
			t.Fatalf("SessionByHash: got %+v", *got)
		}
		wantTime(t, got.CreatedAt, stored(t0), "CreatedAt")
		wantTime(t, got.ExpiresAt, stored(se.ExpiresAt), "ExpiresAt")
		wantTime(t, got.LastSeenAt, stored(t0), "LastSeenAt")

		if err := s.TouchSession(ctx, "h1", t0.Add(time.Hour)); err != nil {
			t.Fatalf("TouchSession: %v", err)
		}
		got, err = s.SessionByHash(ctx, "h1")
		if err != nil {
			t.Fatalf("SessionByHash: %v", err)
		}
		wantTime(t, got.LastSeenAt, stored(t0.Add(time.Hour)), "LastSeenAt after touch")

		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		_, err = s.SessionByHash(ctx, "h1")
		wantCode(t, err, apperr.NotFound, "SessionByHash after delete")
		if err := s.DeleteSession(ctx, "h1"); err != nil {
			t.Fatalf("DeleteSession of a missing session: %v, want nil", err)
		}

		if err := s.DeleteSessionsOf(ctx, a.ID); err != nil {
			t.Fatalf("DeleteSessionsOf: %v", err)
		}
		_, err = s.SessionByHash(ctx, "h2")
		wantCode(t, err, apperr.NotFound, "other session of the account")
		if _, err := s.SessionByHash(ctx, "h3"); err != nil {
			t.Fatalf("another account's session: %v, want it kept", err)
		}
		missing, err := s.SessionByHash(ctx, "never")
		wantCode(t, err, apperr.NotFound, "SessionByHash of a missing session")
		if missing != nil {
			t.Fatalf("SessionByHash: got %+v with the error, want nil", missing)
		}
	})
}

func TestAPITokenLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		a := createAccount(t, s, "token.user")
		b := createAccount(t, s, "token.other")
		older := &identity.APIToken{ID: ids.New(), AccountID: a.ID, Name: "ci", TokenHash: "t1", CreatedAt: t0}
		newer := &identity.APIToken{ID: ids.New(), AccountID: a.ID, Name: "sync", TokenHash: "t2", CreatedAt: t0,
			ExpiresAt: t0.Add(24 * time.Hour)}
		theirs := &identity.APIToken{ID: ids.New(), AccountID: b.ID, Name: "theirs", TokenHash: "t3", CreatedAt: t0}
		for _, x := range []*identity.APIToken{older, newer, theirs} {
			if err := s.CreateAPIToken(ctx, x); err != nil {
				t.Fatalf("CreateAPIToken: %v", err)
			}
		}
		dup := *older
		dup.ID = ids.New()
		wantCode(t, s.CreateAPIToken(ctx, &dup), apperr.Conflict, "CreateAPIToken with a taken hash")

		got, err := s.APITokenByHash(ctx, "t2")
		if err != nil {
			t.Fatalf("APITokenByHash: %v", err)
		}
		if got.ID != newer.ID || got.AccountID != a.ID || got.Name != "sync" || got.TokenHash != "t2" {
			t.Fatalf("APITokenByHash: got %+v", *got)
		}
		wantTime(t, got.ExpiresAt, stored(newer.ExpiresAt), "ExpiresAt")
		if !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() {
			t.Fatalf("new token: used %v revoked %v, want zero", got.LastUsedAt, got.RevokedAt)
		}
		_, err = s.APITokenByHash(ctx, "none")
		wantCode(t, err, apperr.NotFound, "APITokenByHash of a missing token")

		list, err := s.ListAPITokens(ctx, a.ID)
		if err != nil {
			t.Fatalf("ListAPITokens: %v", err)
		}
		if len(list) != 2 || list[0].ID != newer.ID || list[1].ID != older.ID {
			t.Fatalf("ListAPITokens: got %+v, want newest first, own only", list)
		}
		if list, err := s.ListAPITokens(ctx, ids.New()); err != nil || len(list) != 0 {
			t.Fatalf("ListAPITokens of an account without tokens: got %v, %v", list, err)
		}

		if err := s.TouchAPIToken(ctx, older.ID, t0.Add(time.Minute)); err != nil {
			t.Fatalf("TouchAPIToken: %v", err)
		}
		if err := s.RevokeAPIToken(ctx, older.ID, t0.Add(2*time.Minute)); err != nil {
			t.Fatalf("RevokeAPIToken: %v", err)
		}
		// Revoking again keeps the first revocation time.
		if err := s.RevokeAPIToken(ctx, older.ID, t0.Add(time.Hour)); err != nil {
			t.Fatalf("RevokeAPIToken again: %v", err)
		}
		got, err = s.APITokenByHash(ctx, "t1")
		if err != nil {
			t.Fatalf("APITokenByHash: %v", err)
		}
		wantTime(t, got.LastUsedAt, stored(t0.Add(time.Minute)), "LastUsedAt")
		wantTime(t, got.RevokedAt, stored(t0.Add(2*time.Minute)), "RevokedAt")

		if err := s.RevokeAPITokensOf(ctx, a.ID, t0.Add(3*time.Minute)); err != nil {
			t.Fatalf("RevokeAPITokensOf: %v", err)
		}
		for hash, want := range map[string]time.Time{"t1": t0.Add(2 * time.Minute), "t2": t0.Add(3 * time.Minute), "t3": {}} {
			got, err := s.APITokenByHash(ctx, hash)
			if err != nil {
				t.Fatalf("APITokenByHash(%s): %v", hash, err)
			}
			if want.IsZero() {
				if !got.RevokedAt.IsZero() {
					t.Fatalf("%s: another account's token was revoked", hash)
				}
				continue
			}
			wantTime(t, got.RevokedAt, stored(want), hash+" RevokedAt")
		}
	})
}

func TestOpen311KeyLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		k1 := &identity.Open311Key{ID: ids.New(), Name: "随手拍 app", KeyHash: "k1", CreatedAt: t0}
		k2 := &identity.Open311Key{ID: ids.New(), Name: "old app", KeyHash: "k2", CreatedAt: t0, RevokedAt: t0.Add(time.Hour)}
		for _, k := range []*identity.Open311Key{k1, k2} {
			if err := s.CreateOpen311Key(ctx, k); err != nil {
				t.Fatalf("CreateOpen311Key: %v", err)
			}
		}
		dup := *k1
		dup.ID = ids.New()
		wantCode(t, s.CreateOpen311Key(ctx, &dup), apperr.Conflict, "CreateOpen311Key with a taken hash")

		got, err := s.Open311KeyByHash(ctx, "k2")
		if err != nil {
			t.Fatalf("Open311KeyByHash: %v", err)
		}
		if got.ID != k2.ID || got.Name != "old app" || got.KeyHash != "k2" {
			t.Fatalf("Open311KeyByHash: got %+v", *got)
		}
		wantTime(t, got.CreatedAt, stored(t0), "CreatedAt")
		wantTime(t, got.RevokedAt, stored(k2.RevokedAt), "RevokedAt")
		_, err = s.Open311KeyByHash(ctx, "none")
		wantCode(t, err, apperr.NotFound, "Open311KeyByHash of a missing key")

		list, err := s.ListOpen311Keys(ctx)
		if err != nil {
			t.Fatalf("ListOpen311Keys: %v", err)
		}
		if len(list) != 2 || list[0].ID != k1.ID || list[1].ID != k2.ID || !list[0].RevokedAt.IsZero() {
			t.Fatalf("ListOpen311Keys: got %+v, want both in creation order", list)
		}

		at := t0.Add(2 * time.Hour)
		if err := s.RevokeOpen311Key(ctx, k1.ID, at); err != nil {
			t.Fatalf("RevokeOpen311Key: %v", err)
		}
		got, err = s.Open311KeyByHash(ctx, "k1")
		if err != nil {
			t.Fatal(err)
		}
		wantTime(t, got.RevokedAt, stored(at), "RevokedAt after revoking")
		// Revoking again keeps the first time.
		if err := s.RevokeOpen311Key(ctx, k1.ID, at.Add(time.Hour)); err != nil {
			t.Fatalf("RevokeOpen311Key again: %v", err)
		}
		got, _ = s.Open311KeyByHash(ctx, "k1")
		wantTime(t, got.RevokedAt, stored(at), "RevokedAt after revoking twice")
		wantCode(t, s.RevokeOpen311Key(ctx, ids.New(), at), apperr.NotFound, "RevokeOpen311Key of a missing key")
	})
}

func TestAtomicCommitsAndRollsBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		boom := errors.New("boom")
		err := s.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
			if err := tx.CreateAccount(ctx, newAccount("rolled.back")); err != nil {
				return err
			}
			// Reads inside the transaction see its writes.
			if _, err := tx.AccountByUsername(ctx, "rolled.back"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Atomic: got %v, want the callback's error", err)
		}
		_, err = s.AccountByUsername(ctx, "rolled.back")
		wantCode(t, err, apperr.NotFound, "account written in a rolled-back transaction")

		err = s.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
			if err := tx.CreateAccount(ctx, newAccount("outer")); err != nil {
				return err
			}
			// A nested Atomic joins the outer transaction.
			return tx.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
				return tx.CreateAccount(ctx, newAccount("inner"))
			})
		})
		if err != nil {
			t.Fatalf("Atomic: %v", err)
		}
		for _, u := range []string{"outer", "inner"} {
			if _, err := s.AccountByUsername(ctx, u); err != nil {
				t.Fatalf("%s after commit: %v", u, err)
			}
		}

		err = s.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
			if err := tx.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
				return tx.CreateAccount(ctx, newAccount("nested.rollback"))
			}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Atomic: got %v, want the callback's error", err)
		}
		_, err = s.AccountByUsername(ctx, "nested.rollback")
		wantCode(t, err, apperr.NotFound, "nested write of a rolled-back transaction")
	})
}

// Deleting an account is not an operation, but the schema cascades its
// sessions and tokens should it ever be; the schema must agree on both
// engines.
func TestSchemaCascadesAccountDeletion(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		tr := makeTree(t, s)
		a := createAccount(t, s, "to.delete", assign(identity.RoleOfficer, tr.distA))
		if err := s.CreateSession(ctx, &identity.Session{TokenHash: "hx", AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0, LastSeenAt: t0}); err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		err := db.Transact(ctx, func(q storage.Querier) error {
			_, err := q.ExecContext(ctx, `DELETE FROM accounts WHERE id = $1`, a.ID)
			return err
		})
		if err != nil {
			t.Fatalf("delete account: %v", err)
		}
		_, err = s.SessionByHash(ctx, "hx")
		wantCode(t, err, apperr.NotFound, "session of a deleted account")
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM role_assignments`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("role assignments left: %d, %v", n, err)
		}
	})
}

func TestTimesRoundTripInUTCAtMillisecondPrecision(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		a := createAccount(t, s, "time.user")
		times := []time.Time{
			t0,
			time.Date(2026, 1, 1, 0, 0, 0, 999999999, time.UTC),
			time.Date(2026, 6, 30, 23, 59, 59, 1000000, time.FixedZone("UTC-5", -5*3600)),
			time.Date(1969, 12, 31, 23, 59, 59, 500600700, time.UTC), // before the epoch
			time.Date(2199, 12, 31, 0, 0, 0, 0, time.UTC),
		}
		for i, tm := range times {
			hash := "time-" + itoa(i)
			if err := s.CreateSession(ctx, &identity.Session{TokenHash: hash, AccountID: a.ID, CreatedAt: tm, ExpiresAt: tm, LastSeenAt: tm}); err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
			got, err := s.SessionByHash(ctx, hash)
			if err != nil {
				t.Fatalf("SessionByHash: %v", err)
			}
			for _, g := range []time.Time{got.CreatedAt, got.ExpiresAt, got.LastSeenAt} {
				wantTime(t, g, stored(tm), tm.String())
			}
		}
	})
}

// A Store method added without a contract test fails here: add the test,
// then the method's name to this list.
func TestEveryStoreMethodHasAContractTest(t *testing.T) {
	tested := []string{
		"Atomic",
		"CreateUnit", "UpdateUnit", "UnitByID", "UnitByCode", "ListUnits",
		"CreateAccount", "UpdateAccount", "SetAssignments", "AccountByID", "AccountByUsername", "ListAccounts", "CountAccountsByRole",
		"CreateSession", "SessionByHash", "TouchSession", "DeleteSession", "DeleteSessionsOf",
		"CreateAPIToken", "APITokenByHash", "ListAPITokens", "TouchAPIToken", "RevokeAPIToken", "RevokeAPITokensOf",
		"CreateOpen311Key", "Open311KeyByHash", "ListOpen311Keys", "RevokeOpen311Key",
		"AppendLedger",
	}
	store := reflect.TypeFor[identity.Store]()
	var methods []string
	for i := range store.NumMethod() {
		methods = append(methods, store.Method(i).Name)
	}
	slices.Sort(methods)
	slices.Sort(tested)
	if !slices.Equal(methods, tested) {
		t.Fatalf("identity.Store methods %v, contract-tested %v", methods, tested)
	}
}

// The ledger record of a change commits and rolls back with the change.
func TestAppendLedgerIsPartOfTheChangesTransaction(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewIdentityStore(db)
		rec := func(action string) ledger.Record {
			return ledger.Record{ID: ids.New(), At: t0, ActorID: "system", Action: action, Subject: ledger.Subject{Kind: "account", ID: ids.New()}}
		}
		boom := errors.New("boom")
		err := s.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
			if err := tx.AppendLedger(ctx, rec("rolled.back")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Atomic: %v", err)
		}
		if err := s.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
			if err := tx.AppendLedger(ctx, rec("first")); err != nil {
				return err
			}
			return tx.AppendLedger(ctx, rec("second"))
		}); err != nil {
			t.Fatalf("Atomic: %v", err)
		}
		if err := s.AppendLedger(ctx, rec("third, in a transaction of its own")); err != nil {
			t.Fatalf("AppendLedger: %v", err)
		}
		var actions []string
		sum, err := ledger.Verify(func(yield func(ledger.Record, error) bool) {
			for r, err := range storage.NewLedgerStore(db).Records(ctx) {
				if err == nil {
					actions = append(actions, r.Action)
				}
				if !yield(r, err) {
					return
				}
			}
		}, ledger.Options{})
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if want := []string{"first", "second", "third, in a transaction of its own"}; !slices.Equal(actions, want) || sum.Records != 3 {
			t.Fatalf("ledger: %v (%d records), want %v", actions, sum.Records, want)
		}
	})
}
