package grid

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// maxGapLattice bounds the work of gap detection: about a quarter of a second at the worst.
const maxGapLattice = 1 << 18

// findGaps reports areas that no cell covers but that cells enclose: holes in the union of the
// cells.
//
// Method: a lattice of points is laid over the box of all cells, with a step of a quarter of
// the median cell's smaller box side (coarser if the lattice would exceed maxGapLattice points),
// offset by half a step and padded by one row and column of points outside the box. Each point
// is looked up in the index. Uncovered points reachable from the padding through uncovered
// 4-neighbours lie outside the grid's outline; the uncovered points that remain are enclosed,
// and each 4-connected group of them is reported once, with its first point (north-west first)
// as a witness, an area estimate, and the code of the nearest cell to its west.
//
// Limits: a gap that no lattice point falls into — narrower than a step, about a quarter of a
// cell — is missed; an enclave that is meant to be left out (a military zone, a lake managed by
// nobody) is reported and must be waved through by a person; two gaps that touch diagonally at
// the lattice's resolution are reported as two; a bay of the outline whose mouth is narrower
// than a step looks enclosed and is reported as a gap.
func findGaps(ix *Index) []Problem {
	ext := ix.Bound()
	sides := make([]float64, 0, len(ix.cells))
	for _, c := range ix.cells {
		b := c.Geometry.Bound()
		sides = append(sides, math.Min(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]))
	}
	slices.Sort(sides)
	step := sides[len(sides)/2] / 4
	w, h := ext.Max[0]-ext.Min[0], ext.Max[1]-ext.Min[1]
	if !(step > 0) || w <= 0 || h <= 0 {
		return nil
	}
	if n := math.Ceil(w/step) * math.Ceil(h/step); n > maxGapLattice {
		step *= math.Sqrt(n / maxGapLattice)
	}
	nx, ny := int(math.Ceil(w/step))+2, int(math.Ceil(h/step))+2
	at := func(i, j int) orb.Point {
		return orb.Point{ext.Min[0] + (float64(i)-0.5)*step, ext.Max[1] - (float64(j)-0.5)*step}
	}
	const (
		uncovered = iota
		covered
		outside
		reported
	)
	state := make([]uint8, nx*ny)
	owner := make([]int32, nx*ny) // the covering cell, for naming a gap's neighbour
	for j := 1; j < ny-1; j++ {
		for i := 1; i < nx-1; i++ {
			if k := ix.lookup(at(i, j)); k >= 0 {
				state[j*nx+i], owner[j*nx+i] = covered, int32(k)
			}
		}
	}
	// fill marks the uncovered 4-connected region around start as to, and returns its size.
	stack := []int{}
	fill := func(start int, to uint8) int {
		n := 0
		state[start] = to
		stack = append(stack[:0], start)
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			i, j := k%nx, k/nx
			for _, nb := range [4][2]int{{i - 1, j}, {i + 1, j}, {i, j - 1}, {i, j + 1}} {
				if nb[0] < 0 || nb[0] >= nx || nb[1] < 0 || nb[1] >= ny {
					continue
				}
				if m := nb[1]*nx + nb[0]; state[m] == uncovered {
					state[m] = to
					stack = append(stack, m)
				}
			}
		}
		return n
	}
	fill(0, outside) // the padding is connected all round
	var out []Problem
	for k := range state {
		if state[k] != uncovered {
			continue
		}
		n := fill(k, reported)
		p := at(k%nx, k/nx)
		west := ""
		for m := k - 1; m >= (k/nx)*nx; m-- {
			if state[m] == covered {
				west = ix.cells[owner[m]].Code
				break
			}
		}
		// A lattice step in metres, on each axis, at this latitude.
		area := float64(n) * step * 111320 * math.Cos(p[1]*math.Pi/180) * step * 110574
		out = append(out, Problem{Feature: -1, Reason: ReasonGap, Other: west, At: &p,
			Message: fmt.Sprintf("about %.0f m² near (%.7f, %.7f) is enclosed by cells but covered by none (next to cell %s)",
				area, p[0], p[1], west)})
	}
	return out
}
