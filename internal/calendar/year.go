package calendar

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Year is one year's official holiday table, as the State Council notice (国务院办公厅关于
// 某年部分节假日安排的通知) publishes it. Only the exceptions to "Monday–Friday work" are
// listed: the days off and the weekend days that become working days.
type Year struct {
	Year int `json:"year"`
	// Notice names the document the table transcribes, for the people who check it.
	Notice string `json:"notice,omitempty"`
	// Off lists the days off: the statutory holidays (法定节假日) and the weekdays and weekend
	// days folded into each holiday block (放假调休).
	Off []Entry `json:"off"`
	// Work lists the make-up working days (调休上班): weekend days on which people work.
	Work []Entry `json:"work"`
}

// Entry is one date of a Year table and the holiday it belongs to (春节, 国庆节, …).
type Entry struct {
	Date Date   `json:"date"`
	Name string `json:"name"`
}

// lateDecember is the first December day a following year's notice may rearrange: the
// 元旦 block of a notice has reached back into the previous December (the 2019 notice gave
// 2018-12-30 and 12-31 off and made Saturday 2018-12-29 a working day). A table may list
// those dates, and they count as known only when both years are loaded.
const lateDecember = 25

// Validate checks a table before it is used: every date real and inside the year (or the last
// days of the previous December), no date twice, names present, and every make-up working day
// on a weekend — a weekday "make-up" day would change nothing, so it can only be a typing error.
func (y Year) Validate() error {
	if y.Year < minYear || y.Year > maxYear {
		return fmt.Errorf("%w: table year %d is outside %d–%d", ErrInvalid, y.Year, minYear, maxYear)
	}
	seen := make(map[Date]bool)
	check := func(list string, e Entry) error {
		if !e.Date.valid() {
			return fmt.Errorf("%w: %d table, %s: %v is not a date", ErrInvalid, y.Year, list, e.Date)
		}
		inYear := e.Date.Year == y.Year
		prevDec := e.Date.Year == y.Year-1 && e.Date.Month == time.December && e.Date.Day >= lateDecember
		if !inYear && !prevDec {
			return fmt.Errorf("%w: %d table, %s: %v is outside the year", ErrInvalid, y.Year, list, e.Date)
		}
		if strings.TrimSpace(e.Name) == "" {
			return fmt.Errorf("%w: %d table, %s: %v has no holiday name", ErrInvalid, y.Year, list, e.Date)
		}
		if seen[e.Date] {
			return fmt.Errorf("%w: %d table lists %v twice", ErrInvalid, y.Year, e.Date)
		}
		seen[e.Date] = true
		return nil
	}
	for _, e := range y.Off {
		if err := check("off", e); err != nil {
			return err
		}
	}
	for _, e := range y.Work {
		if err := check("work", e); err != nil {
			return err
		}
		if wd := e.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return fmt.Errorf("%w: %d table, work: %v is a %v, not a weekend day", ErrInvalid, y.Year, e.Date, wd)
		}
	}
	return nil
}

// clone returns a deep copy, so that a Calendar never shares slices with its caller.
func (y Year) clone() Year {
	y.Off = slices.Clone(y.Off)
	y.Work = slices.Clone(y.Work)
	return y
}

//go:embed official/*.json
var officialFS embed.FS

// OfficialYears returns the project's own embedded tables (official/YYYY.json), a fresh copy
// on each call: the seed for the administrators' calendar. The tables are transcribed from the
// State Council notices and cross-checked against lunar-go in the tests; they must never be
// fetched or regenerated at run time, because each year's notice appears in November and the
// bureau's deadlines cannot wait for a library release.
func OfficialYears() []Year {
	years, err := parseOfficial(officialFS)
	if err != nil {
		// The files are part of the binary and checked by the tests: this is a build defect.
		panic(err)
	}
	return years
}

func parseOfficial(fsys fs.FS) ([]Year, error) {
	names, err := fs.Glob(fsys, "official/*.json")
	if err != nil {
		return nil, err
	}
	var years []Year
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		y, err := ParseYear(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if want := strings.TrimSuffix(strings.TrimPrefix(name, "official/"), ".json"); want != strconv.Itoa(y.Year) {
			return nil, fmt.Errorf("%w: %s holds the table of %d", ErrInvalid, name, y.Year)
		}
		years = append(years, y)
	}
	return years, nil
}

// ParseYear decodes and validates one table in the JSON form of official/*.json. Unknown
// fields are rejected, so that a misspelt "work" cannot silently drop the make-up days.
func ParseYear(b []byte) (Year, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var y Year
	if err := dec.Decode(&y); err != nil {
		return Year{}, fmt.Errorf("%w: year table: %w", ErrInvalid, err)
	}
	if dec.More() {
		return Year{}, fmt.Errorf("%w: year table: trailing data", ErrInvalid)
	}
	if err := y.Validate(); err != nil {
		return Year{}, err
	}
	return y, nil
}
