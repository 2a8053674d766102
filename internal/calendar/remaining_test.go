package calendar

import (
	"errors"
	"testing"
	"time"
)

func TestRemainingInTheRulesOwnUnit(t *testing.T) {
	c := Official()
	cases := []struct {
		name        string
		now, due    string
		unit        Unit
		days        int
		left        time.Duration
		overdue     bool
		provisional bool
		why         string
	}{
		{"WorkdaysLeftAtTheStartEqualTheAmount", "2026-09-30T10:00:00+08:00", "2026-10-15", Workday, 7, 0, false, false,
			"the issue case read backwards: 7 workdays from 9/30 is 10/15"},
		{"WorkdaysLeftDuringTheHolidayIgnoreDaysOff", "2026-10-03T10:00:00+08:00", "2026-10-15", Workday, 7, 0, false, false,
			"10/4–10/7 off; 10/8, 10/9, 10/10 make-up, 10/12–10/15"},
		{"WorkdaysLeftOnTheDueDayIsZeroAndNotOverdue", "2026-10-15T17:00:00+08:00", "2026-10-15", Workday, 0, 0, false, false,
			"the period runs to the end of the due day"},
		{"WorkdaysOverdueCountsWorkingDaysSince", "2026-10-16T09:00:00+08:00", "2026-10-15", Workday, -1, 0, true, false,
			"10/16 is one working day past"},
		{"WorkdaysOverdueOverAWeekendIsZeroButOverdue", "2026-10-17T09:00:00+08:00", "2026-10-16", Workday, 0, 0, true, false,
			"Saturday 10/17 is after the due date, but no working day has passed"},
		{"WorkdaysLeftAcrossTheNewYearAreProvisional", "2026-12-30", "2027-01-04", Workday, 3, 0, false, true,
			"12/31, Fri 1/1, Mon 1/4 under weekends only"},
		{"DaysLeftAreCalendarDays", "2026-06-04T08:00:00+08:00", "2026-06-22", Day, 18, 0, false, false,
			"6/22 − 6/4, holidays included"},
		{"DaysOverdue", "2026-06-23", "2026-06-22", Day, -1, 0, true, false, "one day past"},
		{"DaysLeftOnTheDueDay", "2026-06-22T23:00:00+08:00", "2026-06-22", Day, 0, 0, false, false, "still the due day"},
		{"WorkhoursLeftAtTheStartEqualTheAmount", "2026-09-30T16:00:00+08:00", "2026-10-08T11:30:00+08:00", Workhour, 0, 4 * time.Hour, false, false,
			"the issue case read backwards"},
		{"WorkhoursLeftDuringTheHolidayAreTheNextMorning", "2026-10-01T10:00:00+08:00", "2026-10-08T11:30:00+08:00", Workhour, 0, 150 * time.Minute, false, false,
			"10/8 09:00–11:30"},
		{"WorkhoursLeftShortlyBefore", "2026-10-08T11:00:00+08:00", "2026-10-08T11:30:00+08:00", Workhour, 0, 30 * time.Minute, false, false,
			"half an hour of working time"},
		{"WorkhoursLeftExactlyAtTheDeadline", "2026-10-08T11:30:00+08:00", "2026-10-08T11:30:00+08:00", Workhour, 0, 0, false, false,
			"reached, not passed"},
		{"WorkhoursOverdueCountOnlyWorkingTime", "2026-10-08T13:00:00+08:00", "2026-10-08T11:30:00+08:00", Workhour, 0, -30 * time.Minute, true, false,
			"11:30–12:00 is working time, lunch is not"},
		{"WorkhoursOverdueAfterCloseIsZeroButOverdue", "2026-10-09T18:00:00+08:00", "2026-10-09T17:30:00+08:00", Workhour, 0, 0, true, false,
			"no working time after 17:30"},
		{"WorkhoursLeftOverTheMakeUpSaturday", "2026-10-09T16:30:00+08:00", "2026-10-12T09:00:00+08:00", Workhour, 0, 8 * time.Hour, false, false,
			"1 h on Fri, 7 h on Sat 10/10 调休上班, none on Sunday"},
		{"WorkhoursLeftInto2027AreProvisional", "2026-12-31T16:00:00+08:00", "2027-01-01T11:30:00+08:00", Workhour, 0, 4 * time.Hour, false, true,
			"2027-01-01 counted as a working day without a table"},
		{"HoursLeftArePlainTime", "2026-09-30T16:00:00+08:00", "2026-10-02T16:00:00+08:00", Hour, 0, 48 * time.Hour, false, false,
			"elapsed time"},
		{"HoursOverdue", "2026-10-02T17:00:00+08:00", "2026-10-02T16:00:00+08:00", Hour, 0, -time.Hour, true, false, "one hour past"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Remaining(at(t, tc.now), at(t, tc.due), tc.unit, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := Left{Unit: tc.unit, Days: tc.days, Time: tc.left, Overdue: tc.overdue, Provisional: tc.provisional}
			if got != want {
				t.Fatalf("Remaining(%s, %s, %s) = %+v, want %+v (%s)", tc.now, tc.due, tc.unit, got, want, tc.why)
			}
		})
	}
}

func TestLeftAmountIsInTheUnit(t *testing.T) {
	if got := (Left{Unit: Workhour, Time: 150 * time.Minute}).Amount(); got != 2.5 {
		t.Fatalf("Amount = %v, want 2.5 working hours", got)
	}
	if got := (Left{Unit: Workday, Days: -2}).Amount(); got != -2 {
		t.Fatalf("Amount = %v, want -2 working days", got)
	}
}

// Remaining undoes Due: a deadline computed from start has exactly the amount left at start.
// This checks the two independent walks over the calendar against each other, every day of
// 2025 and 2026.
func TestRemainingAtTheStartIsTheAmountDue(t *testing.T) {
	c := Official()
	first := date(t, "2025-01-01")
	for i := 0; i < 730; i++ {
		d := first.AddDays(i)
		for _, n := range []int{0, 1, 2, 3, 5, 7, 10, 15, 20} {
			r, err := c.Due(d.Start(), n, Workday, Options{})
			if err != nil {
				t.Fatal(err)
			}
			l, err := c.Remaining(d.Start(), r.Due, Workday, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if l.Days != n || l.Overdue {
				t.Fatalf("from %v: %d workdays due %v, but Remaining says %+v", d, n, r, l)
			}
		}
		// Starts at opening, mid-morning, lunch and after close.
		for _, clock := range []time.Duration{9 * time.Hour, 10*time.Hour + 17*time.Minute, 12*time.Hour + 40*time.Minute, 18 * time.Hour} {
			start := d.Start().Add(clock)
			for _, n := range []int{1, 2, 4, 7, 8, 16, 40} {
				r, err := c.Due(start, n, Workhour, Options{})
				if err != nil {
					t.Fatal(err)
				}
				l, err := c.Remaining(start, r.Due, Workhour, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if l.Time != time.Duration(n)*time.Hour || l.Overdue {
					t.Fatalf("from %v: %d workhours due %v, but Remaining says %+v", start, n, r, l)
				}
			}
		}
	}
}

func TestRemainingRejectsBadInput(t *testing.T) {
	c := Official()
	now := at(t, "2026-03-02")
	if _, err := c.Remaining(now, now, Unit("week"), Options{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown unit: error = %v, want ErrInvalid", err)
	}
	if _, err := c.Remaining(time.Time{}, now, Day, Options{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("zero now: error = %v, want ErrInvalid", err)
	}
	far := at(t, "2040-03-02")
	for _, u := range []Unit{Workday, Workhour} {
		if _, err := c.Remaining(now, far, u, Options{}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s fourteen years apart: error = %v, want ErrInvalid", u, err)
		}
	}
}
