package ledger

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"testing"
	"time"
)

// t0 is when the test chains begin: 2026-05-01 08:00 Beijing time.
var t0 = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

// testKey is a fixed installation key, so that signatures are golden too.
func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func testID(i int) string { return fmt.Sprintf("019de000-0000-7000-8000-%012x", i) }

// draft is record i of a test chain before sealing.
func draft(i int) Record {
	return Record{
		ID:      testID(i),
		At:      t0.Add(time.Duration(i) * 1500 * time.Millisecond),
		ActorID: testID(1_000_000 + i%7),
		Role:    "shift_lead",
		UnitID:  testID(2_000_000 + i%3),
		Action:  "case.dispatch",
		Subject: Subject{Kind: "case", ID: testID(3_000_000 + i/2)},
		Before:  DigestBytes([]byte(fmt.Sprintf("before %d", i))),
		After:   DigestBytes([]byte(fmt.Sprintf("after %d", i))),
		Reason:  fmt.Sprintf("派遣至环卫所 #%d", i),
	}
}

// chain seals n records from the empty ledger.
func chain(tb testing.TB, n int) []Record {
	tb.Helper()
	out := make([]Record, 0, n)
	var h Head
	for i := 1; i <= n; i++ {
		r, err := Seal(h, draft(i))
		if err != nil {
			tb.Fatalf("Seal record %d: %v", i, err)
		}
		out = append(out, r)
		h = r.Head()
	}
	return out
}

// reseal seals rs again from the empty ledger, keeping their content: what an attacker with
// write access does after rewriting history.
func reseal(tb testing.TB, rs []Record) []Record {
	tb.Helper()
	out := make([]Record, len(rs))
	var h Head
	for i, r := range rs {
		s, err := Seal(h, r)
		if err != nil {
			tb.Fatalf("reseal record %d: %v", i+1, err)
		}
		out[i], h = s, s.Head()
	}
	return out
}

func checkpoint(tb testing.TB, key ed25519.PrivateKey, r Record) Checkpoint {
	tb.Helper()
	c, err := NewCheckpoint(key, r.Head(), r.At.Add(time.Minute))
	if err != nil {
		tb.Fatalf("NewCheckpoint: %v", err)
	}
	return c
}

// wantTampered fails unless err is an *Error of kind at seq.
func wantTampered(tb testing.TB, err error, kind Kind, seq int64) *Error {
	tb.Helper()
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v, want %s at record %d", err, kind, seq)
	}
	if e.Kind != kind || e.Seq != seq {
		tb.Fatalf("error = %v, want %s at record %d", err, kind, seq)
	}
	if !errors.Is(err, ErrTampered) {
		tb.Fatalf("error %v does not unwrap to ErrTampered", err)
	}
	return e
}

func clone(rs []Record) []Record { return append([]Record(nil), rs...) }
