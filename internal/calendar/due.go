package calendar

import (
	"fmt"
	"time"
)

// maxScan bounds every walk over the calendar (eleven years of days), so that odd working
// hours or a table with few working days still end in an error rather than a long loop.
const maxScan = 11 * 366

// Options are the per-rule and per-unit settings of a computation. The zero value is the
// default: standard working hours, and a calendar-day period ending on a rest day rolls over.
type Options struct {
	// Hours are the working hours for Workhour and InWorkingTime; zero means DefaultHours.
	Hours Hours
	// NoRoll keeps a Day period that ends on a rest day on that day. By default it ends on the
	// next working day (期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期).
	NoRoll bool
}

// Result is a computed deadline.
type Result struct {
	// Due is the deadline in Asia/Shanghai. For a DateOnly result it is 00:00 of the due date,
	// and the period runs to the end of that day (see End).
	Due time.Time
	// DateOnly is true for Workday and Day: the deadline is a date.
	DateOnly bool
	// Provisional is true when the computation scanned a date that the loaded tables do not
	// cover, so that a later official notice may move the deadline.
	Provisional bool
}

// Date returns the due date.
func (r Result) Date() Date { return DateOf(r.Due) }

// End is the first instant at which the period has run out: the next day's 00:00 for a
// DateOnly result, Due otherwise. Compare "now" against End, never against Due, to find
// overdue date deadlines.
func (r Result) End() time.Time {
	if r.DateOnly {
		return r.Date().AddDays(1).Start()
	}
	return r.Due
}

// String formats the deadline as the API contract gives it: "YYYY-MM-DD" for a date, RFC 3339
// in +08:00 otherwise.
func (r Result) String() string {
	if r.DateOnly {
		return r.Date().String()
	}
	return r.Due.In(shanghai).Format(time.RFC3339Nano)
}

// Due computes the deadline of a period of amount units from start.
//
// start is an instant; a period given from a date starts at that date's 00:00 in Asia/Shanghai
// (ParseStart). For Day and Workday only start's date matters, and it is not counted: the
// period begins the next day. For Workhour, working time is counted forward from start (from
// the next working period when start falls outside working time). An amount of 0 gives start's
// date (Day, Workday) or start itself (Workhour, Hour), with no roll.
func (c *Calendar) Due(start time.Time, amount int, unit Unit, opt Options) (Result, error) {
	if unit.MaxAmount() == 0 {
		return Result{}, fmt.Errorf("%w: unknown unit %q", ErrInvalid, unit)
	}
	if amount < 0 || amount > unit.MaxAmount() {
		return Result{}, fmt.Errorf("%w: amount %d %s is outside 0–%d", ErrInvalid, amount, unit, unit.MaxAmount())
	}
	if err := checkYear("start", start); err != nil {
		return Result{}, err
	}
	switch unit {
	case Day:
		return c.dueDays(start, amount, opt)
	case Workday:
		return c.dueWorkdays(start, amount)
	case Workhour:
		return c.DueWorkTime(start, time.Duration(amount)*time.Hour, opt)
	default: // Hour
		return Result{Due: start.Add(time.Duration(amount) * time.Hour).In(shanghai)}, nil
	}
}

// dueDays counts calendar days; only the roll consults the calendar, so only it can make the
// result provisional.
func (c *Calendar) dueDays(start time.Time, amount int, opt Options) (Result, error) {
	dn, _ := split(start)
	dn += amount
	r := Result{DateOnly: true}
	if amount > 0 && !opt.NoRoll {
		for i := 0; ; i++ {
			if i > maxScan {
				return Result{}, fmt.Errorf("%w: no working day within %d days of %v", ErrInvalid, maxScan, fromDayNumber(dn-i))
			}
			w, known := c.workday(dn)
			r.Provisional = r.Provisional || !known
			if w {
				break
			}
			dn++
		}
	}
	r.Due = fromDayNumber(dn).Start()
	return r, nil
}

// dueWorkdays finds the amount-th working day after start's date.
func (c *Calendar) dueWorkdays(start time.Time, amount int) (Result, error) {
	dn, _ := split(start)
	r := Result{DateOnly: true}
	for i, n := 0, 0; n < amount; i++ {
		if i > maxScan {
			return Result{}, fmt.Errorf("%w: %d working days do not fit in %d days", ErrInvalid, amount, maxScan)
		}
		dn++
		w, known := c.workday(dn)
		r.Provisional = r.Provisional || !known
		if w {
			n++
		}
	}
	r.Due = fromDayNumber(dn).Start()
	return r, nil
}

// DueWorkTime is Due for Workhour with a duration, for limits that are not whole hours (a
// "0.5 个工作时" rule is 30*time.Minute). The deadline is the instant at which d of working
// time has elapsed; it may be the end of a working period (12:00, 17:30), never the start of
// the next one.
func (c *Calendar) DueWorkTime(start time.Time, d time.Duration, opt Options) (Result, error) {
	if d < 0 || d > maxWorkhours*time.Hour {
		return Result{}, fmt.Errorf("%w: working time %v is outside 0–%dh", ErrInvalid, d, maxWorkhours)
	}
	if err := checkYear("start", start); err != nil {
		return Result{}, err
	}
	if d == 0 {
		return Result{Due: start.In(shanghai)}, nil
	}
	dn, off := split(start)
	spans := opt.Hours.get()
	var r Result
	for i := 0; ; i, dn, off = i+1, dn+1, 0 {
		if i > maxScan {
			return Result{}, fmt.Errorf("%w: working time %v does not fit in %d days", ErrInvalid, d, maxScan)
		}
		w, known := c.workday(dn)
		r.Provisional = r.Provisional || !known
		if !w {
			continue
		}
		for _, s := range spans {
			if off >= s.to() {
				continue
			}
			from := max(off, s.from())
			if avail := s.to() - from; d > avail {
				d -= avail
				continue
			}
			r.Due = instant(dn, from+d)
			return r, nil
		}
	}
}

// Left is the time left until a deadline, in the rule's own unit ("还剩 2 个工作时").
type Left struct {
	Unit Unit
	// Days is set for Day and Workday: the (working) days after today up to and including the
	// due date, so that Due(today, n) has n days left today. When overdue it is minus the
	// (working) days since the due date, which may be 0 (overdue over a weekend).
	Days int
	// Time is set for Hour and Workhour: the (working) time until the deadline, or minus the
	// (working) time since it when overdue.
	Time time.Duration
	// Overdue is true once the deadline has passed: after the due date for date units, after
	// the due instant otherwise. A deadline reached exactly is not yet overdue.
	Overdue bool
	// Provisional is true when the count scanned a date the loaded tables do not cover.
	Provisional bool
}

// Amount is Days or Time expressed in the unit, e.g. 2.5 for two and a half working hours.
func (l Left) Amount() float64 {
	if l.Unit.DateOnly() {
		return float64(l.Days)
	}
	return l.Time.Hours()
}

// Remaining returns what is left at now of a deadline due computed in unit. For Day and
// Workday only the dates of now and due matter (use Result.Due or any instant of the due date).
func (c *Calendar) Remaining(now, due time.Time, unit Unit, opt Options) (Left, error) {
	if unit.MaxAmount() == 0 {
		return Left{}, fmt.Errorf("%w: unknown unit %q", ErrInvalid, unit)
	}
	if err := checkYear("now", now); err != nil {
		return Left{}, err
	}
	if err := checkYear("due", due); err != nil {
		return Left{}, err
	}
	l := Left{Unit: unit}
	switch unit {
	case Day:
		n, _ := split(now)
		d, _ := split(due)
		l.Days, l.Overdue = d-n, n > d
	case Workday:
		n, _ := split(now)
		d, _ := split(due)
		lo, hi, sign := n, d, 1
		if n > d {
			lo, hi, sign, l.Overdue = d, n, -1, true
		}
		if hi-lo > maxScan {
			return Left{}, fmt.Errorf("%w: %v and %v are more than %d days apart", ErrInvalid, now, due, maxScan)
		}
		for dn := lo + 1; dn <= hi; dn++ {
			w, known := c.workday(dn)
			l.Provisional = l.Provisional || !known
			if w {
				l.Days += sign
			}
		}
	case Workhour:
		lo, hi, sign := now, due, time.Duration(1)
		if now.After(due) {
			lo, hi, sign, l.Overdue = due, now, -1, true
		}
		t, prov, err := c.workTimeBetween(lo, hi, opt.Hours)
		if err != nil {
			return Left{}, err
		}
		l.Time, l.Provisional = sign*t, prov
	default: // Hour
		l.Time, l.Overdue = due.Sub(now), now.After(due)
	}
	return l, nil
}

// workTimeBetween is the working time in [a, b), a not after b.
func (c *Calendar) workTimeBetween(a, b time.Time, h Hours) (time.Duration, bool, error) {
	dnA, offA := split(a)
	dnB, offB := split(b)
	if dnB-dnA > maxScan {
		return 0, false, fmt.Errorf("%w: %v and %v are more than %d days apart", ErrInvalid, a, b, maxScan)
	}
	if offB == 0 && dnB > dnA {
		// b is midnight: nothing of day dnB is in range, so don't let it mark the count provisional.
		dnB, offB = dnB-1, 24*time.Hour
	}
	var sum time.Duration
	provisional := false
	for dn := dnA; dn <= dnB; dn++ {
		w, known := c.workday(dn)
		provisional = provisional || !known
		if !w {
			continue
		}
		for _, s := range h.get() {
			from, to := s.from(), s.to()
			if dn == dnA {
				from = max(from, offA)
			}
			if dn == dnB {
				to = min(to, offB)
			}
			if to > from {
				sum += to - from
			}
		}
	}
	return sum, provisional, nil
}

// InWorkingTime reports whether t is inside working hours h (zero means DefaultHours) of a
// working day, and whether that answer is provisional because t's date is not known.
func (c *Calendar) InWorkingTime(t time.Time, h Hours) (in, provisional bool) {
	dn, off := split(t)
	w, known := c.workday(dn)
	if !w {
		return false, !known
	}
	for _, s := range h.get() {
		if off >= s.from() && off < s.to() {
			return true, !known
		}
	}
	return false, !known
}
