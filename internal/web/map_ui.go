package web

import "net/http"

// mapData configures the map page's script through data attributes (the
// CSP allows no inline script).
type mapData struct {
	// Tiles is a tile URL template ({z}/{x}/{y}); empty draws the grids on a
	// blank background, which needs no network.
	Tiles string
}

// mapPage shows the unit grids of the version in force, their codes and
// communities, on Leaflet.
func (s *Server) mapPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.map")
	v.Data = &mapData{Tiles: s.cfg.MapTiles}
	s.render(w, r, http.StatusOK, "map", v)
	return nil
}
