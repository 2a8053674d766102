package calendar

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalid marks every error this package returns: each one is bad input (an unknown unit,
// a negative or absurd amount, a malformed table). Callers map it to their "invalid" code.
var ErrInvalid = errors.New("calendar: invalid")

// shanghai is the zone of every statutory date. The binary embeds tzdata (time/tzdata in
// cmd/chengguan); the fixed +08:00 fallback only serves hosts and test binaries without a
// zone database, and is exact because China has kept +08:00 without daylight saving since
// 1991, before any year this package accepts.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
}()

// Location returns Asia/Shanghai, the zone in which dates are read and results are given.
func Location() *time.Location { return shanghai }

// Years outside this range are rejected as absurd; the lower bound also keeps every day
// exactly 24 hours long (see shanghai).
const (
	minYear = 2000
	maxYear = 2999
)

// Date is a civil date in China, without a time of day. The official tables list dates, and a
// period counted in days ends with a date, so it is its own type rather than a time.Time at
// some midnight. The zero Date is not a valid date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(shanghai).Date()
	return Date{y, m, d}
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, shanghai)
	if err != nil {
		return Date{}, fmt.Errorf("%w: date %q: want YYYY-MM-DD", ErrInvalid, s)
	}
	return DateOf(t), nil
}

// ParseStart parses the start of a period as the API and CLI accept it: a date "YYYY-MM-DD",
// meaning the start (00:00) of that day in Asia/Shanghai, or an RFC 3339 instant.
func ParseStart(s string) (time.Time, error) {
	if d, err := ParseDate(s); err == nil {
		return d.Start(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: start %q: want YYYY-MM-DD or an RFC 3339 time", ErrInvalid, s)
	}
	return t.In(shanghai), nil
}

// String formats the date as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Start returns 00:00 of the date in Asia/Shanghai.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, shanghai) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return fromDayNumber(d.dayNumber() + n) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return weekday(d.dayNumber()) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	a, b := d.dayNumber(), e.dayNumber()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// valid reports whether d names a real day (not 2026-02-30).
func (d Date) valid() bool {
	return d.Month >= time.January && d.Month <= time.December && d.Day >= 1 &&
		fromDayNumber(d.dayNumber()) == d
}

// MarshalText formats the date as "YYYY-MM-DD", for the JSON tables.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "YYYY-MM-DD".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Dates are counted internally as day numbers (days since 1970-01-01) so that scanning the
// calendar is integer arithmetic. The conversions are H. Hinnant's civil-from-days algorithms,
// checked against the time package in the tests.

func (d Date) dayNumber() int { return daysFromCivil(d.Year, int(d.Month), d.Day) }

func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func fromDayNumber(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return Date{y, time.Month(m), d}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// weekday of a day number: 1970-01-01 was a Thursday.
func weekday(dn int) time.Weekday {
	return time.Weekday(((dn+4)%7 + 7) % 7)
}

// split returns the Shanghai day number of t and the time elapsed since that day's 00:00.
func split(t time.Time) (dn int, off time.Duration) {
	t = t.In(shanghai)
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d), t.Sub(time.Date(y, m, d, 0, 0, 0, 0, shanghai))
}

// instant is the inverse of split.
func instant(dn int, off time.Duration) time.Time {
	return fromDayNumber(dn).Start().Add(off)
}

// checkYear rejects instants whose Shanghai year is absurd.
func checkYear(what string, t time.Time) error {
	if y := t.In(shanghai).Year(); y < minYear || y > maxYear {
		return fmt.Errorf("%w: %s %s is outside the years %d–%d", ErrInvalid, what, t.Format(time.RFC3339), minYear, maxYear)
	}
	return nil
}
