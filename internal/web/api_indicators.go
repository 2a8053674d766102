package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/urban"
)

func (s *Server) indicatorRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "indicators", Method: http.MethodGet, Path: "/indicators",
		Summary: "Evaluation indicators (绩效评价) of the closed loop over a period, by department, street, district, grid or inspector",
		Description: "Counts and rates of the cases in your scope whose events fall in [from, to). Each indicator carries its " +
			"formula. from and to are dates (YYYY-MM-DD, Asia/Shanghai) or RFC 3339 instants; the period is at most 366 days.",
		Tags: []string{"cases"}}, s.apiIndicators)
}

type indicatorsInput struct {
	Dimension string `query:"dimension" enum:"department,street,district,grid,inspector" default:"department"`
	From      string `query:"from" required:"true" doc:"first day or instant of the period"`
	To        string `query:"to" required:"true" doc:"the day or instant after the period"`
}

// IndicatorView is one indicator of a group.
type IndicatorView struct {
	Key   string  `json:"key"`
	Value float64 `json:"value" doc:"a count, or a rate in percent"`
	Num   int     `json:"numerator,omitempty"`
	Den   int     `json:"denominator,omitempty"`
}

// IndicatorDef names an indicator and gives its formula, once for the whole table.
type IndicatorDef struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Rate    bool   `json:"rate" doc:"the value is a rate in percent, of numerator over denominator"`
	Formula string `json:"formula"`
}

// IndicatorGroup is one row of the table: its values in the order of the table's
// indicators.
type IndicatorGroup struct {
	Key        string          `json:"key"`
	Name       string          `json:"name"`
	Counts     urban.Counts    `json:"counts"`
	Indicators []IndicatorView `json:"indicators"`
}

// IndicatorTable is the answer of GET /indicators.
type IndicatorTable struct {
	Dimension  string           `json:"dimension"`
	From       time.Time        `json:"from"`
	To         time.Time        `json:"to"`
	Indicators []IndicatorDef   `json:"indicators"`
	Groups     []IndicatorGroup `json:"groups"`
	Total      IndicatorGroup   `json:"total"`
}

type indicatorsOutput struct{ Body IndicatorTable }

func (s *Server) apiIndicators(ctx context.Context, in *indicatorsInput) (*indicatorsOutput, error) {
	from, err := calendar.ParseStart(in.From)
	if err != nil {
		return nil, apperr.InvalidFields(apperr.Field("from", "indicator.period"))
	}
	to, err := calendar.ParseStart(in.To)
	if err != nil {
		return nil, apperr.InvalidFields(apperr.Field("to", "indicator.period"))
	}
	rep, err := s.urban.Indicators(ctx, actorOf(ctx), urban.Dimension(in.Dimension), from, to)
	if err != nil {
		return nil, err
	}
	return &indicatorsOutput{Body: s.indicatorTable(ctx, rep)}, nil
}

func (s *Server) indicatorTable(ctx context.Context, rep urban.IndicatorReport) IndicatorTable {
	loc := info(ctx).loc
	group := func(key, name string, c urban.Counts) IndicatorGroup {
		g := IndicatorGroup{Key: key, Name: name, Counts: c}
		for _, in := range c.Indicators() {
			g.Indicators = append(g.Indicators, IndicatorView{Key: in.Key, Value: in.Value, Num: in.Num, Den: in.Den})
		}
		return g
	}
	t := IndicatorTable{Dimension: string(rep.Dimension), From: rep.From, To: rep.To, Groups: []IndicatorGroup{},
		Total: group("", loc.T("indicator.total", nil), rep.Total)}
	for _, in := range rep.Total.Indicators() {
		t.Indicators = append(t.Indicators, IndicatorDef{Key: in.Key, Name: loc.T("indicator."+in.Key, nil), Rate: in.Rate,
			Formula: loc.T("indicator."+in.Key+".formula", nil)})
	}
	for _, g := range rep.Groups {
		name := g.Name
		if rep.Dimension == urban.ByInspector {
			if acc, err := s.identity.Account(ctx, identity.System(), g.Key); err == nil {
				name = acc.DisplayName
			}
		}
		t.Groups = append(t.Groups, group(g.Key, name, g.Counts))
	}
	return t
}
