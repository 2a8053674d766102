package grid

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestDemoGridImportsWithoutProblems(t *testing.T) {
	res := mustImport(t, DemoGeoJSON(), Options{})
	if len(res.Problems) != 0 {
		t.Fatalf("problems: %+v", res.Problems)
	}
	if len(res.Cells) < 200 {
		t.Fatalf("%d cells, want at least 200", len(res.Cells))
	}
	perCommunity := map[string]int{}
	streets, districts := map[string]bool{}, map[string]bool{}
	for _, c := range res.Cells {
		perCommunity[c.Community.Code]++
		streets[c.Street.Code], districts[c.District.Code] = true, true
		if c.Community.Name == "" || c.Street.Name == "" || c.District.Name == "" || c.Name == "" {
			t.Fatalf("cell %s lacks a name: %+v", c.Code, c)
		}
	}
	if len(perCommunity) != 8 || len(streets) != 4 || len(districts) != 2 {
		t.Fatalf("%d communities, %d streets, %d districts; want 8, 4, 2", len(perCommunity), len(streets), len(districts))
	}
	for code, n := range perCommunity {
		if n < 25 {
			t.Fatalf("community %s has %d cells, want at least 25", code, n)
		}
	}
}

func TestDemoGridIsDeterministic(t *testing.T) {
	if !bytes.Equal(DemoGeoJSON(), DemoGeoJSON()) {
		t.Fatal("two generations differ")
	}
}

func TestDemoCentreResolvesToACell(t *testing.T) {
	ix := mustIndex(t, mustImport(t, DemoGeoJSON(), Options{}).Cells)
	c, err := ix.Lookup(orb.Point{113.1920, 33.7450})
	if err != nil {
		t.Fatal(err)
	}
	if c.Code != "419901002001001" || c.Community.Name != "光明社区" || c.Street.Code != "419901002" || c.District.Code != "419901" {
		t.Fatalf("centre is in %+v, want 419901002001001 of 光明社区, 光明路街道, 东城区", c)
	}
}

// Within a community the sequence runs west→east, then north→south (FACTS §1.3).
func TestDemoSequenceRunsWestToEastThenNorthToSouth(t *testing.T) {
	ix := mustIndex(t, DemoCells())
	centre := func(code string) orb.Point {
		c, ok := ix.Cell(code)
		if !ok {
			t.Fatalf("no cell %s", code)
		}
		return c.Geometry.Bound().Center()
	}
	first, second, sixth := centre("419902001001001"), centre("419902001001002"), centre("419902001001006")
	if !(second[0] > first[0] && second[1] == first[1]) {
		t.Fatalf("002 at %v is not east of 001 at %v", second, first)
	}
	if !(sixth[1] < first[1] && sixth[0] == first[0]) {
		t.Fatalf("006 at %v is not south of 001 at %v", sixth, first)
	}
}

func TestStoredGeometryReadsBackToTheSameDigest(t *testing.T) {
	cells := DemoCells()
	for i, c := range cells {
		b, err := MarshalGeometry(c.Geometry)
		if err != nil {
			t.Fatal(err)
		}
		if cells[i].Geometry, err = ParseGeometry(b); err != nil {
			t.Fatalf("cell %s: %v", c.Code, err)
		}
	}
	if Digest(cells) != Digest(DemoCells()) {
		t.Fatal("geometry written and read back changed the digest")
	}
	if _, err := ParseGeometry([]byte(`{"type":"Point","coordinates":[1,2]}`)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a Point: %v, want ErrInvalid", err)
	}
}

func TestDemoAreasImportWithoutProblemsInsideTheGridAndAwayFromTheCentre(t *testing.T) {
	if !bytes.Equal(DemoAreasGeoJSON(), DemoAreasGeoJSON()) {
		t.Fatal("two generations differ")
	}
	res := mustImportAreas(t, DemoAreasGeoJSON())
	if len(res.Problems) != 0 || len(res.Areas) != 5 {
		t.Fatalf("%d areas, problems %+v", len(res.Areas), res.Problems)
	}
	if got := res.UnitCodes(); !slices.Equal(got, []string{"419900-HW", "419900-JT", "419900-SZ", "419900-YL"}) {
		t.Fatalf("units %v", got)
	}
	ix := mustAreaIndex(t, res.Areas)
	for _, p := range []orb.Point{{113.1920, 33.7450}, {113.2000, 33.7600}, {113.2190, 33.7600}} {
		if got := ix.Containing(p); len(got) != 0 {
			t.Fatalf("%v, where tests report cases, is in %v", p, areaCodes(got))
		}
	}
	cells := mustIndex(t, DemoCells()).Bound()
	for _, a := range res.Areas {
		if b := a.Geometry.Bound(); !cells.Contains(b.Min) || !cells.Contains(b.Max) {
			t.Fatalf("area %s %v lies outside the demo grid %v", a.Code, b, cells)
		}
	}
	// The market straddles the road: for trading on the roadway the market answers, for a
	// manhole cover the road.
	market := orb.Point{113.2010, 33.7410}
	if got := areaCodes(ix.Containing(market)); !slices.Equal(got, []string{"419901-SC-01", "419901-DL-01"}) {
		t.Fatalf("in the market: %v", got)
	}
	if a, _ := ix.ResponsibleFor(market, "event", "0502"); a.UnitCode != "419900-HW" {
		t.Fatalf("trading in the market: %+v", a)
	}
	if a, _ := ix.ResponsibleFor(market, "component", "0102"); a.UnitCode != "419900-SZ" {
		t.Fatalf("a manhole cover in the market: %+v", a)
	}
	// The lake is a hole in 湛河公园.
	if got := ix.Containing(orb.Point{113.1640, 33.7640}); len(got) != 0 {
		t.Fatalf("the lake is in %v", areaCodes(got))
	}
}
