package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ledger"
)

// IdentityStore implements identity.Store.
type IdentityStore struct {
	db *DB
	q  Querier // the transaction, or nil outside one
}

// NewIdentityStore returns the identity store over db.
func NewIdentityStore(db *DB) *IdentityStore { return &IdentityStore{db: db} }

var _ identity.Store = (*IdentityStore)(nil)

func (s *IdentityStore) reader() Querier {
	if s.q != nil {
		return s.q
	}
	return s.db.Reader()
}

// exec runs a write: inside the store's transaction, or in a transaction of
// its own.
func (s *IdentityStore) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.q != nil {
		return s.q.ExecContext(ctx, query, args...)
	}
	var res sql.Result
	err := s.db.Transact(ctx, func(q Querier) error {
		var err error
		res, err = q.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// Atomic implements identity.Store. Nested calls join the outer transaction.
func (s *IdentityStore) Atomic(ctx context.Context, fn func(ctx context.Context, tx identity.Store) error) error {
	if s.q != nil {
		return fn(ctx, s)
	}
	return s.db.Transact(ctx, func(q Querier) error {
		return fn(ctx, &IdentityStore{db: s.db, q: q})
	})
}

// ---- units ----

// parent_id is cast to text first: on PostgreSQL it is a UUID, and COALESCE
// with an empty string fails there, as the empty string is no UUID.
const unitCols = `id, code, name, name_en, kind, COALESCE(CAST(parent_id AS TEXT), ''), path, disabled, created_at, updated_at`

func scanUnit(sc interface{ Scan(...any) error }) (*identity.Unit, error) {
	var u identity.Unit
	var created, updated int64
	var parent string
	if err := sc.Scan(&u.ID, &u.Code, &u.Name, &u.NameEN, &u.Kind, &parent, &u.Path, &u.Disabled, &created, &updated); err != nil {
		return nil, err
	}
	u.ParentID = parent
	u.CreatedAt, u.UpdatedAt = fromMs(created), fromMs(updated)
	return &u, nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateUnit implements identity.Store.
func (s *IdentityStore) CreateUnit(ctx context.Context, u *identity.Unit) error {
	_, err := s.exec(ctx, `INSERT INTO units (id, code, name, name_en, kind, parent_id, path, disabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		u.ID, u.Code, u.Name, u.NameEN, string(u.Kind), nullStr(u.ParentID), u.Path, u.Disabled, ms(u.CreatedAt), ms(u.UpdatedAt))
	return mapErr(err, "")
}

// UpdateUnit implements identity.Store.
func (s *IdentityStore) UpdateUnit(ctx context.Context, u *identity.Unit) error {
	res, err := s.exec(ctx, `UPDATE units SET code = $2, name = $3, name_en = $4, disabled = $5, updated_at = $6 WHERE id = $1`,
		u.ID, u.Code, u.Name, u.NameEN, u.Disabled, ms(u.UpdatedAt))
	if err != nil {
		return mapErr(err, "")
	}
	return mustAffect(res, "unit.not_found")
}

func mustAffect(res sql.Result, notFoundKey string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err, "")
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, notFoundKey)
	}
	return nil
}

// UnitByID implements identity.Store.
func (s *IdentityStore) UnitByID(ctx context.Context, id string) (*identity.Unit, error) {
	u, err := scanUnit(s.reader().QueryRowContext(ctx, `SELECT `+unitCols+` FROM units WHERE id = $1`, id))
	return u, mapErr(err, "unit.not_found")
}

// UnitByCode implements identity.Store.
func (s *IdentityStore) UnitByCode(ctx context.Context, code string) (*identity.Unit, error) {
	u, err := scanUnit(s.reader().QueryRowContext(ctx, `SELECT `+unitCols+` FROM units WHERE code = $1`, code))
	return u, mapErr(err, "unit.not_found")
}

// where accumulates SQL conditions with numbered placeholders.
type where struct {
	conds []string
	args  []any
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

// limit is a LIMIT clause with n written into the SQL, never bound: SQLite (3.47 on)
// plans with a bound LIMIT's value and so prepares such a statement again at every
// execution, which costs a short list query several times its work. n is an int, so
// the text is safe; each distinct n is its own cached statement.
func limit(n int) string { return " LIMIT " + strconv.Itoa(n) }

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// scopeCond is the SQL form of an identity.Scope over a path column. The
// scope is computed by the identity rules; this only applies it.
func (w *where) scopeCond(scope identity.Scope, pathCol string) string {
	if scope.All {
		return "1=1"
	}
	if len(scope.Paths) == 0 {
		return "1=0"
	}
	var ors []string
	for _, p := range scope.Paths {
		ors = append(ors, pathCol+" LIKE "+w.arg(p+"%"))
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

func likeArg(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// ListUnits implements identity.Store. Units come in tree order: by path.
func (s *IdentityStore) ListUnits(ctx context.Context, f identity.UnitFilter) ([]identity.Unit, error) {
	var w where
	w.add(w.scopeCond(f.Scope, "path"))
	if f.Kind != "" {
		w.add("kind = " + w.arg(string(f.Kind)))
	}
	if f.ParentID != "" {
		w.add("parent_id = " + w.arg(f.ParentID))
	}
	if len(f.IDs) > 0 {
		var in []string
		for _, id := range f.IDs {
			in = append(in, w.arg(id))
		}
		w.add("id IN (" + strings.Join(in, ", ") + ")")
	}
	if f.Query != "" {
		p := w.arg(likeArg(f.Query))
		w.add("(LOWER(name) LIKE " + p + ` ESCAPE '\' OR LOWER(code) LIKE ` + p + ` ESCAPE '\' OR LOWER(name_en) LIKE ` + p + ` ESCAPE '\')`)
	}
	if !f.IncludeDisabled {
		w.add("disabled = FALSE")
	}
	rows, err := s.reader().QueryContext(ctx, `SELECT `+unitCols+` FROM units`+w.sql()+` ORDER BY path`, w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []identity.Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, *u)
	}
	return out, mapErr(rows.Err(), "")
}

// ---- accounts ----

const accountCols = `id, username, display_name, password_hash, disabled, must_change_password,
	failed_logins, retry_at, locked_at, last_login_at, created_at, updated_at`

func scanAccount(sc interface{ Scan(...any) error }) (*identity.Account, error) {
	var a identity.Account
	var retry, locked, lastLogin sql.NullInt64
	var created, updated int64
	if err := sc.Scan(&a.ID, &a.Username, &a.DisplayName, &a.PasswordHash, &a.Disabled, &a.MustChangePassword,
		&a.FailedLogins, &retry, &locked, &lastLogin, &created, &updated); err != nil {
		return nil, err
	}
	a.RetryAt, a.LockedAt, a.LastLoginAt = fromNullMs(retry), fromNullMs(locked), fromNullMs(lastLogin)
	a.CreatedAt, a.UpdatedAt = fromMs(created), fromMs(updated)
	return &a, nil
}

// CreateAccount implements identity.Store.
func (s *IdentityStore) CreateAccount(ctx context.Context, a *identity.Account) error {
	_, err := s.exec(ctx, `INSERT INTO accounts (`+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		a.ID, a.Username, a.DisplayName, a.PasswordHash, a.Disabled, a.MustChangePassword,
		a.FailedLogins, nullMs(a.RetryAt), nullMs(a.LockedAt), nullMs(a.LastLoginAt), ms(a.CreatedAt), ms(a.UpdatedAt))
	return mapErr(err, "")
}

// UpdateAccount implements identity.Store. The username never changes.
func (s *IdentityStore) UpdateAccount(ctx context.Context, a *identity.Account) error {
	res, err := s.exec(ctx, `UPDATE accounts SET display_name = $2, password_hash = $3, disabled = $4,
		must_change_password = $5, failed_logins = $6, retry_at = $7, locked_at = $8, last_login_at = $9,
		updated_at = $10 WHERE id = $1`,
		a.ID, a.DisplayName, a.PasswordHash, a.Disabled, a.MustChangePassword,
		a.FailedLogins, nullMs(a.RetryAt), nullMs(a.LockedAt), nullMs(a.LastLoginAt), ms(a.UpdatedAt))
	if err != nil {
		return mapErr(err, "")
	}
	return mustAffect(res, "account.not_found")
}

// SetAssignments implements identity.Store.
func (s *IdentityStore) SetAssignments(ctx context.Context, accountID string, as []identity.Assignment) error {
	return s.Atomic(ctx, func(ctx context.Context, tx identity.Store) error {
		q := tx.(*IdentityStore).q
		if _, err := q.ExecContext(ctx, `DELETE FROM role_assignments WHERE account_id = $1`, accountID); err != nil {
			return mapErr(err, "")
		}
		for _, a := range as {
			if _, err := q.ExecContext(ctx, `INSERT INTO role_assignments (account_id, role, unit_id) VALUES ($1, $2, $3)`,
				accountID, string(a.Role), a.UnitID); err != nil {
				return mapErr(err, "")
			}
		}
		return nil
	})
}

// AccountByID implements identity.Store.
func (s *IdentityStore) AccountByID(ctx context.Context, id string) (*identity.Account, error) {
	return s.accountWhere(ctx, "id = $1", id)
}

// AccountByUsername implements identity.Store.
func (s *IdentityStore) AccountByUsername(ctx context.Context, username string) (*identity.Account, error) {
	return s.accountWhere(ctx, "username = $1", username)
}

func (s *IdentityStore) accountWhere(ctx context.Context, cond string, arg any) (*identity.Account, error) {
	a, err := scanAccount(s.reader().QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE `+cond, arg))
	if err != nil {
		return nil, mapErr(err, "account.not_found")
	}
	byAccount, err := s.assignments(ctx, []string{a.ID})
	if err != nil {
		return nil, err
	}
	a.Assignments = byAccount[a.ID]
	return a, nil
}

// assignments loads the roles of the given accounts with their units.
func (s *IdentityStore) assignments(ctx context.Context, accountIDs []string) (map[string][]identity.Assignment, error) {
	out := map[string][]identity.Assignment{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var w where
	var in []string
	for _, id := range accountIDs {
		in = append(in, w.arg(id))
	}
	rows, err := s.reader().QueryContext(ctx, `SELECT ra.account_id, ra.role, u.id, u.path, u.name, u.code, u.kind, u.disabled
		FROM role_assignments ra JOIN units u ON u.id = ra.unit_id
		WHERE ra.account_id IN (`+strings.Join(in, ", ")+`) ORDER BY u.path, ra.role`, w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a identity.Assignment
		if err := rows.Scan(&id, &a.Role, &a.UnitID, &a.UnitPath, &a.UnitName, &a.UnitCode, &a.UnitKind, &a.UnitDisabled); err != nil {
			return nil, mapErr(err, "")
		}
		out[id] = append(out[id], a)
	}
	return out, mapErr(rows.Err(), "")
}

// ListAccounts implements identity.Store. An account is in scope when one of
// its roles sits in a unit in scope; accounts with no role are in the scope
// of the whole tree only.
func (s *IdentityStore) ListAccounts(ctx context.Context, f identity.AccountFilter) ([]identity.Account, int, error) {
	var w where
	sub := `SELECT 1 FROM role_assignments ra JOIN units u ON u.id = ra.unit_id WHERE ra.account_id = accounts.id`
	scope := w.scopeCond(f.Scope, "u.path")
	if f.Scope.All || hasRootPath(f.Scope) {
		w.add("(EXISTS (" + sub + " AND " + scope + ") OR NOT EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.account_id = accounts.id))")
	} else {
		w.add("EXISTS (" + sub + " AND " + scope + ")")
	}
	if f.Role != "" {
		w.add("EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.account_id = accounts.id AND ra.role = " + w.arg(string(f.Role)) + ")")
	}
	if f.UnitID != "" {
		w.add("EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.account_id = accounts.id AND ra.unit_id = " + w.arg(f.UnitID) + ")")
	}
	if f.Locked {
		w.add("locked_at IS NOT NULL")
	}
	if f.Query != "" {
		p := w.arg(likeArg(f.Query))
		w.add("(username LIKE " + p + ` ESCAPE '\' OR LOWER(display_name) LIKE ` + p + ` ESCAPE '\')`)
	}
	var total int
	if err := s.reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err, "")
	}
	offset := w.arg(f.Offset)
	rows, err := s.reader().QueryContext(ctx, `SELECT `+accountCols+` FROM accounts`+w.sql()+
		` ORDER BY username`+limit(f.Limit)+` OFFSET `+offset, w.args...)
	if err != nil {
		return nil, 0, mapErr(err, "")
	}
	defer rows.Close()
	var out []identity.Account
	var idList []string
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, 0, mapErr(err, "")
		}
		out = append(out, *a)
		idList = append(idList, a.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapErr(err, "")
	}
	byAccount, err := s.assignments(ctx, idList)
	if err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].Assignments = byAccount[out[i].ID]
	}
	return out, total, nil
}

// CountAccountsByRole implements identity.Store.
func (s *IdentityStore) CountAccountsByRole(ctx context.Context, scope identity.Scope) (map[identity.Role]int, error) {
	var w where
	w.add(w.scopeCond(scope, "u.path"))
	w.add("a.disabled = FALSE")
	rows, err := s.reader().QueryContext(ctx, `SELECT ra.role, COUNT(DISTINCT a.id)
		FROM role_assignments ra JOIN units u ON u.id = ra.unit_id JOIN accounts a ON a.id = ra.account_id`+
		w.sql()+` GROUP BY ra.role`, w.args...)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	out := map[identity.Role]int{}
	for rows.Next() {
		var role identity.Role
		var n int
		if err := rows.Scan(&role, &n); err != nil {
			return nil, mapErr(err, "")
		}
		out[role] = n
	}
	return out, mapErr(rows.Err(), "")
}

// hasRootPath reports whether the scope includes a root unit, whose subtree
// is the whole tree.
func hasRootPath(sc identity.Scope) bool {
	for _, p := range sc.Paths {
		if identity.Within("", p) {
			return true
		}
	}
	return false
}

// ---- sessions ----

// CreateSession implements identity.Store.
func (s *IdentityStore) CreateSession(ctx context.Context, se *identity.Session) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)`,
		se.TokenHash, se.AccountID, ms(se.CreatedAt), ms(se.ExpiresAt), ms(se.LastSeenAt))
	return mapErr(err, "")
}

// SessionByHash implements identity.Store.
func (s *IdentityStore) SessionByHash(ctx context.Context, hash string) (*identity.Session, error) {
	var se identity.Session
	var c, e, l int64
	err := s.reader().QueryRowContext(ctx, `SELECT token_hash, account_id, created_at, expires_at, last_seen_at FROM sessions WHERE token_hash = $1`, hash).
		Scan(&se.TokenHash, &se.AccountID, &c, &e, &l)
	if err != nil {
		return nil, mapErr(err, "auth.session_invalid")
	}
	se.CreatedAt, se.ExpiresAt, se.LastSeenAt = fromMs(c), fromMs(e), fromMs(l)
	return &se, nil
}

// TouchSession implements identity.Store.
func (s *IdentityStore) TouchSession(ctx context.Context, hash string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1`, hash, ms(at))
	return mapErr(err, "")
}

// DeleteSession implements identity.Store.
func (s *IdentityStore) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	return mapErr(err, "")
}

// DeleteSessionsOf implements identity.Store.
func (s *IdentityStore) DeleteSessionsOf(ctx context.Context, accountID string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID)
	return mapErr(err, "")
}

// ---- API tokens ----

const tokenCols = `id, account_id, name, token_hash, created_at, expires_at, last_used_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (*identity.APIToken, error) {
	var t identity.APIToken
	var created int64
	var exp, used, rev sql.NullInt64
	if err := sc.Scan(&t.ID, &t.AccountID, &t.Name, &t.TokenHash, &created, &exp, &used, &rev); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMs(created)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromNullMs(exp), fromNullMs(used), fromNullMs(rev)
	return &t, nil
}

// CreateAPIToken implements identity.Store.
func (s *IdentityStore) CreateAPIToken(ctx context.Context, t *identity.APIToken) error {
	_, err := s.exec(ctx, `INSERT INTO api_tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.AccountID, t.Name, t.TokenHash, ms(t.CreatedAt), nullMs(t.ExpiresAt), nullMs(t.LastUsedAt), nullMs(t.RevokedAt))
	return mapErr(err, "")
}

// APITokenByHash implements identity.Store.
func (s *IdentityStore) APITokenByHash(ctx context.Context, hash string) (*identity.APIToken, error) {
	t, err := scanToken(s.reader().QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE token_hash = $1`, hash))
	return t, mapErr(err, "auth.token_invalid")
}

// ListAPITokens implements identity.Store, newest first.
func (s *IdentityStore) ListAPITokens(ctx context.Context, accountID string) ([]identity.APIToken, error) {
	rows, err := s.reader().QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE account_id = $1 ORDER BY id DESC`, accountID)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []identity.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, *t)
	}
	return out, mapErr(rows.Err(), "")
}

// TouchAPIToken implements identity.Store.
func (s *IdentityStore) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, ms(at))
	return mapErr(err, "")
}

// RevokeAPIToken implements identity.Store.
func (s *IdentityStore) RevokeAPIToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, ms(at))
	return mapErr(err, "")
}

// RevokeAPITokensOf implements identity.Store.
func (s *IdentityStore) RevokeAPITokensOf(ctx context.Context, accountID string, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`, accountID, ms(at))
	return mapErr(err, "")
}

// ---- Open311 keys ----

// CreateOpen311Key implements identity.Store.
func (s *IdentityStore) CreateOpen311Key(ctx context.Context, k *identity.Open311Key) error {
	_, err := s.exec(ctx, `INSERT INTO open311_keys (id, name, key_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, k.Name, k.KeyHash, ms(k.CreatedAt), nullMs(k.RevokedAt))
	return mapErr(err, "")
}

func scanKey(sc interface{ Scan(...any) error }) (*identity.Open311Key, error) {
	var k identity.Open311Key
	var created int64
	var rev sql.NullInt64
	if err := sc.Scan(&k.ID, &k.Name, &k.KeyHash, &created, &rev); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = fromMs(created), fromNullMs(rev)
	return &k, nil
}

// Open311KeyByHash implements identity.Store.
func (s *IdentityStore) Open311KeyByHash(ctx context.Context, hash string) (*identity.Open311Key, error) {
	k, err := scanKey(s.reader().QueryRowContext(ctx, `SELECT id, name, key_hash, created_at, revoked_at FROM open311_keys WHERE key_hash = $1`, hash))
	return k, mapErr(err, "open311.key_invalid")
}

// ListOpen311Keys implements identity.Store.
func (s *IdentityStore) ListOpen311Keys(ctx context.Context) ([]identity.Open311Key, error) {
	rows, err := s.reader().QueryContext(ctx, `SELECT id, name, key_hash, created_at, revoked_at FROM open311_keys ORDER BY id`)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []identity.Open311Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, *k)
	}
	return out, mapErr(rows.Err(), "")
}

// RevokeOpen311Key implements identity.Store.
func (s *IdentityStore) RevokeOpen311Key(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE open311_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, ms(at))
	if err != nil {
		return mapErr(err, "")
	}
	return mustAffect(res, "open311.key_not_found")
}

// AppendLedger implements identity.Store.
func (s *IdentityStore) AppendLedger(ctx context.Context, r ledger.Record) error {
	if s.q != nil {
		_, err := appendLedger(ctx, s.q, r)
		return err
	}
	return s.db.Transact(ctx, func(q Querier) error {
		_, err := appendLedger(ctx, q, r)
		return err
	})
}
