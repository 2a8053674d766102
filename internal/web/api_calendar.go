package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
)

func (s *Server) calendarRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "calendar-due", Method: http.MethodGet, Path: "/calendar/due",
		Summary: "The deadline of a statutory period (法定期限)",
		Description: "Working days follow the official calendar (法定节假日 and 调休); the start day is not counted. " +
			"A period in calendar days that ends on a rest day ends on the next working day. " +
			"provisional is true when a year without an official calendar was touched (weekends only).",
		Tags: []string{"calendar"}, Security: []map[string][]string{},
		Metadata: map[string]any{publicOperation: true}}, s.apiCalendarDue)
	huma.Register(api, huma.Operation{OperationID: "calendar-years", Method: http.MethodGet, Path: "/calendar/years",
		Summary: "The loaded year tables: official holidays and make-up working days (调休)",
		Tags:    []string{"calendar"}, Security: []map[string][]string{},
		Metadata: map[string]any{publicOperation: true}}, s.apiCalendarYears)
	huma.Register(api, huma.Operation{OperationID: "calendar-set-year", Method: http.MethodPut, Path: "/calendar/years/{year}",
		Summary: "Enter a year's table from the State Council notice (administrators of the whole tree)",
		Tags:    []string{"calendar"}}, s.apiCalendarSetYear)
}

type yearOut struct {
	calendar.Year
	Edited    bool       `json:"edited" doc:"entered by an administrator rather than shipped with the software"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

type calendarYearsOutput struct {
	Body struct {
		Years []yearOut `json:"years"`
	}
}

func (s *Server) apiCalendarYears(ctx context.Context, _ *struct{}) (*calendarYearsOutput, error) {
	years, err := s.calendar.Years(ctx)
	if err != nil {
		return nil, err
	}
	out := &calendarYearsOutput{}
	out.Body.Years = []yearOut{}
	for _, y := range years {
		out.Body.Years = append(out.Body.Years, yearOut{Year: y.Year, Edited: y.Edited, UpdatedAt: optTime(y.UpdatedAt)})
	}
	return out, nil
}

type calendarSetYearInput struct {
	Year int `path:"year" minimum:"2000" maximum:"2999"`
	Body calendar.Year
}

func (s *Server) apiCalendarSetYear(ctx context.Context, in *calendarSetYearInput) (*struct{}, error) {
	if in.Body.Year != in.Year {
		return nil, apperr.InvalidFields(apperr.Field("year", "calendar.year_mismatch"))
	}
	return nil, s.calendar.SetYear(ctx, actorOf(ctx), in.Body)
}

type calendarDueInput struct {
	Start  string `query:"start" required:"true" maxLength:"40" doc:"YYYY-MM-DD (the start of that day in Asia/Shanghai) or RFC 3339"`
	Amount int    `query:"amount" required:"true" minimum:"0" doc:"Length of the period in the unit"`
	Unit   string `query:"unit" required:"true" enum:"workday,workhour,day,hour" doc:"workday 工作日, workhour 工作时, day 自然日, hour 小时"`
	UnitID string `query:"unit_id" maxLength:"36" doc:"Count working hours in this organisation unit's hours (needs sign-in); default 09:00–12:00, 13:30–17:30"`
}

type calendarDueOutput struct {
	Body DueAnswer
}

// DueAnswer is the answer of GET /api/v1/calendar/due and of
// "chengguan calendar due".
type DueAnswer struct {
	Due         string `json:"due" doc:"YYYY-MM-DD for workday and day; RFC 3339 in +08:00 for workhour and hour"`
	Provisional bool   `json:"provisional" doc:"true when a year with no official calendar was counted by weekends only"`
}

func (s *Server) apiCalendarDue(ctx context.Context, in *calendarDueInput) (*calendarDueOutput, error) {
	cal, err := s.calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	hours := calendar.DefaultHours()
	if in.UnitID != "" {
		u, err := s.identity.Unit(ctx, actorOf(ctx), in.UnitID)
		if err != nil {
			return nil, err
		}
		if hours, _, err = s.calendar.HoursFor(ctx, u.Path); err != nil {
			return nil, err
		}
	}
	ans, err := CalendarDue(cal, hours, in.Start, in.Amount, in.Unit)
	if err != nil {
		return nil, err
	}
	return &calendarDueOutput{Body: ans}, nil
}

// CalendarDue computes a deadline on cal in the given working hours,
// reporting which input is wrong. The API and the CLI answer through it
// alike.
func CalendarDue(cal *calendar.Calendar, hours calendar.Hours, start string, amount int, unit string) (DueAnswer, error) {
	u, err := calendar.ParseUnit(unit)
	if err != nil {
		return DueAnswer{}, apperr.InvalidFields(apperr.Field("unit", "calendar.unit"))
	}
	t, err := calendar.ParseStart(start)
	if err != nil {
		return DueAnswer{}, apperr.InvalidFields(apperr.Field("start", "calendar.start"))
	}
	res, err := cal.Due(t, amount, u, calendar.Options{Hours: hours})
	if err != nil {
		return DueAnswer{}, apperr.InvalidFields(apperr.Field("amount", "calendar.amount"))
	}
	return DueAnswer{Due: res.String(), Provisional: res.Provisional}, nil
}
