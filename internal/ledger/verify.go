package ledger

import (
	"cmp"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
)

// Kind names what is wrong with a chain. The set is closed; the CLI and the UI may rely on it.
type Kind string

const (
	// Malformed: a field is not well formed (a bad hash, a sub-millisecond time, …).
	Malformed Kind = "malformed"
	// Edited: a record's content no longer matches its hash, or a record was changed and
	// re-sealed so that the next record no longer chains to it.
	Edited Kind = "edited"
	// Deleted: records are missing from the sequence.
	Deleted Kind = "deleted"
	// Inserted: a record the chain around it was not sealed with.
	Inserted Kind = "inserted"
	// Reordered: records are not in the order they were sealed in.
	Reordered Kind = "reordered"
	// Rewritten: the chain is consistent but disagrees with a signed checkpoint.
	Rewritten Kind = "rewritten"
	// Truncated: the chain ends before the record a signed checkpoint vouches for.
	Truncated Kind = "truncated"
)

// ErrTampered is what every *Error unwraps to.
var ErrTampered = errors.New("ledger: tampered")

// Error names the first bad record of a chain and why it is bad.
type Error struct {
	Kind Kind
	// Seq is the seq the bad record carries as stored; for Deleted and Truncated, the first
	// missing seq.
	Seq int64
	// ID is the bad record's ID, empty when it is missing.
	ID string
	// Detail explains, in English, for logs and the command line.
	Detail string
}

func (e *Error) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("ledger: record %d: %s: %s", e.Seq, e.Kind, e.Detail)
	}
	return fmt.Sprintf("ledger: record %d (id %s): %s: %s", e.Seq, e.ID, e.Kind, e.Detail)
}

// Unwrap makes errors.Is(err, ErrTampered) true.
func (e *Error) Unwrap() error { return ErrTampered }

// Options are what Verify checks a chain against, beyond the chain itself.
type Options struct {
	// Checkpoints held outside the database. Each must be signed by one of Keys.
	Checkpoints []Checkpoint
	// Keys are the trusted public keys of the installation (old ones too, after a rotation).
	// They must come from the verifier's own copy, never from the database being checked.
	Keys []ed25519.PublicKey
}

// Summary is what a verification saw: the records it accepted, the chain's head and how many
// checkpoints matched.
type Summary struct {
	Records     int64
	Head        Head
	Checkpoints int
}

// Verify checks a chain read in seq order, one record at a time, so that it can stream
// millions of rows: records is typically a database cursor. It returns nil after a sound
// chain that reaches every checkpoint; an *Error (ErrTampered) naming the first bad record;
// ErrSignature or ErrInvalid for a bad checkpoint; or the first error records yields, as is.
// The Summary covers the records accepted before any failure.
func Verify(records iter.Seq2[Record, error], opts Options) (Summary, error) {
	v, err := NewVerifier(opts)
	if err != nil {
		return Summary{}, err
	}
	for r, err := range records {
		if err != nil {
			return v.summary(), err
		}
		if err := v.Add(r); err != nil {
			return v.summary(), err
		}
	}
	return v.Finish()
}

// Records yields the records of a slice, for Verify.
func Records(rs []Record) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// moveWindow is how far from its stored seq Verify looks for the seq a record was sealed
// with, to tell a moved record from an edited one. It costs time only on a failure.
const moveWindow = 64

// ringSize is how many accepted records the Verifier remembers, to name inserted ones.
const ringSize = 64

type seen struct {
	seq      int64
	id, hash string
}

type analysis struct {
	intact bool  // r.Hash is the hash of r's content under some seq
	sealed int64 // that seq
}

// Verifier is Verify for callers that push records one by one (a rows.Next loop). Add may
// report a problem one record late: a deleted record and two swapped ones look alike until
// the next record is seen. Call Finish after the last record. A Verifier is not safe for
// concurrent use.
type Verifier struct {
	cps     []Checkpoint // sorted by Seq, one per Seq
	nextCP  int
	matched int

	head   Head
	headID string
	count  int64
	recent [ringSize]seen

	pending  Record // a record Add held back, when held is set
	held     bool
	analysed analysis
	err      error
	finished bool
	buf      []byte
}

// NewVerifier checks every checkpoint's signature against opts.Keys and prepares to verify.
func NewVerifier(opts Options) (*Verifier, error) {
	cps := slices.Clone(opts.Checkpoints)
	for _, c := range cps {
		if err := c.Check(opts.Keys...); err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(cps, func(a, b Checkpoint) int { return cmp.Compare(a.Seq, b.Seq) })
	out := cps[:0]
	for _, c := range cps {
		if n := len(out); n > 0 && out[n-1].Seq == c.Seq {
			if out[n-1].Hash != c.Hash {
				return nil, &Error{Kind: Rewritten, Seq: c.Seq, Detail: fmt.Sprintf(
					"two trusted checkpoints disagree on the hash of record %d (%s by key %s, %s by key %s): the key signed two different chains",
					c.Seq, out[n-1].Hash, out[n-1].KeyID, c.Hash, c.KeyID)}
			}
			continue
		}
		out = append(out, c)
	}
	return &Verifier{cps: out, buf: make([]byte, 0, 512)}, nil
}

// Add checks the next record. After the first failure it returns that failure for good.
func (v *Verifier) Add(r Record) error {
	if v.err != nil {
		return v.err
	}
	if v.finished {
		return fmt.Errorf("%w: Add after Finish", ErrInvalid)
	}
	if v.held {
		v.held = false
		v.err = v.diagnose(&v.pending, v.analysed, &r)
		return v.err
	}
	// The fast path: PrevHash equals a hash already checked and Hash equals the hex this
	// Verifier computes, so neither needs its own format check.
	if r.Seq == v.head.Seq+1 && r.PrevHash == v.head.prevHash() && r.validate(false) == nil && v.sealedAs(&r, r.Seq) {
		v.accept(&r)
		return v.err
	}
	if err := r.Validate(); err != nil {
		v.err = &Error{Kind: Malformed, Seq: r.Seq, ID: r.ID, Detail: strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")}
		return v.err
	}
	v.pending, v.held = r, true
	v.analysed = v.analyse(&v.pending)
	return nil
}

// Finish ends the verification: it judges a record held back by Add and checks that the
// chain reaches every checkpoint.
func (v *Verifier) Finish() (Summary, error) {
	v.finished = true
	if v.err == nil && v.held {
		v.held = false
		v.err = v.diagnose(&v.pending, v.analysed, nil)
	}
	if v.err == nil && v.nextCP < len(v.cps) {
		c := v.cps[v.nextCP]
		v.err = &Error{Kind: Truncated, Seq: v.head.Seq + 1, Detail: fmt.Sprintf(
			"the ledger ends at record %d, but the checkpoint signed with key %s at %s vouches for record %d: %s deleted",
			v.head.Seq, c.KeyID, c.At.Format(checkpointTime), c.Seq, span(v.head.Seq+1, c.Seq))}
	}
	return v.summary(), v.err
}

func (v *Verifier) summary() Summary {
	return Summary{Records: v.count, Head: v.head, Checkpoints: v.matched}
}

func (v *Verifier) accept(r *Record) {
	v.head, v.headID = r.Head(), r.ID
	v.count++
	v.recent[r.Seq%ringSize] = seen{seq: r.Seq, id: r.ID, hash: r.Hash}
	for ; v.nextCP < len(v.cps) && v.cps[v.nextCP].Seq == r.Seq; v.nextCP++ {
		c := v.cps[v.nextCP]
		if c.Hash != r.Hash {
			v.err = &Error{Kind: Rewritten, Seq: r.Seq, ID: r.ID, Detail: fmt.Sprintf(
				"its hash is %s, but the checkpoint signed with key %s at %s says %s: the chain up to record %d was rewritten",
				r.Hash, c.KeyID, c.At.Format(checkpointTime), c.Hash, r.Seq)}
			return
		}
		v.matched++
	}
}

// sealedAs reports whether r.Hash is the hash of r's content with seq in place of r.Seq.
func (v *Verifier) sealedAs(r *Record, seq int64) bool {
	v.buf = appendEncoding(v.buf[:0], r, seq)
	sum := sha256.Sum256(v.buf)
	var h [64]byte
	hex.Encode(h[:], sum[:])
	return string(h[:]) == r.Hash
}

func (v *Verifier) analyse(r *Record) analysis {
	if v.sealedAs(r, r.Seq) {
		return analysis{intact: true, sealed: r.Seq}
	}
	for d := int64(1); d <= moveWindow; d++ {
		for _, s := range [2]int64{r.Seq - d, r.Seq + d} {
			if s >= 1 && v.sealedAs(r, s) {
				return analysis{intact: true, sealed: s}
			}
		}
	}
	return analysis{}
}

// at returns the accepted record with seq, if it is still remembered; seq 0 is the genesis.
func (v *Verifier) at(seq int64) (seen, bool) {
	if seq == 0 {
		return seen{hash: Genesis}, true
	}
	s := v.recent[seq%ringSize]
	return s, seq > 0 && s.seq == seq && seq <= v.head.Seq
}

// diagnose names what is wrong with r, the first record that did not follow the chain, with
// a the analysis of r and next the record after it (nil at the end).
func (v *Verifier) diagnose(r *Record, a analysis, next *Record) *Error {
	e := v.head.Seq + 1
	prev := v.head.prevHash()
	var na analysis
	if next != nil && next.Validate() == nil {
		na = v.analyse(next)
	}
	// genuine: next is intact, was sealed as seq and chains to prevHash.
	genuine := func(seq int64, prevHash string) bool {
		return na.intact && na.sealed == seq && next.PrevHash == prevHash
	}
	bad := func(k Kind, seq int64, id, format string, args ...any) *Error {
		return &Error{Kind: k, Seq: seq, ID: id, Detail: fmt.Sprintf(format, args...)}
	}

	switch {
	case a.intact && a.sealed == r.Seq: // untouched since it was sealed, but out of place
		switch {
		case r.Seq == e: // its PrevHash is not the previous record's hash
			if genuine(e, prev) {
				return bad(Inserted, r.Seq, r.ID, "the record after it was sealed as record %d after record %d", e, e-1)
			}
			if e == 1 {
				return bad(Edited, r.Seq, r.ID, "it does not start from the genesis hash: it was re-sealed")
			}
			return bad(Edited, e-1, v.headID,
				"record %d was sealed after a record with hash %s, but record %d has hash %s: record %d was changed and re-sealed",
				e, r.PrevHash, e-1, v.head.Hash, e-1)
		case r.Seq > e:
			if next != nil && next.Seq >= e && next.Seq < r.Seq {
				return bad(Reordered, r.Seq, r.ID, "it comes before record %d", next.Seq)
			}
			return bad(Deleted, e, "", "%s missing: record %d follows record %d", span(e, r.Seq-1), r.Seq, e-1)
		default: // r.Seq <= v.head.Seq
			if s, ok := v.at(r.Seq); ok && s.hash == r.Hash {
				return bad(Inserted, r.Seq, r.ID, "it appears twice")
			}
			if r.Seq == v.head.Seq {
				if genuine(e, r.Hash) {
					return bad(Inserted, v.head.Seq, v.headID, "record %d chains to another record %d (id %s)", e, r.Seq, r.ID)
				}
				return bad(Inserted, r.Seq, r.ID, "it is a second record %d, after the one with id %s", r.Seq, v.headID)
			}
			return bad(Reordered, r.Seq, r.ID, "it comes after record %d", v.head.Seq)
		}

	case a.intact: // intact, but its seq is not the one it was sealed with
		s := a.sealed
		switch {
		case s == e:
			return bad(Edited, r.Seq, r.ID, "its seq was changed from %d", s)
		case s > e:
			if genuine(e, prev) {
				return bad(Reordered, r.Seq, r.ID, "it was sealed as record %d, and the record sealed as %d follows it: the two were swapped", s, e)
			}
			return bad(Deleted, e, "", "%s missing: the record sealed as %d (id %s) follows record %d and was renumbered %d",
				span(e, s-1), s, r.ID, e-1, r.Seq)
		default: // s < e
			if p, ok := v.at(s - 1); ok && p.hash == r.PrevHash {
				first, _ := v.at(s)
				return bad(Inserted, s, first.id, "%s inserted before the record sealed as %d (id %s), now renumbered %d",
					span(s, e-1), s, r.ID, r.Seq)
			}
			return bad(Reordered, r.Seq, r.ID, "it was sealed as record %d but comes after record %d", s, e-1)
		}

	default: // its content does not match its hash under any nearby seq
		if r.Seq == e && genuine(e, prev) {
			return bad(Inserted, r.Seq, r.ID, "the record after it was sealed as record %d after record %d", e, e-1)
		}
		if r.Seq > e && !(na.intact && na.sealed == e+1) {
			return bad(Deleted, e, "", "%s missing: record %d follows record %d", span(e, r.Seq-1), r.Seq, e-1)
		}
		return bad(Edited, r.Seq, r.ID, "its content does not match its hash")
	}
}

func span(from, to int64) string {
	if from == to {
		return fmt.Sprintf("record %d is", from)
	}
	return fmt.Sprintf("records %d–%d are", from, to)
}
