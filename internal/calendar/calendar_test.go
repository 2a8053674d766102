package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestIsWorkdayOnTheOfficialCalendar(t *testing.T) {
	c := Official()
	cases := []struct {
		date              string
		workday, provisnl bool
		why               string
	}{
		{"2026-10-01", false, false, "国庆节"},
		{"2026-10-07", false, false, "last day of 国庆 block, a Wednesday"},
		{"2026-10-08", true, false, "first working day after 国庆"},
		{"2026-10-10", true, false, "Saturday 调休上班"},
		{"2026-10-11", false, false, "ordinary Sunday"},
		{"2026-09-20", true, false, "Sunday 调休上班"},
		{"2026-02-23", false, false, "Monday inside 春节"},
		{"2026-01-04", true, false, "Sunday 调休上班 after 元旦"},
		{"2026-06-19", false, false, "Friday 端午节"},
		{"2026-03-02", true, false, "ordinary Monday"},
		{"2026-03-07", false, false, "ordinary Saturday"},
		{"2025-01-26", true, false, "Sunday 调休上班 before 春节"},
		{"2025-10-08", false, false, "Wednesday, last day of 国庆中秋"},
		{"2025-10-11", true, false, "Saturday 调休上班"},
		{"2025-12-31", true, false, "ordinary Wednesday; 2026 is loaded so late December is known"},
		{"2026-12-24", true, false, "ordinary Thursday before late December"},
		{"2026-12-31", true, true, "the 2027 notice could still give it off"},
		{"2027-01-01", true, true, "a Friday with no 2027 table: weekends only"},
		{"2027-01-02", false, true, "a Saturday with no 2027 table"},
		{"2024-12-31", true, true, "no 2024 table; late December also needs 2025, which is loaded"},
		{"2024-06-03", true, true, "no 2024 table"},
	}
	for _, tc := range cases {
		w, p := c.IsWorkday(date(t, tc.date))
		if w != tc.workday || p != tc.provisnl {
			t.Fatalf("IsWorkday(%s) = %v, provisional %v; want %v, %v (%s)", tc.date, w, p, tc.workday, tc.provisnl, tc.why)
		}
	}
}

func TestOfficialLoadsExactly2025And2026(t *testing.T) {
	c := Official()
	for y, want := range map[int]bool{2024: false, 2025: true, 2026: true, 2027: false} {
		if got := c.Loaded(y); got != want {
			t.Fatalf("Loaded(%d) = %v, want %v", y, got, want)
		}
	}
}

func TestEmptyCalendarCountsWeekendsOnlyAndIsAlwaysProvisional(t *testing.T) {
	c := mustNew(t)
	// 国庆 means nothing without a table: Thursday 2026-10-01 is an ordinary working day.
	r, err := c.Due(at(t, "2026-09-30"), 7, Workday, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "2026-10-09" || !r.Provisional {
		t.Fatalf("Due = %s provisional %v, want 2026-10-09 provisional", r, r.Provisional)
	}
}

// Administrators enter the 2027 notice before any library has it: the entered table replaces
// "weekends only" for 2027, and the same year given twice takes the later table.
func TestAdministratorTablesAddAndReplaceYears(t *testing.T) {
	y2027 := Year{Year: 2027,
		Off:  []Entry{{Date{2027, 1, 1}, "元旦"}},
		Work: []Entry{{Date{2027, 1, 9}, "测试"}},
	}
	c := mustNew(t, append(OfficialYears(), y2027)...)
	if !c.Loaded(2027) {
		t.Fatal("2027 not loaded")
	}
	// 12/31 Thu (1), 1/1 off, 1/2–1/3 weekend, 1/4 Mon (2); nothing unknown is scanned.
	r, err := c.Due(at(t, "2026-12-30"), 2, Workday, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "2027-01-04" || r.Provisional {
		t.Fatalf("Due = %s provisional %v, want 2027-01-04 firm", r, r.Provisional)
	}
	if w, p := c.IsWorkday(Date{2027, 1, 9}); !w || p {
		t.Fatalf("Saturday 2027-01-09 entered as make-up: IsWorkday = %v, %v", w, p)
	}

	// A corrected 2026 table given after the official one wins: 10/8 made a day off.
	edited := OfficialYears()[1]
	if edited.Year != 2026 {
		t.Fatalf("OfficialYears()[1] is %d", edited.Year)
	}
	edited.Off = append(edited.Off, Entry{Date{2026, 10, 8}, "国庆节"})
	c = mustNew(t, append(OfficialYears(), edited)...)
	if w, _ := c.IsWorkday(Date{2026, 10, 8}); w {
		t.Fatal("the edited 2026 table did not replace the official one")
	}
	if w, _ := Official().IsWorkday(Date{2026, 10, 8}); !w {
		t.Fatal("editing a copy changed the shared official calendar")
	}
}

func TestNewAcceptsTheNextYearsNoticeReachingBackIntoDecember(t *testing.T) {
	// The 2019 notice: 2018-12-29 (Sat) worked, 2018-12-30 – 2019-01-01 off.
	y2019 := Year{Year: 2019,
		Off:  []Entry{{Date{2018, 12, 30}, "元旦"}, {Date{2018, 12, 31}, "元旦"}, {Date{2019, 1, 1}, "元旦"}},
		Work: []Entry{{Date{2018, 12, 29}, "元旦"}},
	}
	c := mustNew(t, Year{Year: 2018}, y2019)
	if w, p := c.IsWorkday(Date{2018, 12, 31}); w || p {
		t.Fatalf("2018-12-31 = %v, provisional %v; want a firm day off", w, p)
	}
	if w, p := c.IsWorkday(Date{2018, 12, 29}); !w || p {
		t.Fatalf("2018-12-29 = %v, provisional %v; want a firm make-up day", w, p)
	}
	// Without the 2018 table the rest of 2018 is unknown, but the listed days still apply.
	c = mustNew(t, y2019)
	if w, p := c.IsWorkday(Date{2018, 12, 31}); w || !p {
		t.Fatalf("2018-12-31 without 2018 table = %v, provisional %v; want off, provisional", w, p)
	}
}

func TestInvalidTablesAreRejected(t *testing.T) {
	cases := []struct {
		name  string
		years []Year
	}{
		{"DateOutsideTheYear", []Year{{Year: 2026, Off: []Entry{{Date{2025, 10, 1}, "国庆节"}}}}},
		{"NotADate", []Year{{Year: 2026, Off: []Entry{{Date{2026, 2, 30}, "春节"}}}}},
		{"ZeroDate", []Year{{Year: 2026, Off: []Entry{{Date{}, "春节"}}}}},
		{"MissingName", []Year{{Year: 2026, Off: []Entry{{Date{2026, 10, 1}, " "}}}}},
		{"DateTwice", []Year{{Year: 2026, Off: []Entry{{Date{2026, 10, 1}, "国庆节"}, {Date{2026, 10, 1}, "国庆节"}}}}},
		{"OffAndWorkSameDay", []Year{{Year: 2026, Off: []Entry{{Date{2026, 10, 10}, "国庆节"}}, Work: []Entry{{Date{2026, 10, 10}, "国庆节"}}}}},
		{"WeekdayMakeUpDay", []Year{{Year: 2026, Work: []Entry{{Date{2026, 10, 9}, "国庆节"}}}}},
		{"AbsurdYear", []Year{{Year: 1949}}},
		{"TwoTablesDisagree", []Year{
			{Year: 2018, Work: []Entry{{Date{2018, 12, 29}, "元旦"}}},
			{Year: 2019, Off: []Entry{{Date{2018, 12, 29}, "元旦"}}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.years...); !errors.Is(err, ErrInvalid) {
				t.Fatalf("New error = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestParseYearReadsTheEmbeddedFormat(t *testing.T) {
	y, err := ParseYear([]byte(`{"year": 2027, "off": [{"date": "2027-01-01", "name": "元旦"}], "work": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Off) != 1 || y.Off[0].Date != (Date{2027, time.January, 1}) || y.Off[0].Name != "元旦" {
		t.Fatalf("ParseYear = %+v", y)
	}
	for _, bad := range []string{
		`{"year": 2027, "of": []}`, // misspelt field: must not silently lose the days off
		`{"year": 2027, "off": [{"date": "2027-1-1", "name": "元旦"}]}`,
		`{"year": 2027} {}`,
		`not json`,
	} {
		if _, err := ParseYear([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseYear(%s) error = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestOfficialYearsAreFreshCopies(t *testing.T) {
	a := OfficialYears()
	a[0].Off[0].Name = "changed"
	if b := OfficialYears(); b[0].Off[0].Name == "changed" {
		t.Fatal("OfficialYears shares its slices")
	}
	if !strings.Contains(a[0].Notice, "节假日安排的通知") {
		t.Fatalf("notice = %q", a[0].Notice)
	}
}
