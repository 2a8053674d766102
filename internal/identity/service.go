package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/singleflight"

	"chengguan/internal/apperr"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
)

// Options tune the identity service. Zero fields take the defaults.
type Options struct {
	Argon2 Argon2Params
	// SessionTTL is a session's absolute lifetime; SessionIdle ends it after
	// inactivity.
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// After SlowAfter consecutive failed logins each further attempt must
	// wait, doubling from one second up to MaxDelay; after LockAfter the
	// account is locked until an administrator unlocks it.
	SlowAfter int
	LockAfter int
	MaxDelay  time.Duration
	// AuthCacheTTL is how long a resolved session, API token or Open311 key is reused
	// without a database lookup; negative disables the cache.
	AuthCacheTTL time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2()
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.SessionIdle == 0 {
		o.SessionIdle = 2 * time.Hour
	}
	if o.SlowAfter == 0 {
		o.SlowAfter = 3
	}
	if o.LockAfter == 0 {
		o.LockAfter = 10
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = 5 * time.Minute
	}
	if o.AuthCacheTTL == 0 {
		o.AuthCacheTTL = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service is the identity capability: every operation checks permission with
// Decide, validates its input, then calls the Store.
type Service struct {
	store Store
	opt   Options
	// dummyHash is verified against for unknown usernames so that a login
	// takes as long whether or not the account exists.
	dummyHash string
	// hashSlots bounds concurrent argon2 computations, each of which holds
	// Argon2.MemoryKiB of memory.
	hashSlots chan struct{}
	cache     *authCache
	resolving singleflight.Group
}

// NewService returns the identity service over store.
func NewService(store Store, opt Options) (*Service, error) {
	opt = opt.withDefaults()
	dummy, err := HashPassword("not-a-real-password", opt.Argon2)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, opt: opt, dummyHash: dummy, hashSlots: make(chan struct{}, 4),
		cache: newAuthCache(opt.AuthCacheTTL)}, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Millisecond) }

// write runs fn in one transaction and, whatever its outcome, drops the
// cached credentials: any write may change who someone is or what they hold.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx Store) error) error {
	defer s.cache.invalidate()
	return s.store.Atomic(ctx, fn)
}

// record appends the full-process record (执法全过程记录) of a change in
// its transaction.
func (s *Service) record(ctx context.Context, tx Store, actor *Actor, action Action, where Resource,
	kind, id string, before, after any) error {
	rec, err := ChangeRecord(ids.New(), s.now(), actor, action, where, ledger.Subject{Kind: kind, ID: id}, before, after)
	if err != nil {
		return err
	}
	return tx.AppendLedger(ctx, rec)
}

// System is the actor of the command line: whoever can run chengguan against
// the database already controls it. It may administer but never enforce.
func System() *Actor { return &Actor{AccountID: "system", Username: "system", system: true} }

// ---- organisation units ----

// UnitInput is what an administrator enters for a unit.
type UnitInput struct {
	Code     string
	Name     string
	NameEN   string
	Kind     UnitKind
	ParentID string
}

var codePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z_-]{0,31}$`)

func (in *UnitInput) normalise() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.ParentID = strings.TrimSpace(in.ParentID)
}

func (in UnitInput) validate(create bool) error {
	var fs []apperr.FieldError
	if !codePattern.MatchString(in.Code) {
		fs = append(fs, apperr.Field("code", "unit.code_format"))
	}
	if k := checkText(in.Name, 1, 64); k != "" {
		fs = append(fs, apperr.Field("name", k))
	}
	if k := checkText(in.NameEN, 0, 128); k != "" {
		fs = append(fs, apperr.Field("name_en", k))
	}
	if create && !in.Kind.Valid() {
		fs = append(fs, apperr.Field("kind", "unit.kind_unknown"))
	}
	if in.ParentID != "" && !ids.Valid(in.ParentID) {
		fs = append(fs, apperr.Field("parent_id", "field.bad_id"))
	}
	if len(fs) > 0 {
		return apperr.InvalidFields(fs...)
	}
	return nil
}

// checkText validates a single-line human text of min..max characters.
func checkText(s string, min, max int) string {
	if !utf8.ValidString(s) {
		return "field.invalid_utf8"
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		return "field.required"
	}
	if n > max {
		return "field.too_long"
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "field.control_chars"
		}
	}
	return ""
}

// CreateUnit adds a unit under its parent.
func (s *Service) CreateUnit(ctx context.Context, actor *Actor, in UnitInput) (*Unit, error) {
	in.normalise()
	if err := in.validate(true); err != nil {
		return nil, err
	}
	u := &Unit{ID: ids.New(), Code: in.Code, Name: in.Name, NameEN: in.NameEN, Kind: in.Kind}
	err := s.write(ctx, func(ctx context.Context, tx Store) error {
		var where Resource
		if in.ParentID == "" {
			if in.Kind != KindCity {
				return apperr.InvalidFields(apperr.Field("parent_id", "unit.parent_required"))
			}
			if err := Decide(actor, ActUnitCreate, Resource{}).Err(); err != nil {
				return err
			}
			// A new city is a new tree: installing one is the server
			// operator's act (chengguan unit add), not an administrator's
			// of another city.
			if !actor.system {
				return apperr.New(apperr.Forbidden, "unit.city_by_operator")
			}
			u.Path = "/" + u.ID + "/"
		} else {
			parent, err := tx.UnitByID(ctx, in.ParentID)
			if err != nil {
				if apperr.Is(err, apperr.NotFound) {
					return apperr.InvalidFields(apperr.Field("parent_id", "unit.parent_missing"))
				}
				return err
			}
			if err := Decide(actor, ActUnitCreate, InUnit(parent.Path)).Err(); err != nil {
				return err
			}
			if parent.Disabled {
				return apperr.InvalidFields(apperr.Field("parent_id", "unit.parent_disabled"))
			}
			if !in.Kind.AllowedParent(parent.Kind) {
				return apperr.InvalidFields(apperr.Field("parent_id", "unit.parent_kind"))
			}
			u.ParentID = parent.ID
			u.Path = parent.Path + u.ID + "/"
			where = InUnit(parent.Path)
		}
		u.CreatedAt, u.UpdatedAt = s.now(), s.now()
		if err := codeTaken(tx.CreateUnit(ctx, u)); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, ActUnitCreate, where, "unit", u.ID, nil, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// codeTaken reports the Store's unique violation on a unit as a taken code:
// the code is the only unique column a person enters.
func codeTaken(err error) error {
	if apperr.Is(err, apperr.Conflict) {
		return apperr.InvalidFields(apperr.Field("code", "unit.code_taken"))
	}
	return err
}

// UnitPatch is an edit of a unit; nil fields stay as they are. Kind and
// parent never change: a unit that moves is a new unit.
type UnitPatch struct {
	Code     *string
	Name     *string
	NameEN   *string
	Disabled *bool
}

// UpdateUnit edits a unit.
func (s *Service) UpdateUnit(ctx context.Context, actor *Actor, id string, p UnitPatch) (*Unit, error) {
	if !ids.Valid(id) {
		return nil, apperr.New(apperr.NotFound, "unit.not_found")
	}
	var out *Unit
	err := s.write(ctx, func(ctx context.Context, tx Store) error {
		u, err := tx.UnitByID(ctx, id)
		if err != nil {
			return err
		}
		if err := Decide(actor, ActUnitUpdate, InUnit(u.Path)).Err(); err != nil {
			return err
		}
		before := *u
		in := UnitInput{Code: u.Code, Name: u.Name, NameEN: u.NameEN, Kind: u.Kind}
		if p.Code != nil {
			in.Code = *p.Code
		}
		if p.Name != nil {
			in.Name = *p.Name
		}
		if p.NameEN != nil {
			in.NameEN = *p.NameEN
		}
		in.normalise()
		if err := in.validate(false); err != nil {
			return err
		}
		u.Code, u.Name, u.NameEN = in.Code, in.Name, in.NameEN
		if p.Disabled != nil {
			// Disabling a unit withdraws the authority held in its subtree;
			// nobody withdraws their own, so nobody locks themself out.
			if *p.Disabled && worksUnder(actor, u.Path) {
				return apperr.New(apperr.Forbidden, "unit.disable_own")
			}
			u.Disabled = *p.Disabled
		}
		u.UpdatedAt = s.now()
		if err := tx.UpdateUnit(ctx, u); err != nil {
			return codeTaken(err)
		}
		if err := s.record(ctx, tx, actor, ActUnitUpdate, InUnit(u.Path), "unit", u.ID, before, u); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

// worksUnder reports whether the actor holds a role in the subtree at path.
func worksUnder(actor *Actor, path string) bool {
	for _, as := range actor.Assignments {
		if Within(as.UnitPath, path) {
			return true
		}
	}
	return false
}

// Unit returns one unit the actor may see.
func (s *Service) Unit(ctx context.Context, actor *Actor, id string) (*Unit, error) {
	if !ids.Valid(id) {
		return nil, apperr.New(apperr.NotFound, "unit.not_found")
	}
	u, err := s.store.UnitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := Decide(actor, ActUnitView, InUnit(u.Path)).Err(); err != nil {
		return nil, err
	}
	return u, nil
}

// Units lists the units in the actor's jurisdiction, in tree order.
func (s *Service) Units(ctx context.Context, actor *Actor, f UnitFilter) ([]Unit, error) {
	scope, d := ScopeFor(actor, ActUnitView)
	if !d.Allowed {
		return nil, d.Err()
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, apperr.InvalidFields(apperr.Field("kind", "unit.kind_unknown"))
	}
	for _, id := range f.IDs {
		if !ids.Valid(id) {
			return nil, apperr.InvalidFields(apperr.Field("ids", "field.bad_id"))
		}
	}
	if f.ParentID != "" && !ids.Valid(f.ParentID) {
		return nil, apperr.InvalidFields(apperr.Field("parent_id", "field.bad_id"))
	}
	if k := checkText(f.Query, 0, 64); k != "" {
		return nil, apperr.InvalidFields(apperr.Field("q", k))
	}
	f.Scope = scope
	return s.store.ListUnits(ctx, f)
}

// UnitTrail returns the chain of units from the city down to the unit with
// id, for a unit the actor may see. The names of the units above it are
// shown as its context even where the actor's jurisdiction ends below them.
func (s *Service) UnitTrail(ctx context.Context, actor *Actor, id string) ([]Unit, error) {
	u, err := s.Unit(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	ancestors := strings.Split(strings.Trim(u.Path, "/"), "/")
	// Tree order is path order: the city first, the unit itself last.
	return s.store.ListUnits(ctx, UnitFilter{Scope: Scope{All: true}, IDs: ancestors, IncludeDisabled: true})
}

// ---- accounts ----

// AssignmentInput is one role in one unit, as entered.
type AssignmentInput struct {
	Role   Role
	UnitID string
}

// AccountInput is what an administrator enters for a new account.
type AccountInput struct {
	Username    string
	DisplayName string
	Password    string
	Assignments []AssignmentInput
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// NormaliseUsername lower-cases and trims a username as entered.
func NormaliseUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// CreateAccount adds an account with its roles.
func (s *Service) CreateAccount(ctx context.Context, actor *Actor, in AccountInput) (*Account, error) {
	in.Username = NormaliseUsername(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	var fs []apperr.FieldError
	if !usernamePattern.MatchString(in.Username) {
		fs = append(fs, apperr.Field("username", "account.username_format"))
	}
	if k := checkText(in.DisplayName, 1, 64); k != "" {
		fs = append(fs, apperr.Field("display_name", k))
	}
	if k := CheckPasswordPolicy(in.Password, in.Username); k != "" {
		fs = append(fs, apperr.Field("password", k))
	}
	if len(fs) > 0 {
		return nil, apperr.InvalidFields(fs...)
	}
	if _, d := gate(actor, ActAccountCreate); !d.Allowed {
		return nil, d.Err()
	}
	hash, err := s.hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	a := &Account{ID: ids.New(), Username: in.Username, DisplayName: in.DisplayName,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	err = s.write(ctx, func(ctx context.Context, tx Store) error {
		as, err := s.resolveAssignments(ctx, tx, actor, ActAccountCreate, in.Assignments)
		if err != nil {
			return err
		}
		if err := tx.CreateAccount(ctx, a); err != nil {
			if apperr.Is(err, apperr.Conflict) {
				return apperr.InvalidFields(apperr.Field("username", "account.username_taken"))
			}
			return err
		}
		a.Assignments = as
		if err := tx.SetAssignments(ctx, a.ID, as); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, ActAccountCreate, accountResources(a)[0], "account", a.ID, nil, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// resolveAssignments validates role/unit pairs and checks that actor may
// grant each one in its unit.
func (s *Service) resolveAssignments(ctx context.Context, tx Store, actor *Actor, action Action, in []AssignmentInput) ([]Assignment, error) {
	// Every account holds at least one role; to take all authority away,
	// disable the account.
	if len(in) == 0 {
		return nil, apperr.InvalidFields(apperr.Field("assignments", "account.role_required"))
	}
	var out []Assignment
	seen := map[AssignmentInput]bool{}
	for i, ai := range in {
		field := "assignments[" + strconv.Itoa(i) + "]"
		if !ai.Role.Valid() {
			return nil, apperr.InvalidFields(apperr.Field(field+".role", "account.role_unknown"))
		}
		if !ids.Valid(ai.UnitID) {
			return nil, apperr.InvalidFields(apperr.Field(field+".unit_id", "field.bad_id"))
		}
		if seen[ai] {
			continue
		}
		seen[ai] = true
		u, err := tx.UnitByID(ctx, ai.UnitID)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return nil, apperr.InvalidFields(apperr.Field(field+".unit_id", "unit.not_found"))
			}
			return nil, err
		}
		if u.Disabled {
			return nil, apperr.InvalidFields(apperr.Field(field+".unit_id", "unit.disabled"))
		}
		if err := Decide(actor, action, InUnit(u.Path)).Err(); err != nil {
			return nil, err
		}
		out = append(out, Assignment{Role: ai.Role, UnitID: u.ID, UnitPath: u.Path, UnitName: u.Name, UnitCode: u.Code, UnitKind: u.Kind})
	}
	return out, nil
}

// accountResources are the places an account sits in the tree: one per
// assignment, or the tree root for an account with no role.
func accountResources(a *Account) []Resource {
	if len(a.Assignments) == 0 {
		return []Resource{{}}
	}
	out := make([]Resource, len(a.Assignments))
	for i, as := range a.Assignments {
		out[i] = InUnit(as.UnitPath)
	}
	return out
}

// decideOnAccount requires the action on every unit the account sits in:
// a district administrator cannot change an account that also serves the city.
func decideOnAccount(actor *Actor, action Action, a *Account) error {
	for _, r := range accountResources(a) {
		if err := Decide(actor, action, r).Err(); err != nil {
			return err
		}
	}
	return nil
}

// mayView requires the action on at least one unit the account sits in.
func mayView(actor *Actor, a *Account) error {
	var first error
	for _, r := range accountResources(a) {
		err := Decide(actor, ActAccountView, r).Err()
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// Account returns one account the actor may see.
func (s *Service) Account(ctx context.Context, actor *Actor, id string) (*Account, error) {
	if !ids.Valid(id) {
		return nil, apperr.New(apperr.NotFound, "account.not_found")
	}
	a, err := s.store.AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor == nil || actor.AccountID != a.ID {
		if err := mayView(actor, a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Accounts lists accounts with at least one role in the actor's jurisdiction.
func (s *Service) Accounts(ctx context.Context, actor *Actor, f AccountFilter) ([]Account, int, error) {
	scope, d := ScopeFor(actor, ActAccountView)
	if !d.Allowed {
		return nil, 0, d.Err()
	}
	if f.Role != "" && !f.Role.Valid() {
		return nil, 0, apperr.InvalidFields(apperr.Field("role", "account.role_unknown"))
	}
	if f.UnitID != "" && !ids.Valid(f.UnitID) {
		return nil, 0, apperr.InvalidFields(apperr.Field("unit_id", "field.bad_id"))
	}
	if k := checkText(f.Query, 0, 64); k != "" {
		return nil, 0, apperr.InvalidFields(apperr.Field("q", k))
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	f.Scope = scope
	return s.store.ListAccounts(ctx, f)
}

// AccountCountsByRole counts the enabled accounts per role in the actor's
// jurisdiction, for the supervisors' staffing figures.
func (s *Service) AccountCountsByRole(ctx context.Context, actor *Actor) (map[Role]int, error) {
	scope, d := ScopeFor(actor, ActAccountView)
	if !d.Allowed {
		return nil, d.Err()
	}
	return s.store.CountAccountsByRole(ctx, scope)
}

// AccountPatch edits an account; nil fields stay as they are.
type AccountPatch struct {
	DisplayName *string
	// Disabled disables or re-enables the account. Disabling ends its
	// sessions and revokes its API tokens at once.
	Disabled *bool
}

// UpdateAccount edits an account in one transaction: each field needs its
// own permission (account.update for details, account.disable for the
// status), and either all of the patch applies or none of it.
func (s *Service) UpdateAccount(ctx context.Context, actor *Actor, id string, p AccountPatch) (*Account, error) {
	if p.DisplayName == nil && p.Disabled == nil {
		return s.Account(ctx, actor, id)
	}
	action := ActAccountUpdate
	if p.DisplayName == nil {
		action = ActAccountDisable
	}
	return s.mutateAccount(ctx, actor, action, id, func(ctx context.Context, tx Store, a *Account) error {
		if p.DisplayName != nil {
			name := strings.TrimSpace(*p.DisplayName)
			if k := checkText(name, 1, 64); k != "" {
				return apperr.InvalidFields(apperr.Field("display_name", k))
			}
			a.DisplayName = name
		}
		if p.Disabled == nil {
			return nil
		}
		if err := decideOnAccount(actor, ActAccountDisable, a); err != nil {
			return err
		}
		if *p.Disabled && actor.AccountID == a.ID {
			return apperr.New(apperr.Forbidden, "account.not_self")
		}
		a.Disabled = *p.Disabled
		if a.Disabled {
			return revokeAccess(ctx, tx, a.ID, s.now())
		}
		return nil
	})
}

func revokeAccess(ctx context.Context, tx Store, accountID string, at time.Time) error {
	if err := tx.DeleteSessionsOf(ctx, accountID); err != nil {
		return err
	}
	return tx.RevokeAPITokensOf(ctx, accountID, at)
}

// RevokeAccess ends every session and API token of an account.
func (s *Service) RevokeAccess(ctx context.Context, actor *Actor, id string) (*Account, error) {
	return s.mutateAccount(ctx, actor, ActAccountRevokeAccess, id, func(ctx context.Context, tx Store, a *Account) error {
		return revokeAccess(ctx, tx, a.ID, s.now())
	})
}

// ResetPassword sets a new password chosen by an administrator. It clears
// any lockout, ends the account's sessions and makes the owner change it at
// the next sign-in.
func (s *Service) ResetPassword(ctx context.Context, actor *Actor, id, password string) (*Account, error) {
	if !ids.Valid(id) {
		return nil, apperr.New(apperr.NotFound, "account.not_found")
	}
	// Check and hash before the transaction: argon2 takes tens of
	// milliseconds, and on SQLite a transaction holds the one writer.
	cur, err := s.store.AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := decideOnAccount(actor, ActAccountResetPass, cur); err != nil {
		return nil, err
	}
	// Your own password you change with the current one, so a borrowed
	// session cannot take the account over.
	if actor.AccountID == cur.ID {
		return nil, apperr.New(apperr.Forbidden, "account.reset_self")
	}
	if k := CheckPasswordPolicy(password, cur.Username); k != "" {
		return nil, apperr.InvalidFields(apperr.Field("password", k))
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	return s.mutateAccount(ctx, actor, ActAccountResetPass, id, func(ctx context.Context, tx Store, a *Account) error {
		a.PasswordHash = hash
		a.MustChangePassword = true
		clearFailures(a)
		// A reset means the old password is not to be trusted: whatever was
		// signed in with it ends.
		return revokeAccess(ctx, tx, a.ID, s.now())
	})
}

// Unlock clears a lockout after failed logins.
func (s *Service) Unlock(ctx context.Context, actor *Actor, id string) (*Account, error) {
	return s.mutateAccount(ctx, actor, ActAccountUnlock, id, func(ctx context.Context, tx Store, a *Account) error {
		clearFailures(a)
		return nil
	})
}

func clearFailures(a *Account) {
	a.FailedLogins = 0
	a.RetryAt = time.Time{}
	a.LockedAt = time.Time{}
}

// SetAssignments replaces an account's roles. The actor needs the right to
// assign roles both where the account sits now and where it will sit.
func (s *Service) SetAssignments(ctx context.Context, actor *Actor, id string, in []AssignmentInput) (*Account, error) {
	return s.mutateAccount(ctx, actor, ActAccountAssignRoles, id, func(ctx context.Context, tx Store, a *Account) error {
		as, err := s.resolveAssignments(ctx, tx, actor, ActAccountAssignRoles, in)
		if err != nil {
			return err
		}
		// Nobody grants or removes their own roles: no self-escalation, no
		// administrator locking themself out.
		if actor.AccountID == a.ID {
			return apperr.New(apperr.Forbidden, "account.roles_self")
		}
		a.Assignments = as
		return tx.SetAssignments(ctx, a.ID, as)
	})
}

// mutateAccount loads an account, checks action on it, applies fn and saves,
// all in one transaction.
func (s *Service) mutateAccount(ctx context.Context, actor *Actor, action Action, id string,
	fn func(ctx context.Context, tx Store, a *Account) error) (*Account, error) {
	if !ids.Valid(id) {
		return nil, apperr.New(apperr.NotFound, "account.not_found")
	}
	var out *Account
	err := s.write(ctx, func(ctx context.Context, tx Store) error {
		a, err := tx.AccountByID(ctx, id)
		if err != nil {
			return err
		}
		if err := decideOnAccount(actor, action, a); err != nil {
			return err
		}
		before := *a
		if err := fn(ctx, tx, a); err != nil {
			return err
		}
		a.UpdatedAt = s.now()
		if err := tx.UpdateAccount(ctx, a); err != nil {
			return err
		}
		if err := s.record(ctx, tx, actor, action, accountResources(&before)[0], "account", a.ID, before, a); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// ChangeOwnPassword lets an account holder replace their password. It ends
// every other session of the account (a stolen session does not outlive the
// password change); keepSession, the session token of the request, stays
// valid. API tokens are separate credentials and stay as they are.
func (s *Service) ChangeOwnPassword(ctx context.Context, actor *Actor, current, next, keepSession string) error {
	if err := Decide(actor, ActSelfPassword, Owned(actorID(actor))).Err(); err != nil {
		return err
	}
	a, err := s.store.AccountByID(ctx, actor.AccountID)
	if err != nil {
		return err
	}
	ok, err := s.verify(ctx, a.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.InvalidFields(apperr.Field("current_password", "password.wrong"))
	}
	if k := CheckPasswordPolicy(next, a.Username); k != "" {
		return apperr.InvalidFields(apperr.Field("new_password", k))
	}
	if current == next {
		return apperr.InvalidFields(apperr.Field("new_password", "password.unchanged"))
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx Store) error {
		a, err := tx.AccountByID(ctx, actor.AccountID)
		if err != nil {
			return err
		}
		before := *a
		a.PasswordHash = hash
		a.MustChangePassword = false
		a.UpdatedAt = s.now()
		if err := tx.UpdateAccount(ctx, a); err != nil {
			return err
		}
		if err := s.record(ctx, tx, actor, ActSelfPassword, Owned(a.ID), "account", a.ID, before, a); err != nil {
			return err
		}
		var kept *Session
		if keepSession != "" {
			se, err := tx.SessionByHash(ctx, HashSecret(keepSession))
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if err == nil && se.AccountID == a.ID {
				kept = se
			}
		}
		if err := tx.DeleteSessionsOf(ctx, a.ID); err != nil {
			return err
		}
		if kept != nil {
			return tx.CreateSession(ctx, kept)
		}
		return nil
	})
}

func actorID(a *Actor) string {
	if a == nil {
		return ""
	}
	return a.AccountID
}

// hash and verify run argon2 with bounded concurrency, so a burst of logins
// cannot exhaust memory.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashSlots }()
	return HashPassword(password, s.opt.Argon2)
}

func (s *Service) verify(ctx context.Context, hash, password string) (bool, error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashSlots }()
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		return false, apperr.Internalf("verify password: %w", err)
	}
	return ok, nil
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return apperr.Wrap(apperr.Unavailable, "", ctx.Err())
	}
}

// ---- secrets ----

// newSecret returns a random token with a readable prefix and its hash.
func newSecret(prefix string) (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never returns an error on supported platforms
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashSecret(token)
}

// HashSecret is the stored form of a session token, API token or key.
// Secrets are 256-bit random, so a plain SHA-256 is enough: no salt or
// stretching is needed to resist guessing.
func HashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// UnitByCode returns the unit with a code, if the actor may see it.
func (s *Service) UnitByCode(ctx context.Context, actor *Actor, code string) (*Unit, error) {
	u, err := s.store.UnitByCode(ctx, strings.TrimSpace(code))
	if err != nil {
		return nil, err
	}
	if err := Decide(actor, ActUnitView, InUnit(u.Path)).Err(); err != nil {
		return nil, err
	}
	return u, nil
}

// UnitLookup returns the unit lookups that other services make without an actor: the
// case loop finds the community a report's grid cell belongs to, at every report. They
// are cached as credentials are (Options.AuthCacheTTL, 5 s by default): any identity
// write on this node drops them at once, and a change made on another node is seen
// within the TTL.
func (s *Service) UnitLookup() UnitLookup { return UnitLookup{s: s} }

// UnitLookup looks units up for other services; see Service.UnitLookup.
type UnitLookup struct{ s *Service }

// UnitByID returns the unit with this ID, enabled or not; NotFound if none.
func (l UnitLookup) UnitByID(ctx context.Context, id string) (*Unit, error) {
	return l.cached("unit-id:"+id, func() (*Unit, error) { return l.s.store.UnitByID(ctx, id) })
}

// UnitByCode returns the unit with this code, enabled or not; NotFound if none.
func (l UnitLookup) UnitByCode(ctx context.Context, code string) (*Unit, error) {
	return l.cached("unit-code:"+code, func() (*Unit, error) { return l.s.store.UnitByCode(ctx, code) })
}

func (l UnitLookup) cached(key string, read func() (*Unit, error)) (*Unit, error) {
	now := l.s.now()
	if u, ok := l.s.cache.getUnit(key, now); ok {
		return u, nil
	}
	gen := l.s.cache.generation()
	u, err := read()
	if err != nil {
		return nil, err
	}
	kept := *u
	l.s.cache.putUnit(key, &kept, gen, now)
	return u, nil
}

// AccountByUsername returns the account with a username, if the actor may
// see it.
func (s *Service) AccountByUsername(ctx context.Context, actor *Actor, username string) (*Account, error) {
	a, err := s.store.AccountByUsername(ctx, NormaliseUsername(username))
	if err != nil {
		return nil, err
	}
	if err := mayView(actor, a); err != nil {
		return nil, err
	}
	return a, nil
}
