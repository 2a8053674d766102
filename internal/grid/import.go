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
)

// Options configure Import.
type Options struct {
	// CodeLength is the length of a unit grid code: 15 (Beijing DB11, a 3-digit sequence) or
	// 14 (CJ/T 213, a 2-digit sequence). Zero means 15.
	CodeLength int
	// Tolerance, in degrees, under which two edges count as one line and a vertex as lying on
	// an edge when looking for overlaps, so that cells digitised with shared edges a hair
	// apart are not reported. Zero means DefaultTolerance.
	Tolerance float64
}

// DefaultTolerance is about 1 cm at Chinese latitudes.
const DefaultTolerance = 1e-7

// Reason is a stable machine code for an import problem. Clients may depend on it.
type Reason string

// The closed set of reasons.
const (
	ReasonMalformed       Reason = "malformed_feature" // not a GeoJSON Feature, or unreadable coordinates
	ReasonGeometryType    Reason = "geometry_type"     // not a Polygon or MultiPolygon
	ReasonInvalidRing     Reason = "invalid_ring"      // too few positions, not closed, no area, self-intersecting, hole outside
	ReasonMissingProperty Reason = "missing_property"  // no properties, or no code
	ReasonBadProperty     Reason = "bad_property"      // a name property that is not a string
	ReasonBadCode         Reason = "bad_code"          // wrong length, not digits, or not under its parent codes
	ReasonDuplicateCode   Reason = "duplicate_code"    // an earlier feature has the same code
	ReasonOverlap         Reason = "overlap"           // the interiors of two cells intersect
	ReasonGap             Reason = "gap"               // an area enclosed by cells that no cell covers
	ReasonUnknownUnit     Reason = "unknown_unit"      // a responsibility area's unit_code names no unit that may be responsible
)

// Reasons lists every reason an import reports, for those who translate them.
func Reasons() []Reason {
	return []Reason{ReasonMalformed, ReasonGeometryType, ReasonInvalidRing, ReasonMissingProperty, ReasonBadProperty,
		ReasonBadCode, ReasonDuplicateCode, ReasonOverlap, ReasonGap, ReasonUnknownUnit}
}

// Problem is one line of the import report.
type Problem struct {
	// Feature is the index of the feature in the FeatureCollection, from 0; -1 for a gap,
	// which belongs to no feature.
	Feature int
	Code    string // the feature's code as given, if any
	Reason  Reason
	Message string // English, for the import report and logs
	// Other is the code of the other cell involved: the first holder of a duplicate code, the
	// earlier cell of an overlap, a cell next to a gap; for unknown_unit, the unit code.
	Other string
	// At is a witness point (WGS-84) for geometric problems: where a ring crosses itself,
	// where two cells overlap, a point of a gap. Nil otherwise.
	At *orb.Point
	// Dropped reports that the feature was left out of Result.Cells. Overlaps and gaps do not
	// drop cells: the caller decides whether to accept such an import.
	Dropped bool
}

// Result is what an import found.
type Result struct {
	Cells    []Cell    // the features that passed every per-feature check, in feature order
	Problems []Problem // per-feature problems in feature order, then overlaps, then gaps
}

// Err is nil for a clean import, and otherwise an ErrInvalid error that counts the problems and
// quotes the first.
func (r Result) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	p := r.Problems[0]
	return fmt.Errorf("%w: %d import problem(s); first: feature %d (%s): %s", ErrInvalid, len(r.Problems), p.Feature, p.Reason, p.Message)
}

func (o Options) normalized() (Options, error) {
	if o.CodeLength == 0 {
		o.CodeLength = 15
	}
	if o.CodeLength != 14 && o.CodeLength != 15 {
		return o, fmt.Errorf("%w: code length %d: want 14 or 15", ErrInvalid, o.CodeLength)
	}
	if o.Tolerance == 0 {
		o.Tolerance = DefaultTolerance
	}
	if !(o.Tolerance > 0 && o.Tolerance < 1e-3) {
		return o, fmt.Errorf("%w: tolerance %g°: want more than 0 and less than 0.001", ErrInvalid, o.Tolerance)
	}
	return o, nil
}

// Import reads unit grid cells from a GeoJSON FeatureCollection (see the package doc for the
// properties). It returns an error only when the document as a whole cannot be read or the
// options are bad; everything wrong with single features, and between features, is in the
// Result's Problems.
//
// Per feature it checks the geometry type; every ring (at least 4 positions, closed, finite
// coordinates in range, non-zero area, no two edges of the polygon touching or crossing, holes
// inside the outer ring — consecutive repeated positions are removed first); the code and parent
// codes; and duplicate codes (the first feature with a code keeps it).
//
// Overlaps: candidate pairs come from an R-tree over the polygons' boxes; a pair overlaps when
// an edge of one properly crosses an edge of the other (each endpoint more than Tolerance from
// the other edge's line), or when a vertex, an edge midpoint or an interior point of one lies
// inside the other farther than Tolerance from its boundary. Cells that share edges or corners,
// even digitised slightly apart, are not reported. Limit: two polygons whose every vertex and
// edge midpoint lies on the other's boundary without crossing, with interior points outside each
// other (contrived zig-zag shapes), would be missed. The parts of one MultiPolygon are not
// checked against each other.
//
// Gaps: see findGaps.
func Import(data []byte, opts Options) (Result, error) {
	opts, err := opts.normalized()
	if err != nil {
		return Result{}, err
	}
	features, err := decodeCollection(data)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var featureOf []int // feature index of each kept cell
	first := firstFeatures{}
	for i, raw := range features {
		c, probs := readFeature(i, raw, opts)
		if c.Code != "" && allDigits(c.Code) && len(c.Code) == opts.CodeLength {
			if dup := first.duplicate(i, c.Code); dup != nil {
				probs = append(probs, *dup)
			}
		}
		if len(probs) > 0 {
			for k := range probs {
				probs[k].Dropped = true
			}
			res.Problems = append(res.Problems, probs...)
			continue
		}
		res.Cells = append(res.Cells, c)
		featureOf = append(featureOf, i)
	}
	res.Problems = append(res.Problems, findOverlaps(res.Cells, featureOf, opts.Tolerance)...)
	if len(res.Cells) > 0 {
		ix, err := NewIndex(res.Cells)
		if err != nil {
			return Result{}, err // cannot happen: codes are unique and geometries checked
		}
		res.Problems = append(res.Problems, findGaps(ix)...)
	}
	return res, nil
}

// readFeature decodes and checks one feature. The returned cell carries the code even when
// there are problems, for the report and the duplicate check.
func readFeature(i int, raw json.RawMessage, opts Options) (Cell, []Problem) {
	f, bad := decodeFeature(i, raw)
	if bad != nil {
		return Cell{}, []Problem{*bad}
	}
	var c Cell
	probs := &report{feature: i}
	c.Code, c.Name = readProperties(f.Properties, opts, &c, probs.add)
	c.Geometry = readGeometry(f.Geometry, probs.add)
	return c, probs.withCode(c.Code)
}

// decodeCollection reads a GeoJSON FeatureCollection into its features, still undecoded, so
// that one malformed feature is reported without losing the rest.
func decodeCollection(data []byte) ([]json.RawMessage, error) {
	var fc featureCollectionJSON
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("%w: GeoJSON: %v", ErrInvalid, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%w: GeoJSON type %q: want FeatureCollection", ErrInvalid, fc.Type)
	}
	return fc.Features, nil
}

// decodeFeature reads one element of a FeatureCollection as a GeoJSON Feature: the first
// step of every import (cells, responsibility areas). A problem means nothing else of the
// feature can be read.
func decodeFeature(i int, raw json.RawMessage) (featureJSON, *Problem) {
	var f featureJSON
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, &Problem{Feature: i, Reason: ReasonMalformed, Message: fmt.Sprintf("not a GeoJSON feature: %v", err)}
	}
	if f.Type != "Feature" {
		return f, &Problem{Feature: i, Reason: ReasonMalformed, Message: fmt.Sprintf("type %q: want Feature", f.Type)}
	}
	return f, nil
}

// report collects the problems of one feature.
type report struct {
	feature int
	list    []Problem
}

func (r *report) add(reason Reason, at *orb.Point, format string, args ...any) {
	r.list = append(r.list, Problem{Feature: r.feature, Reason: reason, At: at, Message: fmt.Sprintf(format, args...)})
}

// withCode returns the problems, each naming the feature's code as given.
func (r *report) withCode(code string) []Problem {
	for k := range r.list {
		r.list[k].Code = code
	}
	return r.list
}

// addFunc reports one problem of a feature.
type addFunc func(r Reason, at *orb.Point, format string, args ...any)

// readGeometry decodes a Polygon or MultiPolygon and checks every ring (see Import); what is
// wrong is reported through add. The geometry returned is only usable when nothing was.
func readGeometry(g *geometryJSON, add addFunc) orb.MultiPolygon {
	mp, reason, err := decodeGeometry(g)
	if err != nil {
		add(reason, nil, "%v", err)
		return nil
	}
	for j, p := range mp {
		clean, flt := cleanPolygon(p)
		if flt != nil {
			add(flt.reason, flt.at, "polygon %d: %s", j, flt.msg)
			continue
		}
		mp[j] = clean
	}
	return mp
}

// lineProp reads an optional one-line text property: a string (or an integral number, see
// stringProp) without control characters — a NUL, which PostgreSQL refuses in text, a line
// break — and in valid UTF-8. Anything else is reported and read as "".
func lineProp(props map[string]any, key string, add addFunc) string {
	v, _, err := stringProp(props, key)
	if err != nil {
		add(ReasonBadProperty, nil, "%v", err)
		return ""
	}
	if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
		add(ReasonBadProperty, nil, "property %q has control characters or invalid UTF-8", key)
		return ""
	}
	return v
}

// firstFeatures remembers the first feature that used each code, for the duplicate check.
type firstFeatures map[string]int

// duplicate returns the problem of feature i reusing code, or nil when i is the first to use it.
func (ff firstFeatures) duplicate(i int, code string) *Problem {
	if first, dup := ff[code]; dup {
		return &Problem{Feature: i, Code: code, Reason: ReasonDuplicateCode, Other: code,
			Message: fmt.Sprintf("code %s is already used by feature %d", code, first)}
	}
	ff[code] = i
	return nil
}

// readProperties fills the parents of c and returns its code and name.
func readProperties(props map[string]any, opts Options, c *Cell, add addFunc) (code, name string) {
	if props == nil {
		add(ReasonMissingProperty, nil, "feature has no properties; want at least %q", "code")
		return "", ""
	}
	code, ok, err := stringProp(props, "code")
	switch {
	case err != nil:
		add(ReasonBadCode, nil, "%v", err)
	case !ok:
		add(ReasonMissingProperty, nil, "property %q is missing", "code")
	case len(code) != opts.CodeLength || !allDigits(code):
		add(ReasonBadCode, nil, "code %q: want %d digits", code, opts.CodeLength)
	}
	codeOK := ok && err == nil && len(code) == opts.CodeLength && allDigits(code)
	str := func(key string) string { return lineProp(props, key, add) }
	name = str("name")
	parents := []struct {
		ref       *Ref
		codeKey   string
		nameKey   string
		length    int
		structure string
	}{
		{&c.District, "district_code", "district_name", districtLen, "6-digit county"},
		{&c.Street, "street_code", "street_name", streetLen, "6-digit county + 3-digit street"},
		{&c.Community, "community_code", "community_name", communityLen, "6-digit county + 3-digit street + 3-digit community"},
	}
	for _, pa := range parents {
		pa.ref.Name = str(pa.nameKey)
		given, ok, err := stringProp(props, pa.codeKey)
		switch {
		case err != nil:
			add(ReasonBadCode, nil, "%v", err)
		case !ok:
			if codeOK {
				pa.ref.Code = code[:pa.length]
			}
		case len(given) != pa.length || !allDigits(given):
			add(ReasonBadCode, nil, "%s %q: want %d digits (%s)", pa.codeKey, given, pa.length, pa.structure)
		case codeOK && code[:pa.length] != given:
			add(ReasonBadCode, nil, "code %s does not start with its %s %s", code, pa.codeKey, given)
		default:
			pa.ref.Code = given
		}
	}
	return code, name
}

// minArea is the area, in square degrees, under which a ring counts as having none: about
// 1 cm², far below any real cell, and above the rounding left on a collinear ring.
const minArea = 1e-14

type fault struct {
	reason Reason
	msg    string
	at     *orb.Point
}

func faultf(at *orb.Point, format string, args ...any) *fault {
	return &fault{reason: ReasonInvalidRing, msg: fmt.Sprintf(format, args...), at: at}
}

// cleanPolygon removes consecutive repeated positions and checks the polygon's rings.
func cleanPolygon(p orb.Polygon) (orb.Polygon, *fault) {
	out := make(orb.Polygon, len(p))
	for j, r := range p {
		clean := make(orb.Ring, 0, len(r))
		for _, pt := range r {
			if !finiteLonLat(pt) {
				return nil, faultf(nil, "ring %d has position (%v, %v), not a longitude in [-180, 180] and a latitude in [-90, 90]", j, pt[0], pt[1])
			}
			if len(clean) > 0 && clean[len(clean)-1] == pt {
				continue
			}
			clean = append(clean, pt)
		}
		if len(clean) < 4 {
			return nil, faultf(nil, "ring %d has %d distinct consecutive positions; a closed ring needs at least 4", j, len(clean))
		}
		if clean[0] != clean[len(clean)-1] {
			at := clean[len(clean)-1]
			return nil, faultf(&at, "ring %d is not closed: it ends at (%v, %v), not at its first position (%v, %v)", j,
				at[0], at[1], clean[0][0], clean[0][1])
		}
		if math.Abs(planar.Area(clean)) < minArea {
			return nil, faultf(nil, "ring %d has no area", j)
		}
		out[j] = clean
	}
	if at, ok := selfIntersection(out); ok {
		return nil, faultf(&at, "edges touch or cross at (%.7f, %.7f)", at[0], at[1])
	}
	for j := 1; j < len(out); j++ {
		if !ringContainsStrictly(out[0], out[j][0]) {
			at := out[j][0]
			return nil, faultf(&at, "hole %d lies outside the outer ring", j)
		}
	}
	return out, nil
}

func finiteLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// ringContainsStrictly is the even-odd rule; the caller knows pt is not on the ring's edges.
func ringContainsStrictly(r orb.Ring, pt orb.Point) bool {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if (a[1] > pt[1]) != (b[1] > pt[1]) && pt[0] < a[0]+(pt[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

// selfIntersection finds two edges of the polygon (any rings) that touch or cross, other than
// consecutive edges meeting at their shared vertex. Consecutive edges are faulty only when they
// fold back over each other (a spike). O(n²) in the polygon's edges, with a box test first.
func selfIntersection(p orb.Polygon) (orb.Point, bool) {
	type seg struct {
		a, b    orb.Point
		ring, i int
	}
	var segs []seg
	nseg := make([]int, len(p))
	for j, r := range p {
		nseg[j] = len(r) - 1
		for i := 0; i+1 < len(r); i++ {
			segs = append(segs, seg{r[i], r[i+1], j, i})
		}
	}
	for x := 0; x < len(segs); x++ {
		s := segs[x]
		for y := x + 1; y < len(segs); y++ {
			t := segs[y]
			if math.Max(s.a[0], s.b[0]) < math.Min(t.a[0], t.b[0]) || math.Max(t.a[0], t.b[0]) < math.Min(s.a[0], s.b[0]) ||
				math.Max(s.a[1], s.b[1]) < math.Min(t.a[1], t.b[1]) || math.Max(t.a[1], t.b[1]) < math.Min(s.a[1], s.b[1]) {
				continue
			}
			if s.ring == t.ring {
				n := nseg[s.ring]
				switch {
				case t.i == s.i+1: // s.b == t.a
					if foldsBack(s.a, s.b, t.b) {
						return s.b, true
					}
					continue
				case s.i == 0 && t.i == n-1: // t.b == s.a
					if foldsBack(t.a, s.a, s.b) {
						return s.a, true
					}
					continue
				}
			}
			if hit, at := segmentsTouch(s.a, s.b, t.a, t.b); hit {
				return at, true
			}
		}
	}
	return orb.Point{}, false
}

// foldsBack reports whether the path u→v→w turns back on itself along one line (to within
// rounding: the sine of the angle at v under 1e-12).
func foldsBack(u, v, w orb.Point) bool {
	lu, lw := math.Hypot(u[0]-v[0], u[1]-v[1]), math.Hypot(w[0]-v[0], w[1]-v[1])
	return math.Abs(orient(v, u, w)) <= 1e-12*lu*lw && (u[0]-v[0])*(w[0]-v[0])+(u[1]-v[1])*(w[1]-v[1]) > 0
}

// sortProblems orders overlap problems by feature, then by the other code.
func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if a.Feature != b.Feature {
			return a.Feature - b.Feature
		}
		switch {
		case a.Other < b.Other:
			return -1
		case a.Other > b.Other:
			return 1
		}
		return 0
	})
}
