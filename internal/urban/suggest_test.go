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
	stall := grid.Area{Code: "STALL", UnitCode: "SHOP", UnitID: "u-shop", Categories: []string{"0502"}}
	market := grid.Area{Code: "MARKET", UnitCode: "HW", UnitID: "u-hw", Categories: []string{"event:01", "event:05"}}
	road := grid.Area{Code: "ROAD", UnitCode: "SZ", UnitID: "u-sz", Categories: []string{"component:01", "event:04"}}
	park := grid.Area{Code: "PARK", UnitCode: "YL", UnitID: "u-yl"} // every category
	closed := grid.Area{Code: "CLOSED", UnitCode: "OLD", UnitID: "u-old"}
	squad := grid.Area{Code: "SQUAD", UnitCode: "ZD", UnitID: "u-zd"}
	// Imported as WAS-YL; the unit has been recoded YL since: it still owns the area.
	recoded := grid.Area{Code: "RECODED", UnitCode: "WAS-YL", UnitID: "u-yl"}
	gone := grid.Area{Code: "GONE", UnitCode: "YL", UnitID: "u-deleted"}
	unresolved := grid.Area{Code: "UNRESOLVED", UnitCode: "YL"} // no unit had its code when IDs were first kept
	units := map[string]identity.Unit{
		"u-shop": {ID: "u-shop", Code: "SHOP", Kind: identity.KindDepartment},
		"u-hw":   {ID: "u-hw", Code: "HW", Kind: identity.KindDepartment},
		"u-sz":   {ID: "u-sz", Code: "SZ", Kind: identity.KindDepartment},
		"u-yl":   {ID: "u-yl", Code: "YL", Kind: identity.KindDepartment},
		"u-old":  {ID: "u-old", Code: "OLD", Kind: identity.KindDepartment, Disabled: true},
		"u-zd":   {ID: "u-zd", Code: "ZD", Kind: identity.KindSquad},
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
		{"a unit recoded since the import still owns its area", trading, []grid.Area{recoded}, "u-yl", "RECODED"},
		{"a unit that no longer exists: the category", trading, []grid.Area{gone}, "u-jt", ""},
		{"an area whose code was never resolved is not matched by code: the category", trading, []grid.Area{unresolved}, "u-jt", ""},
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
