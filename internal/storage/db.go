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
	// The group-commit writer (see Transact).
	jobs       chan *job
	closed     chan struct{}
	closeOnce  sync.Once
	writerDone chan struct{}
	// ledgerHead is the ledger head as of the writer's last commit, if it
	// knows it: a hint for the next batch's first append, which checks it
	// (see appendLedger). Only the writer goroutine touches it.
	ledgerHead      ledger.Head
	ledgerHeadKnown bool
	// writeStmts are the statements prepared on SQLite's writer connection,
	// kept from one batch to the next (see stmtTx). Only the writer
	// goroutine touches them.
	writeStmts map[string]*sql.Stmt
	// readStmts are the reader's prepared statements (SQLite).
	readStmts readCache
	// checkpoint is the background checkpointer's connection (SQLite).
	checkpoint     *sql.DB
	checkpointDone chan struct{}
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// URL, or else a SQLite
// file path (also written sqlite://PATH) whose directory is created if missing.
// Any other URL scheme is refused rather than taken for a file name. It does
// not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var db *DB
	var err error
	switch scheme, rest, found := strings.Cut(dsn, "://"); {
	case IsPostgres(dsn):
		db, err = openPostgres(dsn)
	case found && scheme == "sqlite":
		db, err = openSQLite(rest)
	case found && !strings.ContainsAny(scheme, `/\.`):
		return nil, fmt.Errorf("database %q: a SQLite file path or a postgres:// URL, not %s://", dsn, scheme)
	default:
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
	return newDB(Postgres, pool, pool), nil
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
	// The writer checkpoints only when the WAL has grown large (~40 MB); a
	// background checkpointer (checkpointer) copies the WAL into the database
	// between commits instead, so that a commit rarely waits for it. Its
	// temporary files are in memory (temp_store=MEMORY): each job of a group
	// commit runs in a savepoint, whose sub-journal would otherwise be a file
	// written for every page a later job of the batch changes again. Its page
	// cache holds up to 64 MiB (cache_size; SQLite's default is 2 MiB): the
	// index pages a report inserts into are spread over B-trees of a million
	// entries, and with the default each commit read ~2 pages a report back
	// from the file. The cache grows only with the pages the writer touches.
	w, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=wal_autocheckpoint(10000)&_pragma=temp_store(2)&_pragma=cache_size(-65536)")
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
	// Readers sort in memory (temp_store=MEMORY): an indicator's GROUP BY over a
	// month's rows otherwise spills to temporary files.
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)&_pragma=temp_store(2)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := 2 * runtime.GOMAXPROCS(0)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	c, err := sql.Open("sqlite", base)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	c.SetMaxOpenConns(1)
	db := newDB(SQLite, w, r)
	db.checkpoint = c
	db.checkpointDone = make(chan struct{})
	go db.checkpointer()
	return db, nil
}

// checkpointEvery is how often the background checkpointer runs.
const checkpointEvery = 250 * time.Millisecond

// checkpointer runs PASSIVE WAL checkpoints on a connection of its own until
// the database closes: they never wait for the writer or readers, and copy
// what they can.
func (db *DB) checkpointer() {
	defer close(db.checkpointDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-db.closed:
			return
		case <-t.C:
			_, _ = db.checkpoint.Exec("PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

func newDB(d Dialect, write, read *sql.DB) *DB {
	db := &DB{Dialect: d, write: write, read: read, jobs: make(chan *job), closed: make(chan struct{}),
		writerDone: make(chan struct{})}
	db.readStmts.db = read
	go db.writer()
	return db
}

// Close stops the writer once the batch it runs is committed, and closes
// every connection. Transactions still waiting to be taken fail as
// unavailable.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { close(db.closed) })
	<-db.writerDone
	for _, st := range db.writeStmts {
		st.Close()
	}
	if db.checkpoint != nil {
		<-db.checkpointDone
		db.checkpoint.Close()
	}
	db.readStmts.close()
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

// Reader returns the handle for reads outside a transaction. On SQLite it
// prepares each distinct statement once (the driver would parse its text on
// every call; database/sql prepares it on each reader connection as needed);
// pgx caches its prepared statements itself.
func (db *DB) Reader() Querier {
	if db.Dialect == SQLite {
		return &db.readStmts
	}
	return db.read
}

// maxCachedStmts bounds the reader's statement cache: statements built with a
// varying number of placeholders (IN lists) beyond it run unprepared.
const maxCachedStmts = 1024

// readCache runs reads through statements prepared once.
type readCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (c *readCache) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // run it unprepared: the error, if any, is the query's own
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

func (c *readCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

func (c *readCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *readCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *readCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// maxAttempts bounds retries of a batch that lost a serialization race.
const maxAttempts = 5

// maxBatch bounds how many waiting transactions one commit carries.
const maxBatch = 128

// job is one Transact call waiting for the writer.
type job struct {
	ctx  context.Context
	fn   func(q Querier) error
	done chan error
}

// Transact runs fn in a transaction of its own and commits it, or rolls it
// back if fn fails. It is the only way chengguan writes, and it returns only
// once the change is durable.
//
// Writes are group-committed: one writer goroutine per process takes every
// transaction waiting at that moment (up to maxBatch) and runs them in one
// database transaction, each inside a SAVEPOINT of its own, so that a
// failing fn is rolled back alone while the others commit together. One
// commit — one fsync of SQLite's WAL or PostgreSQL's — then serves the whole
// batch, which is what lets a single SQLite file take thousands of durable
// writes a second. The transactions of a batch run one after another on one
// connection, so each sees the ones before it (the ledger chain in
// particular); on PostgreSQL the batch is SERIALIZABLE, holds the ledger's
// advisory lock (other processes write too), and is retried whole when it
// loses a race. fn may therefore run more than once and must not have
// effects outside the database.
func (db *DB) Transact(ctx context.Context, fn func(q Querier) error) error {
	if err := ctx.Err(); err != nil {
		return apperr.Wrap(apperr.Unavailable, "", err)
	}
	j := &job{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.jobs <- j:
	case <-db.closed:
		return apperr.Wrap(apperr.Unavailable, "", errors.New("database closed"))
	case <-ctx.Done():
		return apperr.Wrap(apperr.Unavailable, "", ctx.Err())
	}
	// Once queued, the outcome is waited for even if ctx ends meanwhile: the
	// writer skips a job whose context has ended before it starts, and an
	// answer that came after the commit must not be reported as a failure.
	err := <-j.done
	if p, ok := err.(*panicked); ok {
		panic(p.value) // rolled back; the panic goes on in the caller's goroutine
	}
	return err
}

// panicked carries a panic of fn from the writer back to the caller.
type panicked struct{ value any }

func (p *panicked) Error() string { return fmt.Sprintf("panic in a transaction: %v", p.value) }

// writer runs batches until the database closes.
func (db *DB) writer() {
	defer close(db.writerDone)
	for {
		var first *job
		select {
		case first = <-db.jobs:
		case <-db.closed:
			return
		}
		batch := []*job{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-db.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		db.runBatch(batch)
	}
}

// runBatch commits a batch, retrying it on PostgreSQL serialization failures.
func (db *DB) runBatch(batch []*job) {
	for attempt := 1; ; attempt++ {
		results, err := db.batchOnce(batch)
		if err != nil && attempt < maxAttempts && retryable(err) {
			time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
			continue
		}
		for i, j := range batch {
			if err != nil && results[i] == nil {
				results[i] = err
			}
			j.done <- results[i]
		}
		return
	}
}

// batchOnce runs every job of the batch in one transaction, each in its own
// savepoint. It returns each job's own error, and the error of the whole
// batch (begin or commit), which fails every job that had none of its own.
func (db *DB) batchOnce(batch []*job) (results []error, err error) {
	results = make([]error, len(batch))
	ctx := context.Background()
	var opts *sql.TxOptions
	var tx *sql.Tx
	if db.Dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelSerializable}
		// Write transactions append to the one ledger chain, and each must
		// see the head the previous one committed. A SERIALIZABLE
		// transaction's snapshot is fixed by its first statement, so the
		// chain's lock is taken on the connection before BEGIN: the
		// transaction then starts after the previous writer has committed.
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return results, apperr.Wrap(apperr.Unavailable, "", fmt.Errorf("connection: %w", err))
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(ledgerLock)); err != nil {
			return results, mapErr(err, "")
		}
		defer func() {
			// A failed unlock ends with the connection, which database/sql
			// then discards.
			if _, uerr := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, int64(ledgerLock)); uerr != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
		if tx, err = conn.BeginTx(ctx, opts); err != nil {
			return results, apperr.Wrap(apperr.Unavailable, "", fmt.Errorf("begin: %w", err))
		}
	} else if tx, err = db.write.BeginTx(ctx, opts); err != nil {
		return results, apperr.Wrap(apperr.Unavailable, "", fmt.Errorf("begin: %w", err))
	}
	committed := false
	inner := db.querier(tx)
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
		if st, ok := inner.(*stmtTx); ok {
			db.keepStmts(st.fresh)
		}
	}()
	ran := 0
	q := &writeTx{Querier: inner, head: db.ledgerHead, headKnown: db.ledgerHeadKnown}
	// Until this batch commits, the head the writer knows is the one it
	// started from; a failed commit leaves it unknown.
	db.ledgerHeadKnown = false
	// The savepoints go through inner too: on SQLite their statements are
	// then parsed once, not at every job.
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			results[i] = apperr.Wrap(apperr.Unavailable, "", err)
			continue
		}
		if _, err := inner.ExecContext(ctx, "SAVEPOINT cg_tx"); err != nil {
			return results, mapErr(err, "")
		}
		head, headKnown := q.head, q.headKnown
		results[i] = runJob(j, q)
		if results[i] != nil {
			if retryable(results[i]) {
				return results, results[i] // the whole batch lost a race: retry it
			}
			if _, err := inner.ExecContext(ctx, "ROLLBACK TO SAVEPOINT cg_tx"); err != nil {
				return results, mapErr(err, "")
			}
			q.head, q.headKnown = head, headKnown // its appends are undone
		} else {
			ran++
		}
		if _, err := inner.ExecContext(ctx, "RELEASE SAVEPOINT cg_tx"); err != nil {
			return results, mapErr(err, "")
		}
	}
	if ran == 0 {
		// Nothing to commit; the deferred rollback ends the transaction, and
		// the head is what it was.
		db.ledgerHead, db.ledgerHeadKnown = q.head, q.headKnown
		return results, nil
	}
	if err := tx.Commit(); err != nil {
		return results, fmt.Errorf("commit: %w", err)
	}
	committed = true
	db.ledgerHead, db.ledgerHeadKnown = q.head, q.headKnown
	return results, nil
}

// runJob runs one job's fn, turning a panic into that job's error so that
// one bad transaction cannot take the writer, and every other writer, down;
// Transact panics again in the caller.
func runJob(j *job, q Querier) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicked{value: p}
		}
	}()
	return j.fn(q)
}

// querier is what the transactions of a batch write through. On SQLite a statement
// is prepared once and reused by every transaction of the batch and of the batches
// after it (see stmtTx), which saves parsing the same SQL again for each write: the
// parser of modernc's SQLite took ~50 µs for a ledger INSERT, more than running it.
// PostgreSQL's driver caches its prepared statements itself.
func (db *DB) querier(tx *sql.Tx) Querier {
	if db.Dialect != SQLite {
		return tx
	}
	return &stmtTx{db: db, tx: tx, stmts: map[string]*sql.Stmt{}}
}

// keepStmts prepares on the writer connection the statements a batch
// prepared for the first time, so that the batches after it find them
// (stmtTx): the batch's own ended with its transaction. It runs between
// batches, when the writer's one connection is free, and keeps at most
// maxCachedStmts; one that fails to prepare is prepared again by the next
// batch that runs it.
func (db *DB) keepStmts(queries []string) {
	for _, q := range queries {
		if len(db.writeStmts) >= maxCachedStmts {
			return
		}
		if _, ok := db.writeStmts[q]; ok {
			continue
		}
		st, err := db.write.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		if db.writeStmts == nil {
			db.writeStmts = map[string]*sql.Stmt{}
		}
		db.writeStmts[q] = st
	}
}

// writeTx is what the transactions of a batch write through: the batch's
// transaction, and the ledger head its appends last saw (see appendLedger),
// which a transaction rolled back to its savepoint restores. The head is a
// hint that every append checks, never trusted: a statement of the batch
// may have changed the ledger behind it.
type writeTx struct {
	Querier
	head      ledger.Head
	headKnown bool
}

func (t *writeTx) ledgerHead() (ledger.Head, bool) { return t.head, t.headKnown }

func (t *writeTx) setLedgerHead(h ledger.Head) { t.head, t.headKnown = h, true }

// stmtTx runs a batch's statements through its statement cache. A statement the
// writer connection has kept (DB.writeStmts) is bound to the transaction without
// being parsed again; another is prepared in the transaction, and kept for the
// batches after it once this one has ended (keepStmts). The transaction's
// statements end with it.
type stmtTx struct {
	db    *DB
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	fresh []string // statements prepared in this batch, not yet kept
}

func (t *stmtTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	if kept, ok := t.db.writeStmts[query]; ok {
		st := t.tx.StmtContext(ctx, kept)
		t.stmts[query] = st
		return st, nil
	}
	st, err := t.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	t.stmts[query] = st
	t.fresh = append(t.fresh, query)
	return st, nil
}

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		// sql.Row cannot be built with an error outside database/sql: let the
		// transaction report it.
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// retryable reports a PostgreSQL serialization failure or deadlock.
func retryable(err error) bool {
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
