package calendar

import (
	"errors"
	"testing"
	"time"
)

// dueCase is one deadline on the official 2025/2026 calendar. why says which days of the
// State Council notice make the answer right.
type dueCase struct {
	name        string
	start       string
	amount      int
	unit        Unit
	opt         Options
	want        string // Result.String(): a date or RFC 3339 in +08:00
	provisional bool
	why         string
}

func TestDueOnOfficialCalendar(t *testing.T) {
	custom := Options{Hours: mustHours(t, "08:30-12:00,14:00-18:00")}
	cases := []dueCase{
		// --- the three cases of the issue ---
		{"IssueSevenWorkdaysAcross国庆2026", "2026-09-30", 7, Workday, Options{}, "2026-10-15", false,
			"10/1–10/7 off; 10/8 Thu(1) 10/9 Fri(2) 10/10 Sat make-up(3) 10/11 Sun off; 10/12–10/15 (4–7)"},
		{"IssueFifteenDaysRollsOver端午2026", "2026-06-04", 15, Day, Options{}, "2026-06-22", false,
			"6/4+15 = 6/19 端午 off, 6/20–21 off too, so the period ends Monday 6/22"},
		{"IssueFourWorkhoursAcross国庆2026", "2026-09-30T16:00:00+08:00", 4, Workhour, Options{}, "2026-10-08T11:30:00+08:00", false,
			"16:00–17:30 is 1.5 h; 10/1–10/7 off; 10/8 09:00 + 2.5 h = 11:30"},

		// --- workday (工作日) ---
		{"OneWorkdayBefore国庆SkipsTheWholeBlock", "2026-09-30", 1, Workday, Options{}, "2026-10-08", false,
			"10/1–10/7 are days off; 10/8 is the first working day"},
		{"ThirdWorkdayIsTheMakeUpSaturday", "2026-09-30", 3, Workday, Options{}, "2026-10-10", false,
			"10/8, 10/9, then Saturday 10/10 is 调休上班"},
		{"FourthWorkdaySkipsTheSundayAfterMakeUp", "2026-09-30", 4, Workday, Options{}, "2026-10-12", false,
			"Sunday 10/11 is an ordinary rest day"},
		{"StartOnAHolidayIsNotCounted", "2026-10-03", 1, Workday, Options{}, "2026-10-08", false,
			"the start day 10/3 is not counted; 10/4–10/7 are off"},
		{"StartOnAMakeUpSaturdayIsNotCounted", "2026-10-10", 1, Workday, Options{}, "2026-10-12", false,
			"10/10 is a working day but the start day; 10/11 Sun is off"},
		{"MakeUpSundayBefore国庆Counts", "2026-09-18", 1, Workday, Options{}, "2026-09-20", false,
			"Sat 9/19 is off, Sun 9/20 is 调休上班 for 国庆"},
		{"MakeUpSaturdayBefore春节2026Counts", "2026-02-13", 1, Workday, Options{}, "2026-02-14", false,
			"Sat 2/14 is 调休上班 for 春节"},
		{"SecondWorkdayJumps春节2026", "2026-02-13", 2, Workday, Options{}, "2026-02-24", false,
			"2/14 make-up, then 2/15–2/23 off; Tue 2/24 is the second"},
		{"SixthWorkdayIsTheMakeUpSaturdayAfter春节2026", "2026-02-13", 6, Workday, Options{}, "2026-02-28", false,
			"2/14, 2/24, 2/25, 2/26, 2/27, then Sat 2/28 调休上班"},
		{"ThreeWorkdaysAcross春节2025", "2025-01-24", 3, Workday, Options{}, "2025-02-05", false,
			"Sat 1/25 off, Sun 1/26 make-up(1), Mon 1/27(2), 1/28–2/4 off, Wed 2/5(3)"},
		{"TwoWorkdaysUseTheMakeUpSundayBefore国庆2025", "2025-09-26", 2, Workday, Options{}, "2025-09-29", false,
			"Sat 9/27 off, Sun 9/28 make-up(1), Mon 9/29(2)"},
		{"FiveWorkdaysAcross国庆中秋2025", "2025-09-29", 5, Workday, Options{}, "2025-10-13", false,
			"9/30(1), 10/1–10/8 off, 10/9(2), 10/10(3), Sat 10/11 make-up(4), Sun off, Mon 10/13(5)"},
		{"OneWorkdayAcross劳动节2026", "2026-04-30", 1, Workday, Options{}, "2026-05-06", false,
			"5/1–5/5 off"},
		{"FourthWorkdayAfter劳动节2026IsTheMakeUpSaturday", "2026-04-30", 4, Workday, Options{}, "2026-05-09", false,
			"5/6, 5/7, 5/8, then Sat 5/9 调休上班"},
		{"FirstWorkdayOf2026IsTheMakeUpSunday", "2025-12-31", 1, Workday, Options{}, "2026-01-04", false,
			"1/1–1/3 元旦 off; Sun 1/4 is 调休上班"},
		{"OneWorkdayAcross清明2025", "2025-04-03", 1, Workday, Options{}, "2025-04-07", false,
			"4/4–4/6 off"},
		{"OneWorkdayAcross端午2025", "2025-05-30", 1, Workday, Options{}, "2025-06-03", false,
			"5/31–6/2 off"},
		{"MakeUpSundayBefore劳动节2025Counts", "2025-04-25", 1, Workday, Options{}, "2025-04-27", false,
			"Sat 4/26 off, Sun 4/27 调休上班"},
		{"ZeroWorkdaysIsTheStartDateEvenOnAHoliday", "2026-10-03", 0, Workday, Options{}, "2026-10-03", false,
			"no working day has to elapse; nothing is scanned"},
		{"WorkdayStartInstantLateInTheDayCountsFromTheNextDay", "2026-09-30T23:59:59+08:00", 1, Workday, Options{}, "2026-10-08", false,
			"only the Shanghai date of the start matters"},
		{"WorkdayStartInUTCIsReadInShanghai", "2026-10-09T16:30:00Z", 1, Workday, Options{}, "2026-10-12", false,
			"16:30Z on 10/9 is 00:30 on 10/10 in Shanghai, so 10/10 is the uncounted start day"},
		{"WorkdayEndingMidDecemberIsFirm", "2026-12-22", 1, Workday, Options{}, "2026-12-23", false,
			"12/23 is before 25 December, which only the 2026 notice governs"},

		// --- calendar day (自然日) ---
		{"FifteenDaysWithoutRollEndOnTheHoliday", "2026-06-04", 15, Day, Options{NoRoll: true}, "2026-06-19", false,
			"NoRoll keeps 6/19 even though it is 端午; the calendar is not consulted"},
		{"DayPeriodEndingIn国庆RollsToTheFirstWorkingDay", "2026-09-25", 10, Day, Options{}, "2026-10-08", false,
			"9/25+10 = 10/5, off until 10/7"},
		{"DayPeriodEndingOnAMakeUpSaturdayDoesNotRoll", "2026-10-01", 9, Day, Options{}, "2026-10-10", false,
			"10/10 is 调休上班, a working day"},
		{"DayPeriodEndingOnTheSundayAfterMakeUpRolls", "2026-10-01", 10, Day, Options{}, "2026-10-12", false,
			"Sunday 10/11 is a rest day"},
		{"DayPeriodEndingOnAnOrdinaryWeekdayStays", "2026-03-02", 15, Day, Options{}, "2026-03-17", false,
			"3/17 is a Tuesday with no holiday"},
		{"DayPeriodEndingOnAnOrdinarySaturdayRollsToMonday", "2026-03-02", 5, Day, Options{}, "2026-03-09", false,
			"3/7 Sat and 3/8 Sun are rest days"},
		{"DayPeriodEndingOnAnOrdinarySaturdayWithNoRollStays", "2026-03-02", 5, Day, Options{NoRoll: true}, "2026-03-07", false,
			"NoRoll"},
		{"DayPeriodStartingOnAHolidayStillSkipsTheStartDay", "2026-10-02", 3, Day, Options{}, "2026-10-08", false,
			"10/2+3 = 10/5, off until 10/7"},
		{"ZeroDaysIsTheStartDateWithoutRoll", "2026-10-03", 0, Day, Options{}, "2026-10-03", false,
			"a zero period has no last day to roll"},
		{"FifteenDaysToPayEndingIn春节2025", "2025-01-20", 15, Day, Options{}, "2025-02-05", false,
			"1/20+15 = 2/4, last day of 春节 (1/28–2/4)"},
		{"SevenDaysEndingOn国庆Day2025", "2025-09-24", 7, Day, Options{}, "2025-10-09", false,
			"9/24+7 = 10/1; 10/1–10/8 off"},
		{"ThirtyDaysEndingOnTheLastDayOf国庆2025", "2025-09-08", 30, Day, Options{}, "2025-10-09", false,
			"9/8+30 = 10/8, still off"},
		{"NinetyDaysToDecideEndingOn国庆2026", "2026-07-03", 90, Day, Options{}, "2026-10-08", false,
			"7/3+90 = 10/1 (28+31+30+1)"},
		{"DayPeriodEndingOnMakeUpSundayBefore春节2025Stays", "2025-01-22", 4, Day, Options{}, "2025-01-26", false,
			"Sun 1/26 is 调休上班"},
		{"DayStartInstantCountsFromItsDate", "2026-06-18T20:00:00+08:00", 1, Day, Options{}, "2026-06-22", false,
			"6/18+1 = 6/19 端午, off until 6/21"},

		// --- working hours (工作时) ---
		{"WorkhourStartBeforeNineCountsFromNine", "2026-03-02T08:00:00+08:00", 1, Workhour, Options{}, "2026-03-02T10:00:00+08:00", false,
			"nothing counts before 09:00"},
		{"WorkhourStartAtLunchCountsFromHalfPastOne", "2026-03-02T12:30:00+08:00", 1, Workhour, Options{}, "2026-03-02T14:30:00+08:00", false,
			"12:00–13:30 is not working time"},
		{"WorkhourStartAfterCloseCountsFromNextMorning", "2026-03-02T18:00:00+08:00", 1, Workhour, Options{}, "2026-03-03T10:00:00+08:00", false,
			"17:30 closes the day"},
		{"WorkhourStartExactlyAtCloseCountsFromNextMorning", "2026-03-02T17:30:00+08:00", 1, Workhour, Options{}, "2026-03-03T10:00:00+08:00", false,
			"spans are half-open: 17:30 is outside"},
		{"WorkhourStartExactlyAtNoonCountsFromHalfPastOne", "2026-03-02T12:00:00+08:00", 1, Workhour, Options{}, "2026-03-02T14:30:00+08:00", false,
			"12:00 is outside the morning span"},
		{"ThreeWorkhoursFromNineEndAtNoonNotAfterLunch", "2026-03-02T09:00:00+08:00", 3, Workhour, Options{}, "2026-03-02T12:00:00+08:00", false,
			"the period runs out at the end of the morning span"},
		{"SevenWorkhoursFromNineEndAtCloseSameDay", "2026-03-02T09:00:00+08:00", 7, Workhour, Options{}, "2026-03-02T17:30:00+08:00", false,
			"3 h + 4 h is one full working day"},
		{"EightWorkhoursFromNineEndNextMorning", "2026-03-02T09:00:00+08:00", 8, Workhour, Options{}, "2026-03-03T10:00:00+08:00", false,
			"7 h on 3/2, 1 h on 3/3"},
		{"FourWorkhoursFromHalfPastOneEndAtClose", "2026-03-02T13:30:00+08:00", 4, Workhour, Options{}, "2026-03-02T17:30:00+08:00", false,
			"the afternoon span is 4 h"},
		{"ZeroWorkhoursIsTheStartInstant", "2026-10-03T10:00:00+08:00", 0, Workhour, Options{}, "2026-10-03T10:00:00+08:00", false,
			"no working time has to elapse"},
		{"WorkhoursCountOnTheMakeUpSunday", "2026-09-20T10:00:00+08:00", 3, Workhour, Options{}, "2026-09-20T14:30:00+08:00", false,
			"Sun 9/20 is 调休上班: 10:00–12:00, 13:30–14:30"},
		{"WorkhoursRunIntoTheMakeUpSaturday", "2026-10-09T16:30:00+08:00", 2, Workhour, Options{}, "2026-10-10T10:00:00+08:00", false,
			"1 h on Fri 10/9, 1 h on Sat 10/10 调休上班"},
		{"TenWorkhoursAcross春节2026", "2026-02-13T15:00:00+08:00", 10, Workhour, Options{}, "2026-02-24T09:30:00+08:00", false,
			"2.5 h on 2/13, 7 h on Sat 2/14 make-up, 2/15–2/23 off, 0.5 h on 2/24"},
		{"FortyWorkhoursAcross国庆中秋2025", "2025-09-26T09:00:00+08:00", 40, Workhour, Options{}, "2025-10-10T15:30:00+08:00", false,
			"7 h each on 9/26, Sun 9/28 make-up, 9/29, 9/30, 10/9, then 5 h on 10/10"},
		{"WorkhourFromADateStartsThatMorning", "2026-09-30", 1, Workhour, Options{}, "2026-09-30T10:00:00+08:00", false,
			"a date means 00:00, so the whole working day counts"},
		{"WorkhourStartInUTCIsAnsweredInShanghai", "2026-09-30T08:00:00Z", 4, Workhour, Options{}, "2026-10-08T11:30:00+08:00", false,
			"08:00Z is 16:00 in Shanghai, the issue case"},
		{"WorkhoursFollowTheUnitsOwnHours", "2026-03-02T11:00:00+08:00", 4, Workhour, custom, "2026-03-02T17:00:00+08:00", false,
			"08:30-12:00,14:00-18:00: 1 h to noon, 3 h from 14:00"},

		// --- plain hours ---
		{"HoursIgnoreHolidays", "2026-09-30T16:00:00+08:00", 48, Hour, Options{}, "2026-10-02T16:00:00+08:00", false,
			"elapsed time only"},
		{"HoursInAnUnloadedYearAreNotProvisional", "2027-01-01T09:00:00+08:00", 24, Hour, Options{}, "2027-01-02T09:00:00+08:00", false,
			"the calendar is never consulted"},
		{"ZeroHoursIsTheStart", "2026-10-01T00:00:00+08:00", 0, Hour, Options{}, "2026-10-01T00:00:00+08:00", false, "trivial"},

		// --- years not loaded: weekends only, provisional ---
		{"WorkdayIn2027CountsWeekendsOnly", "2027-01-01", 1, Workday, Options{}, "2027-01-04", true,
			"Fri 1/1 is the start; Sat, Sun off; no 2027 table"},
		{"WorkdaysAcross春节2027AreProvisional", "2027-02-05", 5, Workday, Options{}, "2027-02-12", true,
			"weekends only; the real 春节 2027 block will move this"},
		{"Workday2026RunningInto2027IsProvisional", "2026-12-30", 2, Workday, Options{}, "2027-01-01", true,
			"12/31 (1), Fri 2027-01-01 (2) under weekends only"},
		{"WorkdayEndingInLateDecemberIsProvisional", "2026-12-24", 1, Workday, Options{}, "2026-12-25", true,
			"the 2027 notice may rearrange 25–31 December 2026 (元旦 2019 reached back to 2018-12-29)"},
		{"WorkdayEndingInLateDecember2025IsFirm", "2025-12-29", 1, Workday, Options{}, "2025-12-30", false,
			"the 2026 table is loaded"},
		{"DayIn2027IsProvisional", "2027-03-01", 10, Day, Options{}, "2027-03-11", true,
			"the roll check reads 2027"},
		{"DayIn2027WithoutRollIsFirm", "2027-03-01", 10, Day, Options{NoRoll: true}, "2027-03-11", false,
			"without the roll the calendar is not consulted"},
		{"Day2026RunningInto2027IsProvisional", "2026-12-28", 10, Day, Options{}, "2027-01-07", true,
			"the last day is in 2027"},
		{"Workhours2026RunningInto2027AreProvisional", "2026-12-31T16:00:00+08:00", 4, Workhour, Options{}, "2027-01-01T11:30:00+08:00", true,
			"1.5 h on 12/31, then Fri 2027-01-01 is a working day under weekends only"},
	}
	c := Official()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Due(at(t, tc.start), tc.amount, tc.unit, tc.opt)
			if err != nil {
				t.Fatalf("Due(%s, %d %s): %v", tc.start, tc.amount, tc.unit, err)
			}
			if got.String() != tc.want || got.Provisional != tc.provisional || got.DateOnly != tc.unit.DateOnly() {
				t.Fatalf("Due(%s, %d %s) = %s provisional=%v dateOnly=%v, want %s provisional=%v (%s)",
					tc.start, tc.amount, tc.unit, got, got.Provisional, got.DateOnly, tc.want, tc.provisional, tc.why)
			}
			if loc := got.Due.Location(); loc != Location() {
				t.Fatalf("Due is in %v, want Asia/Shanghai", loc)
			}
		})
	}
}

func TestDueWorkTimeCountsFractionsOfAnHour(t *testing.T) {
	// 11:45 + 15 min reaches noon; the other 15 min start at 13:30.
	got, err := Official().DueWorkTime(at(t, "2026-03-02T11:45:00+08:00"), 30*time.Minute, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "2026-03-02T13:45:00+08:00"; got.String() != want {
		t.Fatalf("DueWorkTime = %s, want %s", got, want)
	}
}

func TestResultEndIsTheFirstInstantAfterThePeriod(t *testing.T) {
	c := Official()
	r, err := c.Due(at(t, "2026-09-30"), 7, Workday, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A date deadline of 10/15 runs to the end of 10/15.
	if got, want := r.End(), at(t, "2026-10-16T00:00:00+08:00"); !got.Equal(want) {
		t.Fatalf("End = %v, want %v", got, want)
	}
	r, err = c.Due(at(t, "2026-09-30T16:00:00+08:00"), 4, Workhour, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.End().Equal(r.Due) {
		t.Fatalf("End of an instant deadline = %v, want Due %v", r.End(), r.Due)
	}
}

func TestDueRejectsBadInput(t *testing.T) {
	c := Official()
	start := at(t, "2026-03-02")
	tiny := Options{Hours: mustHours(t, "09:00-09:01")}
	cases := []struct {
		name   string
		start  time.Time
		amount int
		unit   Unit
		opt    Options
	}{
		{"NegativeWorkdays", start, -1, Workday, Options{}},
		{"NegativeDays", start, -1, Day, Options{}},
		{"NegativeWorkhours", start, -1, Workhour, Options{}},
		{"NegativeHours", start, -1, Hour, Options{}},
		{"MoreThanTenYearsOfDays", start, 3651, Day, Options{}},
		{"MoreThanTenYearsOfWorkdays", start, 2501, Workday, Options{}},
		{"MoreThanTenYearsOfWorkhours", start, 17501, Workhour, Options{}},
		{"MoreThanTenYearsOfHours", start, 3650*24 + 1, Hour, Options{}},
		{"UnknownUnit", start, 1, Unit("week"), Options{}},
		{"StartBefore2000", at(t, "1999-12-31"), 1, Day, Options{}},
		{"ZeroStart", time.Time{}, 1, Day, Options{}},
		// One working minute a day cannot hold 17,500 hours within eleven years.
		{"WorkhoursThatDoNotFitInElevenYears", start, 17500, Workhour, tiny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Due(tc.start, tc.amount, tc.unit, tc.opt)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Due(%v, %d %s) error = %v, want ErrInvalid", tc.start, tc.amount, tc.unit, err)
			}
		})
	}
	if _, err := c.DueWorkTime(start, -time.Minute, Options{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("DueWorkTime(-1m) error = %v, want ErrInvalid", err)
	}
}

func TestDueAcceptsTheLargestAmounts(t *testing.T) {
	c := Official()
	for _, u := range []Unit{Workday, Workhour, Day, Hour} {
		if _, err := c.Due(at(t, "2026-03-02"), u.MaxAmount(), u, Options{}); err != nil {
			t.Fatalf("Due(%d %s): %v", u.MaxAmount(), u, err)
		}
	}
}

func TestInWorkingTime(t *testing.T) {
	c := Official()
	cases := []struct {
		at       string
		in, prov bool
		why      string
	}{
		{"2026-10-08T09:00:00+08:00", true, false, "opening minute of a working day"},
		{"2026-10-08T08:59:59+08:00", false, false, "before opening"},
		{"2026-10-08T11:59:59+08:00", true, false, "last second of the morning"},
		{"2026-10-08T12:00:00+08:00", false, false, "spans are half-open"},
		{"2026-10-08T13:30:00+08:00", true, false, "afternoon opens"},
		{"2026-10-08T17:29:59+08:00", true, false, "last second of the day"},
		{"2026-10-08T17:30:00+08:00", false, false, "closed"},
		{"2026-10-10T10:00:00+08:00", true, false, "Sat 10/10 is 调休上班"},
		{"2026-10-03T10:00:00+08:00", false, false, "国庆 day off"},
		{"2026-03-07T10:00:00+08:00", false, false, "ordinary Saturday"},
		{"2026-10-08T01:30:00Z", true, false, "09:30 in Shanghai"},
		{"2027-03-01T10:00:00+08:00", true, true, "Monday in an unloaded year"},
		{"2027-03-06T10:00:00+08:00", false, true, "Saturday in an unloaded year"},
	}
	for _, tc := range cases {
		in, prov := c.InWorkingTime(at(t, tc.at), Hours{})
		if in != tc.in || prov != tc.prov {
			t.Fatalf("InWorkingTime(%s) = %v, %v; want %v, %v (%s)", tc.at, in, prov, tc.in, tc.prov, tc.why)
		}
	}
	// The unit's own hours are used when given.
	if in, _ := c.InWorkingTime(at(t, "2026-10-08T08:45:00+08:00"), mustHours(t, "08:30-12:00")); !in {
		t.Fatal("08:45 is inside 08:30-12:00")
	}
}
