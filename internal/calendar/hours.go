package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is one period of working time in a day, in minutes since midnight, half-open
// [Start, End): a deadline may fall exactly on End (a period that runs out at 12:00 is due
// at 12:00, not at 13:30), and a moment at End is already outside working time.
type Span struct {
	Start, End int
}

// Hours are the working hours of an organisation unit, the same on every working day. The zero
// value means DefaultHours, so a zero Options counts the standard day.
type Hours struct {
	spans []Span
}

var defaultSpans = []Span{{9 * 60, 12 * 60}, {13*60 + 30, 17*60 + 30}}

// DefaultHours returns 09:00–12:00 and 13:30–17:30, the working hours of the issue.
func DefaultHours() Hours { return Hours{spans: defaultSpans} }

// NewHours validates spans: at least one, each inside the day with Start < End, in order and
// not overlapping (touching is allowed).
func NewHours(spans ...Span) (Hours, error) {
	if len(spans) == 0 {
		return Hours{}, fmt.Errorf("%w: working hours: no span", ErrInvalid)
	}
	prevEnd := 0
	for i, s := range spans {
		if s.Start < 0 || s.End > 24*60 || s.Start >= s.End {
			return Hours{}, fmt.Errorf("%w: working hours: span %s is not a period inside one day", ErrInvalid, s)
		}
		if i > 0 && s.Start < prevEnd {
			return Hours{}, fmt.Errorf("%w: working hours: span %s starts before the previous one ends", ErrInvalid, s)
		}
		prevEnd = s.End
	}
	return Hours{spans: append([]Span(nil), spans...)}, nil
}

// ParseHours parses the configuration form "09:00-12:00,13:30-17:30" ("24:00" may end the
// last span).
func ParseHours(s string) (Hours, error) {
	var spans []Span
	for part := range strings.SplitSeq(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return Hours{}, fmt.Errorf("%w: working hours %q: want HH:MM-HH:MM,…", ErrInvalid, s)
		}
		a, errA := parseClock(from)
		b, errB := parseClock(to)
		if errA != nil || errB != nil {
			return Hours{}, fmt.Errorf("%w: working hours %q: want HH:MM-HH:MM,…", ErrInvalid, s)
		}
		spans = append(spans, Span{a, b})
	}
	return NewHours(spans...)
}

func parseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !isDigits(s[:2]) || !isDigits(s[3:]) {
		return 0, ErrInvalid
	}
	h, errH := strconv.Atoi(s[:2])
	m, errM := strconv.Atoi(s[3:])
	if errH != nil || errM != nil || h < 0 || m < 0 || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, ErrInvalid
	}
	return h*60 + m, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Spans returns a copy of the working periods (the default ones for the zero Hours).
func (h Hours) Spans() []Span { return append([]Span(nil), h.get()...) }

// PerDay is the working time of one working day.
func (h Hours) PerDay() time.Duration {
	var sum time.Duration
	for _, s := range h.get() {
		sum += s.length()
	}
	return sum
}

// String formats the hours as ParseHours reads them.
func (h Hours) String() string {
	parts := make([]string, 0, len(h.get()))
	for _, s := range h.get() {
		parts = append(parts, s.String())
	}
	return strings.Join(parts, ",")
}

func (h Hours) get() []Span {
	if len(h.spans) == 0 {
		return defaultSpans
	}
	return h.spans
}

// String formats the span as "09:00-12:00".
func (s Span) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

func (s Span) from() time.Duration   { return time.Duration(s.Start) * time.Minute }
func (s Span) to() time.Duration     { return time.Duration(s.End) * time.Minute }
func (s Span) length() time.Duration { return s.to() - s.from() }
