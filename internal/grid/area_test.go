package grid

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"chengguan/internal/i18n"
)

// areaProps is a properties object with code and unit_code, plus extra JSON members.
func areaProps(code, unit string, extra ...string) string {
	members := []string{fmt.Sprintf(`"code":%q`, code), fmt.Sprintf(`"unit_code":%q`, unit)}
	return "{" + strings.Join(append(members, extra...), ",") + "}"
}

func mustImportAreas(tb testing.TB, data []byte) AreaResult {
	tb.Helper()
	res, err := ImportAreas(data)
	if err != nil {
		tb.Fatalf("ImportAreas: %v", err)
	}
	return res
}

func areaCodes(as []Area) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Code)
	}
	return out
}

func TestAreaImportReportsEachBadFeatureAndDropsOnlyThose(t *testing.T) {
	cases := []struct {
		name    string
		feature string
		reason  Reason
	}{
		// The geometry checks are the grid import's.
		{"bow tie", feature(ring(113, 33, 113.01, 33.01, 113.01, 33, 113, 33.01, 113, 33), areaProps("A1", "U")), ReasonInvalidRing},
		{"not closed", feature(ring(113, 33, 113, 33.01, 113.01, 33.01, 113.01, 33), areaProps("A1", "U")), ReasonInvalidRing},
		{"hole outside", feature(`{"type":"Polygon","coordinates":[[[113,33],[113,33.01],[113.01,33.01],[113.01,33],[113,33]],[[113.02,33.02],[113.02,33.03],[113.03,33.03],[113.02,33.02]]]}`, areaProps("A1", "U")), ReasonInvalidRing},
		{"point", feature(`{"type":"Point","coordinates":[113,33]}`, areaProps("A1", "U")), ReasonGeometryType},
		{"not a feature", `{"type":"Polygon","coordinates":[]}`, ReasonMalformed},
		{"coordinates not numbers", feature(`{"type":"Polygon","coordinates":[[["a","b"]]]}`, areaProps("A1", "U")), ReasonMalformed},
		{"no properties", feature(ok1, `null`), ReasonMissingProperty},
		{"no code", feature(ok1, `{"unit_code":"U"}`), ReasonMissingProperty},
		{"no unit code", feature(ok1, `{"code":"A1"}`), ReasonMissingProperty},
		{"empty unit code", feature(ok1, `{"code":"A1","unit_code":""}`), ReasonMissingProperty},
		{"code with a space", feature(ok1, areaProps("A 1", "U")), ReasonBadCode},
		{"code too long", feature(ok1, areaProps(strings.Repeat("x", MaxAreaCode+1), "U")), ReasonBadCode},
		{"unit code an object", feature(ok1, `{"code":"A1","unit_code":{}}`), ReasonBadCode},
		{"name with a line break", feature(ok1, areaProps("A1", "U", `"name":"a\nb"`)), ReasonBadProperty},
		{"name too long", feature(ok1, areaProps("A1", "U", fmt.Sprintf(`"name":%q`, strings.Repeat("园", MaxAreaName+1)))), ReasonBadProperty},
		{"kind a number list", feature(ok1, areaProps("A1", "U", `"kind":[1]`)), ReasonBadProperty},
		{"category of three digits", feature(ok1, areaProps("A1", "U", `"categories":["010"]`)), ReasonBadProperty},
		{"category of an unknown kind", feature(ok1, areaProps("A1", "U", `"categories":["thing:01"]`)), ReasonBadProperty},
		{"category a number", feature(ok1, areaProps("A1", "U", `"categories":[101]`)), ReasonBadProperty},
		{"categories an object", feature(ok1, areaProps("A1", "U", `"categories":{}`)), ReasonBadProperty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good := feature(rect(114, 34, 114.01, 34.01), areaProps("GOOD", "U"))
			res := mustImportAreas(t, collection(good, tc.feature))
			if !slices.Equal(areaCodes(res.Areas), []string{"GOOD"}) {
				t.Fatalf("areas = %v, want only the good feature", areaCodes(res.Areas))
			}
			if len(res.Problems) == 0 {
				t.Fatalf("no problem reported, want %s", tc.reason)
			}
			p := res.Problems[0]
			if p.Reason != tc.reason || p.Feature != 1 || !p.Dropped || p.Message == "" {
				t.Fatalf("problem = %+v, want reason %s on feature 1, dropped, with a message", p, tc.reason)
			}
			if !errors.Is(res.Err(), ErrInvalid) {
				t.Fatalf("Err() = %v, want ErrInvalid", res.Err())
			}
		})
	}
}

func TestOverlappingAreasImportWithoutProblems(t *testing.T) {
	road := feature(rect(113, 33, 113.1, 33.01), areaProps("ROAD", "SZ", `"kind":"道路"`))
	market := feature(rect(113.02, 33.002, 113.03, 33.008), areaProps("MARKET", "HW", `"kind":"市场"`))
	// A second market overlapping the first only in part.
	stalls := feature(rect(113.025, 33.005, 113.035, 33.02), areaProps("STALLS", "HW"))
	res := mustImportAreas(t, collection(road, market, stalls))
	if len(res.Problems) != 0 || len(res.Areas) != 3 {
		t.Fatalf("overlapping areas: %d areas, problems %+v; want 3 and none", len(res.Areas), res.Problems)
	}
}

func TestDuplicateAreaCodeKeepsTheFirstFeature(t *testing.T) {
	res := mustImportAreas(t, collection(
		feature(rect(113, 33, 113.01, 33.01), areaProps("P1", "YL")),
		feature(rect(114, 34, 114.01, 34.01), areaProps("P1", "YL")),
	))
	if !slices.Equal(areaCodes(res.Areas), []string{"P1"}) || len(res.Problems) != 1 {
		t.Fatalf("areas %v, problems %+v", areaCodes(res.Areas), res.Problems)
	}
	if p := res.Problems[0]; p.Reason != ReasonDuplicateCode || p.Feature != 1 || p.Other != "P1" {
		t.Fatalf("problem %+v, want a duplicate code on feature 1", p)
	}
}

func TestUnknownUnitsAreReportedPerFeatureEvenOnFeaturesWithOtherProblems(t *testing.T) {
	res := mustImportAreas(t, collection(
		feature(rect(113, 33, 113.01, 33.01), areaProps("P1", "YL")),
		feature(rect(113, 33, 113.01, 33.01), areaProps("P2", "NOPE")),
		feature(ring(113, 33, 113.01, 33.01, 113.01, 33, 113, 33.01, 113, 33), areaProps("P3", "NOPE")),
		feature(rect(113, 33, 113.01, 33.01), areaProps("P4", "GONE")),
	))
	if got := res.UnitCodes(); !slices.Equal(got, []string{"GONE", "NOPE", "YL"}) {
		t.Fatalf("UnitCodes = %v, want each once, sorted", got)
	}
	res.CheckUnits(func(code string) error {
		switch code {
		case "NOPE":
			return errors.New("no such unit")
		case "GONE":
			return errors.New("disabled")
		}
		return nil
	})
	if !slices.Equal(areaCodes(res.Areas), []string{"P1"}) {
		t.Fatalf("areas after the unit check: %v, want P1", areaCodes(res.Areas))
	}
	type line struct {
		feature int
		reason  Reason
		other   string
	}
	var got []line
	for _, p := range res.Problems {
		if !p.Dropped {
			t.Fatalf("problem %+v does not drop its feature", p)
		}
		got = append(got, line{p.Feature, p.Reason, p.Other})
	}
	want := []line{{1, ReasonUnknownUnit, "NOPE"}, {2, ReasonInvalidRing, ""}, {2, ReasonUnknownUnit, "NOPE"}, {3, ReasonUnknownUnit, "GONE"}}
	if !slices.Equal(got, want) {
		t.Fatalf("problems %+v, want %+v", got, want)
	}
	if res.Err() == nil {
		t.Fatal("Err() is nil with unknown units")
	}
}

func TestCategoriesAreNormalizedFromAListOrOneString(t *testing.T) {
	cases := []struct {
		json string
		want []string
	}{
		{`null`, nil},
		{`[]`, nil},
		{`""`, nil},
		{`["0101","02"]`, []string{"0101", "02"}},
		{`["02","0101","02"]`, []string{"0101", "02"}},
		{`["事件:01"," event：0502 ","部件:03","Component:0302"]`, []string{"component:03", "component:0302", "event:01", "event:0502"}},
		{`"0101, 02；事件:05、0406"`, []string{"0101", "02", "0406", "event:05"}},
	}
	for _, tc := range cases {
		t.Run(tc.json, func(t *testing.T) {
			res := mustImportAreas(t, collection(feature(ok1, areaProps("A", "U", `"categories":`+tc.json))))
			if len(res.Problems) != 0 || len(res.Areas) != 1 {
				t.Fatalf("problems %+v", res.Problems)
			}
			if got := res.Areas[0].Categories; !slices.Equal(got, tc.want) {
				t.Fatalf("categories %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAreaCoversItsCategoriesByCodeMajorClassAndKind(t *testing.T) {
	cases := []struct {
		categories []string
		kind, code string
		want       bool
	}{
		{nil, "event", "0101", true},
		{nil, "component", "0302", true},
		{[]string{"0101"}, "event", "0101", true},
		{[]string{"0101"}, "component", "0101", true},
		{[]string{"0101"}, "event", "0102", false},
		{[]string{"01"}, "event", "0106", true},
		{[]string{"01"}, "event", "0201", false},
		{[]string{"01"}, "event", "1001", false}, // a major class is a prefix of two digits, not one
		{[]string{"event:01"}, "event", "0102", true},
		{[]string{"event:01"}, "component", "0102", false},
		{[]string{"component:0302"}, "component", "0302", true},
		{[]string{"component:0302"}, "event", "0302", false},
		{[]string{"02", "event:05"}, "event", "0502", true},
		{[]string{"02", "event:05"}, "component", "0502", false},
	}
	for _, tc := range cases {
		a := Area{Code: "A", Categories: tc.categories}
		if got := a.Covers(tc.kind, tc.code); got != tc.want {
			t.Errorf("%q covers %s %s = %v, want %v", tc.categories, tc.kind, tc.code, got, tc.want)
		}
	}
}

// nested are a road with a market on it and a stall in the market, plus a park elsewhere,
// imported in an order that is not their specificity.
func nested(tb testing.TB) *AreaIndex {
	tb.Helper()
	res := mustImportAreas(tb, collection(
		feature(rect(113.02, 33.002, 113.03, 33.008), areaProps("MARKET", "HW", `"categories":["event:01","event:05"]`)),
		feature(rect(113, 33, 113.1, 33.01), areaProps("ROAD", "SZ", `"categories":["event:01","event:04","component:01"]`)),
		feature(rect(113.024, 33.004, 113.026, 33.006), areaProps("STALL", "SELF", `"categories":["0502"]`)),
		// The same size as STALL: the code breaks the tie.
		feature(rect(113.026, 33.004, 113.028, 33.006), areaProps("BOOTH", "SELF")),
		feature(rect(114, 34, 114.01, 34.01), areaProps("PARK", "YL")),
	))
	if len(res.Problems) != 0 {
		tb.Fatalf("problems %+v", res.Problems)
	}
	ix, err := NewAreaIndex(res.Areas)
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

func TestContainingListsTheMostSpecificAreaFirst(t *testing.T) {
	ix := nested(t)
	cases := []struct {
		name string
		p    orb.Point
		want []string
	}{
		{"in the stall", orb.Point{113.025, 33.005}, []string{"STALL", "MARKET", "ROAD"}},
		{"on the edge shared by stall and booth", orb.Point{113.026, 33.005}, []string{"BOOTH", "STALL", "MARKET", "ROAD"}},
		{"in the market", orb.Point{113.021, 33.003}, []string{"MARKET", "ROAD"}},
		{"on the market's border", orb.Point{113.02, 33.005}, []string{"MARKET", "ROAD"}},
		{"on the road", orb.Point{113.05, 33.005}, []string{"ROAD"}},
		{"in the park", orb.Point{114.005, 34.005}, []string{"PARK"}},
		{"nowhere", orb.Point{115, 35}, nil},
	}
	for _, tc := range cases {
		if got := areaCodes(ix.Containing(tc.p)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestResponsibleForIsTheMostSpecificAreaCoveringTheCategory(t *testing.T) {
	ix := nested(t)
	stall := orb.Point{113.025, 33.005}
	cases := []struct {
		name       string
		p          orb.Point
		kind, code string
		want       string // "" for none
	}{
		{"trading on the roadway at the stall", stall, "event", "0502", "STALL"},
		{"exposed rubbish at the stall: the market", stall, "event", "0102", "MARKET"},
		{"a manhole cover at the stall: the road", stall, "component", "0101", "ROAD"},
		{"a flooded road at the stall: the road", stall, "event", "0403", "ROAD"},
		{"advertising at the stall: nobody", stall, "event", "0201", ""},
		{"a plain code covers both kinds", stall, "component", "0502", "STALL"},
		{"a parking facility at the stall: nobody", stall, "component", "0201", ""},
		{"anything in the park", orb.Point{114.005, 34.005}, "component", "0402", "PARK"},
		{"anything outside every area", orb.Point{115, 35}, "event", "0101", ""},
	}
	for _, tc := range cases {
		a, ok := ix.ResponsibleFor(tc.p, tc.kind, tc.code)
		if a.Code != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: %q (%v), want %q", tc.name, a.Code, ok, tc.want)
		}
	}
}

func TestAreaIndexOrderDoesNotDependOnImportOrder(t *testing.T) {
	ix := nested(t)
	areas := ix.Areas()
	slices.Reverse(areas)
	again, err := NewAreaIndex(areas)
	if err != nil {
		t.Fatal(err)
	}
	p := orb.Point{113.026, 33.005}
	if a, b := areaCodes(ix.Containing(p)), areaCodes(again.Containing(p)); !slices.Equal(a, b) {
		t.Fatalf("order %v, after reversing the input %v", a, b)
	}
	if ix.digest() != again.digest() {
		t.Fatal("the digest depends on the order")
	}
	if got := areaCodes(ix.Areas()); !slices.IsSorted(got) {
		t.Fatalf("Areas() = %v, want code order", got)
	}
}

func TestAreaWithAHoleDoesNotContainTheHole(t *testing.T) {
	res := mustImportAreas(t, collection(feature(`{"type":"Polygon","coordinates":[[[113,33],[113.1,33],[113.1,33.1],[113,33.1],[113,33]],[[113.04,33.04],[113.04,33.06],[113.06,33.06],[113.06,33.04],[113.04,33.04]]]}`,
		areaProps("PARK", "YL"))))
	ix, err := NewAreaIndex(res.Areas)
	if err != nil || len(res.Problems) != 0 {
		t.Fatalf("%v %+v", err, res.Problems)
	}
	if got := ix.Containing(orb.Point{113.05, 33.05}); len(got) != 0 {
		t.Fatalf("a point in the hole is in %v", areaCodes(got))
	}
	if got := ix.Containing(orb.Point{113.02, 33.05}); len(got) != 1 {
		t.Fatalf("a point in the park is in %v", areaCodes(got))
	}
	if size, want := res.Areas[0].Size(), 0.01-0.0004; size < want*0.999999 || size > want*1.000001 {
		t.Fatalf("size %v, want %v (the hole left out)", size, want)
	}
}

func TestAreasRoundTripThroughGeoJSONWithTheSameDigest(t *testing.T) {
	areas := nested(t).Areas()
	data, err := MarshalAreasGeoJSON(areas, func(a Area) AreaUnitView { return AreaUnitView{Code: a.UnitCode, Name: "单位 " + a.UnitCode} })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"unit_name":"单位 HW"`) {
		t.Fatalf("no unit name in %s", data)
	}
	res := mustImportAreas(t, data)
	if len(res.Problems) != 0 || AreaDigest(res.Areas) != AreaDigest(areas) {
		t.Fatalf("re-import: problems %+v, digest %s, want %s", res.Problems, AreaDigest(res.Areas), AreaDigest(areas))
	}
	changed := slices.Clone(areas)
	changed[0].Categories = []string{"01"}
	if AreaDigest(changed) == AreaDigest(areas) {
		t.Fatal("the digest does not see a change of categories")
	}
	if got := SplitCategories(JoinCategories(areas[1].Categories)); !slices.Equal(got, areas[1].Categories) {
		t.Fatalf("categories %q read back as %q", areas[1].Categories, got)
	}
}

// TestAnAreaExportNamesTheUnitAsItIsNowSoItImportsAgain: after a recoding the export
// carries the unit's code now (and the imported one beside it), and an area whose unit
// cannot take cases says why.
func TestAnAreaExportNamesTheUnitAsItIsNowSoItImportsAgain(t *testing.T) {
	areas := nested(t).Areas()
	data, err := MarshalAreasGeoJSON(areas, func(a Area) AreaUnitView {
		if a.UnitCode == "HW" {
			return AreaUnitView{Code: "HW-2027", Name: "环卫处", Warning: UnitDisabled}
		}
		return AreaUnitView{Code: a.UnitCode}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"unit_code":"HW-2027","imported_unit_code":"HW","unit_name":"环卫处","unit_warning":"unit_disabled"`) {
		t.Fatalf("the export does not say what became of unit HW: %s", data)
	}
	for _, a := range mustImportAreas(t, data).Areas {
		if a.UnitCode == "HW" {
			t.Fatalf("area %s imports again with the old code HW", a.Code)
		}
	}
}

func TestNewAreaIndexRefusesDuplicateCodes(t *testing.T) {
	a := Area{Code: "A", Geometry: orb.MultiPolygon{{{{0, 0}, {0, 1}, {1, 1}, {0, 0}}}}}
	if _, err := NewAreaIndex([]Area{a, a}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("duplicate codes: %v, want ErrInvalid", err)
	}
	if _, err := NewAreaIndex([]Area{{Code: "B"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no polygon: %v, want ErrInvalid", err)
	}
}

func TestEveryProblemReasonHasAMessageInBothLanguages(t *testing.T) {
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages() {
		for _, r := range Reasons() {
			key := "grid.problem." + string(r)
			if got := b.For(lang).T(key, map[string]any{"Code": "c", "Other": "o", "Detail": "d"}); got == key {
				t.Errorf("%s: no message for %s", lang, key)
			}
		}
	}
}
