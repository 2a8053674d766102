package storage

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"chengguan/internal/apperr"
	"chengguan/internal/ledger"
)

// ledgerLock is the PostgreSQL advisory lock that makes writes to the one
// chain take turns: Transact takes it on the connection before BEGIN, so each
// write transaction's snapshot includes the head the previous writer
// committed (a SERIALIZABLE snapshot is fixed by the first statement, so a
// lock taken inside the transaction would come too late). The primary key
// on seq is the backstop: two records sealed on one head share their seq.
// SQLite's single writer connection serialises appends already.
const ledgerLock = 0x6367_6c65_6467 // "cgledg"

const insertLedger = `INSERT INTO ledger (seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
	before_digest, after_digest, reason, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

const selectHead = `SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1`

// insertLedgerOnHead inserts a record sealed on a head the caller believes
// in without having read it: only if the head, as selectHead reads it, is
// seq $15 with hash $13 (the new record's prev_hash). Checking it costs one
// step down the primary key within the insert instead of a statement of its
// own (on PostgreSQL, a round trip). The head is read by the same ORDER BY
// … DESC LIMIT 1, which both engines answer from the end of the primary key
// whatever their statistics say; a NOT EXISTS (… seq > $15) was planned as a
// scan of the whole table by PostgreSQL when the table had no statistics.
const insertLedgerOnHead = `INSERT INTO ledger (seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
	before_digest, after_digest, reason, prev_hash, hash) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
	WHERE ($15, $13) = (` + selectHead + `)`

// appendLedger seals r onto the chain and inserts it, inside the caller's
// transaction q, which Transact began (see ledgerLock): every append sees the
// head as committed by the transactions before it, including those of its
// own group-commit batch, and one rolled back to its savepoint takes its
// record with it.
//
// The head is the one the writer last appended or read (headKeeper), checked
// by the insert itself (insertLedgerOnHead). Only when that check fails —
// another process appended, records went, a backup was restored — or no head
// is known yet is it read from the table, within the same transaction.
func appendLedger(ctx context.Context, q Querier, r ledger.Record) (ledger.Record, error) {
	keeper, keeps := q.(headKeeper)
	if keeps {
		if hint, ok := keeper.ledgerHead(); ok && hint.Seq > 0 {
			sealed, err := ledger.Seal(hint, r)
			if err != nil {
				return r, err
			}
			res, err := q.ExecContext(ctx, insertLedgerOnHead, ledgerArgs(sealed, hint.Seq)...)
			if err != nil {
				return r, mapErr(err, "")
			}
			if n, err := res.RowsAffected(); err != nil {
				return r, mapErr(err, "")
			} else if n == 1 {
				keeper.setLedgerHead(sealed.Head())
				return sealed, nil
			}
		}
	}
	var head ledger.Head
	err := q.QueryRowContext(ctx, selectHead).Scan(&head.Seq, &head.Hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, mapErr(err, "")
	}
	sealed, err := ledger.Seal(head, r)
	if err != nil {
		return r, err
	}
	if _, err = q.ExecContext(ctx, insertLedger, ledgerArgs(sealed)...); err != nil {
		return r, mapErr(err, "")
	}
	if keeps {
		keeper.setLedgerHead(sealed.Head())
	}
	return sealed, nil
}

// ledgerArgs are the arguments of insertLedger, and more for
// insertLedgerOnHead.
func ledgerArgs(r ledger.Record, more ...any) []any {
	return append([]any{r.Seq, r.ID, ms(r.At), r.ActorID, r.Role, r.UnitID, r.Action, r.Subject.Kind, r.Subject.ID,
		r.Before, r.After, r.Reason, r.PrevHash, r.Hash}, more...)
}

// headKeeper is a batch's Querier (writeTx), which keeps the ledger head its
// appends last saw.
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

// ledgerFields is the number of ledgerCols.
const ledgerFields = 14

// On SQLite, verification reads each ledger row as one text value: its
// fourteen columns joined by concat_ws with the byte 0xFF, which no valid
// UTF-8 text holds. Through database/sql every column of a row costs the
// driver a string and an interface value, so fourteen columns cost ~29
// allocations and ~2.9 µs of CPU a record, more than the chain check itself;
// one joined column costs ~1.6 µs and two allocations, and the record's
// fields are substrings of it.
//
// The split is exact only when no column holds the separator. So a row is
// accepted only with exactly ledgerFields-1 separators; any other row — a
// text that contains the separator (no longer UTF-8, so malformed anyway), or
// a NULL, which concat_ws skips — is read again column by column
// (scanLedger), as ForSubject and the UI read it. Verification therefore sees
// every column value byte for byte, whatever a tamperer wrote into it; only
// the speed of such rows differs. PostgreSQL needs none of this: see
// readSpanPostgres.
const (
	ledgerSepSQL  = "x'ff'"
	ledgerSepByte = 0xff
)

const ledgerRowQuery = `SELECT concat_ws(` + ledgerSepSQL + `, ` + ledgerCols + `) FROM ledger WHERE seq BETWEEN $1 AND $2 ORDER BY seq`

// splitLedgerRow splits a row read by ledgerRowQuery. ok is false when the
// row does not have exactly ledgerFields fields, or seq or at is not an
// integer; seq is then the row's seq if it could be read, else -1.
func splitLedgerRow(row string) (r ledger.Record, seq int64, ok bool) {
	var f [ledgerFields]string
	rest := row
	for i := range ledgerFields - 1 {
		j := strings.IndexByte(rest, ledgerSepByte)
		if j < 0 {
			return r, firstInt(f[0]), false
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	if strings.IndexByte(rest, ledgerSepByte) >= 0 {
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

// batcher hands a span's records over in batches of recordBatch, reusing
// consumed batches.
type batcher struct {
	ctx  context.Context
	out  chan<- spanPart
	free <-chan []ledger.Record
	recs []ledger.Record
}

func newBatcher(ctx context.Context, out chan<- spanPart, free <-chan []ledger.Record) *batcher {
	b := &batcher{ctx: ctx, out: out, free: free}
	b.recs = b.next()
	return b
}

func (b *batcher) next() []ledger.Record {
	select {
	case recs := <-b.free:
		return recs
	default:
		return make([]ledger.Record, 0, recordBatch)
	}
}

// full reports whether the batch has recordBatch records.
func (b *batcher) full() bool { return len(b.recs) == recordBatch }

// send hands the batch over, if it holds any records, and starts the next.
func (b *batcher) send() error {
	if len(b.recs) == 0 {
		return nil
	}
	select {
	case b.out <- spanPart{recs: b.recs}:
		b.recs = b.next()
		return nil
	case <-b.ctx.Done():
		return mapErr(b.ctx.Err(), "")
	}
}

// readSpan reads the records of sp in seq order and sends them in batches.
func (s *LedgerStore) readSpan(ctx context.Context, sp span, out chan<- spanPart, free <-chan []ledger.Record) error {
	if s.db.Dialect == Postgres {
		return s.readSpanPostgres(ctx, sp, newBatcher(ctx, out, free))
	}
	rows, err := s.db.Reader().QueryContext(ctx, ledgerRowQuery, sp.lo, sp.hi)
	if err != nil {
		return mapErr(err, "")
	}
	defer rows.Close()
	b := newBatcher(ctx, out, free)
	var row sql.NullString
	for rows.Next() {
		if err := rows.Scan(&row); err != nil {
			return mapErr(err, "")
		}
		r, seq, ok := splitLedgerRow(row.String)
		if !ok {
			if r, err = s.recordBySeq(ctx, seq, row.String); err != nil {
				return err
			}
		}
		if b.recs = append(b.recs, r); b.full() {
			if err := b.send(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr(err, "")
	}
	return b.send()
}

// readSpanPostgres is readSpan on PostgreSQL. It asks pgx for the fourteen
// columns in binary form and takes their bytes as they come off the wire:
// seq and at as eight bytes, each text as stored, so what verification sees
// is every column byte for byte, and no row needs a second read. The server
// converts nothing to text (concat_ws, as on SQLite, cost it more than the
// client spent on the whole record), and the client copies the texts of a
// batch into one string, of which the records' fields are substrings: one
// allocation per batch instead of one a row.
//
// The span is read in a read-only transaction that tells the planner not
// to sort: without statistics (a database just restored from a backup, a
// ledger that grew since autovacuum last analysed it) it would read the span
// in the heap's order and sort it on disk, doubling the server's work, where
// the primary key gives the order for nothing.
func (s *LedgerStore) readSpanPostgres(ctx context.Context, sp span, b *batcher) error {
	conn, err := s.db.read.Conn(ctx)
	if err != nil {
		return mapErr(err, "")
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return apperr.Wrap(apperr.Internal, "", fmt.Errorf("ledger read: driver connection %T is not pgx", dc))
		}
		tx, err := sc.Conn().BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err != nil {
			return mapErr(err, "")
		}
		// Nothing to commit; a rollback that fails takes the connection with it.
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, `SET LOCAL enable_sort = off`); err != nil {
			return mapErr(err, "")
		}
		rows, err := tx.Query(ctx, `SELECT `+ledgerCols+` FROM ledger WHERE seq BETWEEN $1 AND $2 ORDER BY seq`,
			pgx.QueryResultFormats{pgx.BinaryFormatCode}, sp.lo, sp.hi)
		if err != nil {
			return mapErr(err, "")
		}
		defer rows.Close()
		var t textBatch
		checked := false
		for rows.Next() {
			if !checked { // the columns are described once the first row has come
				if err := checkLedgerColumns(rows.FieldDescriptions()); err != nil {
					return err
				}
				checked = true
			}
			if err := t.add(&b.recs, rows.RawValues()); err != nil {
				return err
			}
			if b.full() {
				t.fill(b.recs)
				if err := b.send(); err != nil {
					return err
				}
			}
		}
		if err := rows.Err(); err != nil {
			return mapErr(err, "")
		}
		t.fill(b.recs)
		return b.send()
	})
}

// checkLedgerColumns checks that the columns of ledgerCols have the types
// textBatch decodes: bigint for seq and at, text for the others. A table
// altered behind the application's back is reported, not misread.
func checkLedgerColumns(fds []pgconn.FieldDescription) error {
	if len(fds) != ledgerFields {
		return apperr.Wrap(apperr.Internal, "", fmt.Errorf("ledger read: %d columns, want %d", len(fds), ledgerFields))
	}
	for i, fd := range fds {
		want := uint32(pgtype.TextOID)
		if i == 0 || i == 2 {
			want = pgtype.Int8OID
		}
		if fd.DataTypeOID != want || fd.Format != pgx.BinaryFormatCode {
			return apperr.Wrap(apperr.Internal, "", fmt.Errorf("ledger read: column %s has type OID %d in format %d, want %d in binary",
				fd.Name, fd.DataTypeOID, fd.Format, want))
		}
	}
	return nil
}

// textBatch gathers the texts of a batch's binary rows in one buffer, which
// becomes one string when the batch is handed over.
type textBatch struct {
	text strings.Builder
	ends []int // where each text field ends in text, ledgerTexts per record
}

// ledgerTexts is how many of ledgerCols are text: all but seq and at.
const ledgerTexts = ledgerFields - 2

// add appends to recs the record of a row of ledgerCols in binary form,
// with seq and at; its texts are set by fill.
func (t *textBatch) add(recs *[]ledger.Record, vals [][]byte) error {
	if len(vals) != ledgerFields {
		return apperr.Wrap(apperr.Internal, "", fmt.Errorf("ledger read: a row of %d columns", len(vals)))
	}
	if t.text.Cap() == 0 {
		// Room for a batch of rows like this one, and some: growing the
		// buffer by doubling would copy it several times over.
		n := 0
		for _, v := range vals {
			n += len(v)
		}
		t.text.Grow(recordBatch * (n + n/8))
	}
	for i, v := range vals {
		if v == nil {
			return apperr.Wrap(apperr.Internal, "", fmt.Errorf("ledger read: a row with a NULL in column %d", i+1))
		}
		switch i {
		case 0, 2:
			if len(v) != 8 {
				return apperr.Wrap(apperr.Internal, "", fmt.Errorf("ledger read: column %d holds %d bytes, want 8", i+1, len(v)))
			}
		default:
			t.text.Write(v)
			t.ends = append(t.ends, t.text.Len())
		}
	}
	*recs = append(*recs, ledger.Record{Seq: int64(binary.BigEndian.Uint64(vals[0])),
		At: fromMs(int64(binary.BigEndian.Uint64(vals[2])))})
	return nil
}

// fill sets the texts of recs, the records added since the last fill, and
// starts a new buffer.
func (t *textBatch) fill(recs []ledger.Record) {
	all := t.text.String()
	field := func(k int) string {
		lo := 0
		if k > 0 {
			lo = t.ends[k-1]
		}
		return all[lo:t.ends[k]]
	}
	for i := range recs {
		r := &recs[i]
		k := i * ledgerTexts
		r.ID = field(k)
		r.ActorID, r.Role, r.UnitID, r.Action = field(k+1), field(k+2), field(k+3), field(k+4)
		r.Subject = ledger.Subject{Kind: field(k + 5), ID: field(k + 6)}
		r.Before, r.After, r.Reason = field(k+7), field(k+8), field(k+9)
		r.PrevHash, r.Hash = field(k+10), field(k+11)
	}
	t.text = strings.Builder{}
	t.ends = t.ends[:0]
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
