package identity_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// clock is a fake time source the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Service options of the tests, stated rather than left to the defaults.
const (
	testSlowAfter   = 3
	testLockAfter   = 6
	testMaxDelay    = time.Minute
	testSessionTTL  = 12 * time.Hour
	testSessionIdle = 2 * time.Hour
	testPassword    = "initial-pass-1"
)

// world is an identity service on a fresh database with a small tree:
//
//	city (杭州市)
//	├── district A (上城区) ── street A ── community A
//	└── district B (拱墅区)
//
// and a city administrator.
type world struct {
	svc   *identity.Service
	db    *storage.DB
	clock *clock

	city, distA, streetA, commA, distB *identity.Unit

	cityAdmin *identity.Account
}

func newWorld(t *testing.T, db *storage.DB) *world {
	t.Helper()
	w := &world{db: db, clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	svc, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{
		Argon2: cheapArgon2, Now: w.clock.Now,
		SlowAfter: testSlowAfter, LockAfter: testLockAfter, MaxDelay: testMaxDelay,
		SessionTTL: testSessionTTL, SessionIdle: testSessionIdle,
	})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	w.svc = svc
	sys := identity.System()
	w.city = w.unit(t, sys, "3301", identity.KindCity, nil)
	w.distA = w.unit(t, sys, "330102", identity.KindDistrict, w.city)
	w.streetA = w.unit(t, sys, "330102001", identity.KindStreet, w.distA)
	w.commA = w.unit(t, sys, "330102001001", identity.KindCommunity, w.streetA)
	w.distB = w.unit(t, sys, "330105", identity.KindDistrict, w.city)
	w.cityAdmin = w.account(t, sys, "city.admin", identity.RoleAdmin, w.city)
	return w
}

func (w *world) unit(t *testing.T, actor *identity.Actor, code string, kind identity.UnitKind, parent *identity.Unit) *identity.Unit {
	t.Helper()
	in := identity.UnitInput{Code: code, Name: "单位" + code, Kind: kind}
	if parent != nil {
		in.ParentID = parent.ID
	}
	u, err := w.svc.CreateUnit(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("CreateUnit %s: %v", code, err)
	}
	return u
}

// account creates an account holding role@unit pairs (role, unit, role, unit…).
func (w *world) account(t *testing.T, actor *identity.Actor, username string, pairs ...any) *identity.Account {
	t.Helper()
	a, err := w.svc.CreateAccount(context.Background(), actor, accountInput(username, pairs...))
	if err != nil {
		t.Fatalf("CreateAccount %s: %v", username, err)
	}
	return a
}

func accountInput(username string, pairs ...any) identity.AccountInput {
	in := identity.AccountInput{Username: username, DisplayName: "用户 " + username, Password: testPassword}
	for i := 0; i+1 < len(pairs); i += 2 {
		in.Assignments = append(in.Assignments, identity.AssignmentInput{
			Role: pairs[i].(identity.Role), UnitID: pairs[i+1].(*identity.Unit).ID})
	}
	return in
}

// login signs in and returns the session token.
func (w *world) login(t *testing.T, username, password string) string {
	t.Helper()
	token, _, err := w.svc.Login(context.Background(), username, password)
	if err != nil {
		t.Fatalf("Login %s: %v", username, err)
	}
	return token
}

// fresh reloads an account as the city administrator sees it.
func (w *world) fresh(t *testing.T, id string) *identity.Account {
	t.Helper()
	a, err := w.svc.Account(context.Background(), w.cityAdmin.Actor(), id)
	if err != nil {
		t.Fatalf("Account %s: %v", id, err)
	}
	return a
}

// wantErr fails unless err carries code and, when key is not empty, key.
func wantErr(t *testing.T, err error, code apperr.Code, key string) *apperr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s %s", code, key)
	}
	e := apperr.As(err)
	if e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("got error %v, want code %s key %s", err, code, key)
	}
	return e
}

// wantField fails unless err is Invalid naming field with key.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	e := wantErr(t, err, apperr.Invalid, "")
	for _, f := range e.Fields {
		if f.Field == field && f.Key == key {
			return
		}
	}
	t.Fatalf("got fields %+v, want %s: %s", e.Fields, field, key)
}

// ---- organisation tree ----

func TestCreateUnitTreeFollowsKindRules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.cityAdmin.Actor()
		if w.city.ParentID != "" || w.city.Path != "/"+w.city.ID+"/" {
			t.Fatalf("city: parent %q path %q, want a root", w.city.ParentID, w.city.Path)
		}
		if want := w.distA.Path + w.streetA.ID + "/" + w.commA.ID + "/"; w.commA.Path != want || w.commA.ParentID != w.streetA.ID {
			t.Fatalf("community: path %q parent %q, want %q under the street", w.commA.Path, w.commA.ParentID, want)
		}
		got, err := w.svc.Unit(ctx, admin, w.commA.ID)
		if err != nil || got.Path != w.commA.Path || got.Kind != identity.KindCommunity {
			t.Fatalf("Unit: got %+v, %v", got, err)
		}
		squad := w.unit(t, admin, "sq-01", identity.KindSquad, w.streetA)
		if squad.ParentID != w.streetA.ID {
			t.Fatalf("squad parent: got %q, want the street", squad.ParentID)
		}

		refused := []struct {
			name        string
			in          identity.UnitInput
			field, want string
		}{
			{"community under a district", identity.UnitInput{Code: "c1", Name: "社区", Kind: identity.KindCommunity, ParentID: w.distA.ID}, "parent_id", "unit.parent_kind"},
			{"street under the city", identity.UnitInput{Code: "s1", Name: "街道", Kind: identity.KindStreet, ParentID: w.city.ID}, "parent_id", "unit.parent_kind"},
			{"city under a city", identity.UnitInput{Code: "c2", Name: "市", Kind: identity.KindCity, ParentID: w.city.ID}, "parent_id", "unit.parent_kind"},
			{"district without parent", identity.UnitInput{Code: "d1", Name: "区", Kind: identity.KindDistrict}, "parent_id", "unit.parent_required"},
			{"missing parent", identity.UnitInput{Code: "d2", Name: "区", Kind: identity.KindDistrict, ParentID: ids.New()}, "parent_id", "unit.parent_missing"},
			{"malformed parent", identity.UnitInput{Code: "d3", Name: "区", Kind: identity.KindDistrict, ParentID: "1 OR 1=1"}, "parent_id", "field.bad_id"},
			{"unknown kind", identity.UnitInput{Code: "d4", Name: "区", Kind: "province", ParentID: w.city.ID}, "kind", "unit.kind_unknown"},
			{"bad code", identity.UnitInput{Code: "has space", Name: "区", Kind: identity.KindDistrict, ParentID: w.city.ID}, "code", "unit.code_format"},
			{"no name", identity.UnitInput{Code: "d5", Name: "  ", Kind: identity.KindDistrict, ParentID: w.city.ID}, "name", "field.required"},
		}
		for _, c := range refused {
			_, err := w.svc.CreateUnit(ctx, admin, c.in)
			if err == nil {
				t.Fatalf("%s: created, want refused", c.name)
			}
			wantField(t, err, c.field, c.want)
		}
	})
}

func TestDisabledUnitTakesNoChildrenAndNoRoles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.cityAdmin.Actor()
		off := true
		if _, err := w.svc.UpdateUnit(ctx, admin, w.distB.ID, identity.UnitPatch{Disabled: &off}); err != nil {
			t.Fatalf("UpdateUnit: %v", err)
		}
		_, err := w.svc.CreateUnit(ctx, admin, identity.UnitInput{Code: "s9", Name: "街道", Kind: identity.KindStreet, ParentID: w.distB.ID})
		wantField(t, err, "parent_id", "unit.parent_disabled")
		_, err = w.svc.CreateAccount(ctx, admin, accountInput("b.officer", identity.RoleOfficer, w.distB))
		wantField(t, err, "assignments[0].unit_id", "unit.disabled")
		units, err := w.svc.Units(ctx, admin, identity.UnitFilter{})
		if err != nil {
			t.Fatalf("Units: %v", err)
		}
		for _, u := range units {
			if u.ID == w.distB.ID {
				t.Fatal("Units lists a disabled unit without IncludeDisabled")
			}
		}
	})
}

func TestDuplicateUnitCodeIsInvalidCode(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.cityAdmin.Actor()
		_, err := w.svc.CreateUnit(ctx, admin, identity.UnitInput{Code: w.distA.Code, Name: "重复", Kind: identity.KindDistrict, ParentID: w.city.ID})
		wantField(t, err, "code", "unit.code_taken")
		code := w.distA.Code
		_, err = w.svc.UpdateUnit(ctx, admin, w.distB.ID, identity.UnitPatch{Code: &code})
		wantField(t, err, "code", "unit.code_taken")
		// The refused transaction left the store usable and unchanged.
		b, err := w.svc.Unit(ctx, admin, w.distB.ID)
		if err != nil || b.Code != "330105" {
			t.Fatalf("district B after refused update: got %+v, %v", b, err)
		}
	})
}

func TestUpdateUnitEditsNamesAndCode(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		w.clock.Advance(time.Hour)
		code, name, en := " 330106 ", "西湖区", "Xihu District"
		u, err := w.svc.UpdateUnit(ctx, w.cityAdmin.Actor(), w.distB.ID, identity.UnitPatch{Code: &code, Name: &name, NameEN: &en})
		if err != nil {
			t.Fatalf("UpdateUnit: %v", err)
		}
		got, err := w.svc.Unit(ctx, w.cityAdmin.Actor(), w.distB.ID)
		if err != nil {
			t.Fatalf("Unit: %v", err)
		}
		if got.Code != "330106" || got.Name != name || got.NameEN != en || got.Kind != identity.KindDistrict || got.Path != w.distB.Path {
			t.Fatalf("after update: got %+v", *got)
		}
		if !got.UpdatedAt.Equal(w.clock.Now()) || !u.UpdatedAt.Equal(w.clock.Now()) || !got.CreatedAt.Equal(w.distB.CreatedAt) {
			t.Fatalf("times: created %v updated %v", got.CreatedAt, got.UpdatedAt)
		}
		_, err = w.svc.UpdateUnit(ctx, w.cityAdmin.Actor(), ids.New(), identity.UnitPatch{Name: &name})
		wantErr(t, err, apperr.NotFound, "unit.not_found")
	})
}

func TestUnitsRefuseMalformedFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.cityAdmin.Actor()
		_, err := w.svc.Units(ctx, admin, identity.UnitFilter{ParentID: "not-a-uuid"})
		wantField(t, err, "parent_id", "field.bad_id")
		_, err = w.svc.Units(ctx, admin, identity.UnitFilter{Kind: "planet"})
		wantField(t, err, "kind", "unit.kind_unknown")
		children, err := w.svc.Units(ctx, admin, identity.UnitFilter{ParentID: w.city.ID})
		if err != nil {
			t.Fatalf("Units by parent: %v", err)
		}
		if got := unitIDs(children); !slices.Equal(got, sortedByPath(w.distA, w.distB)) {
			t.Fatalf("children of the city: got %v, want the two districts", got)
		}
		_, err = w.svc.Unit(ctx, admin, "not-a-uuid")
		wantErr(t, err, apperr.NotFound, "unit.not_found")
		_, err = w.svc.Unit(ctx, admin, ids.New())
		wantErr(t, err, apperr.NotFound, "unit.not_found")
	})
}

func unitIDs(us []identity.Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func sortedByPath(us ...*identity.Unit) []string {
	slices.SortFunc(us, func(a, b *identity.Unit) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	var out []string
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

// ---- accounts ----

func TestCreateAccountWithRoles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := accountInput("  Zhang.San ", identity.RoleOfficer, w.streetA, identity.RoleInspector, w.distA,
			identity.RoleOfficer, w.streetA) // a repeated pair counts once
		a, err := w.svc.CreateAccount(ctx, w.cityAdmin.Actor(), in)
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if a.Username != "zhang.san" {
			t.Fatalf("username: got %q, want it trimmed and lower-cased", a.Username)
		}
		if a.PasswordHash == testPassword || a.PasswordHash == "" {
			t.Fatalf("password hash: got %q", a.PasswordHash)
		}
		got := w.fresh(t, a.ID)
		want := []identity.Assignment{
			{Role: identity.RoleInspector, UnitID: w.distA.ID, UnitPath: w.distA.Path, UnitName: w.distA.Name, UnitCode: w.distA.Code, UnitKind: w.distA.Kind},
			{Role: identity.RoleOfficer, UnitID: w.streetA.ID, UnitPath: w.streetA.Path, UnitName: w.streetA.Name, UnitCode: w.streetA.Code, UnitKind: w.streetA.Kind},
		}
		if !slices.Equal(got.Assignments, want) {
			t.Fatalf("assignments: got %+v, want %+v", got.Assignments, want)
		}
		if got.MustChangePassword || got.Disabled || got.Locked() {
			t.Fatalf("new account state: %+v", *got)
		}
		_, acct, err := w.svc.Login(ctx, "ZHANG.SAN", testPassword)
		if err != nil || acct.ID != a.ID {
			t.Fatalf("Login with the new account: %v", err)
		}
		if roles := acct.Actor().Roles(); !slices.Equal(roles, []identity.Role{identity.RoleInspector, identity.RoleOfficer}) {
			t.Fatalf("actor roles: got %v", roles)
		}
	})
}

func TestCreateAccountRefusesBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.cityAdmin.Actor()
		cases := []struct {
			name        string
			in          identity.AccountInput
			field, want string
		}{
			{"short username", accountInput("ab"), "username", "account.username_format"},
			{"username with space", accountInput("zhang san"), "username", "account.username_format"},
			{"short password", func() identity.AccountInput { in := accountInput("li.si"); in.Password = "short"; return in }(), "password", "password.too_short"},
			{"password equals username", func() identity.AccountInput { in := accountInput("li.si.1234"); in.Password = "LI.SI.1234"; return in }(), "password", "password.equals_username"},
			{"no display name", func() identity.AccountInput { in := accountInput("li.si"); in.DisplayName = ""; return in }(), "display_name", "field.required"},
			{"unknown role", accountInput("li.si", identity.Role("mayor"), w.city), "assignments[0].role", "account.role_unknown"},
			{"missing unit", accountInput("li.si", identity.RoleOfficer, &identity.Unit{ID: ids.New()}), "assignments[0].unit_id", "unit.not_found"},
			{"malformed unit", accountInput("li.si", identity.RoleOfficer, &identity.Unit{ID: "x"}), "assignments[0].unit_id", "field.bad_id"},
		}
		for _, c := range cases {
			_, err := w.svc.CreateAccount(ctx, admin, c.in)
			if err == nil {
				t.Fatalf("%s: created, want refused", c.name)
			}
			wantField(t, err, c.field, c.want)
		}
	})
}

func TestUsernameTakenIsInvalidUsername(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		w.account(t, w.cityAdmin.Actor(), "wang.wu", identity.RoleOfficer, w.distA)
		_, err := w.svc.CreateAccount(ctx, w.cityAdmin.Actor(), accountInput("Wang.Wu", identity.RoleOfficer, w.distB))
		wantField(t, err, "username", "account.username_taken")
		list, total, err := w.svc.Accounts(ctx, w.cityAdmin.Actor(), identity.AccountFilter{Query: "wang.wu"})
		if err != nil || total != 1 || len(list) != 1 || list[0].Assignments[0].UnitID != w.distA.ID {
			t.Fatalf("after refused duplicate: got %+v (total %d), %v", list, total, err)
		}
	})
}

func TestCreateAccountNeedsAnAdministrator(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		lead := w.account(t, w.cityAdmin.Actor(), "squad.lead", identity.RoleSquadLeader, w.city)
		_, err := w.svc.CreateAccount(ctx, lead.Actor(), accountInput("new.one", identity.RoleOfficer, w.distA))
		wantErr(t, err, apperr.Forbidden, "perm.role_required")
		_, err = w.svc.CreateAccount(ctx, nil, accountInput("new.one", identity.RoleOfficer, w.distA))
		wantErr(t, err, apperr.Unauthenticated, "perm.not_signed_in")
	})
}

func TestDistrictAdminListsOnlyAccountsAndUnitsInTheDistrict(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		city := w.cityAdmin.Actor()
		adminA := w.account(t, city, "a.admin", identity.RoleAdmin, w.distA)
		w.account(t, city, "a.inspector", identity.RoleInspector, w.commA)
		w.account(t, city, "b.officer", identity.RoleOfficer, w.distB)
		w.account(t, city, "city.supervisor", identity.RoleSupervisor, w.city)

		accounts, total, err := w.svc.Accounts(ctx, adminA.Actor(), identity.AccountFilter{})
		if err != nil {
			t.Fatalf("Accounts: %v", err)
		}
		if got, want := names(accounts), []string{"a.admin", "a.inspector"}; !slices.Equal(got, want) || total != 2 {
			t.Fatalf("district admin's accounts: got %v (total %d), want %v", got, total, want)
		}
		accounts, total, err = w.svc.Accounts(ctx, city, identity.AccountFilter{})
		if err != nil {
			t.Fatalf("Accounts: %v", err)
		}
		if want := []string{"a.admin", "a.inspector", "b.officer", "city.admin", "city.supervisor"}; !slices.Equal(names(accounts), want) || total != len(want) {
			t.Fatalf("city admin's accounts: got %v (total %d), want %v", names(accounts), total, want)
		}

		units, err := w.svc.Units(ctx, adminA.Actor(), identity.UnitFilter{})
		if err != nil {
			t.Fatalf("Units: %v", err)
		}
		if got, want := unitIDs(units), sortedByPath(w.distA, w.streetA, w.commA); !slices.Equal(got, want) {
			t.Fatalf("district admin's units: got %v, want district A's subtree %v", got, want)
		}
		// Single lookups agree with the lists.
		_, err = w.svc.Unit(ctx, adminA.Actor(), w.distB.ID)
		wantErr(t, err, apperr.Forbidden, "perm.outside_jurisdiction")
		_, err = w.svc.Unit(ctx, adminA.Actor(), w.city.ID)
		wantErr(t, err, apperr.Forbidden, "perm.outside_jurisdiction")
		_, err = w.svc.Account(ctx, adminA.Actor(), w.cityAdmin.ID)
		wantErr(t, err, apperr.Forbidden, "perm.outside_jurisdiction")
		// Every account may look itself up.
		if _, err := w.svc.Account(ctx, adminA.Actor(), adminA.ID); err != nil {
			t.Fatalf("Account(self): %v", err)
		}
	})
}

func names(as []identity.Account) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Username)
	}
	return out
}

func TestDistrictAdminCannotGrantRoleInAnotherDistrict(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		adminA := w.account(t, w.cityAdmin.Actor(), "a.admin", identity.RoleAdmin, w.distA).Actor()
		for _, in := range []identity.AccountInput{
			accountInput("b.officer", identity.RoleOfficer, w.distB),
			accountInput("b.officer", identity.RoleOfficer, w.streetA, identity.RoleOfficer, w.distB),
			accountInput("b.officer", identity.RoleOfficer, w.city),
		} {
			_, err := w.svc.CreateAccount(ctx, adminA, in)
			wantErr(t, err, apperr.Forbidden, "perm.outside_jurisdiction")
		}
		// Every account holds a role.
		_, err := w.svc.CreateAccount(ctx, adminA, accountInput("b.officer"))
		wantField(t, err, "assignments", "account.role_required")
		// Nothing was written: the name is still free.
		if a, err := w.svc.CreateAccount(ctx, adminA, accountInput("b.officer", identity.RoleOfficer, w.commA)); err != nil {
			t.Fatalf("CreateAccount inside the district: %v", err)
		} else if a.Assignments[0].UnitID != w.commA.ID {
			t.Fatalf("assignment: got %+v", a.Assignments)
		}
		// Nor may roles be moved out of the district afterwards.
		insp := w.account(t, adminA, "a.inspector", identity.RoleInspector, w.streetA)
		_, err = w.svc.SetAssignments(ctx, adminA, insp.ID, []identity.AssignmentInput{{Role: identity.RoleInspector, UnitID: w.distB.ID}})
		wantErr(t, err, apperr.Forbidden, "perm.outside_jurisdiction")
		if got := w.fresh(t, insp.ID).Assignments; len(got) != 1 || got[0].UnitID != w.streetA.ID {
			t.Fatalf("assignments after refused move: got %+v", got)
		}
	})
}

func TestDistrictAdminCannotDisableCityAccount(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		city := w.cityAdmin.Actor()
		adminA := w.account(t, city, "a.admin", identity.RoleAdmin, w.distA).Actor()
		super := w.account(t, city, "city.supervisor", identity.RoleSupervisor, w.city)
		// Serving both the district and the city puts an account beyond a district admin.
		both := w.account(t, city, "both", identity.RoleOfficer, w.streetA, identity.RoleSupervisor, w.city)
		inA := w.account(t, city, "a.officer", identity.RoleOfficer, w.streetA)
		for _, id := range []string{w.cityAdmin.ID, super.ID, both.ID} {
			_, err := w.svc.UpdateAccount(ctx, adminA, id, identity.AccountPatch{Disabled: new(true)})
			wantErr(t, err, apperr.Forbidden, "perm.outside_jurisdiction")
			if w.fresh(t, id).Disabled {
				t.Fatalf("account %s was disabled by a district admin", id)
			}
		}
		a, err := w.svc.UpdateAccount(ctx, adminA, inA.ID, identity.AccountPatch{Disabled: new(true)})
		if err != nil || !a.Disabled || !w.fresh(t, inA.ID).Disabled {
			t.Fatalf("district admin disabling an account of the district: %+v, %v", a, err)
		}
		a, err = w.svc.UpdateAccount(ctx, adminA, inA.ID, identity.AccountPatch{Disabled: new(false)})
		if err != nil || a.Disabled || w.fresh(t, inA.ID).Disabled {
			t.Fatalf("re-enabling: %+v, %v", a, err)
		}
	})
}

func TestAdminCannotDisableSelf(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		_, err := w.svc.UpdateAccount(context.Background(), w.cityAdmin.Actor(), w.cityAdmin.ID, identity.AccountPatch{Disabled: new(true)})
		wantErr(t, err, apperr.Forbidden, "account.not_self")
		if w.fresh(t, w.cityAdmin.ID).Disabled {
			t.Fatal("the administrator disabled itself")
		}
	})
}

func TestNobodyChangesTheirOwnRoles(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		admin := w.cityAdmin.Actor()
		_, err := w.svc.SetAssignments(ctx, admin, w.cityAdmin.ID, []identity.AssignmentInput{{Role: identity.RoleSupervisor, UnitID: w.city.ID}})
		wantErr(t, err, apperr.Forbidden, "account.roles_self")
		_, err = w.svc.SetAssignments(ctx, admin, w.cityAdmin.ID, []identity.AssignmentInput{
			{Role: identity.RoleAdmin, UnitID: w.city.ID}, {Role: identity.RoleSquadLeader, UnitID: w.city.ID}})
		wantErr(t, err, apperr.Forbidden, "account.roles_self")
		if got := w.fresh(t, w.cityAdmin.ID).Assignments; len(got) != 1 || got[0].Role != identity.RoleAdmin {
			t.Fatalf("own roles changed to %+v", got)
		}
		// Another administrator may.
		other := w.account(t, admin, "second.admin", identity.RoleAdmin, w.city)
		a, err := w.svc.SetAssignments(ctx, other.Actor(), w.cityAdmin.ID, []identity.AssignmentInput{
			{Role: identity.RoleAdmin, UnitID: w.city.ID}, {Role: identity.RoleSupervisor, UnitID: w.city.ID}})
		if err != nil || len(a.Assignments) != 2 {
			t.Fatalf("another administrator adding a role: %+v, %v", a, err)
		}
	})
}

func TestUpdateAccountChangesDisplayName(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "li.si", identity.RoleOfficer, w.distA)
		name := " 李四 "
		if _, err := w.svc.UpdateAccount(ctx, w.cityAdmin.Actor(), a.ID, identity.AccountPatch{DisplayName: &name}); err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		if got := w.fresh(t, a.ID).DisplayName; got != "李四" {
			t.Fatalf("display name: got %q, want 李四", got)
		}
		empty := ""
		_, err := w.svc.UpdateAccount(ctx, w.cityAdmin.Actor(), a.ID, identity.AccountPatch{DisplayName: &empty})
		wantField(t, err, "display_name", "field.required")
		_, err = w.svc.UpdateAccount(ctx, w.cityAdmin.Actor(), ids.New(), identity.AccountPatch{DisplayName: &name})
		wantErr(t, err, apperr.NotFound, "account.not_found")
		_, err = w.svc.UpdateAccount(ctx, w.cityAdmin.Actor(), "../etc", identity.AccountPatch{DisplayName: &name})
		wantErr(t, err, apperr.NotFound, "account.not_found")
	})
}

func TestDisablingAUnitWithdrawsTheAuthorityHeldInIt(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		a := w.account(t, w.cityAdmin.Actor(), "district.admin", identity.RoleAdmin, w.distA)
		if _, _, err := w.svc.Accounts(ctx, w.fresh(t, a.ID).Actor(), identity.AccountFilter{}); err != nil {
			t.Fatalf("district admin lists accounts: %v", err)
		}
		disabled := true
		if _, err := w.svc.UpdateUnit(ctx, w.cityAdmin.Actor(), w.distA.ID, identity.UnitPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		_, _, err := w.svc.Accounts(ctx, w.fresh(t, a.ID).Actor(), identity.AccountFilter{})
		wantErr(t, err, apperr.Forbidden, "perm.role_required")
	})
}

func TestOnlyTheServerOperatorCreatesACity(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		_, err := w.svc.CreateUnit(ctx, w.cityAdmin.Actor(), identity.UnitInput{Code: "999900", Name: "另一市", Kind: identity.KindCity})
		wantErr(t, err, apperr.Forbidden, "unit.city_by_operator")
		if _, err := w.svc.CreateUnit(ctx, identity.System(), identity.UnitInput{Code: "999900", Name: "另一市", Kind: identity.KindCity}); err != nil {
			t.Fatalf("the operator creates a city: %v", err)
		}
	})
}

func TestRolesCannotBeEmptied(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		a := w.account(t, w.cityAdmin.Actor(), "li.si", identity.RoleInspector, w.streetA)
		_, err := w.svc.SetAssignments(context.Background(), w.cityAdmin.Actor(), a.ID, nil)
		wantField(t, err, "assignments", "account.role_required")
		if len(w.fresh(t, a.ID).Assignments) != 1 {
			t.Fatal("the refused change removed the role")
		}
	})
}

func TestNobodyDisablesTheUnitTheyWorkIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		disabled := true
		_, err := w.svc.UpdateUnit(ctx, w.cityAdmin.Actor(), w.city.ID, identity.UnitPatch{Disabled: &disabled})
		wantErr(t, err, apperr.Forbidden, "unit.disable_own")
		admin := w.account(t, w.cityAdmin.Actor(), "a.admin", identity.RoleAdmin, w.streetA)
		_, err = w.svc.UpdateUnit(ctx, admin.Actor(), w.streetA.ID, identity.UnitPatch{Disabled: &disabled})
		wantErr(t, err, apperr.Forbidden, "unit.disable_own")
		// A unit below, where the administrator holds no role, may be disabled.
		if _, err := w.svc.UpdateUnit(ctx, admin.Actor(), w.commA.ID, identity.UnitPatch{Disabled: &disabled}); err != nil {
			t.Fatalf("disable a community below: %v", err)
		}
	})
}

// Every change the service makes appends its record to the ledger in the
// same transaction: who, in which role and unit, did what to what.
func TestChangesAreRecordedInTheLedgerWithTheRoleAndUnitActedIn(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		adminA := w.account(t, w.cityAdmin.Actor(), "a.admin", identity.RoleAdmin, w.distA)
		officer := w.account(t, adminA.Actor(), "li.si", identity.RoleOfficer, w.streetA)
		name := "李四"
		if _, err := w.svc.UpdateAccount(ctx, adminA.Actor(), officer.ID, identity.AccountPatch{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		// A refused change leaves no record.
		if _, err := w.svc.UpdateAccount(ctx, adminA.Actor(), w.cityAdmin.ID, identity.AccountPatch{DisplayName: &name}); err == nil {
			t.Fatal("a district admin renamed the city admin")
		}
		var recs []ledger.Record
		for r, err := range storage.NewLedgerStore(db).Records(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject.ID == officer.ID {
				recs = append(recs, r)
			}
		}
		if len(recs) != 2 {
			t.Fatalf("records of the officer's account: %+v, want create and update", recs)
		}
		create, update := recs[0], recs[1]
		if create.Action != "account.create" || create.ActorID != adminA.ID || create.Role != "admin" || create.UnitID != w.distA.ID ||
			create.Before != "" || create.After == "" {
			t.Fatalf("create record: %+v", create)
		}
		if update.Action != "account.update" || update.Before != create.After || update.After == update.Before {
			t.Fatalf("update record: %+v (its before must be the create's after)", update)
		}
		if _, err := ledger.Verify(storage.NewLedgerStore(db).Records(ctx), ledger.Options{}); err != nil {
			t.Fatalf("the ledger does not verify: %v", err)
		}
	})
}

// UnitLookup caches what it read: a change made on another node is seen once the cache
// TTL has passed, a change made through this node at once, and a caller that edits the
// unit it got changes nothing in the cache.
func TestUnitLookupSeesChangesOfThisNodeAtOnceAndOfOthersWithinTheTTL(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		other, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{Argon2: cheapArgon2, Now: w.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		look := w.svc.UnitLookup()
		byCode := func(code string) *identity.Unit {
			t.Helper()
			u, err := look.UnitByCode(ctx, code)
			if err != nil {
				t.Fatalf("UnitByCode %s: %v", code, err)
			}
			return u
		}
		got := byCode(w.commA.Code)
		got.Name = "edited by the caller"
		if again := byCode(w.commA.Code); again.Name != w.commA.Name {
			t.Fatalf("the cache kept a caller's edit: %q", again.Name)
		}

		name := "另一节点改名"
		if _, err := other.UpdateUnit(ctx, identity.System(), w.commA.ID, identity.UnitPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if u := byCode(w.commA.Code); u.Name != w.commA.Name {
			t.Fatalf("within the TTL the cached unit is served; got %q", u.Name)
		}
		w.clock.Advance(5 * time.Second)
		if u := byCode(w.commA.Code); u.Name != name {
			t.Fatalf("after the TTL: %q, want %q", u.Name, name)
		}

		disabled := true
		if _, err := w.svc.UpdateUnit(ctx, identity.System(), w.commA.ID, identity.UnitPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if u, err := look.UnitByID(ctx, w.commA.ID); err != nil || !u.Disabled {
			t.Fatalf("a change through this node is seen at once: %+v, %v", u, err)
		}
		if _, err := look.UnitByCode(ctx, "no-such-unit"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown code: %v", err)
		}
	})
}
