package identity_test

import (
	"slices"
	"testing"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
)

// The tree the pure permission tests act in. Paths are all Decide looks at.
// District "/city/ab/" shares a prefix with "/city/a" to catch a jurisdiction
// check that forgets the trailing slash.
const (
	cityPath      = "/city/"
	districtA     = "/city/a/"
	streetA       = "/city/a/s1/"
	communityA    = "/city/a/s1/c1/"
	districtB     = "/city/b/"
	districtAB    = "/city/ab/"
	otherCityPath = "/other/"
)

// grantTable is the role × action table as the issue states it, written out
// here rather than read from the rules, so that any change to the rules
// fails a test until this table is changed with it.
var grantTable = map[identity.Action]struct {
	kind  identity.ActionKind
	roles []identity.Role // for KindSelf: none, every signed-in account may
}{
	identity.ActUnitView:            {identity.KindAdministration, identity.Roles()},
	identity.ActUnitCreate:          {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActUnitUpdate:          {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActAccountView:         {identity.KindAdministration, []identity.Role{identity.RoleAdmin, identity.RoleSupervisor, identity.RoleSquadLeader}},
	identity.ActAccountCreate:       {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActAccountUpdate:       {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActAccountDisable:      {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActAccountResetPass:    {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActAccountAssignRoles:  {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActAccountUnlock:       {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActAccountRevokeAccess: {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActOpen311KeyManage:    {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActCalendarEdit:        {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActLedgerVerify:        {identity.KindAdministration, []identity.Role{identity.RoleAdmin, identity.RoleSupervisor}},
	identity.ActPersonnelView: {identity.KindAdministration, []identity.Role{identity.RoleAdmin, identity.RoleSupervisor,
		identity.RoleSquadLeader}},
	identity.ActPersonnelManage:        {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActPersonnelViewSensitive: {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActCategoryView:           {identity.KindAdministration, identity.Roles()},
	identity.ActCategoryManage:         {identity.KindAdministration, []identity.Role{identity.RoleAdmin}},
	identity.ActSelfView:               {identity.KindSelf, nil},
	identity.ActSelfTokens:             {identity.KindSelf, nil},
	identity.ActSelfPassword:           {identity.KindSelf, nil},
	identity.ActPenaltyFile:            {identity.KindEnforcement, []identity.Role{identity.RoleOfficer, identity.RoleSquadLeader}},
	identity.ActPenaltyInvestigate:     {identity.KindEnforcement, []identity.Role{identity.RoleOfficer}},
	identity.ActPenaltySummary:         {identity.KindEnforcement, []identity.Role{identity.RoleOfficer}},
	identity.ActPenaltyDecide:          {identity.KindEnforcement, []identity.Role{identity.RoleSquadLeader}},
	identity.ActPenaltySign:            {identity.KindEnforcement, []identity.Role{identity.RoleOfficer, identity.RoleSquadLeader}},
	identity.ActCompulsorySeize:        {identity.KindEnforcement, []identity.Role{identity.RoleOfficer}},
	identity.ActCompulsoryApprove:      {identity.KindEnforcement, []identity.Role{identity.RoleSquadLeader}},
	identity.ActLegalReview:            {identity.KindEnforcement, []identity.Role{identity.RoleLegalReviewer}},
	identity.ActCaseView: {identity.KindCaseWork, []identity.Role{identity.RoleOperator, identity.RoleShiftLead,
		identity.RoleInspector, identity.RoleDepartment, identity.RoleSupervisor}},
	identity.ActCaseReport: {identity.KindCaseWork, []identity.Role{identity.RoleInspector, identity.RoleOperator,
		identity.RoleOfficer, identity.RoleAuxiliary}},
	identity.ActCaseFile:     {identity.KindCaseWork, []identity.Role{identity.RoleOperator, identity.RoleShiftLead}},
	identity.ActCaseDispatch: {identity.KindCaseWork, []identity.Role{identity.RoleOperator, identity.RoleShiftLead}},
	identity.ActCaseHandle:   {identity.KindCaseWork, []identity.Role{identity.RoleDepartment}},
	identity.ActCaseVerify:   {identity.KindCaseWork, []identity.Role{identity.RoleInspector}},
	identity.ActCaseClose:    {identity.KindCaseWork, []identity.Role{identity.RoleOperator, identity.RoleShiftLead}},
	identity.ActCaseApprove:  {identity.KindCaseWork, []identity.Role{identity.RoleShiftLead}},
	identity.ActCaseContact:  {identity.KindCaseWork, []identity.Role{identity.RoleOperator, identity.RoleShiftLead}},
}

// allRoles is the role catalogue as the issue states it.
var allRoles = []identity.Role{
	identity.RoleAdmin, identity.RoleOperator, identity.RoleShiftLead, identity.RoleInspector,
	identity.RoleDepartment, identity.RoleOfficer, identity.RoleAuxiliary, identity.RoleLegalReviewer,
	identity.RoleSquadLeader, identity.RoleSupervisor,
}

// actor returns an enabled actor holding role@path pairs, given flat.
func actor(id string, pairs ...string) *identity.Actor {
	a := &identity.Actor{AccountID: id, Username: id}
	for i := 0; i+1 < len(pairs); i += 2 {
		a.Assignments = append(a.Assignments, identity.Assignment{Role: identity.Role(pairs[i]), UnitPath: pairs[i+1]})
	}
	return a
}

func wantAllowed(t *testing.T, d identity.Decision, what string) {
	t.Helper()
	if !d.Allowed {
		t.Fatalf("%s: refused with %q, want allowed", what, d.Reason)
	}
	if err := d.Err(); err != nil {
		t.Fatalf("%s: allowed decision has error %v", what, err)
	}
}

func wantRefused(t *testing.T, d identity.Decision, reason string, what string) {
	t.Helper()
	if d.Allowed {
		t.Fatalf("%s: allowed, want refused with %q", what, reason)
	}
	if d.Reason != reason {
		t.Fatalf("%s: reason %q, want %q", what, d.Reason, reason)
	}
	wantCode := apperr.Forbidden
	if reason == "perm.not_signed_in" {
		wantCode = apperr.Unauthenticated
	}
	e := apperr.As(d.Err())
	if e.Code != wantCode || e.Key != reason {
		t.Fatalf("%s: Err() = %v, want code %s key %s", what, d.Err(), wantCode, reason)
	}
}

func TestRoleCatalogueIsComplete(t *testing.T) {
	if got := identity.Roles(); !slices.Equal(got, allRoles) {
		t.Fatalf("Roles(): got %v, want %v", got, allRoles)
	}
	for _, r := range allRoles {
		if !r.Valid() {
			t.Fatalf("role %q: not valid", r)
		}
	}
	if identity.Role("resident").Valid() {
		t.Fatalf(`role "resident" is valid, want invalid: residents are not accounts`)
	}
}

func TestGrantTableCoversEveryDeclaredAction(t *testing.T) {
	actions := identity.Actions()
	if len(actions) != len(grantTable) {
		t.Fatalf("Actions() has %d actions, the test table %d: declare new actions in grantTable", len(actions), len(grantTable))
	}
	for _, a := range actions {
		want, ok := grantTable[a]
		if !ok {
			t.Fatalf("action %q is not in the test's grantTable", a)
		}
		if got := a.Kind(); got != want.kind {
			t.Errorf("%s.Kind(): got %d, want %d", a, got, want.kind)
		}
		got := a.GrantedBy()
		if !sameRoles(got, want.roles) {
			t.Errorf("%s.GrantedBy(): got %v, want %v", a, got, want.roles)
		}
	}
}

func sameRoles(a, b []identity.Role) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Every role alone, at the city, against every action in the city.
func TestDecideEveryRoleAndAction(t *testing.T) {
	for _, role := range allRoles {
		for _, action := range identity.Actions() {
			rule := grantTable[action]
			a := actor("acct-1", string(role), cityPath)
			res := identity.InUnit(cityPath)
			if rule.kind == identity.KindSelf {
				res = identity.Owned("acct-1")
			}
			d := identity.Decide(a, action, res)
			what := string(role) + " → " + string(action)
			switch {
			case rule.kind == identity.KindSelf || slices.Contains(rule.roles, role):
				if role == identity.RoleAuxiliary && rule.kind == identity.KindEnforcement {
					t.Fatalf("%s: the table grants auxiliary staff an enforcement action", what)
				}
				wantAllowed(t, d, what)
			case role == identity.RoleAuxiliary && rule.kind == identity.KindEnforcement:
				wantRefused(t, d, "perm.auxiliary_no_enforcement", what)
			case role == identity.RoleAdmin && (rule.kind == identity.KindEnforcement || rule.kind == identity.KindCaseWork):
				wantRefused(t, d, "perm.admin_no_enforcement", what)
			default:
				wantRefused(t, d, "perm.role_required", what)
			}
		}
	}
}

func TestAuxiliaryStaffIsRefusedEveryEnforcementAction(t *testing.T) {
	var enforcement int
	for _, action := range identity.Actions() {
		if action.Kind() != identity.KindEnforcement {
			continue
		}
		enforcement++
		for _, other := range allRoles {
			a := actor("aux-1", string(identity.RoleAuxiliary), cityPath, string(other), cityPath)
			what := "auxiliary+" + string(other) + " → " + string(action)
			wantRefused(t, identity.Decide(a, action, identity.InUnit(cityPath)), "perm.auxiliary_no_enforcement", what)
			wantRefused(t, identity.Decide(a, action, identity.InUnit(communityA)), "perm.auxiliary_no_enforcement", what+" in a community")
			if _, d := identity.ScopeFor(a, action); d.Allowed || d.Reason != "perm.auxiliary_no_enforcement" {
				t.Fatalf("ScopeFor(%s): got %+v, want refused with perm.auxiliary_no_enforcement", what, d)
			}
		}
		// Auxiliary in a small unit taints the whole account, even where
		// another role is held in a larger one.
		a := actor("aux-2", string(identity.RoleAuxiliary), communityA, string(identity.RoleOfficer), cityPath,
			string(identity.RoleSquadLeader), cityPath, string(identity.RoleLegalReviewer), cityPath)
		wantRefused(t, identity.Decide(a, action, identity.InUnit(districtB)), "perm.auxiliary_no_enforcement",
			"auxiliary@community + enforcement roles@city → "+string(action))
	}
	if enforcement == 0 {
		t.Fatal("no enforcement action declared")
	}
}

func TestAuxiliaryStaffKeepsNonEnforcementActions(t *testing.T) {
	a := actor("aux-1", string(identity.RoleAuxiliary), cityPath, string(identity.RoleSupervisor), cityPath)
	wantAllowed(t, identity.Decide(a, identity.ActUnitView, identity.InUnit(streetA)), "auxiliary+supervisor views a unit")
	wantAllowed(t, identity.Decide(a, identity.ActSelfPassword, identity.Owned("aux-1")), "auxiliary changes own password")
}

// An action added later without a kind would escape the auxiliary gate.
func TestEveryActionHasADeclaredKind(t *testing.T) {
	var enforcement int
	for _, action := range identity.Actions() {
		switch action.Kind() {
		case identity.KindAdministration, identity.KindSelf, identity.KindCaseWork:
		case identity.KindEnforcement:
			enforcement++
		default:
			t.Errorf("action %q has no declared kind (Kind() = %d)", action, action.Kind())
		}
		if action.Kind() != identity.KindSelf && len(action.GrantedBy()) == 0 {
			t.Errorf("action %q is granted by no role", action)
		}
	}
	if enforcement == 0 {
		t.Fatal("no action is of KindEnforcement: the auxiliary gate guards nothing")
	}
	if k := identity.Action("penalty.unknown").Kind(); k != 0 {
		t.Fatalf("undeclared action: Kind() = %d, want 0", k)
	}
}

func TestDistrictAdminActsOnlyInsideTheDistrict(t *testing.T) {
	admin := actor("adm-a", string(identity.RoleAdmin), districtA)
	cases := []struct {
		res  identity.Resource
		want bool
	}{
		{identity.InUnit(districtA), true},
		{identity.InUnit(streetA), true},
		{identity.InUnit(communityA), true},
		{identity.InUnit(districtB), false},
		{identity.InUnit(districtAB), false},
		{identity.InUnit(cityPath), false},
		{identity.InUnit(otherCityPath), false},
		{identity.Resource{}, false}, // placed nowhere: only the whole tree holds it
	}
	for _, c := range cases {
		for _, action := range []identity.Action{identity.ActAccountDisable, identity.ActUnitCreate, identity.ActAccountView} {
			d := identity.Decide(admin, action, c.res)
			what := "district admin " + string(action) + " at " + c.res.UnitPath
			if c.want {
				wantAllowed(t, d, what)
			} else {
				wantRefused(t, d, "perm.outside_jurisdiction", what)
			}
		}
	}
}

func TestCityAdminActsEverywhereInTheCity(t *testing.T) {
	admin := actor("adm-c", string(identity.RoleAdmin), cityPath)
	for _, p := range []string{cityPath, districtA, streetA, communityA, districtB, districtAB, ""} {
		wantAllowed(t, identity.Decide(admin, identity.ActAccountDisable, identity.InUnit(p)), "city admin at "+p)
	}
	wantRefused(t, identity.Decide(admin, identity.ActAccountDisable, identity.InUnit(otherCityPath)),
		"perm.outside_jurisdiction", "city admin in another city")
}

func TestRoleMustGrantTheActionWhereTheResourceIs(t *testing.T) {
	// Admin in A, supervisor in B: may view in both, administer only in A.
	a := actor("mixed", string(identity.RoleAdmin), districtA, string(identity.RoleSupervisor), districtB)
	wantAllowed(t, identity.Decide(a, identity.ActAccountView, identity.InUnit(districtB)), "supervisor views in B")
	wantAllowed(t, identity.Decide(a, identity.ActAccountDisable, identity.InUnit(streetA)), "admin disables in A")
	wantRefused(t, identity.Decide(a, identity.ActAccountDisable, identity.InUnit(districtB)),
		"perm.outside_jurisdiction", "admin in A disables in B")
}

func TestWithin(t *testing.T) {
	cases := []struct {
		path, root string
		want       bool
	}{
		{districtA, districtA, true},
		{communityA, districtA, true},
		{districtAB, districtA, false},
		{cityPath, districtA, false},
		{"", cityPath, true},
		{"", districtA, false},
		{districtA, "", false},
		{"", "", false},
	}
	for _, c := range cases {
		if got := identity.Within(c.path, c.root); got != c.want {
			t.Errorf("Within(%q, %q): got %v, want %v", c.path, c.root, got, c.want)
		}
	}
}

func TestScopeForMergesNarrowerPaths(t *testing.T) {
	cases := []struct {
		name  string
		actor *identity.Actor
		want  []string
	}{
		{"street then district", actor("x", "admin", streetA, "admin", districtA), []string{districtA}},
		{"district then street", actor("x", "admin", districtA, "admin", streetA), []string{districtA}},
		{"community, street, district", actor("x", "admin", communityA, "admin", streetA, "admin", districtA), []string{districtA}},
		{"two districts", actor("x", "admin", districtA, "admin", districtB), []string{districtA, districtB}},
		{"prefix-sharing districts", actor("x", "admin", districtA, "admin", districtAB), []string{districtA, districtAB}},
		{"district then city", actor("x", "admin", districtA, "admin", districtB, "admin", cityPath), []string{cityPath}},
		{"same unit twice", actor("x", "admin", districtA, "admin", districtA), []string{districtA}},
		{"only granting roles count", actor("x", "officer", cityPath, "admin", districtB), []string{districtB}},
	}
	for _, c := range cases {
		s, d := identity.ScopeFor(c.actor, identity.ActAccountDisable)
		wantAllowed(t, d, c.name)
		if s.All {
			t.Fatalf("%s: scope All, want paths %v", c.name, c.want)
		}
		if !slices.Equal(s.Paths, c.want) {
			t.Fatalf("%s: paths %v, want %v", c.name, s.Paths, c.want)
		}
	}
}

func TestScopeForAgreesWithDecide(t *testing.T) {
	a := actor("x", "admin", districtA, "supervisor", districtB)
	s, d := identity.ScopeFor(a, identity.ActAccountView)
	wantAllowed(t, d, "ScopeFor")
	for _, p := range []string{cityPath, districtA, streetA, communityA, districtB, districtAB, ""} {
		got := s.Contains(p)
		want := identity.Decide(a, identity.ActAccountView, identity.InUnit(p)).Allowed
		if got != want {
			t.Errorf("path %q: scope contains %v, Decide allows %v", p, got, want)
		}
	}
	if s.Empty() {
		t.Fatal("scope is empty, want two districts")
	}
}

func TestScopeForRefusals(t *testing.T) {
	cases := []struct {
		name   string
		actor  *identity.Actor
		action identity.Action
		reason string
	}{
		{"nil actor", nil, identity.ActUnitView, "perm.not_signed_in"},
		{"disabled", &identity.Actor{AccountID: "x", Disabled: true, Assignments: actor("x", "admin", cityPath).Assignments}, identity.ActUnitView, "perm.account_disabled"},
		{"no granting role", actor("x", "officer", cityPath), identity.ActAccountView, "perm.role_required"},
		{"self-service has no scope", actor("x", "admin", cityPath), identity.ActSelfView, "perm.not_own"},
		{"unknown action", actor("x", "admin", cityPath), identity.Action("nope"), "perm.unknown_action"},
	}
	for _, c := range cases {
		s, d := identity.ScopeFor(c.actor, c.action)
		wantRefused(t, d, c.reason, c.name)
		if !s.Empty() {
			t.Fatalf("%s: refused scope %+v, want empty", c.name, s)
		}
	}
}

func TestScopeContainsAndEmpty(t *testing.T) {
	if !(identity.Scope{}).Empty() || (identity.Scope{}).Contains(cityPath) || (identity.Scope{}).Contains("") {
		t.Fatal("the zero Scope admits something, want nothing")
	}
	all := identity.Scope{All: true}
	if all.Empty() || !all.Contains(otherCityPath) || !all.Contains("") {
		t.Fatal("Scope{All: true} does not admit everything")
	}
}

func TestSelfServiceAppliesToOwnResourcesOnly(t *testing.T) {
	// A role-less account may still look after itself.
	a := actor("me")
	for _, action := range []identity.Action{identity.ActSelfView, identity.ActSelfTokens, identity.ActSelfPassword} {
		wantAllowed(t, identity.Decide(a, action, identity.Owned("me")), "own "+string(action))
		wantRefused(t, identity.Decide(a, action, identity.Owned("someone-else")), "perm.not_own", "other's "+string(action))
		wantRefused(t, identity.Decide(a, action, identity.Owned("")), "perm.not_own", "unowned "+string(action))
		// Even an administrator cannot use self-service on another account.
		admin := actor("boss", "admin", cityPath)
		wantRefused(t, identity.Decide(admin, action, identity.Owned("me")), "perm.not_own", "admin on other's "+string(action))
	}
}

func TestDisabledActorIsRefusedEverything(t *testing.T) {
	a := actor("off", "admin", cityPath, "officer", cityPath)
	a.Disabled = true
	for _, action := range identity.Actions() {
		res := identity.InUnit(cityPath)
		if action.Kind() == identity.KindSelf {
			res = identity.Owned("off")
		}
		wantRefused(t, identity.Decide(a, action, res), "perm.account_disabled", string(action))
	}
}

func TestMissingActorIsUnauthenticated(t *testing.T) {
	for _, a := range []*identity.Actor{nil, {}, {Username: "ghost", Assignments: actor("", "admin", cityPath).Assignments}} {
		for _, action := range identity.Actions() {
			d := identity.Decide(a, action, identity.InUnit(cityPath))
			wantRefused(t, d, "perm.not_signed_in", string(action))
			if !apperr.Is(d.Err(), apperr.Unauthenticated) {
				t.Fatalf("%s: Err() = %v, want code unauthenticated", action, d.Err())
			}
		}
	}
}

func TestUnknownActionIsRefused(t *testing.T) {
	a := actor("boss", "admin", cityPath)
	d := identity.Decide(a, identity.Action("case.delete_everything"), identity.InUnit(cityPath))
	wantRefused(t, d, "perm.unknown_action", "unknown action")
	if got := d.Args["Action"]; got != "case.delete_everything" {
		t.Fatalf("Args[Action]: got %v, want the action", got)
	}
	wantRefused(t, identity.Decide(identity.System(), identity.Action(""), identity.Resource{}), "perm.unknown_action", "system, empty action")
}

func TestSystemActorAdministersButNeverEnforces(t *testing.T) {
	sys := identity.System()
	for _, action := range identity.Actions() {
		for _, res := range []identity.Resource{{}, identity.InUnit(cityPath), identity.InUnit(communityA), identity.InUnit(otherCityPath)} {
			d := identity.Decide(sys, action, res)
			what := "system " + string(action) + " at " + res.UnitPath
			switch action.Kind() {
			case identity.KindAdministration:
				wantAllowed(t, d, what)
			default:
				wantRefused(t, d, "perm.system_administers_only", what)
			}
		}
		s, d := identity.ScopeFor(sys, action)
		if action.Kind() == identity.KindAdministration {
			wantAllowed(t, d, "ScopeFor system "+string(action))
			if !s.All {
				t.Fatalf("ScopeFor(system, %s): got %+v, want All", action, s)
			}
		} else if d.Allowed {
			t.Fatalf("ScopeFor(system, %s): allowed, want refused", action)
		}
	}
}

func TestActorRoles(t *testing.T) {
	a := actor("x", "officer", streetA, "admin", cityPath, "officer", districtB)
	if got, want := a.Roles(), []identity.Role{identity.RoleAdmin, identity.RoleOfficer}; !slices.Equal(got, want) {
		t.Fatalf("Roles(): got %v, want %v", got, want)
	}
	if !a.HasRole(identity.RoleOfficer) || a.HasRole(identity.RoleAuxiliary) {
		t.Fatal("HasRole: wrong answer")
	}
}

func TestUnitKindParents(t *testing.T) {
	allowed := map[identity.UnitKind][]identity.UnitKind{
		identity.KindCity:        nil,
		identity.KindDistrict:    {identity.KindCity},
		identity.KindStreet:      {identity.KindDistrict},
		identity.KindCommunity:   {identity.KindStreet},
		identity.KindSquad:       {identity.KindCity, identity.KindDistrict, identity.KindStreet},
		identity.KindSupervision: {identity.KindCity, identity.KindDistrict},
		identity.KindCommand:     {identity.KindCity, identity.KindDistrict},
		identity.KindDepartment:  {identity.KindCity, identity.KindDistrict},
	}
	if len(identity.UnitKinds()) != len(allowed) {
		t.Fatalf("UnitKinds(): %d kinds, test table %d", len(identity.UnitKinds()), len(allowed))
	}
	for _, k := range identity.UnitKinds() {
		want, ok := allowed[k]
		if !ok {
			t.Fatalf("kind %q missing from the test table", k)
		}
		for _, p := range identity.UnitKinds() {
			if got := k.AllowedParent(p); got != slices.Contains(want, p) {
				t.Errorf("%s under %s: got %v, want %v", k, p, got, !got)
			}
		}
	}
}

// An administrator who also holds an enforcement role still never acts on
// cases (DESIGN §1: administrators do not act on cases).
func TestAdministratorIsRefusedEveryEnforcementActionWhateverElseItHolds(t *testing.T) {
	for _, action := range identity.Actions() {
		if action.Kind() != identity.KindEnforcement {
			continue
		}
		for _, granting := range action.GrantedBy() {
			a := actor("acct-1", string(identity.RoleAdmin), cityPath)
			a.Assignments = append(a.Assignments, identity.Assignment{Role: granting, UnitPath: cityPath})
			wantRefused(t, identity.Decide(a, action, identity.InUnit(cityPath)), "perm.admin_no_enforcement",
				"admin+"+string(granting)+" → "+string(action))
		}
	}
}

// After an administrator's reset, the account may see itself and change its
// password, and nothing else, until it does.
func TestResetPasswordLimitsTheAccountToChangingIt(t *testing.T) {
	a := actor("acct-1", string(identity.RoleAdmin), cityPath)
	a.MustChangePassword = true
	for _, action := range identity.Actions() {
		res := identity.InUnit(cityPath)
		if action.Kind() == identity.KindSelf {
			res = identity.Owned("acct-1")
		}
		d := identity.Decide(a, action, res)
		switch action {
		case identity.ActSelfView, identity.ActSelfPassword:
			wantAllowed(t, d, string(action))
		default:
			if d.Allowed {
				t.Errorf("%s allowed before the reset password was changed", action)
			}
		}
	}
}

// Disabling a unit withdraws the authority of the roles held in it; the
// refusal of enforcement to auxiliary staff stays wherever their role sits.
func TestRolesInADisabledUnitGrantNothing(t *testing.T) {
	a := actor("acct-1", string(identity.RoleAdmin), cityPath)
	a.Assignments[0].UnitDisabled = true
	wantRefused(t, identity.Decide(a, identity.ActAccountCreate, identity.InUnit(cityPath)), "perm.role_required", "admin of a disabled unit")
	if s, d := identity.ScopeFor(a, identity.ActAccountView); d.Allowed || !s.Empty() {
		t.Fatalf("scope of an admin of a disabled unit: %+v, %+v", s, d)
	}
	aux := actor("acct-2", string(identity.RoleOfficer), cityPath)
	aux.Assignments = append(aux.Assignments, identity.Assignment{Role: identity.RoleAuxiliary, UnitPath: cityPath, UnitDisabled: true})
	wantRefused(t, identity.Decide(aux, identity.ActPenaltyFile, identity.InUnit(cityPath)), "perm.auxiliary_no_enforcement", "officer + auxiliary in a disabled unit")
}

func TestCentresAndSquadsActAcrossTheirParentsTerritory(t *testing.T) {
	centre := identity.Assignment{Role: identity.RoleOperator, UnitPath: "/city/centre/", UnitKind: identity.KindSupervision}
	squad := identity.Assignment{Role: identity.RoleSquadLeader, UnitPath: "/city/a/squad/", UnitKind: identity.KindSquad}
	dept := identity.Assignment{Role: identity.RoleDepartment, UnitPath: "/city/dept/", UnitKind: identity.KindDepartment}
	street := identity.Assignment{Role: identity.RoleInspector, UnitPath: streetA, UnitKind: identity.KindStreet}
	for _, c := range []struct {
		as   identity.Assignment
		want string
	}{{centre, cityPath}, {squad, districtA}, {dept, "/city/dept/"}, {street, streetA}} {
		if got := c.as.Jurisdiction(); got != c.want {
			t.Errorf("%s in a %s: jurisdiction %q, want %q", c.as.Role, c.as.UnitKind, got, c.want)
		}
	}
	op := &identity.Actor{AccountID: "op", Assignments: []identity.Assignment{centre}}
	wantAllowed(t, identity.Decide(op, identity.ActCaseFile, identity.InUnit(communityA)), "centre operator files a case in a community")
	sq := &identity.Actor{AccountID: "sq", Assignments: []identity.Assignment{squad}}
	wantAllowed(t, identity.Decide(sq, identity.ActAccountView, identity.InUnit(streetA)), "squad leader sees accounts of the district")
	wantRefused(t, identity.Decide(sq, identity.ActAccountView, identity.InUnit(districtB)), "perm.outside_jurisdiction", "squad leader outside the district")
}

func TestADepartmentReachesTheCasesHandedToIt(t *testing.T) {
	dept := &identity.Actor{AccountID: "d", Assignments: []identity.Assignment{
		{Role: identity.RoleDepartment, UnitPath: "/city/dept/", UnitKind: identity.KindDepartment}}}
	handed := identity.Resource{UnitPath: communityA, HandlerPath: "/city/dept/"}
	wantAllowed(t, identity.Decide(dept, identity.ActCaseHandle, handed), "department handles a case dispatched to it")
	other := identity.Resource{UnitPath: communityA, HandlerPath: "/city/other-dept/"}
	wantRefused(t, identity.Decide(dept, identity.ActCaseHandle, other), "perm.outside_jurisdiction", "department and another's case")
	wantRefused(t, identity.Decide(dept, identity.ActCaseHandle, identity.InUnit(communityA)), "perm.outside_jurisdiction", "department and an undispatched case")
	insp := &identity.Actor{AccountID: "i", Assignments: []identity.Assignment{
		{Role: identity.RoleInspector, UnitPath: streetA, UnitKind: identity.KindStreet}}}
	wantAllowed(t, identity.Decide(insp, identity.ActCaseVerify, handed), "inspector verifies in the street")
}
