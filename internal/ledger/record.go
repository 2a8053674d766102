package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// ErrInvalid marks bad input: a record, key or checkpoint that is not well formed. Errors of
// verification are *Error (ErrTampered) or ErrSignature instead.
var ErrInvalid = errors.New("ledger: invalid")

// Version is the domain-separation string of the record hash. It is part of every hash.
const Version = "cg-ledger-v1"

// Genesis is the PrevHash of the first record.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// MaxTextLen bounds each text field of a record, in bytes.
const MaxTextLen = 64 << 10

// Subject is what a state change is about: the kind of record and its ID.
type Subject struct {
	Kind string `json:"kind"` // e.g. "account", "case"
	ID   string `json:"id"`
}

// Record is one state change. Seq, PrevHash and Hash are filled by Seal; everything else is
// the caller's.
type Record struct {
	Seq     int64     `json:"seq"`      // gapless from 1
	ID      string    `json:"id"`       // UUID (v7) in canonical lower-case form
	At      time.Time `json:"at"`       // UTC, millisecond precision
	ActorID string    `json:"actor_id"` // account ID, or "system" for the command line
	Role    string    `json:"role"`     // role the actor acted in; empty for the system
	UnitID  string    `json:"unit_id"`  // unit the actor acted in; empty for the system
	Action  string    `json:"action"`   // e.g. "account.disable"
	Subject Subject   `json:"subject"`
	// Before and After are Digests of the subject's state (hex SHA-256), empty for none.
	Before   string `json:"before"`
	After    string `json:"after"`
	Reason   string `json:"reason"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Head is the end of a chain: the Seq and Hash of its last record. The zero Head is the
// empty ledger.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Head is the chain's end once r is appended.
func (r Record) Head() Head { return Head{Seq: r.Seq, Hash: r.Hash} }

// prevHash is the PrevHash of the record that follows h.
func (h Head) prevHash() string {
	if h.Seq == 0 {
		return Genesis
	}
	return h.Hash
}

func (h Head) validate() error {
	switch {
	case h.Seq < 0:
		return fmt.Errorf("%w: head seq %d is negative", ErrInvalid, h.Seq)
	case h.Seq == 0 && h.Hash != "" && h.Hash != Genesis:
		return fmt.Errorf("%w: the empty ledger has no hash, got %q", ErrInvalid, h.Hash)
	case h.Seq > 0 && !isHex64(h.Hash):
		return fmt.Errorf("%w: head hash %q: want 64 lower-case hex characters", ErrInvalid, h.Hash)
	}
	return nil
}

// Seal appends r to the chain that ends at prev: it sets r.Seq to prev.Seq+1, r.PrevHash to
// prev.Hash (Genesis after the empty Head), truncates r.At to the millisecond in UTC,
// checks every field and sets r.Hash. Seal does not change its arguments.
//
// The storage adapter must read prev inside the transaction that writes r (see the package
// documentation of the adapter): two writers sealing on the same Head fork the chain.
func Seal(prev Head, r Record) (Record, error) {
	if err := prev.validate(); err != nil {
		return Record{}, err
	}
	r.Seq = prev.Seq + 1
	r.PrevHash = prev.prevHash()
	r.At = r.At.UTC().Truncate(time.Millisecond)
	r.Hash = Genesis // a placeholder that passes validation; replaced below
	if err := r.Validate(); err != nil {
		return Record{}, err
	}
	r.Hash = hashHex(appendEncoding(make([]byte, 0, encodingLen(&r)), &r, r.Seq))
	return r, nil
}

// encodingLen is the length of r's encoding, so that Seal, paid inside every
// state change's transaction, allocates its buffer once instead of growing it.
func encodingLen(r *Record) int {
	n := 4 + len(Version) + 8 + 8
	for _, s := range [...]string{r.ID, r.ActorID, r.Role, r.UnitID, r.Action, r.Subject.Kind,
		r.Subject.ID, r.Before, r.After, r.Reason, r.PrevHash} {
		n += 4 + len(s)
	}
	return n
}

// RecordHash computes the hash r.Hash should hold, from every other field of r.
func RecordHash(r Record) (string, error) {
	if r.Hash == "" {
		r.Hash = Genesis // the hash is not covered; let a record under construction pass
	}
	if err := r.Validate(); err != nil {
		return "", err
	}
	return hashHex(appendEncoding(nil, &r, r.Seq)), nil
}

// Validate checks that every field of r is well formed: it says nothing about the chain.
func (r Record) Validate() error { return r.validate(true) }

// validate checks the fields; without chain it skips PrevHash and Hash, which Verify
// compares with hashes it computed itself.
func (r *Record) validate(chain bool) error {
	if r.Seq < 1 {
		return fmt.Errorf("%w: seq %d: want 1 or more", ErrInvalid, r.Seq)
	}
	if !isUUID(r.ID) {
		return fmt.Errorf("%w: record %d: id %q is not a canonical lower-case UUID", ErrInvalid, r.Seq, r.ID)
	}
	if r.At.IsZero() || r.At.Nanosecond()%int(time.Millisecond) != 0 {
		return fmt.Errorf("%w: record %d: time %s: want a set time with millisecond precision", ErrInvalid, r.Seq, r.At.Format(time.RFC3339Nano))
	}
	for _, f := range [...]struct {
		name, v  string
		required bool
	}{
		{"actor_id", r.ActorID, true},
		{"role", r.Role, false},
		{"unit_id", r.UnitID, false},
		{"action", r.Action, true},
		{"subject.kind", r.Subject.Kind, true},
		{"subject.id", r.Subject.ID, true},
		{"reason", r.Reason, false},
	} {
		switch {
		case f.required && f.v == "":
			return fmt.Errorf("%w: record %d: %s is empty", ErrInvalid, r.Seq, f.name)
		case len(f.v) > MaxTextLen:
			return fmt.Errorf("%w: record %d: %s is longer than %d bytes", ErrInvalid, r.Seq, f.name, MaxTextLen)
		case !utf8.ValidString(f.v):
			return fmt.Errorf("%w: record %d: %s is not valid UTF-8", ErrInvalid, r.Seq, f.name)
		}
	}
	for _, f := range [...]struct {
		name, v  string
		optional bool
	}{
		{"before", r.Before, true},
		{"after", r.After, true},
		{"prev_hash", r.PrevHash, false},
		{"hash", r.Hash, false},
	} {
		if !chain && (f.name == "prev_hash" || f.name == "hash") {
			break
		}
		if !(f.optional && f.v == "") && !isHex64(f.v) {
			return fmt.Errorf("%w: record %d: %s %q: want 64 lower-case hex characters", ErrInvalid, r.Seq, f.name, f.v)
		}
	}
	return nil
}

// appendEncoding appends the cg-ledger-v1 encoding of r, with seq in place of r.Seq, to dst.
// The seq parameter lets Verify ask "was this record sealed under another seq?" without
// copying it.
func appendEncoding(dst []byte, r *Record, seq int64) []byte {
	dst = appendStr(dst, Version)
	dst = binary.BigEndian.AppendUint64(dst, uint64(seq))
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.At.UnixMilli()))
	for _, s := range [...]string{r.ID, r.ActorID, r.Role, r.UnitID, r.Action, r.Subject.Kind,
		r.Subject.ID, r.Before, r.After, r.Reason, r.PrevHash} {
		dst = appendStr(dst, s)
	}
	return dst
}

func appendStr(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

func hashHex(msg []byte) string {
	sum := sha256.Sum256(msg)
	var h [64]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}

func isHex64(s string) bool { return isHexN(s, 64) }

func isHexN(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !lowerHex[s[i]] {
			return false
		}
	}
	return true
}

// lowerHex is a read-only table: a byte lookup is several times faster than two range
// comparisons, and Verify checks four hex fields per record.
var lowerHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdef" {
		t[c] = true
	}
	return t
}()

// isUUID reports whether s is a UUID in canonical lower-case text form (any version): the
// ID's job here is to be unique, the ids package makes them.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !lowerHex[s[i]] {
				return false
			}
		}
	}
	return true
}
