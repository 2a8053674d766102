package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

func TestDigestOfCanonicalJSONMatchesGoldenVector(t *testing.T) {
	// Canonical form: {"a":[1,2.5,"<b>"],"n":null,"z":{"x":true,"y":"城管"}}
	v := map[string]any{"z": map[string]any{"y": "城管", "x": true}, "a": []any{1, 2.5, "<b>"}, "n": nil}
	got, err := Digest(v)
	if err != nil {
		t.Fatal(err)
	}
	// sha256sum of the canonical form above.
	const want = "4b4334435182e897a4f44da27d8bdbb06c671beddb1df2bf327b602eaaabb2ab"
	if got != want {
		t.Fatalf("Digest = %s, want %s: the canonical form changed", got, want)
	}
}

func TestDigestDoesNotDependOnStructFieldOrder(t *testing.T) {
	type ab struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	type ba struct {
		B string `json:"b"`
		A int    `json:"a"`
	}
	x, err := Digest(ab{A: 1, B: "x"})
	if err != nil {
		t.Fatal(err)
	}
	y, err := Digest(ba{B: "x", A: 1})
	if err != nil {
		t.Fatal(err)
	}
	z, _ := Digest(map[string]any{"b": "x", "a": 1})
	if x != y || x != z {
		t.Fatalf("digests differ: %s, %s, %s", x, y, z)
	}
}

func TestDigestChangesWithAnyValue(t *testing.T) {
	a, _ := Digest(map[string]any{"status": "open", "grid": "110101001001"})
	b, _ := Digest(map[string]any{"status": "closed", "grid": "110101001001"})
	if a == b || a == "" {
		t.Fatalf("digests %q and %q", a, b)
	}
}

func TestDigestOfNoStateIsEmpty(t *testing.T) {
	var p *struct{ A int }
	for _, v := range []any{nil, p} {
		if got, err := Digest(v); err != nil || got != "" {
			t.Fatalf("Digest(%#v) = %q, %v; want empty", v, got, err)
		}
	}
	if got, _ := Digest(map[string]any{}); got == "" {
		t.Fatal("an empty object is a state, not no state")
	}
}

func TestDigestRefusesValuesJSONCannotEncode(t *testing.T) {
	if _, err := Digest(make(chan int)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Digest(chan) error = %v, want ErrInvalid", err)
	}
}

func TestDigestBytesIsSHA256(t *testing.T) {
	if got, want := DigestBytes(nil), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; got != want {
		t.Fatalf("DigestBytes(nil) = %s, want %s", got, want)
	}
}

// The fast path of canonicalJSON must render exactly what the definition
// (decode, encode) renders, or give up.
func TestCanonicalJSONFastPathMatchesTheDefinition(t *testing.T) {
	type inner struct {
		When  time.Time         `json:"when"`
		Tags  []string          `json:"tags"`
		Extra map[string]any    `json:"extra,omitempty"`
		Raw   json.RawMessage   `json:"raw,omitempty"`
		Nums  map[string]number `json:"nums"`
	}
	keys := []string{"a", "a!", "a b", "", "ab", "é", "<", "\u2028", "\\", "\x00", "\"", "Z", "z", "城管", "a\x7f", "\xff"}
	strs := append(keys, "<b>&amp;", "\ufffd", "x\u2029y", "tab\there", "line\nbreak", "普通文本", "$argon2id$v=19$m=65536,t=1,p=1$c2FsdA$aGFzaA")
	rng := rand.New(rand.NewPCG(1, 2))
	var gen func(depth int) any
	gen = func(depth int) any {
		switch k := rng.IntN(9); {
		case k == 0 || depth > 3:
			return strs[rng.IntN(len(strs))]
		case k == 1:
			return []any{1, 2.5, math.Copysign(0, -1), 1e21, 1.5e-7, int64(1) << 62, uint64(1<<64 - 1), nil, true, false}[rng.IntN(10)]
		case k <= 4:
			m := map[string]any{}
			for range rng.IntN(5) {
				m[keys[rng.IntN(len(keys))]] = gen(depth + 1)
			}
			return m
		case k <= 6:
			a := make([]any, rng.IntN(4))
			for i := range a {
				a[i] = gen(depth + 1)
			}
			return a
		default:
			return inner{When: time.Date(2026, 5, 1, 8, rng.IntN(60), 0, rng.IntN(1e9), time.FixedZone("CST", 8*3600)),
				Tags: []string{strs[rng.IntN(len(strs))]}, Extra: map[string]any{keys[rng.IntN(len(keys))]: gen(depth + 1)},
				Raw: json.RawMessage(`{"b" : 1, "a":[ 2 ,3]}`), Nums: map[string]number{"n": number(rng.IntN(100))}}
		}
	}
	fast := 0
	for i := range 5000 {
		raw, err := json.Marshal(gen(0))
		if err != nil {
			t.Fatal(err)
		}
		want, err := canonicalJSONSlow(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := canonicalJSON(raw)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("value %d: %s\nfast %s (%v)\nslow %s", i, raw, got, err, want)
		}
		c := canonicalizer{in: raw}
		if _, ok := c.value(nil); ok && c.pos == len(raw) {
			fast++
		}
	}
	if fast < 1000 {
		t.Fatalf("only %d of 5000 values took the fast path", fast)
	}
}

// number has its own MarshalJSON, whose output json.Marshal compacts.
type number int

func (n number) MarshalJSON() ([]byte, error) { return []byte(" " + strconv.Itoa(int(n)) + ".0 "), nil }

func FuzzCanonicalJSONFastPath(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,null,"x"]}`, `{"a!":1,"a":2,"a b":3}`, `[{"z":{"y":"城管","x":1e5}}]`, `{"a":1,"a":2}`, `"\u003c"`, `-0.0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var buf bytes.Buffer
		if !json.Valid(in) || json.Compact(&buf, in) != nil {
			return
		}
		raw := buf.Bytes()
		want, err := canonicalJSONSlow(raw)
		if err != nil {
			return
		}
		got, err := canonicalJSON(raw)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s:\nfast %s (%v)\nslow %s", raw, got, err, want)
		}
	})
}
