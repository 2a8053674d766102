package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// goldenDraft is the fixed record of the golden vectors. Never change it: the hashes below
// pin the cg-ledger-v1 encoding.
func goldenDraft() Record {
	return Record{
		ID:      "019de2a0-5c00-7a3b-8c4d-0123456789ab",
		At:      time.Date(2026, 5, 1, 0, 30, 15, 123_000_000, time.UTC),
		ActorID: "019de29f-0000-7000-8000-000000000001",
		Role:    "admin",
		UnitID:  "019de29f-0000-7000-8000-0000000000aa",
		Action:  "account.disable",
		Subject: Subject{Kind: "account", ID: "019de29f-0000-7000-8000-000000000002"},
		Before:  DigestBytes([]byte(`{"disabled":false}`)),
		After:   DigestBytes([]byte(`{"disabled":true}`)),
		Reason:  "离职 (left the bureau)",
	}
}

// The golden hashes were computed independently (a few lines of Python following doc.go).
const (
	goldenHash1 = "ebd20c7c1e7cd1e659b5dc87e06fd9a1400fa39ccdd760c711b4cddc560f6f5c"
	goldenHash2 = "782775999847c138dc51c43c934587100fef28478cc083e78e675f9a42186b2b"
)

func TestRecordHashMatchesGoldenVector(t *testing.T) {
	r1, err := Seal(Head{}, goldenDraft())
	if err != nil {
		t.Fatal(err)
	}
	if r1.Hash != goldenHash1 {
		t.Fatalf("hash of the golden record = %s, want %s: the cg-ledger-v1 encoding changed", r1.Hash, goldenHash1)
	}
	d2 := goldenDraft()
	d2.ID = "019de2a0-5c01-7a3b-8c4d-0123456789ab"
	d2.At = d2.At.Add(time.Second)
	d2.Action = "account.enable"
	d2.Before, d2.After = d2.After, d2.Before
	d2.Reason = ""
	r2, err := Seal(r1.Head(), d2)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Hash != goldenHash2 {
		t.Fatalf("hash of the second golden record = %s, want %s: the cg-ledger-v1 encoding changed", r2.Hash, goldenHash2)
	}
}

func TestGenesisIsSixtyFourZeros(t *testing.T) {
	if Genesis != strings.Repeat("0", 64) {
		t.Fatalf("Genesis = %q", Genesis)
	}
}

// An independent reading of the layout documented in doc.go must give Seal's hash.
func TestRecordHashFollowsTheDocumentedLayout(t *testing.T) {
	r, err := Seal(Head{}, goldenDraft())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	str := func(s string) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(s)))
		b.WriteString(s)
	}
	str("cg-ledger-v1")
	_ = binary.Write(&b, binary.BigEndian, r.Seq)
	_ = binary.Write(&b, binary.BigEndian, r.At.UnixMilli())
	for _, s := range []string{r.ID, r.ActorID, r.Role, r.UnitID, r.Action, r.Subject.Kind, r.Subject.ID,
		r.Before, r.After, r.Reason, r.PrevHash} {
		str(s)
	}
	sum := sha256.Sum256(b.Bytes())
	if want := hex.EncodeToString(sum[:]); r.Hash != want {
		t.Fatalf("Seal hash = %s, documented layout gives %s", r.Hash, want)
	}
}

func TestSealFillsSeqPrevHashAndHash(t *testing.T) {
	r1, err := Seal(Head{}, draft(1))
	if err != nil {
		t.Fatal(err)
	}
	if r1.Seq != 1 || r1.PrevHash != Genesis || !isHex64(r1.Hash) {
		t.Fatalf("first record: seq %d, prev %s, hash %s", r1.Seq, r1.PrevHash, r1.Hash)
	}
	r2, err := Seal(r1.Head(), draft(2))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Seq != 2 || r2.PrevHash != r1.Hash {
		t.Fatalf("second record: seq %d, prev %s; want 2, %s", r2.Seq, r2.PrevHash, r1.Hash)
	}
	if got, err := RecordHash(r2); err != nil || got != r2.Hash {
		t.Fatalf("RecordHash = %s, %v; want %s", got, err, r2.Hash)
	}
}

func TestSealIgnoresSeqAndHashesTheCallerSet(t *testing.T) {
	d := draft(1)
	d.Seq, d.PrevHash, d.Hash = 99, strings.Repeat("a", 64), strings.Repeat("b", 64)
	r, err := Seal(Head{}, d)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Seal(Head{}, draft(1))
	if r != want {
		t.Fatalf("Seal = %+v, want %+v", r, want)
	}
}

func TestSealStoresTimeInUTCToTheMillisecond(t *testing.T) {
	d := draft(1)
	d.At = time.Date(2026, 5, 1, 8, 0, 0, 123_456_789, time.FixedZone("CST", 8*3600))
	r, err := Seal(Head{}, d)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 5, 1, 0, 0, 0, 123_000_000, time.UTC)
	if !r.At.Equal(want) || r.At.Location() != time.UTC {
		t.Fatalf("At = %s, want %s", r.At, want)
	}
}

func TestSealRefusesMalformedRecords(t *testing.T) {
	cases := map[string]func(*Record){
		"id not a uuid":          func(r *Record) { r.ID = "case-1" },
		"id in upper case":       func(r *Record) { r.ID = strings.ToUpper(r.ID) },
		"no time":                func(r *Record) { r.At = time.Time{} },
		"no actor":               func(r *Record) { r.ActorID = "" },
		"no action":              func(r *Record) { r.Action = "" },
		"no subject kind":        func(r *Record) { r.Subject.Kind = "" },
		"no subject id":          func(r *Record) { r.Subject.ID = "" },
		"before not hex":         func(r *Record) { r.Before = "sha256:abc" },
		"after in upper case":    func(r *Record) { r.After = strings.ToUpper(r.After) },
		"reason not utf-8":       func(r *Record) { r.Reason = "\xff\xfe" },
		"reason too long":        func(r *Record) { r.Reason = strings.Repeat("x", MaxTextLen+1) },
		"role not utf-8":         func(r *Record) { r.Role = "admin\xc0" },
		"subject id too long":    func(r *Record) { r.Subject.ID = strings.Repeat("1", MaxTextLen+1) },
		"action with only bytes": func(r *Record) { r.Action = string([]byte{0xe4, 0xb8}) },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			d := draft(1)
			edit(&d)
			if _, err := Seal(Head{}, d); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Seal error = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestSealAcceptsTheSystemActorAndEmptyOptionalFields(t *testing.T) {
	d := draft(1)
	d.ActorID, d.Role, d.UnitID, d.Before, d.After, d.Reason = "system", "", "", "", "", ""
	if _, err := Seal(Head{}, d); err != nil {
		t.Fatalf("Seal: %v", err)
	}
}

func TestSealRefusesAMalformedHead(t *testing.T) {
	for _, h := range []Head{{Seq: -1}, {Seq: 0, Hash: "abc"}, {Seq: 3, Hash: ""}, {Seq: 3, Hash: strings.Repeat("A", 64)}} {
		if _, err := Seal(h, draft(1)); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Seal(%+v) error = %v, want ErrInvalid", h, err)
		}
	}
}

// Every field but Hash is covered: changing any one changes the hash.
func TestEveryFieldIsCoveredByTheHash(t *testing.T) {
	base, err := Seal(Head{}, goldenDraft())
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range fieldEdits() {
		r := base
		edit(&r)
		got, err := RecordHash(r)
		if err != nil {
			t.Fatalf("%s: RecordHash: %v", name, err)
		}
		if got == base.Hash {
			t.Fatalf("changing %s does not change the hash", name)
		}
	}
}

// fieldEdits change one field each to another well-formed value.
func fieldEdits() map[string]func(*Record) {
	return map[string]func(*Record){
		"seq":          func(r *Record) { r.Seq += 3 },
		"id":           func(r *Record) { r.ID = testID(999_999) },
		"at":           func(r *Record) { r.At = r.At.Add(time.Millisecond) },
		"actor_id":     func(r *Record) { r.ActorID = testID(888_888) },
		"role":         func(r *Record) { r.Role = "officer" },
		"unit_id":      func(r *Record) { r.UnitID = testID(777_777) },
		"action":       func(r *Record) { r.Action = "case.close" },
		"subject.kind": func(r *Record) { r.Subject.Kind = "penalty" },
		"subject.id":   func(r *Record) { r.Subject.ID = testID(666_666) },
		"before":       func(r *Record) { r.Before = "" },
		"after":        func(r *Record) { r.After = DigestBytes([]byte("forged")) },
		"reason":       func(r *Record) { r.Reason += "。" },
		"prev_hash":    func(r *Record) { r.PrevHash = DigestBytes([]byte("elsewhere")) },
	}
}

// Moving bytes from one field to the next must change the hash: fields are length-prefixed.
func TestFieldBoundariesAreUnambiguous(t *testing.T) {
	a, b := goldenDraft(), goldenDraft()
	a.Role, a.UnitID = "ab", "c"
	b.Role, b.UnitID = "a", "bc"
	ra, err := Seal(Head{}, a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Seal(Head{}, b)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Hash == rb.Hash {
		t.Fatal("records differing only in a field boundary share a hash")
	}
}

func TestRecordHashRefusesMalformedRecord(t *testing.T) {
	r, _ := Seal(Head{}, draft(1))
	r.PrevHash = "00"
	if _, err := RecordHash(r); !errors.Is(err, ErrInvalid) {
		t.Fatalf("RecordHash error = %v, want ErrInvalid", err)
	}
}

func TestEncodingLenIsTheLengthOfTheEncoding(t *testing.T) {
	rs := []Record{{}, draft(1), draft(12345)}
	rs[2].Reason = "很长的原因 " + strings.Repeat("x", 700)
	for _, r := range rs {
		if got, want := encodingLen(&r), len(appendEncoding(nil, &r, r.Seq)); got != want {
			t.Fatalf("encodingLen = %d, the encoding has %d bytes", got, want)
		}
	}
}
