package grid

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// findOverlaps reports each pair of cells whose interiors intersect, once, on the later
// feature. featureOf maps a cell to its feature index. The method is described on Import.
func findOverlaps(cells []Cell, featureOf []int, tol float64) []Problem {
	type part struct {
		cell int
		poly orb.Polygon
	}
	var parts []part
	var tree rtree.RTreeG[int]
	for ci, c := range cells {
		for _, p := range c.Geometry {
			b := p.Bound()
			tree.Insert(b.Min, b.Max, len(parts))
			parts = append(parts, part{ci, p})
		}
	}
	var out []Problem
	reported := map[[2]int]bool{}
	for _, a := range parts {
		b := a.poly.Bound()
		tree.Search(b.Min, b.Max, func(_, _ [2]float64, k int) bool {
			o := parts[k]
			if o.cell <= a.cell || reported[[2]int{a.cell, o.cell}] {
				return true
			}
			if at, ok := polygonsOverlap(a.poly, o.poly, tol); ok {
				reported[[2]int{a.cell, o.cell}] = true
				first, later := cells[a.cell], cells[o.cell]
				out = append(out, Problem{Feature: featureOf[o.cell], Code: later.Code, Reason: ReasonOverlap,
					Other: first.Code, At: &at,
					Message: fmt.Sprintf("cell %s overlaps cell %s (feature %d) near (%.7f, %.7f)",
						later.Code, first.Code, featureOf[a.cell], at[0], at[1])})
			}
			return true
		})
	}
	sortProblems(out)
	return out
}

// polygonsOverlap reports whether the interiors of a and b intersect, with a witness point.
func polygonsOverlap(a, b orb.Polygon, tol float64) (orb.Point, bool) {
	for _, ra := range a {
		for i := 0; i+1 < len(ra); i++ {
			for _, rb := range b {
				for j := 0; j+1 < len(rb); j++ {
					if ok, at := segmentsCross(ra[i], ra[i+1], rb[j], rb[j+1], tol); ok {
						return at, true
					}
				}
			}
		}
	}
	if at, ok := pointInside(a, b, tol); ok {
		return at, true
	}
	return pointInside(b, a, tol)
}

// pointInside looks for a vertex, an edge midpoint or the interior point of a that lies inside
// b, farther than tol from b's boundary.
func pointInside(a, b orb.Polygon, tol float64) (orb.Point, bool) {
	bb := b.Bound()
	for _, r := range a {
		for i := 0; i+1 < len(r); i++ {
			mid := orb.Point{(r[i][0] + r[i+1][0]) / 2, (r[i][1] + r[i+1][1]) / 2}
			for _, pt := range [2]orb.Point{r[i], mid} {
				if bb.Contains(pt) && strictlyInside(b, pt, tol) {
					return pt, true
				}
			}
		}
	}
	if pt, ok := interiorPoint(a); ok && strictlyInside(b, pt, tol) {
		return pt, true
	}
	return orb.Point{}, false
}
