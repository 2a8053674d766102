package grid

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"chengguan/internal/identity"
)

// Area is one responsibility area (责任区): a territory whose unit answers for the
// categories of problems it names — a park's management for what happens in the park, a
// market's for the market, a shop front's owner under 门前三包. Areas may overlap (a market on
// a road); the most specific one that covers a case's category is responsible (see
// AreaIndex.ResponsibleFor).
type Area struct {
	Code     string // unique within a version; free text without spaces, at most MaxAreaCode characters
	Name     string
	UnitCode string // code of the responsible organisation unit (internal/identity) as imported, normally a department
	// UnitID is the responsible unit, resolved from UnitCode when the areas were imported, so
	// that a unit recoded or renamed later still owns its areas. "" when no unit had the code
	// when IDs were first kept (migration 00013): such an area names no unit (AreaUnitWarning).
	// Not part of AreaDigest, which is the imported content the ledger recorded.
	UnitID string
	Kind   string // free text: 门前三包, 公园, 市场, 道路…
	// Categories are the category codes (4 digits) or major classes (2 digits) the area
	// answers for, each optionally limited to one kind ("event:01", "component:0302"); in
	// order, without repeats. Empty means every category.
	Categories []string
	// Geometry is in WGS-84, checked as a cell's is.
	Geometry orb.MultiPolygon
}

// Limits of an area's properties, in characters.
const (
	MaxAreaCode       = 64
	MaxAreaName       = 200
	MaxAreaKind       = 50
	MaxAreaCategories = 200 // entries
)

// The kinds a category entry may be limited to: the codes of taxonomy.Kind, and the Chinese
// names an import file may use for them.
var categoryKinds = map[string]string{"component": "component", "event": "event", "部件": "component", "事件": "event"}

// Covers reports whether the area answers for the category of the given kind ("component" or
// "event") and 4-digit code. A 2-digit entry covers its major class.
func (a Area) Covers(kind, code string) bool {
	if len(a.Categories) == 0 {
		return true
	}
	for _, e := range a.Categories {
		k, digits, limited := strings.Cut(e, ":")
		if !limited {
			k, digits = "", e
		}
		if k != "" && k != kind {
			continue
		}
		if digits == code || len(digits) == 2 && len(code) == 4 && code[:2] == digits {
			return true
		}
	}
	return false
}

// Size is the area's planar extent in square degrees, holes left out, rounded to
// sizeQuantum: what orders overlapping areas from the most specific (smallest) to the least.
// The rounding makes two areas of the same shape equal in size whatever the rounding of
// their coordinates, so that their codes decide.
func (a Area) Size() float64 {
	return math.Round(a.rawSize()/sizeQuantum) * sizeQuantum
}

// sizeQuantum is 10⁻¹² square degrees, about 0.01 m² at Chinese latitudes.
const sizeQuantum = 1e-12

func (a Area) rawSize() float64 {
	s := 0.0
	for _, p := range a.Geometry {
		for j, r := range p {
			if j == 0 {
				s += math.Abs(planar.Area(r))
			} else {
				s -= math.Abs(planar.Area(r))
			}
		}
	}
	return s
}

// AreaResult is what an import of responsibility areas found.
type AreaResult struct {
	Areas    []Area    // the features that passed every check, in feature order
	Problems []Problem // in feature order
	// units are the unit codes the features name, for CheckUnits: every feature with a
	// readable unit code, dropped or not, so that the report is complete.
	units []unitRef
	// from is the feature each of Areas came from.
	from []int
}

type unitRef struct {
	feature int
	area    string // the area's code as given
	unit    string
}

// Err is nil for a clean import, and otherwise an ErrInvalid error that counts the problems and
// quotes the first.
func (r AreaResult) Err() error { return Result{Problems: r.Problems}.Err() }

// UnitCodes returns the distinct unit codes the features name, in sorted order: what the caller
// looks up before CheckUnits.
func (r AreaResult) UnitCodes() []string {
	var out []string
	for _, u := range r.units {
		out = append(out, u.unit)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CheckUnits reports every feature whose unit is refused — unit returns why, or nil for a
// unit that may be responsible — as unknown_unit, and drops it from Areas. It is the import's
// last check; the caller has looked the codes up (UnitCodes).
func (r *AreaResult) CheckUnits(unit func(code string) error) {
	bad := map[int]bool{}
	for _, u := range r.units {
		if err := unit(u.unit); err != nil {
			bad[u.feature] = true
			r.Problems = append(r.Problems, Problem{Feature: u.feature, Code: u.area, Reason: ReasonUnknownUnit,
				Other: u.unit, Dropped: true, Message: err.Error()})
		}
	}
	if len(bad) == 0 {
		return
	}
	slices.SortStableFunc(r.Problems, func(a, b Problem) int { return a.Feature - b.Feature })
	var kept []Area
	var from []int
	for k, a := range r.Areas {
		if !bad[r.from[k]] {
			kept, from = append(kept, a), append(from, r.from[k])
		}
	}
	r.Areas, r.from = kept, from
}

// ImportAreas reads responsibility areas from a GeoJSON FeatureCollection of Polygon or
// MultiPolygon features (see the package doc for the properties). Each feature's geometry is
// checked as a unit grid cell's is (see Import); its code must be unique in the file (the
// first feature keeps it); overlaps are allowed and not reported. It returns an error only
// when the document as a whole cannot be read; everything wrong with single features is in
// the Result's Problems, and every feature with a problem is left out of Areas. Whether the
// units exist is for the caller to say: CheckUnits.
func ImportAreas(data []byte) (AreaResult, error) {
	features, err := decodeCollection(data)
	if err != nil {
		return AreaResult{}, err
	}
	var res AreaResult
	first := firstFeatures{}
	for i, raw := range features {
		a, probs := readAreaFeature(i, raw)
		if a.Code != "" && validAreaCode(a.Code) == "" {
			if dup := first.duplicate(i, a.Code); dup != nil {
				probs = append(probs, *dup)
			}
		}
		if a.UnitCode != "" && validAreaCode(a.UnitCode) == "" {
			res.units = append(res.units, unitRef{feature: i, area: a.Code, unit: a.UnitCode})
		}
		if len(probs) > 0 {
			for k := range probs {
				probs[k].Dropped = true
			}
			res.Problems = append(res.Problems, probs...)
			continue
		}
		res.Areas, res.from = append(res.Areas, a), append(res.from, i)
	}
	return res, nil
}

// readAreaFeature decodes and checks one feature. The returned area carries its code and unit
// code even when there are problems, for the report, the duplicate check and CheckUnits.
func readAreaFeature(i int, raw json.RawMessage) (Area, []Problem) {
	f, bad := decodeFeature(i, raw)
	if bad != nil {
		return Area{}, []Problem{*bad}
	}
	var a Area
	probs := &report{feature: i}
	if f.Properties == nil {
		probs.add(ReasonMissingProperty, nil, "feature has no properties; want at least %q and %q", "code", "unit_code")
	} else {
		a.Code = requiredCode(f.Properties, "code", probs.add)
		a.UnitCode = requiredCode(f.Properties, "unit_code", probs.add)
		a.Name = limitedLine(f.Properties, "name", MaxAreaName, probs.add)
		a.Kind = limitedLine(f.Properties, "kind", MaxAreaKind, probs.add)
		a.Categories = readCategories(f.Properties, probs.add)
	}
	a.Geometry = readGeometry(f.Geometry, probs.add)
	return a, probs.withCode(a.Code)
}

// requiredCode reads a code property that must be there: an area's code or its unit's.
func requiredCode(props map[string]any, key string, add addFunc) string {
	v, ok, err := stringProp(props, key)
	switch {
	case err != nil:
		add(ReasonBadCode, nil, "%v", err)
		return ""
	case !ok:
		add(ReasonMissingProperty, nil, "property %q is missing", key)
		return ""
	}
	if why := validAreaCode(v); why != "" {
		add(ReasonBadCode, nil, "%s %q: %s", key, v, why)
	}
	return v
}

// validAreaCode says what is wrong with an area's or a unit's code, or "".
func validAreaCode(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "not valid UTF-8"
	case utf8.RuneCountInString(s) > MaxAreaCode:
		return fmt.Sprintf("longer than %d characters", MaxAreaCode)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "has spaces or control characters"
	}
	return ""
}

// limitedLine is lineProp with a length limit.
func limitedLine(props map[string]any, key string, limit int, add addFunc) string {
	v := lineProp(props, key, add)
	if utf8.RuneCountInString(v) > limit {
		add(ReasonBadProperty, nil, "property %q is longer than %d characters", key, limit)
		return ""
	}
	return v
}

// readCategories reads the categories property: a JSON array of strings, or one string of
// entries separated by commas, semicolons, 、 or spaces (what a GIS attribute table holds).
// Missing, null, [] or "" mean every category. Entries are normalized — "事件:01" and
// " event：01" both read as "event:01" — sorted and without repeats.
func readCategories(props map[string]any, add addFunc) []string {
	var raw []string
	switch v := props["categories"].(type) {
	case nil:
		return nil
	case string:
		raw = strings.FieldsFunc(v, func(r rune) bool {
			return r == ',' || r == ';' || r == '，' || r == '；' || r == '、' || unicode.IsSpace(r)
		})
	case []any:
		for k, e := range v {
			s, ok := e.(string)
			if !ok {
				add(ReasonBadProperty, nil, "categories[%d] is %v; want a string such as \"0101\" or \"event:01\"", k, e)
				return nil
			}
			raw = append(raw, s)
		}
	default:
		add(ReasonBadProperty, nil, "property %q is %v; want a list of category codes", "categories", v)
		return nil
	}
	if len(raw) > MaxAreaCategories {
		add(ReasonBadProperty, nil, "property %q has %d entries; at most %d", "categories", len(raw), MaxAreaCategories)
		return nil
	}
	var out []string
	for _, e := range raw {
		norm, ok := normalizeCategory(e)
		if !ok {
			add(ReasonBadProperty, nil, "category %q: want 2 digits (a major class) or 4 (a category), optionally after component: or event:", e)
			return nil
		}
		out = append(out, norm)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normalizeCategory reads one entry of categories: "01", "0101", "event:01", "部件：0302".
func normalizeCategory(e string) (string, bool) {
	e = strings.ReplaceAll(strings.TrimSpace(e), "：", ":")
	kind, digits, limited := strings.Cut(e, ":")
	if !limited {
		kind, digits = "", e
	} else {
		k, ok := categoryKinds[strings.ToLower(strings.TrimSpace(kind))]
		if !ok {
			return "", false
		}
		kind, digits = k+":", strings.TrimSpace(digits)
	}
	if (len(digits) != 2 && len(digits) != 4) || !allDigits(digits) {
		return "", false
	}
	return kind + digits, true
}

// AreaDigest is a content hash of a set of areas — every property and the coordinates, in
// code order — for a store to key area versions on, as Digest is for cells.
func AreaDigest(areas []Area) string {
	sorted := slices.Clone(areas)
	slices.SortFunc(sorted, func(a, b Area) int { return strings.Compare(a.Code, b.Code) })
	h := newDigester()
	for _, a := range sorted {
		h.strings(a.Code, a.Name, a.UnitCode, a.Kind)
		h.num(uint64(len(a.Categories)))
		h.strings(a.Categories...)
		h.geometry(a.Geometry)
	}
	return h.sum()
}

// AreaUnitView is what an export says of an area's unit as it stands now.
type AreaUnitView struct {
	Code    string // the unit's code now; "" keeps the code as imported
	Name    string
	Warning string // AreaUnitWarning
}

// MarshalAreasGeoJSON writes areas as a GeoJSON FeatureCollection of MultiPolygon features
// with the properties ImportAreas reads, in the order given, so an export imports again.
// unit, when not nil, says what each area's unit is now: unit_code becomes the unit's code
// now (the imported one moves to imported_unit_code when it differs, so that the export
// still imports after a recoding), with unit_name, unit_id and unit_warning, which
// ImportAreas ignores. Keys are written in a fixed order: the output is deterministic.
func MarshalAreasGeoJSON(areas []Area, unit func(Area) AreaUnitView) ([]byte, error) {
	type props struct {
		Code             string   `json:"code"`
		Name             string   `json:"name,omitempty"`
		UnitCode         string   `json:"unit_code"`
		ImportedUnitCode string   `json:"imported_unit_code,omitempty"`
		UnitName         string   `json:"unit_name,omitempty"`
		UnitID           string   `json:"unit_id,omitempty"`
		UnitWarning      string   `json:"unit_warning,omitempty"`
		Kind             string   `json:"kind,omitempty"`
		Categories       []string `json:"categories"`
	}
	return marshalFeatures(len(areas), func(i int) (orb.MultiPolygon, props) {
		a := areas[i]
		p := props{Code: a.Code, Name: a.Name, UnitCode: a.UnitCode, Kind: a.Kind, Categories: a.Categories}
		if p.Categories == nil {
			p.Categories = []string{}
		}
		if unit != nil {
			u := unit(a)
			if u.Code != "" && u.Code != a.UnitCode {
				p.UnitCode, p.ImportedUnitCode = u.Code, a.UnitCode
			}
			p.UnitName, p.UnitID, p.UnitWarning = u.Name, a.UnitID, u.Warning
		}
		return a.Geometry, p
	})
}

// The warnings about an area's unit: each means the area suggests no department, and
// the category's department is suggested for cases in it.
const (
	UnitMissing       = "unit_missing"        // the area names no unit that exists
	UnitDisabled      = "unit_disabled"       // its unit is disabled
	UnitNotDepartment = "unit_not_department" // its unit is not a handling department
)

// AreaUnitWarning says why an area cannot pass cases to its unit now, or "": u is the unit
// with the area's UnitID, nil when there is none.
func AreaUnitWarning(u *identity.Unit) string {
	switch {
	case u == nil:
		return UnitMissing
	case u.Disabled:
		return UnitDisabled
	case u.Kind != identity.KindDepartment:
		return UnitNotDepartment
	}
	return ""
}

// JoinCategories and SplitCategories are how a store keeps Categories in one text column:
// normalized entries never hold a comma.
func JoinCategories(cs []string) string { return strings.Join(cs, ",") }

// SplitCategories is the inverse of JoinCategories.
func SplitCategories(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
