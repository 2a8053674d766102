package calendar

import (
	"errors"
	"testing"
	"time"
)

func TestZeroHoursAreTheDefaultWorkingDay(t *testing.T) {
	var h Hours
	if h.String() != "09:00-12:00,13:30-17:30" || h.PerDay() != 7*time.Hour {
		t.Fatalf("zero Hours = %s (%v a day), want the default 7 h", h, h.PerDay())
	}
	if DefaultHours().String() != h.String() {
		t.Fatal("DefaultHours differs from the zero value")
	}
}

func TestParseHoursRoundTrip(t *testing.T) {
	for _, s := range []string{"08:30-12:00,14:00-18:00", "00:00-24:00", "09:00-12:00,12:00-13:00"} {
		h := mustHours(t, s)
		if h.String() != s {
			t.Fatalf("ParseHours(%q).String() = %q", s, h)
		}
	}
	h := mustHours(t, "08:30-12:00, 14:00-18:00")
	if h.PerDay() != 7*time.Hour+30*time.Minute {
		t.Fatalf("PerDay = %v", h.PerDay())
	}
	spans := h.Spans()
	spans[0].Start = 0
	if h.Spans()[0].Start != 8*60+30 {
		t.Fatal("Spans shares its slice")
	}
}

func TestInvalidHoursAreRejected(t *testing.T) {
	for _, s := range []string{
		"",                        // no span
		"09:00-12:00,11:00-17:30", // overlapping
		"13:30-17:30,09:00-12:00", // out of order
		"12:00-09:00",             // backwards
		"09:00-09:00",             // empty
		"09:00-24:30",             // past midnight
		"9:00-12:00",              // not HH:MM
		"+9:00-12:00",
		"09:00",
		"09:60-12:00",
	} {
		if _, err := ParseHours(s); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseHours(%q) error = %v, want ErrInvalid", s, err)
		}
	}
	if _, err := NewHours(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewHours() error = %v, want ErrInvalid", err)
	}
	if _, err := NewHours(Span{-1, 60}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NewHours(negative) error = %v, want ErrInvalid", err)
	}
}
