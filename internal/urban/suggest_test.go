package urban_test

import (
	"testing"

	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/urban"
)

func TestDispatchSuggestsTheResponsibleAreasDepartmentElseTheCategorys(t *testing.T) {
	// Most specific first, as grid.AreaIndex.Containing orders them: a stall in a market on
	// a road.
	stall := grid.Area{Code: "STALL", UnitCode: "SHOP", Categories: []string{"0502"}}
	market := grid.Area{Code: "MARKET", UnitCode: "HW", Categories: []string{"event:01", "event:05"}}
	road := grid.Area{Code: "ROAD", UnitCode: "SZ", Categories: []string{"component:01", "event:04"}}
	park := grid.Area{Code: "PARK", UnitCode: "YL"} // every category
	closed := grid.Area{Code: "CLOSED", UnitCode: "OLD"}
	squad := grid.Area{Code: "SQUAD", UnitCode: "ZD"}
	renamed := grid.Area{Code: "RENAMED", UnitCode: "WAS-YL"}
	units := map[string]identity.Unit{
		"SHOP": {ID: "u-shop", Code: "SHOP", Kind: identity.KindDepartment},
		"HW":   {ID: "u-hw", Code: "HW", Kind: identity.KindDepartment},
		"SZ":   {ID: "u-sz", Code: "SZ", Kind: identity.KindDepartment},
		"YL":   {ID: "u-yl", Code: "YL", Kind: identity.KindDepartment},
		"OLD":  {ID: "u-old", Code: "OLD", Kind: identity.KindDepartment, Disabled: true},
		"ZD":   {ID: "u-zd", Code: "ZD", Kind: identity.KindSquad},
	}
	trading := urban.Category{Kind: "event", Code: "0502", DepartmentID: "u-jt"}
	rubbish := urban.Category{Kind: "event", Code: "0102", DepartmentID: "u-hw"}
	cover := urban.Category{Kind: "component", Code: "0101", DepartmentID: "u-gs"}
	adverts := urban.Category{Kind: "event", Code: "0201", DepartmentID: "u-hw"}
	unowned := urban.Category{Kind: "event", Code: "0601"} // the centre chooses
	cases := []struct {
		name  string
		cat   urban.Category
		areas []grid.Area
		dept  string
		area  string // "" when the category suggests
	}{
		{"no area: the category", trading, nil, "u-jt", ""},
		{"the most specific area covering the category", trading, []grid.Area{stall, market, road}, "u-shop", "STALL"},
		{"a less specific area when the smaller does not cover it", rubbish, []grid.Area{stall, market, road}, "u-hw", "MARKET"},
		{"the least specific one for a component", cover, []grid.Area{stall, market, road}, "u-sz", "ROAD"},
		{"no area covers it: the category", adverts, []grid.Area{stall, market, road}, "u-hw", ""},
		{"an area of every category", adverts, []grid.Area{park}, "u-yl", "PARK"},
		{"an area without department and no category department: none", unowned, []grid.Area{road}, "", ""},
		{"an area covers what the category leaves to the centre", unowned, []grid.Area{park}, "u-yl", "PARK"},
		{"a disabled unit: the category, not the next area", trading, []grid.Area{closed, park}, "u-jt", ""},
		{"a unit that is not a department: the category", trading, []grid.Area{squad}, "u-jt", ""},
		{"a unit code that names no unit any more: the category", trading, []grid.Area{renamed}, "u-jt", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := urban.SuggestDepartment(tc.cat, tc.areas, units)
			area := ""
			if s.Area != nil {
				area = s.Area.Code
			}
			if s.DepartmentID != tc.dept || area != tc.area {
				t.Fatalf("suggested %q by area %q, want %q by area %q", s.DepartmentID, area, tc.dept, tc.area)
			}
		})
	}
}
