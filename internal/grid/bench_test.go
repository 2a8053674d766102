package grid

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"chengguan/internal/grid/coord"

	"github.com/paulmach/orb"
)

// randomPoints are n points uniformly inside the box of ix, fixed by the seed.
func randomPoints(ix *Index, n int) []orb.Point {
	b := ix.Bound()
	rng := rand.New(rand.NewPCG(5, 6))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	return pts
}

// 10,000 cells: a 100 × 100 tiling of quadrilaterals whose inner vertices are jittered by up to
// a quarter of a cell, so edges are slanted and neighbouring boxes overlap, as in real grids.
func BenchmarkLookup(b *testing.B) {
	ix := mustIndex(b, syntheticCells(100, true))
	pts := randomPoints(ix, 1<<16)
	i := 0
	for b.Loop() {
		if _, err := ix.Lookup(pts[i&(len(pts)-1)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// The same lookups on every core at once, to show the index takes no lock.
func BenchmarkLookupParallel(b *testing.B) {
	ix := mustIndex(b, syntheticCells(100, true))
	pts := randomPoints(ix, 1<<16)
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(pts))
		for pb.Next() {
			if _, err := ix.Lookup(pts[i&(len(pts)-1)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// A GCJ-02 point from a phone: the conversion plus the lookup.
func BenchmarkLookupInGCJ02(b *testing.B) {
	ix := mustIndex(b, syntheticCells(100, true))
	pts := randomPoints(ix, 1<<16)
	for k := range pts {
		pts[k] = coord.WGS84ToGCJ02(pts[k])
	}
	i := 0
	for b.Loop() {
		// A point near the edge of the extent may convert to just outside it: not an error here.
		_, _ = ix.LookupIn(pts[i&(len(pts)-1)], coord.GCJ02)
		i++
	}
}

func BenchmarkNewIndex10000(b *testing.B) {
	cells := syntheticCells(100, true)
	for b.Loop() {
		if _, err := NewIndex(cells); err != nil {
			b.Fatal(err)
		}
	}
}

// Import of the 10,000-cell tiling from GeoJSON, with every check: rings, codes, overlaps,
// gaps.
func BenchmarkImport10000(b *testing.B) {
	data, err := MarshalGeoJSON(syntheticCells(100, true))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := Import(data, Options{})
		if err != nil || len(res.Problems) != 0 {
			b.Fatalf("Import: %v, %d problems", err, len(res.Problems))
		}
	}
}

// syntheticAreas are responsibility areas over the 1° × 1° box from (112.5, 33.3), fixed by
// the seed, overlapping as a city's do: 100 roads (strips across the whole box, 0.002° wide,
// half east–west and half north–south), 400 parks and markets (squares of 0.005–0.02°) and
// 1,500 shop fronts under 门前三包 (squares of 0.0005°). Every kind of area names categories.
func syntheticAreas() []Area {
	const x0, y0 = 112.5, 33.3
	rng := rand.New(rand.NewPCG(7, 8))
	box := func(x, y, w, h float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}}}
	}
	var out []Area
	for i := range 100 {
		g := box(x0, y0+rng.Float64()*0.998, 1, 0.002)
		if i%2 == 1 {
			g = box(x0+rng.Float64()*0.998, y0, 0.002, 1)
		}
		out = append(out, Area{Code: fmt.Sprintf("ROAD-%03d", i), UnitCode: "SZ", Kind: "道路",
			Categories: []string{"component:01", "event:04"}, Geometry: g})
	}
	for i := range 400 {
		s := 0.005 + rng.Float64()*0.015
		out = append(out, Area{Code: fmt.Sprintf("PARK-%03d", i), UnitCode: "YL", Kind: "公园",
			Categories: []string{"event:01", "component:04"}, Geometry: box(x0+rng.Float64()*(1-s), y0+rng.Float64()*(1-s), s, s)})
	}
	for i := range 1500 {
		out = append(out, Area{Code: fmt.Sprintf("SHOP-%04d", i), UnitCode: "SELF", Kind: "门前三包",
			Categories: []string{"0102", "0104", "0502"}, Geometry: box(x0+rng.Float64()*0.9995, y0+rng.Float64()*0.9995, 0.0005, 0.0005)})
	}
	return out
}

func areaPoints(n int) []orb.Point {
	rng := rand.New(rand.NewPCG(9, 10))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{112.5 + rng.Float64(), 33.3 + rng.Float64()}
	}
	return pts
}

func mustAreaIndex(tb testing.TB, areas []Area) *AreaIndex {
	tb.Helper()
	ix, err := NewAreaIndex(areas)
	if err != nil {
		tb.Fatal(err)
	}
	return ix
}

// Every area containing a random point, most specific first.
func BenchmarkAreaContaining(b *testing.B) {
	ix := mustAreaIndex(b, syntheticAreas())
	pts := areaPoints(1 << 16)
	i, found := 0, 0
	for b.Loop() {
		found += len(ix.Containing(pts[i&(len(pts)-1)]))
		i++
	}
	b.ReportMetric(float64(found)/float64(i), "areas/op")
}

// The responsible area for a category at a random point: what a dispatch suggestion asks.
func BenchmarkAreaResponsibleFor(b *testing.B) {
	ix := mustAreaIndex(b, syntheticAreas())
	pts := areaPoints(1 << 16)
	i, hit := 0, 0
	for b.Loop() {
		if _, ok := ix.ResponsibleFor(pts[i&(len(pts)-1)], "event", "0102"); ok {
			hit++
		}
		i++
	}
	b.ReportMetric(float64(hit)/float64(i), "hits/op")
}

func BenchmarkNewAreaIndex2000(b *testing.B) {
	areas := syntheticAreas()
	for b.Loop() {
		mustAreaIndex(b, areas)
	}
}

// Import of the 2,000 areas from GeoJSON with every check (rings, codes, categories).
func BenchmarkImportAreas2000(b *testing.B) {
	data, err := MarshalAreasGeoJSON(syntheticAreas(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		res, err := ImportAreas(data)
		if err != nil || len(res.Problems) != 0 {
			b.Fatalf("ImportAreas: %v, %+v", err, res.Problems)
		}
	}
}
