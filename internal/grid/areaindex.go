package grid

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"chengguan/internal/grid/coord"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// AreaIndex answers which responsibility areas contain a point. It is immutable and safe for
// concurrent use; a new area version means a new AreaIndex.
type AreaIndex struct {
	// areas are in specificity order — smallest first, then by code — so that a smaller
	// position is a more specific area.
	areas  []Area
	byCode map[string]int
	tree   rtree.RTreeG[entry]
}

// NewAreaIndex indexes areas (typically AreaResult.Areas of an import). It refuses duplicate
// codes and areas without polygons; it trusts the geometry, which ImportAreas has checked.
func NewAreaIndex(areas []Area) (*AreaIndex, error) {
	type sized struct {
		a    Area
		size float64
	}
	s := make([]sized, len(areas))
	for i, a := range areas {
		s[i] = sized{a, a.Size()}
	}
	slices.SortFunc(s, func(x, y sized) int {
		if c := cmp.Compare(x.size, y.size); c != 0 {
			return c
		}
		return strings.Compare(x.a.Code, y.a.Code)
	})
	ix := &AreaIndex{areas: make([]Area, len(s)), byCode: make(map[string]int, len(s))}
	for i, x := range s {
		a := x.a
		if _, dup := ix.byCode[a.Code]; dup {
			return nil, fmt.Errorf("%w: area code %s appears twice", ErrInvalid, a.Code)
		}
		if len(a.Geometry) == 0 {
			return nil, fmt.Errorf("%w: area %s has no polygon", ErrInvalid, a.Code)
		}
		for k, p := range a.Geometry {
			if len(p) == 0 || len(p[0]) < 4 {
				return nil, fmt.Errorf("%w: area %s polygon %d has no outer ring", ErrInvalid, a.Code, k)
			}
			b := p.Bound()
			ix.tree.Insert(b.Min, b.Max, entry{int32(i), int32(k)})
		}
		ix.areas[i], ix.byCode[a.Code] = a, i
	}
	return ix, nil
}

// Len is the number of areas.
func (ix *AreaIndex) Len() int { return len(ix.areas) }

// Areas returns the areas in code order, in a new slice.
func (ix *AreaIndex) Areas() []Area {
	out := slices.Clone(ix.areas)
	slices.SortFunc(out, func(a, b Area) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// Area returns the area with the given code.
func (ix *AreaIndex) Area(code string) (Area, bool) {
	i, ok := ix.byCode[code]
	if !ok {
		return Area{}, false
	}
	return ix.areas[i], true
}

// Containing returns the areas that contain the WGS-84 point p, most specific first: the
// smallest area first, then by code. An area is closed, as a cell is: a point on its outer
// boundary is in it, one on the boundary of a hole is not. A point that is not a coordinate
// is in no area.
func (ix *AreaIndex) Containing(p orb.Point) []Area {
	if coord.Check(p) != nil {
		return nil
	}
	var hits []int
	ix.tree.Search(p, p, func(_, _ [2]float64, e entry) bool {
		if polygonContains(ix.areas[e.cell].Geometry[e.part], p) {
			hits = append(hits, int(e.cell))
		}
		return true
	})
	slices.Sort(hits)
	hits = slices.Compact(hits) // the parts of a MultiPolygon
	out := make([]Area, len(hits))
	for k, i := range hits {
		out[k] = ix.areas[i]
	}
	return out
}

// ResponsibleFor returns the area responsible at the WGS-84 point p for problems of the
// category of the given kind ("component" or "event") and 4-digit code: the most specific
// area containing p that covers the category (Responsible). ok is false when there is none.
func (ix *AreaIndex) ResponsibleFor(p orb.Point, kind, code string) (Area, bool) {
	return Responsible(ix.Containing(p), kind, code)
}

// Responsible returns the first of areas — in Containing's order, most specific first — that
// covers the category of the given kind and code. It is the one rule of responsibility.
func Responsible(areas []Area, kind, code string) (Area, bool) {
	for _, a := range areas {
		if a.Covers(kind, code) {
			return a, true
		}
	}
	return Area{}, false
}

// digest is AreaDigest of the index's areas.
func (ix *AreaIndex) digest() string { return AreaDigest(ix.areas) }
