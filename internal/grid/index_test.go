package grid

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"chengguan/internal/grid/coord"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Four boxes meeting at (113.01, 33.79): 1 north-west, 2 north-east, 4 south-west, 5
// south-east (sequence numbers of a 3 × 3 grid).
func TestPointsOnSharedEdgesAndCornersResolveToTheSmallestCode(t *testing.T) {
	res := boxGrid(t, 3, 3)
	cases := []struct {
		name string
		p    orb.Point
		want int
	}{
		{"inside 5", orb.Point{113.015, 33.785}, 5},
		{"edge between 1 and 2", orb.Point{113.01, 33.795}, 1},
		{"edge between 2 and 5", orb.Point{113.015, 33.79}, 2},
		{"edge between 4 and 5", orb.Point{113.01, 33.785}, 4},
		{"edge between 5 and 6", orb.Point{113.02, 33.785}, 5},
		{"corner of 1, 2, 4, 5", orb.Point{113.01, 33.79}, 1},
		{"corner of 5, 6, 8, 9", orb.Point{113.02, 33.78}, 5},
		{"edge between 5 and 8", orb.Point{113.015, 33.78}, 5},
		{"outer corner of 9", orb.Point{113.03, 33.77}, 9},
		{"outer edge of 3", orb.Point{113.03, 33.795}, 3},
	}
	// The answer must not depend on the order the cells were given in.
	orders := [][]Cell{res.Cells, slices.Clone(res.Cells)}
	slices.Reverse(orders[1])
	rng := rand.New(rand.NewPCG(7, 7))
	shuffled := slices.Clone(res.Cells)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	orders = append(orders, shuffled)
	for _, cells := range orders {
		ix := mustIndex(t, cells)
		for _, tc := range cases {
			got, err := ix.Lookup(tc.p)
			if err != nil {
				t.Fatalf("%s: Lookup(%v): %v", tc.name, tc.p, err)
			}
			if got.Code != code15(tc.want) {
				t.Fatalf("%s: Lookup(%v) = %s, want %s", tc.name, tc.p, got.Code, code15(tc.want))
			}
		}
	}
}

// In a tiling with slanted edges every shared vertex resolves to the smallest code of the
// cells around it, and every point strictly inside the tiling resolves to some cell: there are
// no cracks along slanted edges.
func TestJitteredGridHasNoCracksAndSharedVerticesResolveToTheSmallestCode(t *testing.T) {
	cells := syntheticCells(30, true)
	ix := mustIndex(t, cells)
	around := map[orb.Point]string{}
	for _, c := range cells {
		for _, v := range c.Geometry[0][0] {
			if best, ok := around[v]; !ok || c.Code < best {
				around[v] = c.Code
			}
		}
	}
	for v, want := range around {
		got, err := ix.Lookup(v)
		if err != nil || got.Code != want {
			t.Fatalf("Lookup(vertex %v) = %s, %v; want %s", v, got.Code, err, want)
		}
	}
	// Midpoints of shared edges lie on the edge up to rounding: either neighbour is fine, but
	// some cell must claim them.
	for _, c := range cells {
		r := c.Geometry[0][0]
		for i := 0; i+1 < len(r); i++ {
			mid := orb.Point{(r[i][0] + r[i+1][0]) / 2, (r[i][1] + r[i+1][1]) / 2}
			if _, err := ix.Lookup(mid); err != nil {
				t.Fatalf("midpoint %v of an edge of %s: %v", mid, c.Code, err)
			}
		}
	}
}

func TestLookupAgreesWithBruteForce(t *testing.T) {
	cells := syntheticCells(30, true)
	ix := mustIndex(t, cells)
	b := ix.Bound()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		want := ""
		for _, c := range cells {
			if planar.MultiPolygonContains(c.Geometry, p) && (want == "" || c.Code < want) {
				want = c.Code
			}
		}
		got, err := ix.Lookup(p)
		if want == "" {
			if !errors.Is(err, ErrOutside) {
				t.Fatalf("Lookup(%v) = %s, %v; brute force finds no cell", p, got.Code, err)
			}
			continue
		}
		if err != nil || got.Code != want {
			t.Fatalf("Lookup(%v) = %s, %v; brute force says %s", p, got.Code, err, want)
		}
	}
}

func TestPointOutsideEveryCellIsRefusedWithErrOutside(t *testing.T) {
	ix := mustIndex(t, boxGrid(t, 3, 3, 5).Cells)
	for _, p := range []orb.Point{
		{113.015, 33.785}, // in the missing middle cell
		{112.9, 33.7},     // west of the grid
		{2.35, 48.85},     // Paris
	} {
		if c, err := ix.Lookup(p); !errors.Is(err, ErrOutside) {
			t.Fatalf("Lookup(%v) = %s, %v; want ErrOutside", p, c.Code, err)
		}
	}
}

func TestLookupRefusesAPointThatIsNotACoordinate(t *testing.T) {
	ix := mustIndex(t, boxGrid(t, 2, 2).Cells)
	for _, p := range []orb.Point{{181, 33}, {113, 95}} {
		if _, err := ix.Lookup(p); !errors.Is(err, ErrInvalid) || !errors.Is(err, coord.ErrInvalid) {
			t.Fatalf("Lookup(%v) error = %v, want ErrInvalid", p, err)
		}
	}
	if _, err := ix.LookupIn(orb.Point{113, 33}, coord.System("BD09")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("LookupIn(BD09) error = %v, want ErrInvalid", err)
	}
}

func TestHoleBoundaryBelongsToTheCellFillingTheHole(t *testing.T) {
	donut := `{"type":"Polygon","coordinates":[[[113,33],[113.03,33],[113.03,33.03],[113,33.03],[113,33]],[[113.01,33.01],[113.01,33.02],[113.02,33.02],[113.02,33.01],[113.01,33.01]]]}`
	res := mustImport(t, collection(feature(donut, props(code15(1))), feature(rect(113.01, 33.01, 113.02, 33.02), props(code15(2)))), Options{})
	ix := mustIndex(t, res.Cells)
	for _, tc := range []struct {
		p    orb.Point
		want int
	}{
		{orb.Point{113.015, 33.015}, 2}, // inside the hole
		{orb.Point{113.01, 33.015}, 2},  // on the hole's edge: the donut's code is smaller, but the hole is open
		{orb.Point{113.01, 33.01}, 2},   // on the hole's corner
		{orb.Point{113.005, 33.015}, 1}, // in the donut
	} {
		got, err := ix.Lookup(tc.p)
		if err != nil || got.Code != code15(tc.want) {
			t.Fatalf("Lookup(%v) = %s, %v; want %s", tc.p, got.Code, err, code15(tc.want))
		}
	}
}

func TestLookupInConvertsGCJ02AtTheEdge(t *testing.T) {
	ix := mustIndex(t, DemoCells())
	wgs := orb.Point{113.1920, 33.7450}
	want, err := ix.Lookup(wgs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ix.LookupIn(coord.WGS84ToGCJ02(wgs), coord.GCJ02)
	if err != nil || got.Code != want.Code {
		t.Fatalf("LookupIn(GCJ-02 of the centre) = %s, %v; want %s", got.Code, err, want.Code)
	}
	// The GCJ-02 offset here is several hundred metres, more than a cell: taking GCJ-02 for
	// WGS-84 lands in another cell.
	wrong, err := ix.Lookup(coord.WGS84ToGCJ02(wgs))
	if err == nil && wrong.Code == want.Code {
		t.Fatalf("the GCJ-02 point read as WGS-84 also gives %s; the test point shows nothing", want.Code)
	}
}

func TestNewIndexRefusesDuplicateCodesAndEmptyCells(t *testing.T) {
	cells := DemoCells()
	if _, err := NewIndex(append(slices.Clone(cells), cells[7])); !errors.Is(err, ErrInvalid) {
		t.Fatalf("duplicate: error %v, want ErrInvalid", err)
	}
	if _, err := NewIndex([]Cell{{Code: code15(1)}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no geometry: error %v, want ErrInvalid", err)
	}
}

func TestCellFindsByCodeAndCellsAreInCodeOrder(t *testing.T) {
	ix := mustIndex(t, DemoCells())
	c, ok := ix.Cell("419902002002030")
	if !ok || c.Community.Name != "姚孟社区" {
		t.Fatalf("Cell(419902002002030) = %+v, %v", c, ok)
	}
	if _, ok := ix.Cell("419902002002031"); ok {
		t.Fatal("Cell(419902002002031) found a cell that does not exist")
	}
	if !slices.IsSortedFunc(ix.Cells(), func(a, b Cell) int { return compareStrings(a.Code, b.Code) }) {
		t.Fatal("Cells() is not in code order")
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// The lookup's own point-in-polygon test gives orb/planar's answers: on vertices, on edge
// midpoints, near edges and at random.
func TestPolygonContainsAgreesWithOrbPlanar(t *testing.T) {
	cells := syntheticCells(12, true)
	rng := rand.New(rand.NewPCG(9, 9))
	var pts []orb.Point
	for _, c := range cells {
		r := c.Geometry[0][0]
		for i := 0; i+1 < len(r); i++ {
			mid := orb.Point{(r[i][0] + r[i+1][0]) / 2, (r[i][1] + r[i+1][1]) / 2}
			pts = append(pts, r[i], mid, orb.Point{mid[0] + 1e-12, mid[1]}, orb.Point{mid[0], mid[1] - 1e-12})
		}
	}
	b := mustIndex(t, cells).Bound()
	for range 2000 {
		pts = append(pts, orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])})
	}
	donut := orb.Polygon{
		{{113, 33}, {113.03, 33}, {113.03, 33.03}, {113, 33.03}, {113, 33}},
		{{113.01, 33.01}, {113.01, 33.02}, {113.02, 33.02}, {113.02, 33.01}, {113.01, 33.01}},
	}
	for _, p := range pts {
		for _, c := range cells {
			poly := c.Geometry[0]
			if got, want := polygonContains(poly, p), planar.PolygonContains(poly, p); got != want {
				t.Fatalf("polygonContains(%s, %v) = %v, orb/planar says %v", c.Code, p, got, want)
			}
		}
	}
	for _, p := range []orb.Point{{113.01, 33.015}, {113.015, 33.015}, {113.005, 33.005}, {113, 33}, {113.02, 33.02}, {113.04, 33}} {
		if got, want := polygonContains(donut, p), planar.PolygonContains(donut, p); got != want {
			t.Fatalf("polygonContains(donut, %v) = %v, orb/planar says %v", p, got, want)
		}
	}
}
