package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"chengguan/internal/apperr"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// insertKey writes one open311_keys row through q; the table is simple
// enough to stand in for any write.
func insertKey(ctx context.Context, q storage.Querier, name string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO open311_keys (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)`,
		ids.New(), name, "hash-"+name, int64(1))
	return err
}

func countKeys(t *testing.T, db *storage.DB, name string) int {
	t.Helper()
	var n int
	err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM open311_keys WHERE name = $1`, name).Scan(&n)
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return n
}

func TestTransactCommits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		err := db.Transact(ctx, func(q storage.Querier) error {
			if err := insertKey(ctx, q, "a"); err != nil {
				return err
			}
			return insertKey(ctx, q, "b")
		})
		if err != nil {
			t.Fatalf("Transact: %v", err)
		}
		if got := countKeys(t, db, "a") + countKeys(t, db, "b"); got != 2 {
			t.Fatalf("rows after commit: got %d, want 2", got)
		}
	})
}

func TestTransactRollsBackOnError(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.Transact(ctx, func(q storage.Querier) error {
			if err := insertKey(ctx, q, "doomed"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact: got %v, want the callback's error", err)
		}
		if got := countKeys(t, db, "doomed"); got != 0 {
			t.Fatalf("rows after rollback: got %d, want 0", got)
		}
		// The connection went back to the pool: another write works.
		if err := db.Transact(ctx, func(q storage.Querier) error { return insertKey(ctx, q, "after") }); err != nil {
			t.Fatalf("Transact after rollback: %v", err)
		}
	})
}

func TestTransactRollsBackOnPanicAndRepanics(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		func() {
			defer func() {
				if p := recover(); p != "kaboom" {
					t.Fatalf("recovered %v, want the callback's panic", p)
				}
			}()
			_ = db.Transact(ctx, func(q storage.Querier) error {
				if err := insertKey(ctx, q, "panicked"); err != nil {
					t.Errorf("insert: %v", err)
				}
				panic("kaboom")
			})
			t.Fatal("Transact returned after a panic, want the panic to propagate")
		}()
		if got := countKeys(t, db, "panicked"); got != 0 {
			t.Fatalf("rows after panic: got %d, want 0", got)
		}
		// On SQLite a leaked transaction would hold the only writer
		// connection and this would block.
		if err := db.Transact(ctx, func(q storage.Querier) error { return insertKey(ctx, q, "after") }); err != nil {
			t.Fatalf("Transact after panic: %v", err)
		}
		if got := countKeys(t, db, "after"); got != 1 {
			t.Fatalf("rows after the next commit: got %d, want 1", got)
		}
	})
}

func TestTransactRetriesSerializationFailures(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		attempts := 0
		err := db.Transact(ctx, func(q storage.Querier) error {
			attempts++
			if err := insertKey(ctx, q, "retried"); err != nil {
				return err
			}
			if attempts < 3 {
				return &pgconn.PgError{Code: "40001", Message: "could not serialize access"}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Transact: %v", err)
		}
		if attempts != 3 {
			t.Fatalf("attempts: got %d, want 3", attempts)
		}
		// Each failed attempt rolled back its insert.
		if got := countKeys(t, db, "retried"); got != 1 {
			t.Fatalf("rows: got %d, want 1", got)
		}
	})
}

func TestTransactGivesUpAfterRepeatedSerializationFailures(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		attempts := 0
		err := db.Transact(context.Background(), func(q storage.Querier) error {
			attempts++
			return &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
		})
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != "40P01" {
			t.Fatalf("Transact: got %v, want the deadlock error", err)
		}
		if attempts != 5 {
			t.Fatalf("attempts: got %d, want 5", attempts)
		}
	})
}

func TestTransactDoesNotRetryOtherErrors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		attempts := 0
		err := db.Transact(context.Background(), func(q storage.Querier) error {
			attempts++
			return &pgconn.PgError{Code: "23505", Message: "duplicate key"}
		})
		if err == nil || attempts != 1 {
			t.Fatalf("Transact: got %v after %d attempts, want the error after 1", err, attempts)
		}
	})
}

func TestTransactWithCancelledContextIsUnavailable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		called := false
		err := db.Transact(ctx, func(q storage.Querier) error {
			called = true
			return nil
		})
		if !apperr.Is(err, apperr.Unavailable) || called {
			t.Fatalf("Transact(cancelled): got %v (callback run: %v), want unavailable without running it", err, called)
		}
	})
}

func TestIsPostgres(t *testing.T) {
	cases := map[string]bool{
		"postgres://u@h/db":      true,
		"postgresql://u@h/db":    true,
		"data/chengguan.db":      false,
		"/var/lib/chengguan.db":  false,
		"file:postgres://x":      false,
		"mysql://u@h/db":         false,
		"":                       false,
		"./postgres:/weird/name": false,
	}
	for dsn, want := range cases {
		if got := storage.IsPostgres(dsn); got != want {
			t.Errorf("IsPostgres(%q): got %v, want %v", dsn, got, want)
		}
	}
}

func TestSQLiteFileIsCreatedInMissingDirectoryAndKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "chengguan.db")
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if db.Dialect != storage.SQLite {
		t.Fatalf("Dialect: got %q, want sqlite", db.Dialect)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := db.Transact(ctx, func(q storage.Querier) error { return insertKey(ctx, q, "kept") }); err != nil {
		t.Fatalf("Transact: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db, err = storage.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("Migrate after reopen: applied %v, err %v; want nothing", applied, err)
	}
	if got := countKeys(t, db, "kept"); got != 1 {
		t.Fatalf("rows after reopen: got %d, want 1", got)
	}
}

func TestForeignKeysAreEnforced(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		err := db.Transact(ctx, func(q storage.Querier) error {
			_, err := q.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at)
				VALUES ($1, $2, 1, 2, 1)`, "h", ids.New())
			return err
		})
		if err == nil {
			t.Fatal("session of a missing account was stored, want a foreign key violation")
		}
	})
}

func TestOpenRefusesEmptyPath(t *testing.T) {
	if db, err := storage.Open(context.Background(), ""); err == nil {
		db.Close()
		t.Fatal("Open(\"\"): got a database, want an error")
	}
}

func TestConcurrentTransactionsCommitTogetherAndFailAlone(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 60)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Transact(ctx, func(q storage.Querier) error {
					if err := insertKey(ctx, q, fmt.Sprintf("k%d", i)); err != nil {
						return err
					}
					if i%5 == 0 {
						return errors.New("refused")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if (i%5 == 0) != (err != nil) {
				t.Fatalf("transaction %d: %v", i, err)
			}
			want := 1
			if i%5 == 0 {
				want = 0
			}
			if got := countKeys(t, db, fmt.Sprintf("k%d", i)); got != want {
				t.Fatalf("rows of transaction %d: %d, want %d", i, got, want)
			}
		}
	})
}

func TestATransactionWhoseContextEndedBeforeItRanChangesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := db.Transact(ctx, func(q storage.Querier) error { return insertKey(context.Background(), q, "late") })
		if !apperr.Is(err, apperr.Unavailable) {
			t.Fatalf("Transact with an ended context: %v", err)
		}
		if got := countKeys(t, db, "late"); got != 0 {
			t.Fatalf("rows: %d", got)
		}
	})
}

func TestAppendsOfConcurrentTransactionsChainEvenWhenSomeRollBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = db.Transact(ctx, func(q storage.Querier) error {
					rec := ledger.Record{ID: ids.New(), At: time.Now().UTC().Truncate(time.Millisecond), ActorID: "t",
						Action: "test.append", Subject: ledger.Subject{Kind: "test", ID: fmt.Sprint(i)}}
					if _, err := storage.AppendLedger(ctx, q, rec); err != nil {
						return err
					}
					if i%3 == 0 {
						return errors.New("refused after appending")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		sum, err := ledger.Verify(storage.NewLedgerStore(db).Records(ctx), ledger.Options{})
		if err != nil {
			t.Fatalf("the chain after concurrent appends with rollbacks: %v", err)
		}
		if sum.Records != 26 {
			t.Fatalf("%d records, want the 26 that committed", sum.Records)
		}
	})
}

func TestOpenTakesSQLiteURLsAndRefusesOtherSchemes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "via-url.db")
	db, err := storage.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatalf("sqlite:// URL: %v", err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the file of a sqlite:// URL is its path: %v", err)
	}
	if _, err := storage.Open(ctx, "mysql://root@localhost/x"); err == nil || !strings.Contains(err.Error(), "mysql://") {
		t.Fatalf("another scheme is refused, naming it: %v", err)
	}
}
