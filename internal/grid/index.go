package grid

import (
	"fmt"
	"slices"
	"strings"

	"chengguan/internal/grid/coord"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Index answers point lookups over a set of cells. It is immutable and safe for concurrent
// use; a new grid version means a new Index.
type Index struct {
	cells []Cell // sorted by code: a smaller position is a smaller code
	tree  rtree.RTreeG[entry]
	bound orb.Bound
}

// entry is one polygon of one cell (or of one area, in an AreaIndex) in the R-tree.
type entry struct {
	cell, part int32
}

// NewIndex indexes cells (typically Result.Cells of an import). It refuses duplicate codes and
// cells without polygons; it trusts the geometry, which Import has checked.
func NewIndex(cells []Cell) (*Index, error) {
	ix := &Index{cells: slices.Clone(cells)}
	slices.SortFunc(ix.cells, func(a, b Cell) int { return strings.Compare(a.Code, b.Code) })
	for i, c := range ix.cells {
		if i > 0 && ix.cells[i-1].Code == c.Code {
			return nil, fmt.Errorf("%w: cell code %s appears twice", ErrInvalid, c.Code)
		}
		if len(c.Geometry) == 0 {
			return nil, fmt.Errorf("%w: cell %s has no polygon", ErrInvalid, c.Code)
		}
		for k, p := range c.Geometry {
			if len(p) == 0 || len(p[0]) < 4 {
				return nil, fmt.Errorf("%w: cell %s polygon %d has no outer ring", ErrInvalid, c.Code, k)
			}
			b := p.Bound()
			ix.tree.Insert(b.Min, b.Max, entry{int32(i), int32(k)})
			if i == 0 && k == 0 {
				ix.bound = b
			} else {
				ix.bound = ix.bound.Union(b)
			}
		}
	}
	return ix, nil
}

// Len is the number of cells.
func (ix *Index) Len() int { return len(ix.cells) }

// Bound is the box of all cells.
func (ix *Index) Bound() orb.Bound { return ix.bound }

// Cells returns the cells in code order. The slice is the index's own: do not modify it.
func (ix *Index) Cells() []Cell { return ix.cells }

// Cell returns the cell with the given code.
func (ix *Index) Cell(code string) (Cell, bool) {
	i, ok := slices.BinarySearchFunc(ix.cells, code, func(c Cell, code string) int { return strings.Compare(c.Code, code) })
	if !ok {
		return Cell{}, false
	}
	return ix.cells[i], true
}

// Lookup returns the cell that contains the WGS-84 point p (longitude, latitude). A point on a
// border belongs to every cell it touches, and the smallest code among them wins. A point in no
// cell is refused with an error that wraps ErrOutside; a point that is not a coordinate, with
// one that wraps ErrInvalid.
func (ix *Index) Lookup(p orb.Point) (Cell, error) {
	if err := coord.Check(p); err != nil {
		return Cell{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	k := ix.lookup(p)
	if k < 0 {
		return Cell{}, fmt.Errorf("%w: (%.7f, %.7f) WGS-84", ErrOutside, p[0], p[1])
	}
	return ix.cells[k], nil
}

// LookupIn is Lookup for a point given in sys, converted to WGS-84 first.
func (ix *Index) LookupIn(p orb.Point, sys coord.System) (Cell, error) {
	w, err := coord.ToWGS84(p, sys)
	if err != nil {
		return Cell{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return ix.Lookup(w)
}

// lookup is the position of the containing cell with the smallest code, or -1.
func (ix *Index) lookup(p orb.Point) int {
	best := -1
	ix.tree.Search(p, p, func(_, _ [2]float64, e entry) bool {
		if best >= 0 && int(e.cell) >= best {
			return true // cannot win the tie
		}
		if polygonContains(ix.cells[e.cell].Geometry[e.part], p) {
			best = int(e.cell)
		}
		return true
	})
	return best
}
