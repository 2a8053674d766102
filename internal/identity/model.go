package identity

import (
	"context"
	"time"

	"chengguan/internal/ledger"
)

// Unit is one organisation unit: a node of the 市 → 区/县 → 街道/乡镇 → 社区
// tree, or a squad, centre or handling department hanging under one.
type Unit struct {
	ID       string
	Code     string // the unit's own code, unique, e.g. a GB/T 2260 division code
	Name     string // Chinese name
	NameEN   string // English name, optional
	Kind     UnitKind
	ParentID string // empty for the city
	// Path is the materialised path of IDs from the root, "/root/…/id/".
	// A unit never moves, so the path never changes.
	Path      string
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Account is a staff member's or machine's login.
type Account struct {
	ID           string
	Username     string // lower case, unique
	DisplayName  string
	PasswordHash string
	Disabled     bool
	// MustChangePassword is set by an administrator's reset.
	MustChangePassword bool
	FailedLogins       int
	// RetryAt is when the next login attempt is accepted after failures.
	RetryAt time.Time
	// LockedAt is set after too many failures; only an administrator clears it.
	LockedAt time.Time
	// LastLoginAt is the last successful sign-in.
	LastLoginAt time.Time
	Assignments []Assignment
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Locked reports whether the account is locked after failed logins.
func (a *Account) Locked() bool { return !a.LockedAt.IsZero() }

// Actor returns the acting principal for this account.
func (a *Account) Actor() *Actor {
	return &Actor{AccountID: a.ID, Username: a.Username, DisplayName: a.DisplayName,
		Disabled: a.Disabled, MustChangePassword: a.MustChangePassword, Assignments: a.Assignments}
}

// Session is a server-side UI session. Only the hash of its token is stored.
type Session struct {
	TokenHash  string
	AccountID  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// APIToken is a bearer token for machines acting as an account.
type APIToken struct {
	ID         string
	AccountID  string
	Name       string
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: no expiry
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Open311Key is an Open311 GeoReport v2 api_key for a civic app.
type Open311Key struct {
	ID        string
	Name      string
	KeyHash   string
	CreatedAt time.Time
	RevokedAt time.Time
}

// UnitFilter selects units for a list.
type UnitFilter struct {
	Scope           Scope
	Kind            UnitKind
	ParentID        string
	IDs             []string // only these units, when set
	Query           string   // substring of name or code
	IncludeDisabled bool
}

// AccountFilter selects accounts for a list.
type AccountFilter struct {
	Scope  Scope
	Role   Role
	UnitID string
	Query  string // substring of username or display name
	// Locked selects only accounts locked after failed sign-ins.
	Locked bool
	Limit  int
	Offset int
}

// Store persists identity data. It holds no rules: validation and
// permission checks happen in Service before any Store call. Lookups of a
// missing row return an apperr.NotFound error; unique violations return
// apperr.Conflict.
type Store interface {
	// Atomic runs fn in one transaction with a Store bound to it.
	Atomic(ctx context.Context, fn func(ctx context.Context, tx Store) error) error

	CreateUnit(ctx context.Context, u *Unit) error
	UpdateUnit(ctx context.Context, u *Unit) error
	UnitByID(ctx context.Context, id string) (*Unit, error)
	UnitByCode(ctx context.Context, code string) (*Unit, error)
	ListUnits(ctx context.Context, f UnitFilter) ([]Unit, error)

	CreateAccount(ctx context.Context, a *Account) error
	UpdateAccount(ctx context.Context, a *Account) error
	SetAssignments(ctx context.Context, accountID string, as []Assignment) error
	AccountByID(ctx context.Context, id string) (*Account, error)
	AccountByUsername(ctx context.Context, username string) (*Account, error)
	ListAccounts(ctx context.Context, f AccountFilter) ([]Account, int, error)
	// CountAccountsByRole counts the enabled accounts holding each role in a
	// unit in scope (an account with two roles counts for both).
	CountAccountsByRole(ctx context.Context, scope Scope) (map[Role]int, error)

	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	TouchSession(ctx context.Context, hash string, at time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	DeleteSessionsOf(ctx context.Context, accountID string) error

	CreateAPIToken(ctx context.Context, t *APIToken) error
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	ListAPITokens(ctx context.Context, accountID string) ([]APIToken, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	RevokeAPIToken(ctx context.Context, id string, at time.Time) error
	RevokeAPITokensOf(ctx context.Context, accountID string, at time.Time) error

	CreateOpen311Key(ctx context.Context, k *Open311Key) error
	Open311KeyByHash(ctx context.Context, hash string) (*Open311Key, error)
	ListOpen311Keys(ctx context.Context) ([]Open311Key, error)
	// RevokeOpen311Key sets the revocation time once; later calls keep it.
	RevokeOpen311Key(ctx context.Context, id string, at time.Time) error

	// AppendLedger seals r onto the full-process record, in the transaction
	// of the change it records.
	AppendLedger(ctx context.Context, r ledger.Record) error
}
