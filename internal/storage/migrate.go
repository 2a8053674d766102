package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrationFiles embed.FS

// Migrations returns the embedded migration directory of a dialect.
func Migrations(d Dialect) fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(d))
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// provider runs the migrations over the writer connection: goose creates its
// version table on first use, even when only asked for the version.
func (db *DB) provider() (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	return goose.NewProvider(dialect, db.write, Migrations(db.Dialect))
}

// Migrate applies every pending migration, each in its own transaction.
// Migrations only go forward.
func (db *DB) Migrate(ctx context.Context) (applied []int64, err error) {
	p, err := db.provider()
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Version)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// SchemaVersion returns the database's schema version and the newest
// version this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	sources := p.ListSources()
	if len(sources) > 0 {
		latest = sources[len(sources)-1].Version
	}
	return current, latest, nil
}
