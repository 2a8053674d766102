package calendar

import "testing"

// 30 working days from the eve of 国庆 2026: the scan crosses the holiday block and a make-up day.
func BenchmarkDueWorkday(b *testing.B) {
	c := Official()
	start := at(b, "2026-09-30")
	for b.Loop() {
		if _, err := c.Due(start, 30, Workday, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// 40 working hours from the afternoon before 国庆 2026.
func BenchmarkDueWorkhour(b *testing.B) {
	c := Official()
	start := at(b, "2026-09-30T16:00:00+08:00")
	for b.Loop() {
		if _, err := c.Due(start, 40, Workhour, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIsWorkday(b *testing.B) {
	c := Official()
	d := Date{2026, 10, 10}
	for b.Loop() {
		if w, _ := c.IsWorkday(d); !w {
			b.Fatal("2026-10-10 is a make-up working day")
		}
	}
}

// Remaining working hours, as a case list shows them: a week of working time to scan.
func BenchmarkRemainingWorkhour(b *testing.B) {
	c := Official()
	now, due := at(b, "2026-09-30T16:00:00+08:00"), at(b, "2026-10-16T11:30:00+08:00")
	for b.Loop() {
		if _, err := c.Remaining(now, due, Workhour, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
