package storagetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"chengguan/internal/ids"
	"chengguan/internal/storage"
)

func TestWithSearchPath(t *testing.T) {
	cases := map[string]string{
		"postgres://u@h:5432/db":                 "search_path=s1",
		"postgres://u@h:5432/db?sslmode=disable": "search_path=s1&sslmode=disable",
		"postgres://u@h/db?search_path=public":   "search_path=s1",
	}
	for base, wantQuery := range cases {
		got, err := withSearchPath(base, "s1")
		if err != nil {
			t.Fatalf("withSearchPath(%q): %v", base, err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("parse %q: %v", got, err)
		}
		if u.RawQuery != wantQuery || u.Host == "" || u.Path == "" {
			t.Fatalf("withSearchPath(%q): got %q, want query %q", base, got, wantQuery)
		}
	}
}

func insert(t *testing.T, db *storage.DB, name string) {
	t.Helper()
	ctx := context.Background()
	err := db.Transact(ctx, func(q storage.Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO open311_keys (id, name, key_hash, created_at) VALUES ($1, $2, $2, 1)`, ids.New(), name)
		return err
	})
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
}

func count(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM open311_keys`).Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func TestEveryCallGetsItsOwnEmptyDatabase(t *testing.T) {
	Each(t, func(t *testing.T, first *storage.DB) {
		second := OpenSQLite(t)
		if first.Dialect == storage.Postgres {
			second = OpenPostgres(t)
		}
		insert(t, first, "only-in-first")
		if got := count(t, first); got != 1 {
			t.Fatalf("first database: %d rows, want 1", got)
		}
		if got := count(t, second); got != 0 {
			t.Fatalf("second database: %d rows, want 0", got)
		}
	})
}

func TestPostgresSchemaIsDroppedAfterTheTest(t *testing.T) {
	base := os.Getenv(EnvPostgres)
	var schema string
	t.Run("use", func(t *testing.T) {
		db := OpenPostgres(t)
		if err := db.Reader().QueryRowContext(context.Background(), `SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatalf("current_schema: %v", err)
		}
		if !strings.HasPrefix(schema, "cgtest_") {
			t.Fatalf("current_schema: got %q, want the test's own cgtest_ schema", schema)
		}
		insert(t, db, "x")
	})
	if schema == "" {
		t.Skip("PostgreSQL did not run")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRow(`SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil {
		t.Fatalf("look for schema: %v", err)
	}
	if n != 0 {
		t.Fatalf("schema %s still exists after its test ended", schema)
	}
}
