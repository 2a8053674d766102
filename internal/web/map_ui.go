package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"chengguan/internal/apperr"
	"chengguan/internal/grid"
	"chengguan/internal/urban/taxonomy"
)

// mapData configures the map page's script through data attributes (the
// CSP allows no inline script), and lists the responsibility areas.
type mapData struct {
	// Tiles is a tile URL template ({z}/{x}/{y}); empty draws the grids on a
	// blank background, which needs no network.
	Tiles string
	// Areas are the responsibility areas in force, in code order, at most
	// mapAreasListed of them: the list beside the map says in words what
	// the map's tooltips say on hover. AreasTotal counts them all.
	Areas      []areaRow
	AreasTotal int
	// ImportedCells or ImportedAreas is the version an import from the
	// import page has just added, when it is still the one in force.
	ImportedCells *grid.Version
	ImportedAreas *grid.AreaVersion
}

// areaRow is a responsibility area as the map page lists it.
type areaRow struct {
	grid.Area
	Unit grid.AreaUnitView // the unit now, and why the area cannot pass cases to it
}

// categoryPart is one entry of an area's categories as people read it: the
// kind's translation key ("" for both kinds) and the code or major class.
type categoryPart struct {
	KindKey string
	Code    string
}

// CategoryParts are the area's categories for the list; none means every
// category.
func (a areaRow) CategoryParts() []categoryPart {
	var out []categoryPart
	for _, c := range a.Categories {
		kind, code, limited := strings.Cut(c, ":")
		if !limited {
			out = append(out, categoryPart{Code: c})
			continue
		}
		out = append(out, categoryPart{KindKey: taxonomy.Kind(kind).LabelKey(), Code: code})
	}
	return out
}

// mapAreasListed bounds the list under the map; a city with thousands of
// shop fronts under 门前三包 lists them with "chengguan grid areas list".
const mapAreasListed = 200

// mapPage shows the unit grids of the version in force, their codes and
// communities, and the responsibility areas over them, on Leaflet.
func (s *Server) mapPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.map")
	d := &mapData{Tiles: s.cfg.MapTiles}
	// After an import (gridCellsImport, gridAreasImport) the notice names the
	// version from the store, not from the address.
	imported := r.URL.Query().Get("version")
	if r.URL.Query().Get("imported") == "cells" {
		_, gv, err := s.grid.Current(r.Context())
		switch {
		case err == nil && strconv.FormatInt(gv.ID, 10) == imported:
			d.ImportedCells = &gv
		case err != nil && !apperr.Is(err, apperr.NotFound):
			return err
		}
	}
	ix, av, err := s.areas.Current(r.Context())
	switch {
	case err == nil:
		if r.URL.Query().Get("imported") == "areas" && strconv.FormatInt(av.ID, 10) == imported {
			d.ImportedAreas = &av
		}
		areas := ix.Areas()
		d.AreasTotal = len(areas)
		unit, err := s.areaUnits(r.Context(), areas)
		if err != nil {
			return err
		}
		for _, a := range areas[:min(len(areas), mapAreasListed)] {
			d.Areas = append(d.Areas, areaRow{Area: a, Unit: unit(a)})
		}
	case !apperr.Is(err, apperr.NotFound):
		return err
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "map", v)
	return nil
}

// areaUnits says what each area's unit is now (grid.AreaService.UnitsOf): its name and
// code, and the warning when the area cannot pass cases to it. The names of the
// organisation are no secret (see departments).
func (s *Server) areaUnits(ctx context.Context, areas []grid.Area) (func(grid.Area) grid.AreaUnitView, error) {
	units, err := s.areas.UnitsOf(ctx, areas)
	if err != nil {
		return nil, err
	}
	return func(a grid.Area) grid.AreaUnitView {
		u := units[a.UnitID]
		v := grid.AreaUnitView{Warning: grid.AreaUnitWarning(u)}
		if u != nil {
			v.Code, v.Name = u.Code, u.Name
		}
		return v
	}, nil
}
