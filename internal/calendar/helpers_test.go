package calendar

import (
	"testing"
	"time"
)

// at parses a start as the API does: "YYYY-MM-DD" or RFC 3339.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := ParseStart(s)
	if err != nil {
		tb.Fatalf("ParseStart(%q): %v", s, err)
	}
	return t
}

func date(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

func mustHours(tb testing.TB, s string) Hours {
	tb.Helper()
	h, err := ParseHours(s)
	if err != nil {
		tb.Fatalf("ParseHours(%q): %v", s, err)
	}
	return h
}

func mustNew(tb testing.TB, years ...Year) *Calendar {
	tb.Helper()
	c, err := New(years...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}
