package grid

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const ok1 = `{"type":"Polygon","coordinates":[[[113,33],[113,33.01],[113.01,33.01],[113.01,33],[113,33]]]}`

func TestImportReportsEachBadFeatureAndDropsOnlyThose(t *testing.T) {
	cases := []struct {
		name    string
		feature string
		reason  Reason
	}{
		{"line string", feature(`{"type":"LineString","coordinates":[[113,33],[113.1,33.1]]}`, props(code15(1))), ReasonGeometryType},
		{"null geometry", feature(`null`, props(code15(1))), ReasonGeometryType},
		{"point", feature(`{"type":"Point","coordinates":[113,33]}`, props(code15(1))), ReasonGeometryType},
		{"three positions", feature(ring(113, 33, 113, 33.01, 113, 33), props(code15(1))), ReasonInvalidRing},
		{"repeated positions leave too few", feature(ring(113, 33, 113, 33.01, 113, 33.01, 113, 33.01, 113, 33), props(code15(1))), ReasonInvalidRing},
		{"not closed", feature(ring(113, 33, 113, 33.01, 113.01, 33.01, 113.01, 33), props(code15(1))), ReasonInvalidRing},
		{"bow tie", feature(ring(113, 33, 113.01, 33.01, 113.01, 33, 113, 33.01, 113, 33), props(code15(1))), ReasonInvalidRing},
		{"spike", feature(ring(113, 33, 113, 33.01, 113.01, 33.01, 113.02, 33.01, 113.01, 33.01, 113.01, 33, 113, 33), props(code15(1))), ReasonInvalidRing},
		{"vertex touching an edge", feature(ring(113, 33, 113, 33.02, 113.01, 33.02, 113.01, 33.01, 113, 33.01, 113.02, 33, 113, 33), props(code15(1))), ReasonInvalidRing},
		{"collinear ring", feature(ring(113, 33, 113.01, 33.01, 113.02, 33.02, 113, 33), props(code15(1))), ReasonInvalidRing},
		{"hole outside", feature(`{"type":"Polygon","coordinates":[[[113,33],[113,33.01],[113.01,33.01],[113.01,33],[113,33]],[[113.02,33.02],[113.02,33.03],[113.03,33.03],[113.02,33.02]]]}`, props(code15(1))), ReasonInvalidRing},
		{"hole crossing the shell", feature(`{"type":"Polygon","coordinates":[[[113,33],[113,33.01],[113.01,33.01],[113.01,33],[113,33]],[[113.005,33.005],[113.005,33.02],[113.008,33.02],[113.005,33.005]]]}`, props(code15(1))), ReasonInvalidRing},
		{"longitude out of range", feature(ring(200, 33, 200, 33.01, 200.01, 33.01, 200, 33), props(code15(1))), ReasonInvalidRing},
		{"empty multipolygon", feature(`{"type":"MultiPolygon","coordinates":[]}`, props(code15(1))), ReasonInvalidRing},
		{"coordinates not numbers", feature(`{"type":"Polygon","coordinates":[[["a","b"]]]}`, props(code15(1))), ReasonMalformed},
		{"one-number position", feature(`{"type":"Polygon","coordinates":[[[113],[113,33],[113,34],[113]]]}`, props(code15(1))), ReasonMalformed},
		{"not a feature", `{"type":"Polygon","coordinates":[]}`, ReasonMalformed},
		{"not an object", `42`, ReasonMalformed},
		{"no properties", feature(ok1, `null`), ReasonMissingProperty},
		{"no code", feature(ok1, `{"name":"x"}`), ReasonMissingProperty},
		{"empty code", feature(ok1, `{"code":""}`), ReasonMissingProperty},
		{"code too short", feature(ok1, props("41990100100101")), ReasonBadCode},
		{"code too long", feature(ok1, props("4199010010010011")), ReasonBadCode},
		{"code with a letter", feature(ok1, props("41990100100100A")), ReasonBadCode},
		{"code a fraction", feature(ok1, `{"code":419901001001001.5}`), ReasonBadCode},
		{"code an object", feature(ok1, `{"code":{}}`), ReasonBadCode},
		{"community code not a prefix", feature(ok1, `{"code":"419901001001001","community_code":"419901001002"}`), ReasonBadCode},
		{"street code not a prefix", feature(ok1, `{"code":"419901001001001","street_code":"419901002"}`), ReasonBadCode},
		{"district code not a prefix", feature(ok1, `{"code":"419901001001001","district_code":"419902"}`), ReasonBadCode},
		{"street code of the wrong length", feature(ok1, `{"code":"419901001001001","street_code":"4199010"}`), ReasonBadCode},
		{"name a boolean", feature(ok1, `{"code":"419901001001001","name":true}`), ReasonBadProperty},
		{"street name an object", feature(ok1, `{"code":"419901001001001","street_name":{}}`), ReasonBadProperty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good := feature(rect(114, 34, 114.01, 34.01), props(code15(900)))
			res := mustImport(t, collection(good, tc.feature), Options{})
			if len(res.Cells) != 1 || res.Cells[0].Code != code15(900) {
				t.Fatalf("cells = %d (%v), want only the good feature", len(res.Cells), codes(res.Cells))
			}
			if len(res.Problems) == 0 {
				t.Fatalf("no problem reported, want %s", tc.reason)
			}
			p := res.Problems[0]
			if p.Reason != tc.reason || p.Feature != 1 || !p.Dropped || p.Message == "" {
				t.Fatalf("problem = %+v, want reason %s on feature 1, dropped, with a message", p, tc.reason)
			}
			if !errors.Is(res.Err(), ErrInvalid) {
				t.Fatalf("Err() = %v, want ErrInvalid", res.Err())
			}
		})
	}
}

func codes(cells []Cell) []string {
	var out []string
	for _, c := range cells {
		out = append(out, c.Code)
	}
	return out
}

func TestImportReportsEveryProblemOfAFeature(t *testing.T) {
	res := mustImport(t, collection(feature(`{"type":"LineString","coordinates":[]}`, props("12"))), Options{})
	var reasons []Reason
	for _, p := range res.Problems {
		reasons = append(reasons, p.Reason)
		if p.Code != "12" {
			t.Fatalf("problem %+v does not carry the code as given", p)
		}
	}
	if want := []Reason{ReasonBadCode, ReasonGeometryType}; !slices.Equal(reasons, want) {
		t.Fatalf("reasons = %v, want %v", reasons, want)
	}
}

func TestDuplicateCodeKeepsTheFirstFeatureAndDropsTheRest(t *testing.T) {
	res := mustImport(t, collection(
		feature(rect(113, 33, 113.01, 33.01), props(code15(1))),
		feature(rect(113.01, 33, 113.02, 33.01), props(code15(1))),
		feature(rect(113.02, 33, 113.03, 33.01), props(code15(1))),
	), Options{})
	if len(res.Cells) != 1 || res.Cells[0].Geometry.Bound().Min[0] != 113 {
		t.Fatalf("cells = %v, want only the first", codes(res.Cells))
	}
	if len(res.Problems) != 2 {
		t.Fatalf("problems = %+v, want two duplicates", res.Problems)
	}
	for i, p := range res.Problems {
		if p.Reason != ReasonDuplicateCode || p.Feature != i+1 || !p.Dropped || !strings.Contains(p.Message, "feature 0") {
			t.Fatalf("problem %d = %+v, want duplicate_code on feature %d naming feature 0", i, p, i+1)
		}
	}
}

func TestCodeLengthIsConfigurable(t *testing.T) {
	data := collection(feature(ok1, props("41990100100101")))
	res := mustImport(t, data, Options{CodeLength: 14})
	if len(res.Problems) != 0 || len(res.Cells) != 1 {
		t.Fatalf("14-digit code with CodeLength 14: problems %+v", res.Problems)
	}
	c := res.Cells[0]
	if c.Community.Code != "419901001001" || c.Street.Code != "419901001" || c.District.Code != "419901" {
		t.Fatalf("parents = %+v %+v %+v, want them taken from the code", c.Community, c.Street, c.District)
	}
	res = mustImport(t, data, Options{})
	if len(res.Cells) != 0 || res.Problems[0].Reason != ReasonBadCode {
		t.Fatalf("14-digit code with the default length: cells %d, problems %+v; want bad_code", len(res.Cells), res.Problems)
	}
	for _, n := range []int{12, 16, -1} {
		if _, err := Import(data, Options{CodeLength: n}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("CodeLength %d: error %v, want ErrInvalid", n, err)
		}
	}
}

func TestImportReadsNamesParentsAndNumericCodes(t *testing.T) {
	res := mustImport(t, collection(feature(ok1, `{"code":419901001001007,"name":"鹰城社区 007",
		"community_code":"419901001001","community_name":"鹰城社区","street_code":"419901001","street_name":"建设路街道",
		"district_code":"419901","district_name":"东城区","extra":true}`)), Options{})
	if len(res.Problems) != 0 {
		t.Fatalf("problems %+v", res.Problems)
	}
	c := res.Cells[0]
	want := Cell{Code: "419901001001007", Name: "鹰城社区 007", Community: Ref{"419901001001", "鹰城社区"},
		Street: Ref{"419901001", "建设路街道"}, District: Ref{"419901", "东城区"}}
	c.Geometry = nil
	if c.Code != want.Code || c.Name != want.Name || c.Community != want.Community || c.Street != want.Street || c.District != want.District {
		t.Fatalf("cell = %+v, want %+v", c, want)
	}
}

func TestImportRefusesDocumentsThatAreNotFeatureCollections(t *testing.T) {
	for _, doc := range []string{``, `{`, `[]`, `{"type":"Feature"}`, `{"type":"Polygon","coordinates":[]}`} {
		if _, err := Import([]byte(doc), Options{}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Import(%q) error = %v, want ErrInvalid", doc, err)
		}
	}
}

func TestEmptyCollectionImportsNothingWithoutProblems(t *testing.T) {
	res := mustImport(t, collection(), Options{})
	if len(res.Cells) != 0 || len(res.Problems) != 0 || res.Err() != nil {
		t.Fatalf("result = %+v, want empty", res)
	}
}

func TestMultiPolygonWithAHoleImports(t *testing.T) {
	mp := `{"type":"MultiPolygon","coordinates":[
		[[[113,33],[113.03,33],[113.03,33.03],[113,33.03],[113,33]],[[113.01,33.01],[113.01,33.02],[113.02,33.02],[113.02,33.01],[113.01,33.01]]],
		[[[113.1,33],[113.11,33],[113.11,33.01],[113.1,33]]]]}`
	res := mustImport(t, collection(feature(mp, props(code15(1))),
		feature(rect(113.01, 33.01, 113.02, 33.02), props(code15(2)))), Options{})
	if len(res.Problems) != 0 || len(res.Cells) != 2 {
		t.Fatalf("problems %+v, want none (the hole is filled by the second cell)", res.Problems)
	}
}

func TestOverlapsAreReportedOnceAndSharedBordersAreNot(t *testing.T) {
	cases := []struct {
		name    string
		a, b    string
		overlap bool
	}{
		{"shared edge", rect(113, 33, 113.01, 33.01), rect(113.01, 33, 113.02, 33.01), false},
		{"shared edge, partly", rect(113, 33, 113.01, 33.01), rect(113.01, 33.005, 113.02, 33.02), false},
		{"shared corner", rect(113, 33, 113.01, 33.01), rect(113.01, 33.01, 113.02, 33.02), false},
		{"apart", rect(113, 33, 113.01, 33.01), rect(113.5, 33, 113.51, 33.01), false},
		{"shared edge digitised 1e-9° apart", rect(113, 33, 113.01, 33.01), rect(113.009999999, 33, 113.02, 33.01), false},
		{"shared edge with an extra vertex on it", rect(113, 33, 113.01, 33.01), ring(113.01, 33, 113.01, 33.005, 113.01, 33.01, 113.02, 33.01, 113.02, 33, 113.01, 33), false},
		{"partial overlap", rect(113, 33, 113.01, 33.01), rect(113.005, 33.005, 113.015, 33.015), true},
		{"overlap by a strip of 1e-5°", rect(113, 33, 113.01, 33.01), rect(113.00999, 33, 113.02, 33.01), true},
		{"contained", rect(113, 33, 113.03, 33.03), rect(113.01, 33.01, 113.02, 33.02), true},
		{"identical", rect(113, 33, 113.01, 33.01), rect(113, 33, 113.01, 33.01), true},
		{"triangle on three corners", rect(113, 33, 113.01, 33.01), ring(113, 33, 113.01, 33, 113.01, 33.01, 113, 33), true},
		{"cross shape", rect(113, 33.004, 113.01, 33.006), rect(113.004, 33, 113.006, 33.01), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := mustImport(t, collection(feature(tc.a, props(code15(1))), feature(tc.b, props(code15(2)))), Options{})
			var overlaps []Problem
			for _, p := range res.Problems {
				if p.Reason == ReasonOverlap {
					overlaps = append(overlaps, p)
				}
			}
			if !tc.overlap {
				if len(overlaps) != 0 {
					t.Fatalf("overlaps = %+v, want none", overlaps)
				}
				return
			}
			if len(overlaps) != 1 {
				t.Fatalf("overlaps = %+v, want exactly one", overlaps)
			}
			p := overlaps[0]
			if p.Feature != 1 || p.Code != code15(2) || p.Other != code15(1) || p.Dropped || p.At == nil {
				t.Fatalf("overlap = %+v, want it on feature 1 against %s, kept, with a witness", p, code15(1))
			}
			if len(res.Cells) != 2 {
				t.Fatalf("cells = %d, want both kept", len(res.Cells))
			}
		})
	}
}

func TestJitteredGridHasNoOverlapsOrGaps(t *testing.T) {
	data, err := MarshalGeoJSON(syntheticCells(20, true))
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, data, Options{})
	if len(res.Problems) != 0 || len(res.Cells) != 400 {
		t.Fatalf("cells %d, problems %+v; want 400 cells and none", len(res.Cells), res.Problems)
	}
}

func TestGapEnclosedByCellsIsReported(t *testing.T) {
	res := boxGrid(t, 3, 3, 5) // the middle cell is missing
	var gaps []Problem
	for _, p := range res.Problems {
		if p.Reason == ReasonGap {
			gaps = append(gaps, p)
		}
	}
	if len(gaps) != 1 || len(res.Problems) != 1 {
		t.Fatalf("problems = %+v, want exactly one gap", res.Problems)
	}
	g := gaps[0]
	if g.Feature != -1 || g.Other != code15(4) || g.At == nil || g.Dropped {
		t.Fatalf("gap = %+v, want feature -1 next to %s with a witness point", g, code15(4))
	}
	if x, y := g.At[0], g.At[1]; x < 113.01 || x > 113.02 || y < 33.78 || y > 33.79 {
		t.Fatalf("gap witness (%v, %v) is not inside the missing cell", x, y)
	}
}

func TestOutlineBaysAreNotGaps(t *testing.T) {
	cases := []struct {
		name string
		skip []int
	}{
		{"full", nil},
		{"U shape: top middle missing", []int{2}},
		{"L shape", []int{1, 2, 4, 5}},
		{"corner missing", []int{9}},
		{"diagonal", []int{2, 3, 4, 6, 7, 8}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if res := boxGrid(t, 3, 3, tc.skip...); len(res.Problems) != 0 {
				t.Fatalf("problems = %+v, want none", res.Problems)
			}
		})
	}
}

func TestTwoSeparateGapsAreReportedSeparately(t *testing.T) {
	res := boxGrid(t, 5, 3, 7, 9)
	if len(res.Problems) != 2 || res.Problems[0].Reason != ReasonGap || res.Problems[1].Reason != ReasonGap {
		t.Fatalf("problems = %+v, want two gaps", res.Problems)
	}
	if res.Problems[0].Other != code15(6) || res.Problems[1].Other != code15(8) {
		t.Fatalf("gap neighbours = %s, %s; want %s, %s", res.Problems[0].Other, res.Problems[1].Other, code15(6), code15(8))
	}
}

func TestDigestIgnoresOrderAndSeesChanges(t *testing.T) {
	cells := DemoCells()
	rev := slices.Clone(cells)
	slices.Reverse(rev)
	if Digest(cells) != Digest(rev) {
		t.Fatal("digest depends on order")
	}
	changed := slices.Clone(cells)
	changed[3].Name = "renamed"
	if Digest(cells) == Digest(changed) {
		t.Fatal("digest did not change with a name")
	}
}
