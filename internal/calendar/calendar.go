package calendar

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Calendar answers which days are working days, from a set of official Year tables. It is
// immutable and safe for concurrent use; a changed table means a new Calendar.
//
// A date is "known" when the table of its year is loaded — and, for 25–31 December, the table
// of the following year too, because that year's 元旦 arrangement may reach back into
// December. Any computation that scans a date that is not known answers with weekends only and
// is Provisional.
type Calendar struct {
	years map[int]Year
	// days holds the flags of every date from lateDecember of the year before the first loaded
	// year to 31 December of the last: one slice index per day, so a lookup is one bounds check.
	base int
	days []dayFlag
}

type dayFlag uint8

const (
	flagOff   dayFlag = 1 << iota // a listed day off
	flagWork                      // a listed make-up working day
	flagKnown                     // the tables that can rearrange this date are loaded
)

// New builds a Calendar from year tables. A year given twice takes its last table, so that
// administrators' edits can be layered over the official ones:
//
//	calendar.New(append(calendar.OfficialYears(), edited...)...)
//
// Each table is validated; a date that one table gives off and another makes a working day is
// rejected.
func New(years ...Year) (*Calendar, error) {
	c := &Calendar{years: make(map[int]Year, len(years))}
	for _, y := range years {
		if err := y.Validate(); err != nil {
			return nil, err
		}
		c.years[y.Year] = y.clone()
	}
	if len(c.years) == 0 {
		return c, nil
	}
	first, last := maxYear, minYear
	for y := range c.years {
		first, last = min(first, y), max(last, y)
	}
	c.base = daysFromCivil(first-1, 12, lateDecember)
	c.days = make([]dayFlag, daysFromCivil(last, 12, 31)-c.base+1)
	for _, y := range c.sortedYears() {
		for _, e := range y.Off {
			if err := c.mark(y.Year, e.Date, flagOff); err != nil {
				return nil, err
			}
		}
		for _, e := range y.Work {
			if err := c.mark(y.Year, e.Date, flagWork); err != nil {
				return nil, err
			}
		}
	}
	for i := range c.days {
		d := fromDayNumber(c.base + i)
		known := c.Loaded(d.Year)
		if d.Month == time.December && d.Day >= lateDecember {
			known = known && c.Loaded(d.Year+1)
		}
		if known {
			c.days[i] |= flagKnown
		}
	}
	return c, nil
}

func (c *Calendar) mark(table int, d Date, f dayFlag) error {
	i := d.dayNumber() - c.base
	if c.days[i]&((flagOff|flagWork)&^f) != 0 {
		return fmt.Errorf("%w: %v is a day off in one table and a working day in another (%d table)", ErrInvalid, d, table)
	}
	c.days[i] |= f
	return nil
}

func (c *Calendar) sortedYears() []Year {
	out := make([]Year, 0, len(c.years))
	for _, y := range c.years {
		out = append(out, y.clone())
	}
	slices.SortFunc(out, func(a, b Year) int { return a.Year - b.Year })
	return out
}

var official = sync.OnceValue(func() *Calendar {
	c, err := New(OfficialYears()...)
	if err != nil {
		panic(err) // the embedded tables are checked by the tests
	}
	return c
})

// Official returns the Calendar of the embedded tables (OfficialYears). It is shared, which is
// safe because a Calendar never changes.
func Official() *Calendar { return official() }

// Loaded reports whether the official table of year is loaded.
func (c *Calendar) Loaded(year int) bool {
	_, ok := c.years[year]
	return ok
}

// Years returns copies of the loaded tables, in year order.
func (c *Calendar) Years() []Year { return c.sortedYears() }

// IsWorkday reports whether d is a working day: a make-up working day (调休上班) is one, a day
// off of the official table is not, and otherwise Monday–Friday are. Provisional is true when
// d is not known (see Calendar): the answer then rests on the weekend alone.
func (c *Calendar) IsWorkday(d Date) (workday, provisional bool) {
	w, known := c.workday(d.dayNumber())
	return w, !known
}

// workday is IsWorkday on a day number, the form every scan uses.
func (c *Calendar) workday(dn int) (workday, known bool) {
	var f dayFlag
	if i := dn - c.base; i >= 0 && i < len(c.days) {
		f = c.days[i]
	}
	switch {
	case f&flagWork != 0:
		workday = true
	case f&flagOff != 0:
		workday = false
	default:
		wd := weekday(dn)
		workday = wd != time.Saturday && wd != time.Sunday
	}
	return workday, f&flagKnown != 0
}
