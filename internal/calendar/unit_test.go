package calendar

import (
	"errors"
	"testing"
)

func TestParseUnitAcceptsCodesAndChineseNames(t *testing.T) {
	cases := map[string]Unit{
		"workday": Workday, "工作日": Workday,
		"workhour": Workhour, "工作时": Workhour,
		"day": Day, "自然日": Day,
		"hour": Hour, "小时": Hour,
	}
	for in, want := range cases {
		got, err := ParseUnit(in)
		if err != nil || got != want {
			t.Fatalf("ParseUnit(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Workday", "week", "日"} {
		if _, err := ParseUnit(bad); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseUnit(%q) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestOnlyDayUnitsGiveDates(t *testing.T) {
	for u, want := range map[Unit]bool{Workday: true, Day: true, Workhour: false, Hour: false} {
		if u.DateOnly() != want {
			t.Fatalf("%s.DateOnly() = %v", u, !want)
		}
	}
}
