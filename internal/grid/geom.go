package grid

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// orient is twice the signed area of the triangle a, b, c: positive when c is to the left of
// the directed line a→b.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// onSegment reports whether c, known to be collinear with a and b, lies within their box.
func onSegment(a, b, c orb.Point) bool {
	return math.Min(a[0], b[0]) <= c[0] && c[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= c[1] && c[1] <= math.Max(a[1], b[1])
}

// segmentsTouch reports whether the closed segments p1p2 and q1q2 share any point, and one such
// point. Exact in the sense of float64 orientation signs; used for validity, where any contact
// between non-adjacent edges is a fault.
func segmentsTouch(p1, p2, q1, q2 orb.Point) (bool, orb.Point) {
	d1, d2 := sign(orient(q1, q2, p1)), sign(orient(q1, q2, p2))
	d3, d4 := sign(orient(p1, p2, q1)), sign(orient(p1, p2, q2))
	if d1*d2 < 0 && d3*d4 < 0 {
		return true, crossing(p1, p2, q1, q2)
	}
	switch {
	case d1 == 0 && onSegment(q1, q2, p1):
		return true, p1
	case d2 == 0 && onSegment(q1, q2, p2):
		return true, p2
	case d3 == 0 && onSegment(p1, p2, q1):
		return true, q1
	case d4 == 0 && onSegment(p1, p2, q2):
		return true, q2
	}
	return false, orb.Point{}
}

// crossing is the intersection point of the lines p1p2 and q1q2, which must not be parallel.
func crossing(p1, p2, q1, q2 orb.Point) orb.Point {
	rx, ry := p2[0]-p1[0], p2[1]-p1[1]
	sx, sy := q2[0]-q1[0], q2[1]-q1[1]
	den := rx*sy - ry*sx
	if den == 0 {
		return p1
	}
	t := ((q1[0]-p1[0])*sy - (q1[1]-p1[1])*sx) / den
	return orb.Point{p1[0] + t*rx, p1[1] + t*ry}
}

// lineDist is the signed distance of c from the line through a and b (positive on the left).
func lineDist(a, b, c orb.Point) float64 {
	l := math.Hypot(b[0]-a[0], b[1]-a[1])
	if l == 0 {
		return math.Hypot(c[0]-a[0], c[1]-a[1])
	}
	return orient(a, b, c) / l
}

// segmentsCross reports a proper crossing of p1p2 and q1q2 that is more than tol away from
// being a touch: each endpoint is farther than tol from the other segment's line, on opposite
// sides. Edges shared by two cells, or digitised twice a little differently, do not cross.
func segmentsCross(p1, p2, q1, q2 orb.Point, tol float64) (bool, orb.Point) {
	d1, d2 := lineDist(q1, q2, p1), lineDist(q1, q2, p2)
	if !(d1 > tol && d2 < -tol || d1 < -tol && d2 > tol) {
		return false, orb.Point{}
	}
	d3, d4 := lineDist(p1, p2, q1), lineDist(p1, p2, q2)
	if !(d3 > tol && d4 < -tol || d3 < -tol && d4 > tol) {
		return false, orb.Point{}
	}
	return true, crossing(p1, p2, q1, q2)
}

// segmentDist is the distance from c to the segment ab.
func segmentDist(a, b, c orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((c[0]-a[0])*dx+(c[1]-a[1])*dy)/l2))
	}
	return math.Hypot(a[0]+t*dx-c[0], a[1]+t*dy-c[1])
}

// boundaryDist is the distance from c to the nearest edge of any ring of p.
func boundaryDist(p orb.Polygon, c orb.Point) float64 {
	d := math.Inf(1)
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			d = math.Min(d, segmentDist(r[i], r[i+1], c))
		}
	}
	return d
}

// strictlyInside reports whether c is inside p and farther than tol from its boundary.
func strictlyInside(p orb.Polygon, c orb.Point, tol float64) bool {
	return planar.PolygonContains(p, c) && boundaryDist(p, c) > tol
}

// interiorPoint returns a point inside p, away from its boundary where it can: the middle of
// the widest span cut by a horizontal line through the middle of p's box (the classic
// "point on surface"). ok is false for a polygon too degenerate to have one.
func interiorPoint(p orb.Polygon) (orb.Point, bool) {
	b := p.Bound()
	y := (b.Min[1] + b.Max[1]) / 2
	var xs []float64
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			a, c := r[i], r[i+1]
			// Half-open in y so that a vertex on the line is counted once.
			if (a[1] > y) != (c[1] > y) {
				xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
			}
		}
	}
	if len(xs) < 2 {
		return orb.Point{}, false
	}
	slices.Sort(xs)
	best, at := -1.0, 0.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > best {
			best, at = w, (xs[i]+xs[i+1])/2
		}
	}
	return orb.Point{at, y}, best > 0
}

// polygonContains is the lookup's point-in-polygon test: p is in the polygon when it is inside
// or on the outer ring and neither strictly inside nor on a hole. Its answers are those of
// orb/planar.PolygonContains (the tests compare them); it exists because that function
// recomputes each ring's bounding box on every call, a quarter of a lookup's time, when the
// R-tree has already checked the box.
func polygonContains(poly orb.Polygon, p orb.Point) bool {
	if in, on := ringContains(poly[0], p); !in && !on {
		return false
	}
	for _, h := range poly[1:] {
		if in, on := ringContains(h, p); in || on {
			return false
		}
	}
	return true
}

// ringContains is the crossing-number test with a half-open rule on each edge. Each edge is
// taken from its lower to its upper end whichever way the ring runs, so two cells that share
// an edge compute bit-identical tests for it: a point that is not exactly on the edge is on
// one side of it for both, and lands in exactly one of them — no cracks, no double claims.
func ringContains(r orb.Ring, p orb.Point) (in, on bool) {
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if a[1] > b[1] || a[1] == b[1] && a[0] > b[0] {
			a, b = b, a
		}
		if p[1] < a[1] || p[1] > b[1] {
			continue
		}
		o := orient(a, b, p)
		if o == 0 && math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) {
			return false, true
		}
		// The edge crosses the ray to the east of p when p is left of the upward edge.
		if p[1] < b[1] && p[1] >= a[1] && o > 0 {
			in = !in
		}
	}
	return in, false
}
