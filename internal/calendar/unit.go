package calendar

import "fmt"

// Unit is the unit a time limit (时限) is written in. Storing it as a typed value next to the
// amount, never as a bare integer, is what lets "3" mean three working days in one rule and
// three calendar days in another.
type Unit string

// The units of the contract; the string values are the API and database codes.
const (
	Workday  Unit = "workday"  // 工作日: a working day on the official calendar.
	Workhour Unit = "workhour" // 工作时: an hour inside working hours of a working day.
	Day      Unit = "day"      // 自然日: a calendar day.
	Hour     Unit = "hour"     // 小时: a plain hour of elapsed time.
)

// Upper bounds on an amount: about ten years in each unit. Anything larger is a typing error,
// and the bound also keeps every scan over the calendar finite.
const (
	maxDays      = 3650
	maxWorkdays  = 2500  // ten years of ~250 working days
	maxWorkhours = 17500 // 2,500 working days of 7 hours
	maxHours     = 3650 * 24
)

// ParseUnit accepts the codes ("workday", "workhour", "day", "hour") and, because city
// time-limit catalogues are written in Chinese, the names 工作日, 工作时, 自然日 and 小时.
func ParseUnit(s string) (Unit, error) {
	switch s {
	case "workday", "工作日":
		return Workday, nil
	case "workhour", "工作时":
		return Workhour, nil
	case "day", "自然日":
		return Day, nil
	case "hour", "小时":
		return Hour, nil
	}
	return "", fmt.Errorf("%w: unknown unit %q (want workday, workhour, day or hour)", ErrInvalid, s)
}

// String returns the unit's code.
func (u Unit) String() string { return string(u) }

// DateOnly reports whether a deadline in this unit is a date (the period ends with that day)
// rather than an instant.
func (u Unit) DateOnly() bool { return u == Workday || u == Day }

// MaxAmount is the largest amount Due accepts in this unit (about ten years), 0 for an unknown
// unit. The API layer can publish it as the schema maximum.
func (u Unit) MaxAmount() int {
	switch u {
	case Workday:
		return maxWorkdays
	case Workhour:
		return maxWorkhours
	case Day:
		return maxDays
	case Hour:
		return maxHours
	}
	return 0
}
