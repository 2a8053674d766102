package storage

import "context"

// AppendLedger is appendLedger for the benchmarks of the external test
// package, so that they time the append the stores run, not a copy of it.
var AppendLedger = appendLedger

// LedgerSpan is how many seqs one query of LedgerStore.Records reads.
const LedgerSpan = ledgerSpan

// MigrateTo applies the pending migrations up to version, for tests of a
// migration over data written before it.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MapErr is mapErr, for tests that write with their own statements.
var MapErr = mapErr

// OpenStatesSQL is the condition of the open cases' partial index.
var OpenStatesSQL = openStatesSQL
