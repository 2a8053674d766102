package ledger

import (
	"errors"
	"testing"
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
