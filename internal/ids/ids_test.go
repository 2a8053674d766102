package ids

import (
	"strings"
	"testing"
)

func TestNewIDsAreValidAndTimeOrdered(t *testing.T) {
	prev := New()
	for range 1000 {
		id := New()
		if !Valid(id) {
			t.Fatalf("New() = %q is not valid", id)
		}
		if id <= prev {
			t.Fatalf("IDs out of order: %s after %s", id, prev)
		}
		prev = id
	}
}

func TestValidRefusesNonCanonicalForms(t *testing.T) {
	id := New()
	for _, bad := range []string{"", "x", strings.ToUpper(id), "{" + id[:34] + "}", strings.ReplaceAll(id, "-", ""), id[:35] + "g"} {
		if Valid(bad) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
}
