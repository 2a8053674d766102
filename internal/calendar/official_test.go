package calendar

import (
	"testing"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// lunarName maps lunar-go's holiday names to the names of the notices, which the tables use.
var lunarName = map[string]string{"元旦节": "元旦", "国庆中秋": "国庆节、中秋节"}

// The embedded tables must agree with lunar-go v1.4.6 day by day: the same days off, the same
// make-up working days, the same holiday. lunar-go is a test-only dependency.
func TestOfficialTablesMatchLunarGoDayByDay(t *testing.T) {
	c := Official()
	for _, year := range []int{2025, 2026} {
		if !c.Loaded(year) {
			t.Fatalf("no embedded table for %d", year)
		}
		ours := make(map[Date]struct {
			name string
			work bool
		})
		for _, y := range c.Years() {
			for _, e := range y.Off {
				ours[e.Date] = struct {
					name string
					work bool
				}{e.Name, false}
			}
			for _, e := range y.Work {
				ours[e.Date] = struct {
					name string
					work bool
				}{e.Name, true}
			}
		}
		listed := 0
		for d := (Date{year, time.January, 1}); d.Year == year; d = d.AddDays(1) {
			h := HolidayUtil.GetHolidayByYmd(d.Year, int(d.Month), d.Day)
			o, ok := ours[d]
			switch {
			case h == nil && ok:
				t.Fatalf("%v: our table lists %s (work=%v), lunar-go has nothing", d, o.name, o.work)
			case h == nil:
				continue
			case !ok:
				t.Fatalf("%v: lunar-go lists %s (work=%v), our table has nothing", d, h.GetName(), h.IsWork())
			}
			listed++
			name := h.GetName()
			if n, ok := lunarName[name]; ok {
				name = n
			}
			if o.work != h.IsWork() || o.name != name {
				t.Fatalf("%v: ours %s work=%v, lunar-go %s work=%v", d, o.name, o.work, name, h.IsWork())
			}
			// And the calendar's answer is the one lunar-go implies.
			if w, prov := c.IsWorkday(d); w != h.IsWork() || prov {
				t.Fatalf("%v: IsWorkday = %v (provisional %v), lunar-go work=%v", d, w, prov, h.IsWork())
			}
		}
		if want := HolidayUtil.GetHolidaysByYear(year).Len(); listed != want {
			t.Fatalf("%d: compared %d listed days, lunar-go has %d", year, listed, want)
		}
	}
}

// When lunar-go is upgraded and knows a year we have no table for, the table must be added
// (and this test then compares it). Today lunar-go stops at 2026.
func TestEveryYearLunarGoKnowsHasAnEmbeddedTable(t *testing.T) {
	c := Official()
	for year := 2025; year <= 2035; year++ {
		if HolidayUtil.GetHolidaysByYear(year).Len() > 0 && !c.Loaded(year) {
			t.Fatalf("lunar-go has %d but official/%d.json is missing", year, year)
		}
	}
	if c.Loaded(2027) {
		t.Fatal("2027 is loaded; extend TestOfficialTablesMatchLunarGoDayByDay to it")
	}
}

// An independent transcription of the notices, as ranges the way the notices word them, so the
// tables are not only as good as lunar-go.
func TestOfficialTablesMatchTheNotices(t *testing.T) {
	type block struct {
		name     string
		from, to string
		work     []string
	}
	notices := map[int][]block{
		2025: { // 国务院办公厅关于2025年部分节假日安排的通知
			{"元旦", "2025-01-01", "2025-01-01", nil},
			{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
			{"清明节", "2025-04-04", "2025-04-06", nil},
			{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
			{"端午节", "2025-05-31", "2025-06-02", nil},
			{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},
		},
		2026: { // 国务院办公厅关于2026年部分节假日安排的通知
			{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
			{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
			{"清明节", "2026-04-04", "2026-04-06", nil},
			{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
			{"端午节", "2026-06-19", "2026-06-21", nil},
			{"中秋节", "2026-09-25", "2026-09-27", nil},
			{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
		},
	}
	for _, y := range Official().Years() {
		blocks, ok := notices[y.Year]
		if !ok {
			t.Fatalf("no transcription of the %d notice in this test", y.Year)
		}
		var off, work []Entry
		for _, b := range blocks {
			for d := date(t, b.from); d.Compare(date(t, b.to)) <= 0; d = d.AddDays(1) {
				off = append(off, Entry{d, b.name})
			}
			for _, w := range b.work {
				work = append(work, Entry{date(t, w), b.name})
			}
		}
		sortEntries(off)
		sortEntries(work)
		if !equalEntries(y.Off, off) {
			t.Fatalf("%d off = %v, notice says %v", y.Year, y.Off, off)
		}
		if !equalEntries(y.Work, work) {
			t.Fatalf("%d work = %v, notice says %v", y.Year, y.Work, work)
		}
	}
}

// A brute-force Workday count on lunar-go's data, against Due, for every start day.
func TestDueWorkdayAgreesWithLunarGo(t *testing.T) {
	c := Official()
	lunarWorkday := func(d Date) bool {
		if h := HolidayUtil.GetHolidayByYmd(d.Year, int(d.Month), d.Day); h != nil {
			return h.IsWork()
		}
		return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
	}
	for d := date(t, "2025-01-01"); d.Compare(date(t, "2026-12-20")) <= 0; d = d.AddDays(1) {
		for _, n := range []int{1, 2, 3, 5, 7, 10, 20} {
			want := d
			for k := 0; k < n; {
				want = want.AddDays(1)
				if lunarWorkday(want) {
					k++
				}
			}
			got, err := c.Due(d.Start(), n, Workday, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// From 25 December 2026 the 2027 notice, not loaded, may still rearrange days.
			provisional := want.Compare(date(t, "2026-12-25")) >= 0
			if got.Date() != want || got.Provisional != provisional {
				t.Fatalf("%d workdays from %v = %v (provisional %v), lunar-go says %v", n, d, got, got.Provisional, want)
			}
		}
	}
}

func sortEntries(es []Entry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Date.Compare(es[j-1].Date) < 0; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

func equalEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
