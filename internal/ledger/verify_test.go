package ledger

import (
	"crypto/ed25519"
	"errors"
	"iter"
	"slices"
	"testing"
)

const n = 10 // records in the test chains

func verify(rs []Record, cps ...Checkpoint) error {
	_, err := Verify(Records(rs), Options{Checkpoints: cps, Keys: []ed25519.PublicKey{pub(testKey(1))}})
	return err
}

func TestSoundChainVerifies(t *testing.T) {
	rs := chain(t, n)
	key := testKey(1)
	s, err := Verify(Records(rs), Options{
		Checkpoints: []Checkpoint{checkpoint(t, key, rs[3]), checkpoint(t, key, rs[n-1])},
		Keys:        []ed25519.PublicKey{pub(key)},
	})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if want := (Summary{Records: n, Head: rs[n-1].Head(), Checkpoints: 2}); s != want {
		t.Fatalf("Summary = %+v, want %+v", s, want)
	}
}

func TestEmptyLedgerVerifies(t *testing.T) {
	s, err := Verify(Records(nil), Options{})
	if err != nil || s != (Summary{}) {
		t.Fatalf("Verify(empty) = %+v, %v", s, err)
	}
}

// Each field edited in place, in the first, a middle and the last record.
func TestEditedFieldIsNamedAtItsRecord(t *testing.T) {
	for name, edit := range fieldEdits() {
		t.Run(name, func(t *testing.T) {
			for _, i := range []int{0, 4, n - 1} {
				rs := chain(t, n)
				edit(&rs[i])
				e := wantTampered(t, verify(rs), Edited, rs[i].Seq)
				if e.ID != rs[i].ID {
					t.Fatalf("error names id %s, want %s", e.ID, rs[i].ID)
				}
			}
		})
	}
}

func TestEditedFieldNamesTheField(t *testing.T) {
	rs := chain(t, n)
	rs[4].Seq = 7
	e := wantTampered(t, verify(rs), Edited, 7)
	if e.ID != rs[4].ID || e.Detail != "its seq was changed from 5" {
		t.Fatalf("error = %v", e)
	}
}

func TestMalformedRecordIsNamed(t *testing.T) {
	rs := chain(t, n)
	rs[2].Hash = "not a hash"
	e := wantTampered(t, verify(rs), Malformed, 3)
	if e.ID != rs[2].ID {
		t.Fatalf("error names id %s, want %s", e.ID, rs[2].ID)
	}
}

func TestDeletedRecordIsNamed(t *testing.T) {
	for _, tc := range []struct {
		name string
		del  int // index
	}{{"first", 0}, {"second", 1}, {"middle", 4}, {"last but one", n - 2}} {
		t.Run(tc.name, func(t *testing.T) {
			rs := slices.Delete(chain(t, n), tc.del, tc.del+1)
			e := wantTampered(t, verify(rs), Deleted, int64(tc.del+1))
			if e.ID != "" {
				t.Fatalf("a deleted record has no id to name, got %s", e.ID)
			}
		})
	}
}

func TestSeveralDeletedRecordsAreNamedFromTheFirst(t *testing.T) {
	rs := slices.Delete(chain(t, n), 3, 6)
	e := wantTampered(t, verify(rs), Deleted, 4)
	if e.Detail != "records 4–6 are missing: record 7 follows record 3" {
		t.Fatalf("detail = %q", e.Detail)
	}
}

// The newest records can be deleted without breaking the chain: only a checkpoint held
// outside sees it.
func TestDeletedLastRecordsAreCaughtByACheckpoint(t *testing.T) {
	full := chain(t, n)
	cp := checkpoint(t, testKey(1), full[n-1])
	rs := full[:n-2]
	if err := verify(rs); err != nil {
		t.Fatalf("without a checkpoint a truncated chain verifies, got %v", err)
	}
	e := wantTampered(t, verify(rs, cp), Truncated, n-1)
	if e.Detail == "" {
		t.Fatal("no detail")
	}
	wantTampered(t, verify(nil, cp), Truncated, 1)
}

// Deleting a row and renumbering the rows after it, as someone hiding the gap would.
func TestDeletedAndRenumberedRecordsAreNamed(t *testing.T) {
	rs := slices.Delete(chain(t, n), 4, 5)
	for i := 4; i < len(rs); i++ {
		rs[i].Seq--
	}
	e := wantTampered(t, verify(rs), Deleted, 5)
	if e.Detail != "record 5 is missing: the record sealed as 6 (id "+rs[4].ID+") follows record 4 and was renumbered 5" {
		t.Fatalf("detail = %q", e.Detail)
	}
}

func TestInsertedRecordIsNamed(t *testing.T) {
	forged := func(t *testing.T, after Record) Record {
		d := draft(500)
		d.Reason = "补录"
		r, err := Seal(after.Head(), d)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := map[string]func(t *testing.T, rs []Record) []Record{
		// A forged record sealed after record 4, with seq 5, and the real record 5 left alone.
		"sealed, same seq": func(t *testing.T, rs []Record) []Record {
			return slices.Insert(rs, 4, forged(t, rs[3]))
		},
		// The same, with the later rows renumbered to make room.
		"sealed, renumbered": func(t *testing.T, rs []Record) []Record {
			rs = slices.Insert(rs, 4, forged(t, rs[3]))
			for i := 5; i < len(rs); i++ {
				rs[i].Seq++
			}
			return rs
		},
		// A record with a made-up hash, renumbered.
		"unsealed, renumbered": func(t *testing.T, rs []Record) []Record {
			f := forged(t, rs[3])
			f.Hash = DigestBytes([]byte("made up"))
			rs = slices.Insert(rs, 4, f)
			for i := 5; i < len(rs); i++ {
				rs[i].Seq++
			}
			return rs
		},
		"unsealed, same seq": func(t *testing.T, rs []Record) []Record {
			f := forged(t, rs[3])
			f.Hash = DigestBytes([]byte("made up"))
			return slices.Insert(rs, 4, f)
		},
	}
	for name, tamper := range cases {
		t.Run(name, func(t *testing.T) {
			rs := tamper(t, chain(t, n))
			e := wantTampered(t, verify(rs), Inserted, 5)
			if e.ID != testID(500) {
				t.Fatalf("error names id %s, want the forged record %s", e.ID, testID(500))
			}
		})
	}
}

func TestDuplicatedRecordIsNamed(t *testing.T) {
	rs := chain(t, n)
	rs = slices.Insert(rs, 5, rs[4])
	wantTampered(t, verify(rs), Inserted, 5)
}

func TestReorderedRecordsAreNamed(t *testing.T) {
	cases := map[string]struct {
		tamper func(rs []Record) []Record
		seq    int64
	}{
		// Rows read out of order.
		"adjacent swapped": {func(rs []Record) []Record { rs[4], rs[5] = rs[5], rs[4]; return rs }, 6},
		"distant swapped":  {func(rs []Record) []Record { rs[2], rs[7] = rs[7], rs[2]; return rs }, 8},
		"last first": {func(rs []Record) []Record {
			return append([]Record{rs[n-1]}, rs[:n-1]...)
		}, n},
		// Seq values exchanged in the database, read back in seq order.
		"seq exchanged": {func(rs []Record) []Record {
			rs[4], rs[5] = rs[5], rs[4]
			rs[4].Seq, rs[5].Seq = 5, 6
			return rs
		}, 5},
		"first two exchanged": {func(rs []Record) []Record {
			rs[0], rs[1] = rs[1], rs[0]
			rs[0].Seq, rs[1].Seq = 1, 2
			return rs
		}, 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			wantTampered(t, verify(tc.tamper(chain(t, n))), Reordered, tc.seq)
		})
	}
}

// A record changed and re-sealed on its own is found at the link to the next record.
func TestResealedRecordIsNamedByTheNextLink(t *testing.T) {
	rs := chain(t, n)
	d := rs[4]
	d.Reason = "改写的理由"
	resealed, err := Seal(rs[3].Head(), d)
	if err != nil {
		t.Fatal(err)
	}
	rs[4] = resealed
	e := wantTampered(t, verify(rs), Edited, 5)
	if e.ID != rs[4].ID {
		t.Fatalf("error names id %s, want %s", e.ID, rs[4].ID)
	}
}

func TestResealedFirstRecordIsNamed(t *testing.T) {
	rs := chain(t, n)
	d := rs[0]
	d.Reason = "改写的理由"
	rs[0], _ = Seal(Head{}, d)
	wantTampered(t, verify(rs), Edited, 1)
}

// Rewriting history and re-sealing every record gives a consistent chain: only a checkpoint
// held outside catches it.
func TestRewrittenChainIsCaughtOnlyByACheckpoint(t *testing.T) {
	orig := chain(t, n)
	key := testKey(1)
	early, late := checkpoint(t, key, orig[2]), checkpoint(t, key, orig[7])

	forged := clone(orig)
	forged[5].Reason = "当事人主动改正"
	forged = reseal(t, forged)
	if err := verify(forged); err != nil {
		t.Fatalf("a re-sealed chain is consistent on its own, got %v", err)
	}
	if err := verify(forged, early); err != nil {
		t.Fatalf("a checkpoint before the rewrite still matches, got %v", err)
	}
	e := wantTampered(t, verify(forged, early, late), Rewritten, 8)
	if e.ID != orig[7].ID {
		t.Fatalf("error names id %s, want %s", e.ID, orig[7].ID)
	}

	// Rewritten and shortened below the checkpoint.
	wantTampered(t, verify(reseal(t, slices.Delete(clone(orig), 1, 2)), late), Rewritten, 8)
}

func TestCheckpointsMayComeInAnyOrderAndTwice(t *testing.T) {
	rs := chain(t, n)
	key := testKey(1)
	a, b := checkpoint(t, key, rs[2]), checkpoint(t, key, rs[6])
	s, err := Verify(Records(rs), Options{Checkpoints: []Checkpoint{b, a, b}, Keys: []ed25519.PublicKey{pub(key)}})
	if err != nil || s.Checkpoints != 2 {
		t.Fatalf("Verify = %+v, %v", s, err)
	}
}

func TestForgedCheckpointIsRefused(t *testing.T) {
	rs := chain(t, n)
	key := testKey(1)
	for name, forge := range map[string]func(*Checkpoint){
		"hash changed":        func(c *Checkpoint) { c.Hash = rs[3].Hash },
		"seq changed":         func(c *Checkpoint) { c.Seq = 4 },
		"time changed":        func(c *Checkpoint) { c.At = c.At.Add(-24 * 3600e9) },
		"signature flipped":   func(c *Checkpoint) { c.Signature[0] ^= 1 },
		"signature missing":   func(c *Checkpoint) { c.Signature = nil },
		"key id of the other": func(c *Checkpoint) { c.KeyID = KeyID(pub(testKey(2))) },
	} {
		t.Run(name, func(t *testing.T) {
			c := checkpoint(t, key, rs[6])
			c.Signature = clone2(c.Signature)
			forge(&c)
			if err := verify(rs, c); !errors.Is(err, ErrSignature) {
				t.Fatalf("Verify error = %v, want ErrSignature", err)
			}
		})
	}
}

func clone2(b []byte) []byte { return append([]byte(nil), b...) }

func TestCheckpointFromAnotherKeyIsRefused(t *testing.T) {
	rs := chain(t, n)
	other := checkpoint(t, testKey(2), rs[6])
	if err := verify(rs, other); !errors.Is(err, ErrSignature) {
		t.Fatalf("Verify error = %v, want ErrSignature", err)
	}
	// Trusting the other key too (after a key rotation) accepts it.
	_, err := Verify(Records(rs), Options{Checkpoints: []Checkpoint{other}, Keys: []ed25519.PublicKey{pub(testKey(1)), pub(testKey(2))}})
	if err != nil {
		t.Fatalf("Verify with both keys: %v", err)
	}
}

func TestCheckpointWithoutTrustedKeysIsRefused(t *testing.T) {
	rs := chain(t, n)
	_, err := Verify(Records(rs), Options{Checkpoints: []Checkpoint{checkpoint(t, testKey(1), rs[1])}})
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("Verify error = %v, want ErrSignature", err)
	}
}

func TestConflictingCheckpointsAreReported(t *testing.T) {
	rs := chain(t, n)
	key := testKey(1)
	forged := reseal(t, append(clone(rs[:3]), draft(600)))
	err := verify(rs, checkpoint(t, key, rs[3]), checkpoint(t, key, forged[3]))
	wantTampered(t, err, Rewritten, 4)
}

func TestVerifyReturnsTheReadErrorAsIs(t *testing.T) {
	rs := chain(t, n)
	boom := errors.New("connection reset")
	records := func(yield func(Record, error) bool) {
		for i, r := range rs {
			if i == 5 {
				yield(Record{}, boom)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	s, err := Verify(records, Options{})
	if err != boom || s.Records != 5 {
		t.Fatalf("Verify = %+v, %v; want 5 records, %v", s, err, boom)
	}
}

// Verify stops reading soon after the first bad record: it looks at most one record further.
func TestVerifyStopsReadingAfterTheFirstBadRecord(t *testing.T) {
	rs := chain(t, n)
	rs[2].Reason = "edited"
	read := 0
	var records iter.Seq2[Record, error] = func(yield func(Record, error) bool) {
		for _, r := range rs {
			read++
			if !yield(r, nil) {
				return
			}
		}
	}
	_, err := Verify(records, Options{})
	wantTampered(t, err, Edited, 3)
	if read != 4 {
		t.Fatalf("read %d records, want 4", read)
	}
}

func TestVerifierKeepsReportingTheFirstFailure(t *testing.T) {
	rs := chain(t, n)
	rs[1].Reason = "edited"
	v, err := NewVerifier(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var first error
	for _, r := range rs {
		if err := v.Add(r); err != nil && first == nil {
			first = err
		}
	}
	s, err := v.Finish()
	if err != first || s.Records != 1 {
		t.Fatalf("Finish = %+v, %v; want 1 record, %v", s, err, first)
	}
	wantTampered(t, err, Edited, 2)
}

func TestErrorMessageNamesRecordKindAndID(t *testing.T) {
	e := &Error{Kind: Edited, Seq: 5, ID: testID(5), Detail: "its content does not match its hash"}
	want := "ledger: record 5 (id " + testID(5) + "): edited: its content does not match its hash"
	if e.Error() != want {
		t.Fatalf("Error() = %q, want %q", e.Error(), want)
	}
}
