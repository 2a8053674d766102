package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"

	"chengguan/internal/apperr"
	"chengguan/internal/ledger"
)

// ledgerLock is the PostgreSQL advisory lock that makes writes to the one
// chain take turns: Transact takes it on the connection before BEGIN, so each
// write transaction's snapshot includes the head the previous writer
// committed (a SERIALIZABLE snapshot is fixed by the first statement, so a
// lock taken inside the transaction would come too late). The unique
// prev_hash and the primary key on seq are the backstop: two records sealed
// on one head share both. SQLite's single writer connection serialises
// appends already.
const ledgerLock = 0x6367_6c65_6467 // "cgledg"

const insertLedger = `INSERT INTO ledger (seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
	before_digest, after_digest, reason, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

const selectHead = `SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`

// appendLedger seals r onto the chain and inserts it, inside the caller's
// transaction q, which Transact began (see ledgerLock). The head is read in
// the transaction, so it includes the appends of the transactions before it
// in the same group-commit batch; one rolled back to its savepoint takes its
// record with it.
func appendLedger(ctx context.Context, q Querier, r ledger.Record) (ledger.Record, error) {
	keeper, keeps := q.(headKeeper)
	var head ledger.Head
	known := false
	if keeps {
		head, known = keeper.ledgerHead()
	}
	if !known {
		err := q.QueryRowContext(ctx, selectHead).Scan(&head.Seq, &head.Hash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return r, mapErr(err, "")
		}
	}
	sealed, err := ledger.Seal(head, r)
	if err != nil {
		return r, err
	}
	if _, err = q.ExecContext(ctx, insertLedger, sealed.Seq, sealed.ID, ms(sealed.At), sealed.ActorID, sealed.Role,
		sealed.UnitID, sealed.Action, sealed.Subject.Kind, sealed.Subject.ID, sealed.Before, sealed.After, sealed.Reason,
		sealed.PrevHash, sealed.Hash); err != nil {
		return r, mapErr(err, "")
	}
	if keeps {
		keeper.setLedgerHead(sealed.Head())
	}
	return sealed, nil
}

// headKeeper is a batch's Querier that keeps the ledger head between appends
// (SQLite; see stmtTx), saving one read per append.
type headKeeper interface {
	ledgerHead() (ledger.Head, bool)
	setLedgerHead(ledger.Head)
}

const ledgerCols = `seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id, before_digest, after_digest, reason, prev_hash, hash`

func scanLedger(sc interface{ Scan(...any) error }) (ledger.Record, error) {
	var r ledger.Record
	var at int64
	err := sc.Scan(&r.Seq, &r.ID, &at, &r.ActorID, &r.Role, &r.UnitID, &r.Action, &r.Subject.Kind, &r.Subject.ID,
		&r.Before, &r.After, &r.Reason, &r.PrevHash, &r.Hash)
	r.At = fromMs(at)
	return r, err
}

// LedgerStore reads the ledger and keeps its checkpoints.
type LedgerStore struct{ db *DB }

// NewLedgerStore returns the ledger store over db.
func NewLedgerStore(db *DB) *LedgerStore { return &LedgerStore{db: db} }

// Records streams the whole ledger in sequence order, for verification of
// millions of rows without holding them. Reading the rows costs about twice
// what checking them does, so two readers, each on a connection of its own,
// read alternate spans of ledgerSpan seqs a span ahead of the consumer, which
// takes the spans in order: reading and checking then use every core there
// is. The spans cover every seq, below 1 and above the head included, so a
// row moved out of the sequence is read too.
func (s *LedgerStore) Records(ctx context.Context) iter.Seq2[ledger.Record, error] {
	return func(yield func(ledger.Record, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var last int64
		err := s.db.Reader().QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM ledger`).Scan(&last)
		if err != nil {
			yield(ledger.Record{}, mapErr(err, ""))
			return
		}
		spans := ledgerSpans(last)
		readers := min(ledgerReaders, len(spans))
		// Batches come back for reuse once consumed: a batch is ~230 kB,
		// and allocating a fresh one for every 1,024 records showed in
		// profiles.
		free := make(chan []ledger.Record, readers*(ledgerSpan/recordBatch+1))
		out := make([]chan spanPart, readers)
		for k := range readers {
			// Room for a whole span, so that a reader finishes its span
			// while the consumer is still on the one before.
			out[k] = make(chan spanPart, ledgerSpan/recordBatch+1)
			go func() {
				for j := k; j < len(spans); j += readers {
					err := s.readSpan(ctx, spans[j], out[k], free)
					select {
					case out[k] <- spanPart{end: true, err: err}:
					case <-ctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
			}()
		}
		for j := range spans {
			for {
				var part spanPart
				select {
				case part = <-out[j%readers]:
				case <-ctx.Done():
					yield(ledger.Record{}, mapErr(ctx.Err(), ""))
					return
				}
				if part.end {
					if part.err != nil {
						yield(ledger.Record{}, part.err)
						return
					}
					break
				}
				for _, r := range part.recs {
					if !yield(r, nil) {
						return
					}
				}
				select {
				case free <- part.recs[:0]:
				default:
				}
			}
		}
	}
}

// ledgerSpan is how many seqs one query of Records reads, and ledgerReaders
// how many queries run at once.
const (
	ledgerSpan    = 8 * recordBatch
	ledgerReaders = 2
)

// span is an inclusive range of seqs.
type span struct{ lo, hi int64 }

// spanPart is a batch of a span's records, or the end of the span with the
// error that ended it, if any.
type spanPart struct {
	recs []ledger.Record
	end  bool
	err  error
}

// ledgerSpans cuts the seqs into spans of ledgerSpan up to last, the first
// span reaching down to the smallest int64 and the last up to the largest.
func ledgerSpans(last int64) []span {
	spans := []span{{lo: math.MinInt64, hi: ledgerSpan}}
	for hi := int64(ledgerSpan); hi < last; hi += ledgerSpan {
		spans = append(spans, span{lo: hi + 1, hi: hi + ledgerSpan})
	}
	spans[len(spans)-1].hi = math.MaxInt64
	return spans
}

// recordBatch is how many records the reader hands over at a time.
const recordBatch = 1024

// Verification reads each ledger row as one text value: its fourteen
// columns joined by concat_ws with a separator byte (sep below). Through
// database/sql every column of a row costs the driver a string and an
// interface value, so fourteen columns cost ~29 allocations and ~2.9 µs of
// CPU a record on SQLite, more than the chain check itself; one joined
// column costs ~1.6 µs and two allocations, and the record's fields are
// substrings of it.
//
// The split is exact only when no column holds the separator. So a row is
// accepted only with exactly ledgerFields-1 separators; any other row —
// a text that contains the separator, or a NULL, which concat_ws skips — is
// read again column by column (scanLedger), as ForSubject and the UI read
// it. Verification therefore sees every column value byte for byte, whatever
// a tamperer wrote into it; only the speed of such rows differs.
const ledgerFields = 14

// ledgerSep returns the separator of a dialect. On SQLite it is the byte
// 0xFF, which no valid UTF-8 text holds, so a sound ledger never needs the
// slow path; PostgreSQL refuses invalid UTF-8 in text, so there it is the
// control character U+001F (unit separator), which a record's text may in
// principle hold and which then costs that row the second read.
func ledgerSep(d Dialect) (sql string, b byte) {
	if d == Postgres {
		return "chr(31)", 0x1f
	}
	return "x'ff'", 0xff
}

func ledgerRowQuery(d Dialect) string {
	sep, _ := ledgerSep(d)
	return `SELECT concat_ws(` + sep + `, ` + ledgerCols + `) FROM ledger WHERE seq BETWEEN $1 AND $2 ORDER BY seq`
}

// splitLedgerRow splits a row read by ledgerRowQuery. ok is false when the
// row does not have exactly ledgerFields fields, or seq or at is not an
// integer; seq is then the row's seq if it could be read, else -1.
func splitLedgerRow(row string, sep byte) (r ledger.Record, seq int64, ok bool) {
	var f [ledgerFields]string
	rest := row
	for i := range ledgerFields - 1 {
		j := strings.IndexByte(rest, sep)
		if j < 0 {
			return r, firstInt(f[0]), false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	if strings.IndexByte(rest, sep) >= 0 {
		return r, firstInt(f[0]), false
	}
	f[ledgerFields-1] = rest
	seq, err1 := strconv.ParseInt(f[0], 10, 64)
	at, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return r, firstInt(f[0]), false
	}
	return ledger.Record{Seq: seq, ID: f[1], At: fromMs(at), ActorID: f[3], Role: f[4], UnitID: f[5], Action: f[6],
		Subject: ledger.Subject{Kind: f[7], ID: f[8]}, Before: f[9], After: f[10], Reason: f[11], PrevHash: f[12], Hash: f[13]}, seq, true
}

func firstInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// readSpan reads the records of sp in seq order and sends them in batches.
func (s *LedgerStore) readSpan(ctx context.Context, sp span, out chan<- spanPart, free <-chan []ledger.Record) error {
	rows, err := s.db.Reader().QueryContext(ctx, ledgerRowQuery(s.db.Dialect), sp.lo, sp.hi)
	if err != nil {
		return mapErr(err, "")
	}
	defer rows.Close()
	next := func() []ledger.Record {
		select {
		case b := <-free:
			return b
		default:
			return make([]ledger.Record, 0, recordBatch)
		}
	}
	batch := next()
	send := func() bool {
		select {
		case out <- spanPart{recs: batch}:
			batch = next()
			return true
		case <-ctx.Done():
			return false
		}
	}
	_, sep := ledgerSep(s.db.Dialect)
	var row sql.NullString
	for rows.Next() {
		if err := rows.Scan(&row); err != nil {
			return mapErr(err, "")
		}
		r, seq, ok := splitLedgerRow(row.String, sep)
		if !ok {
			if r, err = s.recordBySeq(ctx, seq, row.String); err != nil {
				return err
			}
		}
		if batch = append(batch, r); len(batch) == recordBatch && !send() {
			return ctx.Err()
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr(err, "")
	}
	if len(batch) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

// recordBySeq reads one row column by column: the slow path of readSpan
// for a row that did not split. row is the joined text, for the error when
// its seq cannot be read.
func (s *LedgerStore) recordBySeq(ctx context.Context, seq int64, row string) (ledger.Record, error) {
	if seq < 0 {
		return ledger.Record{}, apperr.Wrap(apperr.Internal, "", fmt.Errorf("ledger row %.60q: its seq is not an integer", row))
	}
	r, err := scanLedger(s.db.Reader().QueryRowContext(ctx, `SELECT `+ledgerCols+` FROM ledger WHERE seq = $1`, seq))
	return r, mapErr(err, "")
}

// Head is the newest record's sequence number and hash.
func (s *LedgerStore) Head(ctx context.Context) (ledger.Head, error) {
	var h ledger.Head
	err := s.db.Reader().QueryRowContext(ctx, `SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Head{}, nil
	}
	return h, mapErr(err, "")
}

// ForSubject lists the records of one subject, oldest first: the timeline
// shown on its page.
func (s *LedgerStore) ForSubject(ctx context.Context, kind, id string, n int) ([]ledger.Record, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+ledgerCols+` FROM ledger WHERE subject_kind = $1 AND subject_id = $2
		ORDER BY seq DESC`+limit(n), kind, id)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []ledger.Record
	for rows.Next() {
		r, err := scanLedger(rows)
		if err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, r)
	}
	// Newest were read first, to honour the limit; show them oldest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, mapErr(rows.Err(), "")
}

// SaveCheckpoint keeps a signed checkpoint.
func (s *LedgerStore) SaveCheckpoint(ctx context.Context, c ledger.Checkpoint) error {
	data, err := c.MarshalJSON()
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(q Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO ledger_checkpoints (seq, data) VALUES ($1, $2) ON CONFLICT (seq) DO NOTHING`, c.Seq, string(data))
		return mapErr(err, "")
	})
}

// Checkpoints lists the kept checkpoints, oldest first.
func (s *LedgerStore) Checkpoints(ctx context.Context) ([]ledger.Checkpoint, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT data FROM ledger_checkpoints ORDER BY seq`)
	if err != nil {
		return nil, mapErr(err, "")
	}
	defer rows.Close()
	var out []ledger.Checkpoint
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, mapErr(err, "")
		}
		cs, err := ledger.ParseCheckpoints([]byte(data))
		if err != nil {
			return nil, mapErr(err, "")
		}
		out = append(out, cs...)
	}
	return out, mapErr(rows.Err(), "")
}

// Append records a change that has no transaction of its own to join (an
// event of the command line, say). Changes to stored data append through
// their store's transaction instead.
func (s *LedgerStore) Append(ctx context.Context, r ledger.Record) (ledger.Record, error) {
	var out ledger.Record
	err := s.db.Transact(ctx, func(q Querier) error {
		var err error
		out, err = appendLedger(ctx, q, r)
		return err
	})
	return out, err
}
