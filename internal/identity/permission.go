package identity

import (
	"strings"

	"chengguan/internal/apperr"
)

// Assignment is one role held within one organisation unit. The unit's
// subtree is the assignment's jurisdiction.
type Assignment struct {
	Role     Role
	UnitID   string
	UnitPath string // materialised path of the unit, e.g. "/0001/0002/"
	UnitName string
	UnitCode string
	UnitKind UnitKind
	// UnitDisabled: a role held in a disabled unit grants nothing (it still
	// counts for the auxiliary and administrator refusals).
	UnitDisabled bool
}

// Jurisdiction is the root of the subtree where the assignment applies.
// For a territorial unit (市, 区, 街道, 社区) and a department it is the unit
// itself. A squad (中队), a supervision centre (监督中心) and a command centre
// (指挥中心) are the agencies of the territory above them and have no
// territory of their own: their staff act across their parent's subtree.
func (as Assignment) Jurisdiction() string {
	switch as.UnitKind {
	case KindSquad, KindSupervision, KindCommand:
		if parent := parentPath(as.UnitPath); parent != "" {
			return parent
		}
	}
	return as.UnitPath
}

// parentPath is the materialised path of a unit's parent, "" for a root.
func parentPath(path string) string {
	trimmed := strings.TrimSuffix(path, "/")
	i := strings.LastIndex(trimmed, "/")
	if i <= 0 {
		return ""
	}
	return trimmed[:i+1]
}

// Actor is who is acting: a signed-in account or an API token's account.
type Actor struct {
	AccountID   string
	Username    string
	DisplayName string
	Disabled    bool
	// MustChangePassword: an administrator reset the password, and until the
	// owner sets a new one the account may only see itself and change it.
	MustChangePassword bool
	Assignments        []Assignment
	// system marks the command-line operator (see System).
	system bool
}

// HasRole reports whether the actor holds r anywhere.
func (a *Actor) HasRole(r Role) bool {
	for _, as := range a.Assignments {
		if as.Role == r {
			return true
		}
	}
	return false
}

// Roles lists the actor's distinct roles in catalogue order.
func (a *Actor) Roles() []Role {
	var out []Role
	for _, r := range Roles() {
		if a.HasRole(r) {
			out = append(out, r)
		}
	}
	return out
}

// Resource is what an action is aimed at. UnitPath places it in the tree;
// OwnerID names the account it belongs to, for self-service actions.
type Resource struct {
	UnitPath string
	OwnerID  string
	// HandlerPath places a resource also with the unit that handles it, such
	// as the department a case is dispatched to: a role held there reaches it
	// as well as a role whose jurisdiction holds UnitPath.
	HandlerPath string
}

// reachable reports whether the resource lies in the subtree at root, by its
// place or by its handler.
func (r Resource) reachable(root string) bool {
	return Within(r.UnitPath, root) || (r.HandlerPath != "" && Within(r.HandlerPath, root))
}

// InUnit is a resource placed at a unit.
func InUnit(path string) Resource { return Resource{UnitPath: path} }

// Owned is a resource belonging to an account.
func Owned(accountID string) Resource { return Resource{OwnerID: accountID} }

// Decision is the answer of Decide: allowed, or refused with a human reason.
type Decision struct {
	Allowed bool
	// Reason is a translation key with Args, set when refused.
	Reason string
	Args   map[string]any
}

// Err is nil when allowed, else a Forbidden (or Unauthenticated) error
// carrying the reason.
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	code := apperr.Forbidden
	if d.Reason == "perm.not_signed_in" {
		code = apperr.Unauthenticated
	}
	return apperr.New(code, d.Reason).With(d.Args)
}

func refuse(key string, args map[string]any) Decision {
	return Decision{Reason: key, Args: args}
}

// Decide is the one permission function: may actor perform action on res,
// and if not, why. The order of checks is part of the contract:
//  1. a signed-in, enabled account;
//  2. a declared action;
//  3. auxiliary staff, and administrators, are refused every enforcement act,
//     whatever other roles the account holds; an account whose password was
//     reset may only see itself and change its password;
//  4. self-service actions apply to the actor's own resources only;
//  5. a role that grants the action, held in a unit whose subtree contains
//     the resource.
func Decide(actor *Actor, action Action, res Resource) Decision {
	rule, d := gate(actor, action)
	if !d.Allowed || actor.system {
		return d
	}
	if rule.kind == KindSelf {
		if res.OwnerID != actor.AccountID {
			return refuse("perm.not_own", nil)
		}
		return Decision{Allowed: true}
	}
	for _, as := range actor.Assignments {
		if grantsHere(rule, as) && res.reachable(as.Jurisdiction()) {
			return Decision{Allowed: true}
		}
	}
	return refuse("perm.outside_jurisdiction", nil)
}

// Via returns the assignment through which actor may perform action on res,
// for the record of who acted in which role and unit; the zero Assignment
// for self-service actions, the command line, or a refusal.
func Via(actor *Actor, action Action, res Resource) Assignment {
	rule, d := gate(actor, action)
	if !d.Allowed || actor.system || rule.kind == KindSelf {
		return Assignment{}
	}
	for _, as := range actor.Assignments {
		if grantsHere(rule, as) && res.reachable(as.Jurisdiction()) {
			return as
		}
	}
	return Assignment{}
}

// gate applies the checks that do not depend on the resource: checks 1–3 of
// Decide, and that some role of the actor grants the action.
func gate(actor *Actor, action Action) (actionRule, Decision) {
	if actor == nil || actor.AccountID == "" {
		return actionRule{}, refuse("perm.not_signed_in", nil)
	}
	if actor.Disabled {
		return actionRule{}, refuse("perm.account_disabled", nil)
	}
	rule, ok := ruleOf(action)
	if !ok {
		return rule, refuse("perm.unknown_action", map[string]any{"Action": string(action)})
	}
	if rule.kind == KindEnforcement && actor.HasRole(RoleAuxiliary) {
		return rule, refuse("perm.auxiliary_no_enforcement", nil)
	}
	// Separation of duties (DESIGN §1): whoever administers accounts and
	// roles never acts on cases, whatever other roles the account holds.
	if (rule.kind == KindEnforcement || rule.kind == KindCaseWork) && actor.HasRole(RoleAdmin) {
		return rule, refuse("perm.admin_no_enforcement", nil)
	}
	if actor.MustChangePassword && action != ActSelfView && action != ActSelfPassword {
		return rule, refuse("perm.must_change_password", nil)
	}
	if actor.system {
		if rule.kind == KindAdministration {
			return rule, Decision{Allowed: true}
		}
		return rule, refuse("perm.system_administers_only", nil)
	}
	if rule.kind == KindSelf {
		return rule, Decision{Allowed: true}
	}
	for _, as := range actor.Assignments {
		if grantsHere(rule, as) {
			return rule, Decision{Allowed: true}
		}
	}
	return rule, refuse("perm.role_required", map[string]any{"Roles": RoleList(rule.roles)})
}

// grantsHere reports whether an assignment grants the rule's action: a
// granting role, held in a unit that is not disabled.
func grantsHere(rule actionRule, as Assignment) bool {
	return !as.UnitDisabled && grants(rule, as.Role)
}

func grants(rule actionRule, r Role) bool {
	for _, g := range rule.roles {
		if g == r {
			return true
		}
	}
	return false
}

// Within reports whether the unit at path lies in the subtree rooted at root.
// An empty path (a resource not placed in the tree) lies only within the
// whole tree, i.e. a root unit's subtree.
func Within(path, root string) bool {
	if root == "" {
		return false
	}
	if path == "" {
		return strings.Count(root, "/") == 2 // "/<city>/" is a root unit
	}
	return strings.HasPrefix(path, root)
}

// Scope is the part of the organisation tree where an actor may perform an
// action: list queries filter by it. An empty Scope admits nothing.
type Scope struct {
	// All admits the whole tree, including resources placed nowhere.
	All bool
	// Paths are subtree roots; a resource is in scope when its path starts
	// with one of them.
	Paths []string
}

// Contains reports whether the unit at path is in scope.
func (s Scope) Contains(path string) bool {
	if s.All {
		return true
	}
	for _, p := range s.Paths {
		if Within(path, p) {
			return true
		}
	}
	return false
}

// Empty reports whether nothing is in scope.
func (s Scope) Empty() bool { return !s.All && len(s.Paths) == 0 }

// ScopeFor returns where actor may perform action, or a refusal when nowhere.
// It applies the same gates as Decide, so a list never shows what a single
// lookup would refuse. Self-service actions have no scope in the tree.
func ScopeFor(actor *Actor, action Action) (Scope, Decision) {
	rule, d := gate(actor, action)
	if !d.Allowed {
		return Scope{}, d
	}
	if rule.kind == KindSelf {
		return Scope{}, refuse("perm.not_own", nil)
	}
	if actor.system {
		return Scope{All: true}, d
	}
	var s Scope
	for _, as := range actor.Assignments {
		root := as.Jurisdiction()
		if !grantsHere(rule, as) || s.Contains(root) {
			continue
		}
		// Drop narrower paths that the new one covers.
		kept := s.Paths[:0]
		for _, p := range s.Paths {
			if !Within(p, root) {
				kept = append(kept, p)
			}
		}
		s.Paths = append(kept, root)
	}
	return s, Decision{Allowed: true}
}
