package storage

// AppendLedger is appendLedger for the benchmarks of the external test
// package, so that they time the append the stores run, not a copy of it.
var AppendLedger = appendLedger

// LedgerSpan is how many seqs one query of LedgerStore.Records reads.
const LedgerSpan = ledgerSpan
