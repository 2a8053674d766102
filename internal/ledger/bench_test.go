package ledger

import (
	"crypto/ed25519"
	"sync"
	"testing"
)

const benchRecords = 1_000_000

// benchChain is built once per test binary: sealing a million records takes about a second.
var benchChain = sync.OnceValue(func() []Record {
	out := make([]Record, 0, benchRecords)
	var h Head
	for i := 1; i <= benchRecords; i++ {
		r, err := Seal(h, draft(i))
		if err != nil {
			panic(err)
		}
		out = append(out, r)
		h = r.Head()
	}
	return out
})

// The bar: `verify` reads at least 500,000 records per second. This is the pure
// core over records already in memory; reading rows from the database is measured with the
// storage adapter.
func BenchmarkVerify1M(b *testing.B) {
	rs := benchChain()
	key := testKey(1)
	cps := []Checkpoint{checkpoint(b, key, rs[benchRecords/2]), checkpoint(b, key, rs[benchRecords-1])}
	opts := Options{Checkpoints: cps, Keys: []ed25519.PublicKey{pub(key)}}
	for b.Loop() {
		s, err := Verify(Records(rs), opts)
		if err != nil || s.Records != benchRecords {
			b.Fatalf("Verify = %+v, %v", s, err)
		}
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// Seal is the per-append cost the state-change transaction pays.
func BenchmarkSeal(b *testing.B) {
	d := draft(1)
	h := Head{Seq: 41, Hash: DigestBytes([]byte("prev"))}
	for b.Loop() {
		r, err := Seal(h, d)
		if err != nil {
			b.Fatal(err)
		}
		h = r.Head()
	}
}

// Digest of a case-sized state, the other per-change cost (before and after).
func BenchmarkDigest(b *testing.B) {
	state := map[string]any{
		"id": testID(1), "status": "dispatched", "category": "0101", "grid": "110101001001001",
		"department": testID(2), "deadline": "2026-05-08T17:30:00+08:00", "address": "东城区东华门街道南池子大街 12 号",
		"description": "占道经营，早晚高峰影响通行", "photos": []string{DigestBytes([]byte("a")), DigestBytes([]byte("b"))},
		"lon": 116.3975, "lat": 39.9087,
	}
	for b.Loop() {
		if _, err := Digest(state); err != nil {
			b.Fatal(err)
		}
	}
}
