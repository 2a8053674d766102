package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/grid"
)

// The import page of the map: administrators of the whole tree upload unit
// grids (单元网格) and responsibility areas (责任区) as GeoJSON, as the CLI
// and POST /api/v1/grid/areas import them, all or nothing.

type gridImportData struct {
	// Form is the form whose upload was refused ("cells" or "areas"), or "".
	Form string
	// Problems are every problem of a refused file, one a row, as the CLI
	// prints them, with translated messages.
	Problems []gridProblem
}

// gridProblem is one problem of a refused import.
type gridProblem struct {
	Feature int // from 0; -1 for a gap between cells, which belongs to no feature
	Code    string
	Reason  grid.Reason
	Message string
}

func (s *Server) gridImportPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.grid_import")
	v.Form["code_length"] = "15"
	return s.renderGridImport(w, r, http.StatusOK, v, &gridImportData{})
}

func (s *Server) renderGridImport(w http.ResponseWriter, r *http.Request, status int, v *view, d *gridImportData) error {
	if err := grid.MayImport(v.Actor); err != nil {
		return err
	}
	v.Data = d
	s.render(w, r, status, "grid_import", v)
	return nil
}

// gridCellsImport takes an uploaded GeoJSON file of unit grid cells (the form
// field "file") with an optional version name and the code length.
func (s *Server) gridCellsImport(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.grid_import")
	data, file, err := s.uploadedFile(r, "file", "grid.no_file")
	if err != nil && apperr.As(err).Fields == nil {
		return err // a body too large or unreadable: the error page
	}
	name, length := strings.TrimSpace(r.FormValue("name")), r.FormValue("code_length")
	v.Form["name"], v.Form["code_length"] = name, length
	var res grid.Result
	if err == nil {
		n, perr := strconv.Atoi(length)
		if length != "" && perr != nil {
			n = -1 // not a number: the service refuses it as a length, not as the default
		}
		var ver grid.Version
		ver, res, err = s.grid.Import(r.Context(), v.Actor, importName(name, file), data, grid.Options{CodeLength: n})
		if err == nil {
			http.Redirect(w, r, "/map?"+url.Values{"imported": {"cells"}, "version": {strconv.FormatInt(ver.ID, 10)}}.Encode(), http.StatusSeeOther)
			return nil
		}
	}
	d := &gridImportData{Form: "cells", Problems: gridProblems(v, res.Problems)}
	return s.formFailure(w, r, v, err, func(st int) error { return s.renderGridImport(w, r, st, v, d) })
}

// gridAreasImport takes an uploaded GeoJSON file of responsibility areas with
// an optional version name.
func (s *Server) gridAreasImport(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "page.grid_import")
	data, file, err := s.uploadedFile(r, "file", "grid.no_file")
	if err != nil && apperr.As(err).Fields == nil {
		return err
	}
	name := strings.TrimSpace(r.FormValue("name"))
	v.Form["area_name"], v.Form["code_length"] = name, "15"
	var res grid.AreaResult
	if err == nil {
		var ver grid.AreaVersion
		ver, res, err = s.areas.Import(r.Context(), v.Actor, importName(name, file), data)
		if err == nil {
			http.Redirect(w, r, "/map?"+url.Values{"imported": {"areas"}, "version": {strconv.FormatInt(ver.ID, 10)}}.Encode(), http.StatusSeeOther)
			return nil
		}
	}
	d := &gridImportData{Form: "areas", Problems: gridProblems(v, res.Problems)}
	return s.formFailure(w, r, v, err, func(st int) error { return s.renderGridImport(w, r, st, v, d) })
}

// importName is the name a version is recorded with: the one given, else the
// uploaded file's name (as the CLI takes the file's), else the date.
func importName(given, file string) string {
	switch {
	case given != "":
		return given
	case file != "":
		return file
	}
	return "upload " + time.Now().UTC().Format(time.DateOnly)
}

// gridProblems translates an import's problems; the message is the one the
// API gives the problem's field (grid.problem.<reason>).
func gridProblems(v *view, ps []grid.Problem) []gridProblem {
	out := make([]gridProblem, 0, len(ps))
	for _, p := range ps {
		out = append(out, gridProblem{Feature: p.Feature, Code: p.Code, Reason: p.Reason,
			Message: v.loc.T("grid.problem."+string(p.Reason), map[string]any{"Code": p.Code, "Other": p.Other, "Detail": p.Message})})
	}
	return out
}
