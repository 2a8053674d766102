package calendar

import (
	"errors"
	"testing"
	"time"
)

// The integer day arithmetic must agree with the time package on every day from 1970 to 3000.
func TestDayNumbersAgreeWithTheTimePackage(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for dn := -800; dn < 376000; dn++ {
		tt := epoch.AddDate(0, 0, dn)
		want := Date{tt.Year(), tt.Month(), tt.Day()}
		got := fromDayNumber(dn)
		if got != want || want.dayNumber() != dn || got.Weekday() != tt.Weekday() {
			t.Fatalf("day %d: fromDayNumber = %v (weekday %v), time says %v (%v); dayNumber = %d",
				dn, got, got.Weekday(), want, tt.Weekday(), want.dayNumber())
		}
	}
}

func TestParseStartTakesADateOrAnInstant(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2026-09-30", "2026-09-30T00:00:00+08:00"}, // a date is 00:00 in Shanghai
		{"2026-09-30T16:00:00+08:00", "2026-09-30T16:00:00+08:00"},
		{"2026-09-30T08:00:00Z", "2026-09-30T16:00:00+08:00"}, // same instant, shown in Shanghai
	}
	for _, tc := range cases {
		if got := at(t, tc.in).Format(time.RFC3339); got != tc.want {
			t.Fatalf("ParseStart(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"", "2026-9-30", "2026-02-30", "30/09/2026", "2026-09-30 16:00"} {
		if _, err := ParseStart(bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseStart(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestDateOfReadsTheShanghaiDate(t *testing.T) {
	// 2026-09-30T20:00Z is already 1 October in China.
	if got := DateOf(at(t, "2026-09-30T20:00:00Z")); got != (Date{2026, time.October, 1}) {
		t.Fatalf("DateOf = %v, want 2026-10-01", got)
	}
}

func TestDateTextRoundTrip(t *testing.T) {
	d := Date{2026, time.February, 14}
	b, err := d.MarshalText()
	if err != nil || string(b) != "2026-02-14" {
		t.Fatalf("MarshalText = %s, %v", b, err)
	}
	var back Date
	if err := back.UnmarshalText(b); err != nil || back != d {
		t.Fatalf("UnmarshalText = %v, %v", back, err)
	}
	if d.AddDays(-45) != (Date{2025, time.December, 31}) {
		t.Fatalf("AddDays(-45) = %v", d.AddDays(-45))
	}
}
