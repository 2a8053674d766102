package urban

import (
	"context"

	"chengguan/internal/apperr"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
)

// Areas finds the responsibility areas (责任区) around a point: grid.AreaService.
type Areas interface {
	// Containing returns the areas of the version in force containing the WGS-84
	// point, most specific first, and that version; none, without an error, when
	// no areas have been imported.
	Containing(ctx context.Context, lon, lat float64) ([]grid.Area, grid.AreaVersion, error)
}

// Suggestion is the department the dispatch form offers first for a case (派遣), and why. It
// is computed when read, from the case's place and category and the areas in force; nothing
// of it is stored with the case.
type Suggestion struct {
	// DepartmentID is the suggested department's unit; "" when neither an area nor the
	// category names one (the centre chooses).
	DepartmentID string
	// Area is the responsibility area that suggested the department; nil when the category's
	// handling department is suggested.
	Area *grid.Area
	// AreaVersion is the area version Area belongs to.
	AreaVersion int64
}

// SuggestDepartment is the rule of the dispatch suggestion: the unit of the responsible area
// — the most specific area containing the case that covers its category (grid.Responsible) —
// when that unit is an enabled department; otherwise the category's handling department.
// areas are those containing the case, most specific first; units are the units the areas
// name, by ID (grid.Area.UnitID, kept from the import, so a unit recoded or renamed since
// still owns its areas; an ID missing from it names no unit). A responsible area whose unit
// cannot be dispatched to does not pass the case on to a less specific area: the category
// decides, as in a city without areas; listings report such areas (grid.AreaUnitWarning).
func SuggestDepartment(cat Category, areas []grid.Area, units map[string]identity.Unit) Suggestion {
	if a, ok := grid.Responsible(areas, cat.Kind, cat.Code); ok {
		if u, ok := units[a.UnitID]; ok && a.UnitID != "" && grid.AreaUnitWarning(&u) == "" {
			return Suggestion{DepartmentID: u.ID, Area: &a}
		}
	}
	return Suggestion{DepartmentID: cat.DepartmentID}
}

// Suggest returns the dispatch suggestion of each case (SuggestDepartment), in order. It reads
// no case: the caller has them, and the right to see them. A case whose category is no longer
// in the catalogue gets no suggestion.
func (s *Service) Suggest(ctx context.Context, cases []Case) ([]Suggestion, error) {
	out := make([]Suggestion, len(cases))
	cats := map[string]*Category{}
	units := map[string]identity.Unit{}
	looked := map[string]bool{}
	for i := range cases {
		c := &cases[i]
		cat, seen := cats[c.CategoryID]
		if !seen {
			got, err := s.cats.Category(ctx, c.CategoryID)
			switch {
			case err == nil:
				cat = &got
			case !apperr.Is(err, apperr.NotFound):
				return nil, err
			}
			cats[c.CategoryID] = cat
		}
		if cat == nil {
			continue
		}
		var areas []grid.Area
		var version grid.AreaVersion
		if s.areas != nil {
			var err error
			if areas, version, err = s.areas.Containing(ctx, c.Lon, c.Lat); err != nil {
				return nil, err
			}
		}
		for _, a := range areas {
			if a.UnitID == "" || looked[a.UnitID] {
				continue
			}
			looked[a.UnitID] = true
			u, err := s.units.UnitByID(ctx, a.UnitID)
			switch {
			case err == nil:
				units[a.UnitID] = *u
			case !apperr.Is(err, apperr.NotFound):
				return nil, err
			}
		}
		out[i] = SuggestDepartment(*cat, areas, units)
		if out[i].Area != nil {
			out[i].AreaVersion = version.ID
		}
	}
	return out, nil
}
