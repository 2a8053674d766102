package web

import (
	"context"
	"net/http"

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
}

type calendarDueInput struct {
	Start  string `query:"start" required:"true" maxLength:"40" doc:"YYYY-MM-DD (the start of that day in Asia/Shanghai) or RFC 3339"`
	Amount int    `query:"amount" required:"true" minimum:"0" doc:"Length of the period in the unit"`
	Unit   string `query:"unit" required:"true" enum:"workday,workhour,day,hour" doc:"workday 工作日, workhour 工作时, day 自然日, hour 小时"`
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

func (s *Server) apiCalendarDue(_ context.Context, in *calendarDueInput) (*calendarDueOutput, error) {
	ans, err := CalendarDue(in.Start, in.Amount, in.Unit)
	if err != nil {
		return nil, err
	}
	return &calendarDueOutput{Body: ans}, nil
}

// CalendarDue computes a deadline on the official calendar with the default
// working hours, reporting which input is wrong. The API and the CLI answer
// through it alike.
func CalendarDue(start string, amount int, unit string) (DueAnswer, error) {
	u, err := calendar.ParseUnit(unit)
	if err != nil {
		return DueAnswer{}, apperr.InvalidFields(apperr.Field("unit", "calendar.unit"))
	}
	t, err := calendar.ParseStart(start)
	if err != nil {
		return DueAnswer{}, apperr.InvalidFields(apperr.Field("start", "calendar.start"))
	}
	res, err := calendar.Official().Due(t, amount, u, calendar.Options{})
	if err != nil {
		return DueAnswer{}, apperr.InvalidFields(apperr.Field("amount", "calendar.amount"))
	}
	return DueAnswer{Due: res.String(), Provisional: res.Provisional}, nil
}
