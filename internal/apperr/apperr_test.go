package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestOnlyInternalMapsToServerErrorExceptUnavailable(t *testing.T) {
	for _, c := range Codes() {
		st := Status(c)
		switch c {
		case Internal:
			if st != http.StatusInternalServerError {
				t.Errorf("%s: got %d, want 500", c, st)
			}
		case Unavailable:
			if st != http.StatusServiceUnavailable {
				t.Errorf("%s: got %d, want 503", c, st)
			}
		default:
			if st < 400 || st >= 500 {
				t.Errorf("%s: got %d, want a 4xx: client mistakes are never 5xx", c, st)
			}
		}
	}
}

func TestCodeSurvivesWrapping(t *testing.T) {
	base := New(NotFound, "unit.not_found")
	wrapped := fmt.Errorf("loading: %w", base)
	if !Is(wrapped, NotFound) || As(wrapped).MessageKey() != "unit.not_found" {
		t.Fatalf("wrapped error lost its code or key: %v", wrapped)
	}
	if got := CodeOf(errors.New("disk on fire")); got != Internal {
		t.Fatalf("a plain error: got %s, want internal", got)
	}
	if got := CodeOf(nil); got != "" {
		t.Fatalf("nil: got %q, want no code", got)
	}
	if got := New(Forbidden, "").MessageKey(); got != "error.forbidden" {
		t.Fatalf("default key: got %q", got)
	}
}
