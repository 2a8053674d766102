package ledger

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func goldenCheckpoint(t *testing.T) Checkpoint {
	t.Helper()
	r, err := Seal(Head{}, goldenDraft())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCheckpoint(testKey(1), r.Head(), time.Date(2026, 5, 1, 8, 0, 0, 999_999_999, time.FixedZone("CST", 8*3600)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ed25519 signatures are deterministic, so the whole JSON form is a golden vector.
func TestCheckpointMatchesGoldenVector(t *testing.T) {
	c := goldenCheckpoint(t)
	wantMsg := "cg-ledger-checkpoint-v1\nseq 1\nhash " + goldenHash1 + "\nat 2026-05-01T00:00:00.999Z\nkey " + goldenKeyID + "\n"
	if string(c.Message()) != wantMsg {
		t.Fatalf("Message = %q, want %q", c.Message(), wantMsg)
	}
	got, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != goldenCheckpointJSON {
		t.Fatalf("JSON = %s\nwant   %s", got, goldenCheckpointJSON)
	}
}

// Checked outside Go: `openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg -sigfile sig`
// verifies the signature, and the SHA-256 of the raw public key starts with the KeyID.
const (
	goldenKeyID          = "65b60673d6ed884b"
	goldenCheckpointJSON = `{"format":"cg-ledger-checkpoint-v1","seq":1,"hash":"ebd20c7c1e7cd1e659b5dc87e06fd9a1400fa39ccdd760c711b4cddc560f6f5c","at":"2026-05-01T00:00:00.999Z","key_id":"65b60673d6ed884b","signature":"yYAE/3qjH+c8/lm/CA0vPPmrEUidtDY31vZPMRL+1+tUoKKcGh+8Kq+pg0gw6+sr1iJTJUfoYD1P9/qiS4KDCA=="}`
)

func TestCheckpointJSONRoundTripsAndChecks(t *testing.T) {
	c := goldenCheckpoint(t)
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ParseCheckpoints(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Seq != c.Seq || cs[0].Hash != c.Hash || !cs[0].At.Equal(c.At) || cs[0].KeyID != c.KeyID || string(cs[0].Signature) != string(c.Signature) {
		t.Fatalf("round trip = %+v, want %+v", cs, c)
	}
	if err := cs[0].Check(pub(testKey(1))); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestCheckpointFileMayHoldAnArray(t *testing.T) {
	rs := chain(t, n)
	key := testKey(1)
	data, err := json.MarshalIndent([]Checkpoint{checkpoint(t, key, rs[2]), checkpoint(t, key, rs[5])}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := ParseCheckpoints(data)
	if err != nil || len(cs) != 2 {
		t.Fatalf("ParseCheckpoints = %d checkpoints, %v", len(cs), err)
	}
	if err := verify(rs, cs...); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestCheckpointJSONIsReadStrictly(t *testing.T) {
	good, err := json.Marshal(goldenCheckpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"unknown field":      strings.Replace(string(good), `"seq"`, `"extra":1,"seq"`, 1),
		"other format":       strings.Replace(string(good), CheckpointVersion, "cg-ledger-checkpoint-v2", 1),
		"time without ms":    strings.Replace(string(good), "00:00:00.999Z", "00:00:00Z", 1),
		"time with offset":   strings.Replace(string(good), "00:00:00.999Z", "08:00:00.999+08:00", 1),
		"short signature":    strings.Replace(string(good), `"signature":"`, `"signature":"AAAA`, 1),
		"hash in upper case": strings.Replace(string(good), goldenHash1, strings.ToUpper(goldenHash1), 1),
		"seq zero":           strings.Replace(string(good), `"seq":1`, `"seq":0`, 1),
		"not json":           `{"format":`,
		"empty":              ``,
	} {
		if _, err := ParseCheckpoints([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: ParseCheckpoints error = %v, want ErrInvalid", name, err)
		}
	}
}

func TestCheckpointOfEmptyLedgerIsRefused(t *testing.T) {
	if _, err := NewCheckpoint(testKey(1), Head{}, t0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewCheckpoint(empty) error = %v, want ErrInvalid", err)
	}
}

func TestUnsignedCheckpointCannotBeExported(t *testing.T) {
	c := goldenCheckpoint(t)
	c.Signature = nil
	if _, err := json.Marshal(c); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Marshal error = %v, want ErrInvalid", err)
	}
}

func TestCheckpointCheckNeedsTheKeyItNames(t *testing.T) {
	c := goldenCheckpoint(t)
	if err := c.Check(pub(testKey(2))); !errors.Is(err, ErrSignature) {
		t.Fatalf("Check with another key = %v, want ErrSignature", err)
	}
	if err := c.Check(ed25519.PublicKey("short"), pub(testKey(2)), pub(testKey(1))); err != nil {
		t.Fatalf("Check with the key among others: %v", err)
	}
}
