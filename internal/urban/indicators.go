package urban

import (
	"context"
	"sort"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
)

// Dimension is what indicators are grouped by.
type Dimension string

// The dimensions of the evaluation (FACTS §1.5).
const (
	ByDepartment Dimension = "department"
	ByDistrict   Dimension = "district"
	ByStreet     Dimension = "street"
	ByGrid       Dimension = "grid"
	ByInspector  Dimension = "inspector"
)

// Dimensions lists the dimensions.
func Dimensions() []Dimension {
	return []Dimension{ByDepartment, ByDistrict, ByStreet, ByGrid, ByInspector}
}

// Valid reports whether d is a declared dimension.
func (d Dimension) Valid() bool {
	for _, x := range Dimensions() {
		if d == x {
			return true
		}
	}
	return false
}

// Counts are the case counts of a group over a period [From, To). Each is defined by the
// instants the case records, so a case counts in the period its event fell in:
//
//	Reported        reported_at in the period
//	Valid           reported in the period and filed (有效上报: it became a case)
//	Filed           filed_at in the period (立案数)
//	Dispatched      dispatched_at in the period
//	DueForClosure   handling deadline in the period, or closed in the period (应结案数)
//	Closed          of those, closed by the end of the period (结案数)
//	ClosedOnTime    of those, handled by the deadline (按期结案数)
//	DueForHandling  handling deadline in the period, or handled in the period (应处置数)
//	Handled         of those, handled by the end of the period (处置数)
//	Late            of those, handled after the deadline, or not handled and the deadline
//	                passed before the end of the period and before now (超期数)
//	Reworked        dispatched in the period and sent back at least once (返工数)
//	Extended        dispatched in the period and extended at least once (延期数)
type Counts struct {
	Reported       int `json:"reported"`
	Valid          int `json:"valid"`
	Filed          int `json:"filed"`
	Dispatched     int `json:"dispatched"`
	DueForClosure  int `json:"due_for_closure"`
	Closed         int `json:"closed"`
	ClosedOnTime   int `json:"closed_on_time"`
	DueForHandling int `json:"due_for_handling"`
	Handled        int `json:"handled"`
	Late           int `json:"late"`
	Reworked       int `json:"reworked"`
	Extended       int `json:"extended"`
}

// Add adds o's counts to c.
func (c *Counts) Add(o Counts) {
	c.Reported += o.Reported
	c.Valid += o.Valid
	c.Filed += o.Filed
	c.Dispatched += o.Dispatched
	c.DueForClosure += o.DueForClosure
	c.Closed += o.Closed
	c.ClosedOnTime += o.ClosedOnTime
	c.DueForHandling += o.DueForHandling
	c.Handled += o.Handled
	c.Late += o.Late
	c.Reworked += o.Reworked
	c.Extended += o.Extended
}

// Indicator is one figure of the evaluation, with its formula.
type Indicator struct {
	Key string // translation keys: indicator.<key> (name) and indicator.<key>.formula
	// Value is a count, or a rate in percent when Rate.
	Value float64
	Rate  bool
	// Num and Den are the rate's numerator and denominator.
	Num, Den int
}

// IndicatorKeys lists the indicators in the order they are shown (FACTS §1.5).
func IndicatorKeys() []string {
	return []string{"filed", "due_for_closure", "closed", "closure_rate", "on_time_rate", "rework_rate",
		"extension_rate", "late_rate", "handling_rate", "valid_reports"}
}

func rate(key string, num, den int) Indicator {
	in := Indicator{Key: key, Rate: true, Num: num, Den: den}
	if den > 0 {
		in.Value = float64(num) * 100 / float64(den)
	}
	return in
}

// Indicators computes the figures of c.
func (c Counts) Indicators() []Indicator {
	return []Indicator{
		{Key: "filed", Value: float64(c.Filed)},
		{Key: "due_for_closure", Value: float64(c.DueForClosure)},
		{Key: "closed", Value: float64(c.Closed)},
		rate("closure_rate", c.Closed, c.DueForClosure),
		rate("on_time_rate", c.ClosedOnTime, c.DueForClosure),
		rate("rework_rate", c.Reworked, c.Dispatched),
		rate("extension_rate", c.Extended, c.Dispatched),
		rate("late_rate", c.Late, c.DueForHandling),
		rate("handling_rate", c.Handled, c.DueForHandling),
		{Key: "valid_reports", Value: float64(c.Valid)},
	}
}

// Group is one row of an indicator table.
type Group struct {
	Key    string // the unit ID, grid code or account ID
	Name   string
	Counts Counts
}

// IndicatorReport is an indicator table over a period.
type IndicatorReport struct {
	Dimension Dimension
	From, To  time.Time
	Groups    []Group
	Total     Counts
}

// GroupCounts is what the store aggregates: counts per raw key of a dimension.
type GroupCounts map[string]Counts

// IndicatorStore aggregates cases for the indicators.
type IndicatorStore interface {
	// CountBy groups the cases in scope whose events fall in [from, to) by a column:
	// "department_id", "unit_id" (the community), "grid_code" or "reporter_id" (inspector
	// reports only).
	// now bounds lateness: a case not handled yet is late only once its deadline
	// has passed.
	CountBy(ctx context.Context, column string, from, to, now time.Time, scope identity.Scope) (GroupCounts, error)
}

// MaxPeriod bounds an indicator period.
const MaxPeriod = 366 * 24 * time.Hour

// Indicators computes the evaluation of the period [from, to) by a dimension over the
// cases the actor may see.
func (s *Service) Indicators(ctx context.Context, actor *identity.Actor, d Dimension, from, to time.Time) (IndicatorReport, error) {
	if !d.Valid() {
		return IndicatorReport{}, apperr.InvalidFields(apperr.Field("dimension", "indicator.dimension_unknown"))
	}
	if !to.After(from) || to.Sub(from) > MaxPeriod {
		return IndicatorReport{}, apperr.InvalidFields(apperr.Field("to", "indicator.period"))
	}
	scope, dec := identity.ScopeFor(actor, identity.ActCaseView)
	if !dec.Allowed {
		return IndicatorReport{}, dec.Err()
	}
	is, ok := s.store.(IndicatorStore)
	if !ok {
		return IndicatorReport{}, apperr.Internalf("the case store cannot aggregate")
	}
	col := map[Dimension]string{ByDepartment: "department_id", ByDistrict: "unit_id", ByStreet: "unit_id",
		ByGrid: "grid_code", ByInspector: "reporter_id"}[d]
	raw, err := is.CountBy(ctx, col, from, to, s.now(), scope)
	if err != nil {
		return IndicatorReport{}, err
	}
	rep := IndicatorReport{Dimension: d, From: from, To: to}
	groups := map[string]*Group{}
	for key, c := range raw {
		rep.Total.Add(c)
		gk, name := key, key
		switch d {
		case ByDistrict, ByStreet:
			u, err := s.rollUp(ctx, key, d)
			if err != nil {
				return IndicatorReport{}, err
			}
			gk, name = u.ID, u.Name
		case ByDepartment, ByInspector:
			if key == "" {
				continue // not dispatched yet, or not an inspector's report
			}
			if d == ByDepartment {
				if u, err := s.units.UnitByID(ctx, key); err == nil {
					name = u.Name
				}
			}
		}
		g := groups[gk]
		if g == nil {
			g = &Group{Key: gk, Name: name}
			groups[gk] = g
		}
		g.Counts.Add(c)
	}
	for _, g := range groups {
		rep.Groups = append(rep.Groups, *g)
	}
	sort.Slice(rep.Groups, func(i, j int) bool { return rep.Groups[i].Name < rep.Groups[j].Name })
	return rep, nil
}

// rollUp finds the street or district above a community.
func (s *Service) rollUp(ctx context.Context, communityID string, d Dimension) (*identity.Unit, error) {
	u, err := s.units.UnitByID(ctx, communityID)
	if err != nil {
		return nil, err
	}
	want := identity.KindStreet
	if d == ByDistrict {
		want = identity.KindDistrict
	}
	for u.Kind != want && u.ParentID != "" {
		if u, err = s.units.UnitByID(ctx, u.ParentID); err != nil {
			return nil, err
		}
	}
	return u, nil
}
