package grid

import (
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
