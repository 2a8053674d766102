// Package storage is chengguan's persistence: one database/sql code path over
// SQLite (the embedded default, modernc.org/sqlite) and PostgreSQL (pgx),
// embedded forward-only migrations per dialect, and the one transaction
// helper. It implements the Store interfaces of the capability packages and
// holds no business rules.
package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"chengguan/internal/apperr"
	"chengguan/internal/ledger"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The two supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what both *sql.DB and *sql.Tx offer; store code takes it so the
// same statement runs inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database. On SQLite it keeps one writer connection (SQLite
// allows one writer at a time; queuing in Go beats busy-waiting in SQLite)
// and a pool of read-only connections, which WAL lets run beside the writer.
// On PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB

	head headCache // see appendLedger

	// stmts are the ledger's statements prepared on SQLite's writer
	// connection (its driver parses a statement's text on every call;
	// pgx keeps prepared statements per connection itself). Prepared
	// outside any transaction, as the one connection is then free.
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// URL, or else a SQLite
// file path whose directory is created if missing. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	var err error
	if IsPostgres(dsn) {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	n := 4 * runtime.GOMAXPROCS(0)
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{Dialect: Postgres, write: pool, read: pool}, nil
}

// sqlitePragmas are set on every connection. synchronous=FULL makes every
// commit fsync the WAL, so an acknowledged write survives a power loss, not
// only a crash of the process (see docs/architecture.md, "Durability").
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"

func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("empty database path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before readers open it.
	if _, err := w.Exec("SELECT 1"); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	return &DB{Dialect: SQLite, write: w, read: r}, nil
}

// Close closes every connection.
func (db *DB) Close() error {
	db.stmtMu.Lock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = nil
	db.stmtMu.Unlock()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers (on a reader connection, so a
// probe does not wait for SQLite's one writer).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.Dialect, err)
	}
	return nil
}

// Reader returns the handle for reads outside a transaction.
func (db *DB) Reader() Querier { return db.read }

// maxAttempts bounds retries of a transaction that lost a serialization race.
const maxAttempts = 5

// Transact runs fn in one transaction and commits it, or rolls back if fn
// fails. It is the only way chengguan writes. On PostgreSQL the transaction is
// SERIALIZABLE and retried when it loses a race; on SQLite the single writer
// connection starts it with BEGIN IMMEDIATE, so it never loses one. On both,
// a transaction that appended to the ledger on a stale cached head (another
// process appended since; see headCache) is run once more at once.
// fn may run more than once and must not have effects outside the database.
func (db *DB) Transact(ctx context.Context, fn func(q Querier) error) error {
	var opts *sql.TxOptions
	if db.Dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	readHead := false
	for attempt := 1; ; attempt++ {
		err := db.transactOnce(ctx, opts, readHead, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		if errors.Is(err, errStaleHead) {
			// Again at once, on the head read from the database: the
			// cache may already hold another stale head, set by a
			// goroutine of this process meanwhile.
			readHead = true
			continue
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

func (db *DB) transactOnce(ctx context.Context, opts *sql.TxOptions, readHead bool, fn func(q Querier) error) (err error) {
	var tx *sql.Tx
	if db.Dialect == Postgres {
		// Write transactions append to the one ledger chain, and each must
		// see the head the previous one committed. A SERIALIZABLE
		// transaction's snapshot is fixed by its first statement, so the
		// chain's lock is taken on the connection before BEGIN: the
		// transaction then starts after the previous writer has committed.
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return apperr.Wrap(apperr.Unavailable, "", fmt.Errorf("connection: %w", err))
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(ledgerLock)); err != nil {
			return mapErr(err, "")
		}
		defer func() {
			// Unlock even when ctx has ended; a failed unlock ends with the
			// connection, which database/sql then discards.
			if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(ledgerLock)); uerr != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
		if tx, err = conn.BeginTx(ctx, opts); err != nil {
			return apperr.Wrap(apperr.Unavailable, "", fmt.Errorf("begin: %w", err))
		}
	} else {
		db.prepareLedger(ctx)
		if tx, err = db.write.BeginTx(ctx, opts); err != nil {
			return apperr.Wrap(apperr.Unavailable, "", fmt.Errorf("begin: %w", err))
		}
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	t := &txQuerier{Tx: tx, db: db, readHead: readHead}
	if err = fn(t); err != nil {
		return err
	}
	if !t.appended {
		if err = tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	// The head is set while its lock is held, so that the next transaction
	// of this process, which may begin as soon as the commit returns the
	// connection, reads the new head, not the old one.
	db.head.mu.Lock()
	defer db.head.mu.Unlock()
	if err = tx.Commit(); err != nil {
		db.head.ok = false // the commit may or may not have happened
		return fmt.Errorf("commit: %w", err)
	}
	db.head.head, db.head.ok = t.head, t.head.Seq > 0
	return nil
}

// txQuerier is the Querier Transact hands to its function: the transaction,
// and the chain's head after the transaction's last append.
type txQuerier struct {
	*sql.Tx
	db       *DB
	readHead bool // read the head from the database, not the cache
	head     ledger.Head
	appended bool
}

// exec runs one of the ledger's statements, prepared where it pays.
func (t *txQuerier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.db.prepared(query); st != nil {
		return t.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.ExecContext(ctx, query, args...)
}

func (t *txQuerier) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.db.prepared(query); st != nil {
		return t.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.QueryRowContext(ctx, query, args...)
}

func (db *DB) prepared(query string) *sql.Stmt {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	return db.stmts[query]
}

// prepareLedger prepares the ledger's statements on SQLite's writer, once
// the ledger table exists: until then (before migrating) it tries again at
// the next transaction, and the statements run unprepared.
func (db *DB) prepareLedger(ctx context.Context) {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if db.stmts != nil {
		return
	}
	stmts := make(map[string]*sql.Stmt)
	for _, q := range [...]string{selectHead, insertLedger, insertOnHead} {
		st, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range stmts {
				st.Close()
			}
			return
		}
		stmts[q] = st
	}
	db.stmts = stmts
}

// retryable reports a PostgreSQL serialization failure or deadlock, or an
// append on a stale cached ledger head (see headCache).
func retryable(err error) bool {
	if errors.Is(err, errStaleHead) {
		return true
	}
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}

// mapErr turns driver errors into coded errors: a unique violation is a
// Conflict, a missing row NotFound (with the caller's key); anything else
// stays internal.
func mapErr(err error, notFoundKey string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, notFoundKey)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(apperr.Unavailable, "", err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			return apperr.Wrap(apperr.Conflict, "", err)
		case "23503":
			return apperr.Wrap(apperr.Conflict, "error.referenced", err)
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return apperr.Wrap(apperr.Conflict, "", err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return apperr.Wrap(apperr.Conflict, "error.referenced", err)
		}
	}
	if apperr.CodeOf(err) != apperr.Internal {
		return err
	}
	return apperr.Wrap(apperr.Internal, "", err)
}
