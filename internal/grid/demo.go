package grid

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// The demo city 示范市 (internal/demo) laid over central Pingdingshan. Its units are repeated
// here rather than imported, because the demo loader will import this package.
//
// Layout: a rectangle of demoCols × demoRows cells. Its west half is 西城区 (419902) and its east
// half 东城区 (419901); each district's north half is its first street and its south half its
// second; each street's west half is its first community and its east half its second. So the
// 8 communities are 4 columns by 2 rows of rectangles of 5 × 6 cells: 240 cells of 0.004° ×
// 0.005° (about 370 m × 555 m). The lattice is placed so that demo.Centre (113.1920 E,
// 33.7450 N) lies inside a cell, not on a line.
const (
	demoWest  = 113.1515
	demoNorth = 33.7755
	demoDLon  = 0.004
	demoDLat  = 0.005
	demoCols  = 20 // 4 communities of 5 columns
	demoRows  = 12 // 2 communities of 6 rows
	demoCCols = 5  // cell columns per community
	demoCRows = 6  // cell rows per community
)

type demoUnit struct{ code, name string }

// demoCommunities, west to east, then north to south, with their street and district.
var demoCommunities = [2][4][3]demoUnit{
	{ // north row: each district's first street
		{{"419902001001", "湛河社区"}, {"419902001", "湛南街道"}, {"419902", "西城区"}},
		{{"419902001002", "南环社区"}, {"419902001", "湛南街道"}, {"419902", "西城区"}},
		{{"419901001001", "鹰城社区"}, {"419901001", "建设路街道"}, {"419901", "东城区"}},
		{{"419901001002", "矿工路社区"}, {"419901001", "建设路街道"}, {"419901", "东城区"}},
	},
	{ // south row: each district's second street
		{{"419902002001", "曙光社区"}, {"419902002", "曙光街道"}, {"419902", "西城区"}},
		{{"419902002002", "姚孟社区"}, {"419902002", "曙光街道"}, {"419902", "西城区"}},
		{{"419901002001", "光明社区"}, {"419901002", "光明路街道"}, {"419901", "东城区"}},
		{{"419901002002", "新华社区"}, {"419901002", "光明路街道"}, {"419901", "东城区"}},
	},
}

// DemoCells generates the demo city's unit grid cells deterministically: 240 cells with 15-digit
// codes (community code + a 3-digit sequence numbered west→east, north→south within the
// community) whose neighbours share exact edges.
func DemoCells() []Cell {
	// Each lattice line is computed once, so neighbours share bit-identical vertices.
	round := func(v float64) float64 { return math.Round(v*1e7) / 1e7 }
	var xs [demoCols + 1]float64
	var ys [demoRows + 1]float64
	for i := range xs {
		xs[i] = round(demoWest + float64(i)*demoDLon)
	}
	for j := range ys {
		ys[j] = round(demoNorth - float64(j)*demoDLat)
	}
	cells := make([]Cell, 0, demoCols*demoRows)
	for cr := range 2 {
		for cc := range 4 {
			u := demoCommunities[cr][cc]
			for r := range demoCRows {
				for c := range demoCCols {
					seq := r*demoCCols + c + 1
					i, j := cc*demoCCols+c, cr*demoCRows+r
					ring := orb.Ring{{xs[i], ys[j]}, {xs[i], ys[j+1]}, {xs[i+1], ys[j+1]}, {xs[i+1], ys[j]}, {xs[i], ys[j]}}
					cells = append(cells, Cell{
						Code:      fmt.Sprintf("%s%03d", u[0].code, seq),
						Name:      fmt.Sprintf("%s %03d", u[0].name, seq),
						Community: Ref{u[0].code, u[0].name},
						Street:    Ref{u[1].code, u[1].name},
						District:  Ref{u[2].code, u[2].name},
						Geometry:  orb.MultiPolygon{{ring}},
					})
				}
			}
		}
	}
	return cells
}

// DemoGeoJSON is DemoCells as a GeoJSON FeatureCollection, to load through Import like any
// city's grid.
func DemoGeoJSON() []byte {
	b, err := MarshalGeoJSON(DemoCells())
	if err != nil {
		panic("grid: demo GeoJSON: " + err.Error()) // finite coordinates and strings always marshal
	}
	return b
}

// The demo departments, repeated from internal/demo as the units above are.
const (
	demoLandscaping = "419900-YL" // 园林绿化中心
	demoSanitation  = "419900-HW" // 环境卫生管理处
	demoMunicipal   = "419900-SZ" // 市政工程管理处
	demoTransport   = "419900-JT" // 交通运输局
)

// DemoAreas are the demo city's responsibility areas (责任区): two parks (one with a lake cut
// out as a hole), a road across the city, a market that straddles the road, and the railway
// station's square, each with one of the demo departments and the categories it answers for.
// None contains demo.Centre or the point in 鹰城社区 the tests report at (113.2000 E, 33.7600
// N), so cases reported there are dispatched by category as before.
func DemoAreas() []Area {
	box := func(w, s, e, n float64) orb.Ring {
		return orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
	}
	park := []string{"component:0126", "component:03", "component:04", "event:01", "event:02"}
	return []Area{
		{Code: "419902-GY-01", Name: "湛河公园", Kind: "公园", UnitCode: demoLandscaping, Categories: park,
			Geometry: orb.MultiPolygon{{
				{{113.1600, 33.7600}, {113.1680, 33.7595}, {113.1705, 33.7640}, {113.1675, 33.7685}, {113.1610, 33.7680}, {113.1585, 33.7640}, {113.1600, 33.7600}},
				box(113.1630, 33.7630, 113.1650, 33.7650), // the lake: 水域不洁 stays with sanitation
			}}},
		{Code: "419901-GY-01", Name: "鹰城公园", Kind: "公园", UnitCode: demoLandscaping, Categories: park,
			Geometry: orb.MultiPolygon{{box(113.1960, 33.7660, 113.2040, 33.7720)}}},
		{Code: "419901-DL-01", Name: "建设路", Kind: "道路", UnitCode: demoMunicipal,
			Categories: []string{"component:01", "component:02", "event:04"},
			Geometry:   orb.MultiPolygon{{box(demoWest, 33.7400, demoWest+demoCols*demoDLon, 33.7420)}}},
		{Code: "419901-SC-01", Name: "光明农贸市场", Kind: "市场", UnitCode: demoSanitation,
			Categories: []string{"event:01", "event:05"},
			Geometry:   orb.MultiPolygon{{box(113.1990, 33.7390, 113.2030, 33.7430)}}},
		{Code: "419901-ZC-01", Name: "火车站站前广场", Kind: "站前广场", UnitCode: demoTransport,
			Categories: []string{"component:02", "component:07", "event:05", "event:06"},
			Geometry:   orb.MultiPolygon{{box(113.2200, 33.7180, 113.2270, 33.7230)}}},
	}
}

// DemoAreasGeoJSON is DemoAreas as a GeoJSON FeatureCollection, to load through ImportAreas
// like any city's file.
func DemoAreasGeoJSON() []byte {
	b, err := MarshalAreasGeoJSON(DemoAreas(), nil)
	if err != nil {
		panic("grid: demo areas GeoJSON: " + err.Error()) // finite coordinates and strings always marshal
	}
	return b
}
