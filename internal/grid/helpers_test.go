package grid

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// collection wraps feature JSON texts in a FeatureCollection.
func collection(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

// feature is a feature with the given geometry JSON and properties JSON object.
func feature(geometry, properties string) string {
	return `{"type":"Feature","geometry":` + geometry + `,"properties":` + properties + `}`
}

// rect is a Polygon JSON for the box [x0, x1] × [y0, y1], counter-clockwise.
func rect(x0, y0, x1, y1 float64) string {
	return ring(x0, y0, x0, y1, x1, y1, x1, y0, x0, y0)
}

// ring is a Polygon JSON with one ring of the given x, y pairs, taken as given.
func ring(xy ...float64) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i+1 < len(xy); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%v,%v]", xy[i], xy[i+1])
	}
	b.WriteString(`]]}`)
	return b.String()
}

// code15 is a valid 15-digit code in community 419901001001.
func code15(seq int) string { return fmt.Sprintf("419901001001%03d", seq) }

func props(code string) string { return `{"code":"` + code + `"}` }

func mustImport(tb testing.TB, data []byte, opts Options) Result {
	tb.Helper()
	res, err := Import(data, opts)
	if err != nil {
		tb.Fatalf("Import: %v", err)
	}
	return res
}

func mustIndex(tb testing.TB, cells []Cell) *Index {
	tb.Helper()
	ix, err := NewIndex(cells)
	if err != nil {
		tb.Fatalf("NewIndex: %v", err)
	}
	return ix
}

// boxGrid imports an n × m grid of unit boxes of side s from (x0, y0), row-major from the
// north-west, skipping the listed cells (by 1-based sequence number), and returns the result.
func boxGrid(tb testing.TB, cols, rows int, skip ...int) Result {
	tb.Helper()
	const x0, y0, s = 113.0, 33.8, 0.01
	var fs []string
	for r := range rows {
		for c := range cols {
			seq := r*cols + c + 1
			if containsInt(skip, seq) {
				continue
			}
			fs = append(fs, feature(rect(x0+float64(c)*s, y0-float64(r+1)*s, x0+float64(c+1)*s, y0-float64(r)*s), props(code15(seq))))
		}
	}
	return mustImport(tb, collection(fs...), Options{})
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// syntheticCells is an n × n grid of quadrilaterals over about 0.01° × 0.01° per cell near
// Pingdingshan. With jitter every inner vertex is moved by up to a quarter of a cell in each
// axis (deterministically), so the edges are not axis-aligned; neighbours share vertices
// exactly, so the cells tile the area.
func syntheticCells(n int, jitter bool) []Cell {
	const x0, y0, s = 112.5, 34.3, 0.01
	rng := rand.New(rand.NewPCG(1, 2))
	vx := make([][]float64, n+1)
	vy := make([][]float64, n+1)
	for j := 0; j <= n; j++ {
		vx[j], vy[j] = make([]float64, n+1), make([]float64, n+1)
		for i := 0; i <= n; i++ {
			x, y := x0+float64(i)*s, y0-float64(j)*s
			if jitter && i > 0 && i < n && j > 0 && j < n {
				x += (rng.Float64() - 0.5) * s / 2
				y += (rng.Float64() - 0.5) * s / 2
			}
			vx[j][i], vy[j][i] = x, y
		}
	}
	cells := make([]Cell, 0, n*n)
	for j := range n {
		for i := range n {
			p := func(a, b int) orb.Point { return orb.Point{vx[b][a], vy[b][a]} }
			r := orb.Ring{p(i, j), p(i, j+1), p(i+1, j+1), p(i+1, j), p(i, j)}
			code := fmt.Sprintf("419901%03d%03d%03d", 1+j/10, 1+i/10, (j%10)*10+i%10+1)
			cells = append(cells, Cell{Code: code, Geometry: orb.MultiPolygon{{r}},
				Community: Ref{Code: code[:12]}, Street: Ref{Code: code[:9]}, District: Ref{Code: code[:6]}})
		}
	}
	return cells
}
