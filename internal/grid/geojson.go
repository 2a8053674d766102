package grid

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// The GeoJSON is decoded with encoding/json rather than orb/geojson: that package pulls in the
// MongoDB BSON driver, and decoding feature by feature lets one malformed feature be reported
// without losing the rest.

type featureCollectionJSON struct {
	Type     string            `json:"type"`
	Features []json.RawMessage `json:"features"`
}

type featureJSON struct {
	Type       string          `json:"type"`
	Geometry   *geometryJSON   `json:"geometry"`
	Properties map[string]any  `json:"properties"`
	ID         json.RawMessage `json:"id,omitempty"`
}

type geometryJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// decodeGeometry turns a Polygon or MultiPolygon into an orb.MultiPolygon. Positions must have
// at least two numbers; a third (altitude) is ignored.
func decodeGeometry(g *geometryJSON) (orb.MultiPolygon, Reason, error) {
	if g == nil {
		return nil, ReasonGeometryType, fmt.Errorf("geometry is null; want Polygon or MultiPolygon")
	}
	var raw [][][][]float64
	switch g.Type {
	case "Polygon":
		var poly [][][]float64
		if err := json.Unmarshal(g.Coordinates, &poly); err != nil {
			return nil, ReasonMalformed, fmt.Errorf("coordinates of the Polygon: %v", err)
		}
		raw = [][][][]float64{poly}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &raw); err != nil {
			return nil, ReasonMalformed, fmt.Errorf("coordinates of the MultiPolygon: %v", err)
		}
	default:
		return nil, ReasonGeometryType, fmt.Errorf("geometry type %q; want Polygon or MultiPolygon", g.Type)
	}
	if len(raw) == 0 {
		return nil, ReasonInvalidRing, fmt.Errorf("geometry has no polygons")
	}
	mp := make(orb.MultiPolygon, len(raw))
	for i, poly := range raw {
		if len(poly) == 0 {
			return nil, ReasonInvalidRing, fmt.Errorf("polygon %d has no rings", i)
		}
		mp[i] = make(orb.Polygon, len(poly))
		for j, ring := range poly {
			r := make(orb.Ring, len(ring))
			for k, pos := range ring {
				if len(pos) < 2 {
					return nil, ReasonMalformed, fmt.Errorf("polygon %d ring %d position %d has %d numbers; want longitude and latitude", i, j, k, len(pos))
				}
				r[k] = orb.Point{pos[0], pos[1]}
			}
			mp[i][j] = r
		}
	}
	return mp, "", nil
}

// stringProp reads a string property. An integral JSON number is accepted and written in
// decimal, because spreadsheets and some GIS exports turn digit codes into numbers.
func stringProp(props map[string]any, key string) (string, bool, error) {
	v, ok := props[key]
	if !ok || v == nil {
		return "", false, nil
	}
	switch v := v.(type) {
	case string:
		return v, v != "", nil
	case float64:
		if v == math.Trunc(v) && v >= 0 && v < 1<<53 {
			return strconv.FormatFloat(v, 'f', -1, 64), true, nil
		}
	}
	return "", false, fmt.Errorf("property %q is %v; want a string", key, v)
}

// MarshalGeoJSON writes cells as a GeoJSON FeatureCollection of MultiPolygon features with the
// properties Import reads, in the order given: what the map page draws and what an export hands
// back to a GIS. Keys are written in a fixed order, so the output is deterministic.
func MarshalGeoJSON(cells []Cell) ([]byte, error) {
	type props struct {
		Code          string `json:"code"`
		Name          string `json:"name,omitempty"`
		CommunityCode string `json:"community_code,omitempty"`
		CommunityName string `json:"community_name,omitempty"`
		StreetCode    string `json:"street_code,omitempty"`
		StreetName    string `json:"street_name,omitempty"`
		DistrictCode  string `json:"district_code,omitempty"`
		DistrictName  string `json:"district_name,omitempty"`
	}
	return marshalFeatures(len(cells), func(i int) (orb.MultiPolygon, props) {
		c := cells[i]
		return c.Geometry, props{Code: c.Code, Name: c.Name, CommunityCode: c.Community.Code,
			CommunityName: c.Community.Name, StreetCode: c.Street.Code, StreetName: c.Street.Name,
			DistrictCode: c.District.Code, DistrictName: c.District.Name}
	})
}

// marshalFeatures writes n MultiPolygon features, each with its properties P (a struct,
// so that keys come in a fixed order), as a GeoJSON FeatureCollection.
func marshalFeatures[P any](n int, feature func(i int) (orb.MultiPolygon, P)) ([]byte, error) {
	type geom struct {
		Type        string           `json:"type"`
		Coordinates orb.MultiPolygon `json:"coordinates"`
	}
	type feat struct {
		Type       string `json:"type"`
		Geometry   geom   `json:"geometry"`
		Properties P      `json:"properties"`
	}
	fc := struct {
		Type     string `json:"type"`
		Features []feat `json:"features"`
	}{Type: "FeatureCollection", Features: make([]feat, 0, n)}
	for i := range n {
		mp, props := feature(i)
		fc.Features = append(fc.Features, feat{Type: "Feature", Geometry: geom{Type: "MultiPolygon", Coordinates: mp},
			Properties: props})
	}
	return json.Marshal(fc)
}

// MarshalGeometry writes a cell's geometry as a GeoJSON MultiPolygon: the form a store keeps
// it in. Coordinates are written in the shortest form that reads back to the same float64,
// so a stored grid has the Digest it was imported with.
func MarshalGeometry(mp orb.MultiPolygon) ([]byte, error) {
	return json.Marshal(struct {
		Type        string           `json:"type"`
		Coordinates orb.MultiPolygon `json:"coordinates"`
	}{"MultiPolygon", mp})
}

// ParseGeometry reads a Polygon or MultiPolygon geometry, as MarshalGeometry writes it. It
// does not check the rings: Import does that before anything is stored.
func ParseGeometry(data []byte) (orb.MultiPolygon, error) {
	var g geometryJSON
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("%w: geometry: %v", ErrInvalid, err)
	}
	mp, _, err := decodeGeometry(&g)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return mp, nil
}
