// Package storagetest gives tests a fresh database of every supported store,
// so that one contract suite runs against SQLite and PostgreSQL alike. It is
// for tests only: nothing outside *_test.go files may import it.
//
// SQLite always runs, in a file under t.TempDir(). PostgreSQL runs when
// CHENGGUAN_TEST_POSTGRES holds a postgres:// URL; each test gets a schema of
// its own in that database, dropped when the test ends. Without the URL the
// PostgreSQL tests skip, unless CHENGGUAN_TEST_REQUIRE_POSTGRES=1, which makes
// them fail: CI sets it so that a skipped PostgreSQL run cannot pass unseen.
// A run killed before its cleanups leaves cgtest_* schemas behind; drop them
// by hand.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"chengguan/internal/storage"
)

// The environment variables read by this package.
const (
	EnvPostgres        = "CHENGGUAN_TEST_POSTGRES"
	EnvRequirePostgres = "CHENGGUAN_TEST_REQUIRE_POSTGRES"
)

// Each runs fn once per store, as the subtests "sqlite" and "postgres", each
// with a fresh, fully migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run(string(storage.SQLite), func(t *testing.T) { fn(t, OpenSQLite(t)) })
	t.Run(string(storage.Postgres), func(t *testing.T) { fn(t, OpenPostgres(t)) })
}

// EachB is Each for benchmarks: fn runs as the sub-benchmarks "sqlite" and
// "postgres", each with a fresh, fully migrated database.
func EachB(b *testing.B, fn func(b *testing.B, db *storage.DB)) {
	b.Helper()
	b.Run(string(storage.SQLite), func(b *testing.B) { fn(b, OpenSQLite(b)) })
	b.Run(string(storage.Postgres), func(b *testing.B) { fn(b, OpenPostgres(b)) })
}

// EachEmpty is Each with databases that have not been migrated, for tests of
// the migrations themselves.
func EachEmpty(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run(string(storage.SQLite), func(t *testing.T) { fn(t, OpenSQLiteEmpty(t)) })
	t.Run(string(storage.Postgres), func(t *testing.T) { fn(t, OpenPostgresEmpty(t)) })
}

// OpenSQLite returns a migrated SQLite database in a new file under
// tb.TempDir(), closed when the test ends.
func OpenSQLite(tb testing.TB) *storage.DB {
	tb.Helper()
	return migrate(tb, OpenSQLiteEmpty(tb))
}

// OpenSQLiteEmpty is OpenSQLite without migrations.
func OpenSQLiteEmpty(tb testing.TB) *storage.DB {
	tb.Helper()
	return open(tb, SQLiteDSN(tb))
}

// OpenPostgres returns a migrated PostgreSQL database confined to a schema
// of its own, dropped when the test ends. Without CHENGGUAN_TEST_POSTGRES it
// skips the test, or fails it when CHENGGUAN_TEST_REQUIRE_POSTGRES=1.
func OpenPostgres(tb testing.TB) *storage.DB {
	tb.Helper()
	return migrate(tb, OpenPostgresEmpty(tb))
}

// OpenPostgresEmpty is OpenPostgres without migrations.
func OpenPostgresEmpty(tb testing.TB) *storage.DB {
	tb.Helper()
	return open(tb, PostgresDSN(tb))
}

// SQLiteDSN returns the path of a new SQLite database file under
// tb.TempDir(), for tests of code that opens the database itself.
func SQLiteDSN(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "chengguan.db")
}

// PostgresDSN returns a URL of the test database confined to a new, empty
// schema of its own, dropped when the test ends. It skips or fails like
// OpenPostgres when CHENGGUAN_TEST_POSTGRES is empty.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			tb.Fatalf("%s is empty but %s=1: the PostgreSQL tests must run", EnvPostgres, EnvRequirePostgres)
		}
		tb.Skipf("PostgreSQL tests skipped: %s is empty", EnvPostgres)
	}
	if !storage.IsPostgres(base) {
		tb.Fatalf("%s must be a postgres:// URL", EnvPostgres)
	}
	schema := newSchema(tb, base)
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPostgres, err)
	}
	return dsn
}

// EachDSN runs fn once per store with the DSN of an empty database, for
// tests of commands and processes that open the database themselves.
func EachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	t.Run(string(storage.SQLite), func(t *testing.T) { fn(t, SQLiteDSN(t)) })
	t.Run(string(storage.Postgres), func(t *testing.T) { fn(t, PostgresDSN(t)) })
}

// newSchema creates a uniquely named schema in the database at base and
// registers its removal.
func newSchema(tb testing.TB, base string) string {
	tb.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", EnvPostgres, err)
	}
	tb.Cleanup(func() { admin.Close() })
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("random schema name: %v", err)
	}
	// Only [a-z0-9_], so the name needs no quoting.
	schema := "cgtest_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	// Cleanups run last-in first-out: the test's database is closed (see
	// open) before its schema is dropped.
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// withSearchPath returns the URL base with search_path set to schema; pgx
// passes unknown URL parameters to the server as run-time settings.
func withSearchPath(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func open(tb testing.TB, dsn string) *storage.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("open database: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close database: %v", err)
		}
	})
	return db
}

func migrate(tb testing.TB, db *storage.DB) *storage.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", db.Dialect, err)
	}
	return db
}

// Paired times base and with alternately, once each per iteration, and
// reports the median of each and the overhead of with over base: on a busy
// machine the load drifts, and alternating makes both sides see the same.
func Paired(b *testing.B, base, with func(i int) error) {
	b.Helper()
	var tb, tw []time.Duration
	i := 0
	for b.Loop() {
		i++
		for _, side := range [2]struct {
			fn func(int) error
			ts *[]time.Duration
		}{{base, &tb}, {with, &tw}} {
			start := time.Now()
			if err := side.fn(i); err != nil {
				b.Fatal(err)
			}
			*side.ts = append(*side.ts, time.Since(start))
		}
	}
	mb, mw := median(tb), median(tw)
	b.ReportMetric(float64(mb.Microseconds()), "base-µs")
	b.ReportMetric(float64(mw.Microseconds()), "with-µs")
	b.ReportMetric(100*(float64(mw)-float64(mb))/float64(mb), "overhead-%")
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}
