package storage_test

import (
	"context"
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

func migrationNames(t *testing.T, d storage.Dialect) []string {
	t.Helper()
	entries, err := fs.ReadDir(storage.Migrations(d), ".")
	if err != nil {
		t.Fatalf("read %s migrations: %v", d, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestMigrationDirectoriesAreInLockstep(t *testing.T) {
	lite, pg := migrationNames(t, storage.SQLite), migrationNames(t, storage.Postgres)
	if len(lite) == 0 {
		t.Fatal("no SQLite migrations")
	}
	if !slices.Equal(lite, pg) {
		t.Fatalf("migration files differ:\n sqlite   %v\n postgres %v", lite, pg)
	}
	numbered := regexp.MustCompile(`^(\d{5})_[a-z0-9_]+\.sql$`)
	for i, name := range lite {
		m := numbered.FindStringSubmatch(name)
		if m == nil {
			t.Fatalf("migration %q is not named NNNNN_name.sql", name)
		}
		// Numbered 1, 2, 3… without gaps, so two branches adding the same
		// number collide visibly.
		if want := i + 1; m[1] != pad5(want) {
			t.Fatalf("migration %q: number %s, want %s", name, m[1], pad5(want))
		}
	}
}

func pad5(n int) string {
	s := "00000" + itoa(n)
	return s[len(s)-5:]
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestMigrationsApplyFromEmpty(t *testing.T) {
	storagetest.EachEmpty(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		current, latest, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatalf("SchemaVersion before migrating: %v", err)
		}
		if current != 0 {
			t.Fatalf("empty database: version %d, want 0", current)
		}
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		if int64(len(applied)) != latest || applied[len(applied)-1] != latest {
			t.Fatalf("Migrate applied %v, want 1..%d", applied, latest)
		}
		current, latest2, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatalf("SchemaVersion: %v", err)
		}
		if current != latest || latest2 != latest {
			t.Fatalf("SchemaVersion: current %d latest %d, want both %d", current, latest2, latest)
		}
		if want := int64(len(migrationNames(t, db.Dialect))); latest != want {
			t.Fatalf("latest version %d, want %d (one per file)", latest, want)
		}
	})
}

func TestMigratingTwiceIsANoOp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if len(applied) != 0 {
			t.Fatalf("second Migrate applied %v, want nothing", applied)
		}
		current, latest, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatalf("SchemaVersion: %v", err)
		}
		if current != latest {
			t.Fatalf("SchemaVersion: current %d, latest %d", current, latest)
		}
	})
}

// Each migration creates the same tables and columns on both engines.
func TestMigrationsCreateTheSameColumnsOnBothEngines(t *testing.T) {
	columns := map[storage.Dialect][]string{}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		q := `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'
			ORDER BY 1`
		if db.Dialect == storage.Postgres {
			q = `SELECT table_name || '.' || column_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'
				ORDER BY 1`
		}
		rows, err := db.Reader().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatalf("list columns: %v", err)
		}
		defer rows.Close()
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatalf("scan: %v", err)
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("rows: %v", err)
		}
		if len(cols) == 0 {
			t.Fatal("no columns found")
		}
		slices.Sort(cols)
		columns[db.Dialect] = cols
	})
	lite, pg := columns[storage.SQLite], columns[storage.Postgres]
	if lite != nil && pg != nil && !slices.Equal(lite, pg) {
		t.Fatalf("columns differ:\n sqlite   %v\n postgres %v", lite, pg)
	}
}
