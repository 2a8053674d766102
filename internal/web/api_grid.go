package web

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"chengguan/internal/apperr"
	"chengguan/internal/grid"
	"chengguan/internal/grid/coord"
)

func (s *Server) gridRoutes(api huma.API) {
	huma.Register(api, huma.Operation{OperationID: "grid-lookup", Method: http.MethodGet, Path: "/grid/lookup",
		Summary: "The unit grid (单元网格) a point lies in, with its community, street and district",
		Description: "Looks the point up in the grid version in force. A point on a shared border belongs to the cell " +
			"with the smallest code. A point outside every cell answers 404 not_found with the reason.",
		Tags: []string{"grid"}}, s.apiGridLookup)
	huma.Register(api, huma.Operation{OperationID: "grid-cells", Method: http.MethodGet, Path: "/grid/cells",
		Summary:     "Every unit grid cell of the version in force, as a GeoJSON FeatureCollection (WGS-84)",
		Description: "The same properties as the import: code, name, community_code, street_code, district_code and their names.",
		Tags:        []string{"grid"}}, s.apiGridCells)
	huma.Register(api, huma.Operation{OperationID: "grid-areas", Method: http.MethodGet, Path: "/grid/areas",
		Summary: "Every responsibility area (责任区) of the version in force, as a GeoJSON FeatureCollection (WGS-84)",
		Description: "The same properties as the import — code, name, unit_code, kind, categories ([] = every category) — " +
			"and unit_name and unit_id, the responsible unit's name and ID. unit_code is the unit's code now; when it was " +
			"recoded after the import, imported_unit_code is the code the area was imported with. unit_warning is set when " +
			"the area cannot pass cases to its unit, and cases there are suggested the category's department instead: " +
			"unit_missing, unit_disabled or unit_not_department. With none imported: 404 not_found.",
		Tags: []string{"grid"}}, s.apiGridAreas)
	huma.Register(api, huma.Operation{OperationID: "grid-areas-import", Method: http.MethodPost, Path: "/grid/areas",
		Summary: "Import responsibility areas (责任区) from GeoJSON as the new version in force, all or nothing (administrators of the whole tree)",
		Description: "The body is a GeoJSON FeatureCollection of Polygon or MultiPolygon features with the properties code " +
			"(unique), unit_code (an enabled organisation unit, normally a department), and optionally name, kind and " +
			"categories. Areas may overlap. Any problem refuses the whole file with 400 invalid and one error field per " +
			"problem, features[N].<reason> (as a grid import reports them).",
		Tags: []string{"grid"}, DefaultStatus: http.StatusCreated, MaxBodyBytes: s.areaImportLimit()}, s.apiGridAreasImport)
	huma.Register(api, huma.Operation{OperationID: "grid-cells-import", Method: http.MethodPost, Path: "/grid/cells",
		Summary: "Import unit grid cells (单元网格) from GeoJSON as the new grid version in force, all or nothing (administrators of the whole tree)",
		Description: "The body is a GeoJSON FeatureCollection of Polygon or MultiPolygon features with the properties code " +
			"(14 or 15 digits, under its community), name, and community_code, street_code, district_code and their names, " +
			"as `chengguan grid import` reads it. Cells may neither overlap nor leave gaps. Any problem refuses the whole " +
			"file with 400 invalid and one error field per problem, features[N].<reason> (gaps[K].gap for a gap), as an " +
			"area import reports them.",
		Tags: []string{"grid"}, DefaultStatus: http.StatusCreated, MaxBodyBytes: s.areaImportLimit()}, s.apiGridCellsImport)
}

// GridVersionView is an imported version of the unit grid.
type GridVersionView struct {
	ID         int64     `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
	Name       string    `json:"name" doc:"the source name given with the import"`
	Cells      int       `json:"cells"`
	CodeLength int       `json:"code_length" doc:"14 or 15"`
	Digest     string    `json:"digest" doc:"content hash of the cells, as recorded in the ledger"`
}

type gridCellsImportInput struct {
	Name       string `query:"name" maxLength:"200" doc:"source name recorded with the version (default: the date of the import)"`
	CodeLength int    `query:"code_length" doc:"length of a unit grid code: 15 (DB11, the default) or 14 (CJ/T 213)"`
	RawBody    []byte `contentType:"application/geo+json" doc:"a GeoJSON FeatureCollection"`
}

type gridCellsImportOutput struct{ Body GridVersionView }

func (s *Server) apiGridCellsImport(ctx context.Context, in *gridCellsImportInput) (*gridCellsImportOutput, error) {
	name := in.Name
	if name == "" {
		name = "API import " + time.Now().UTC().Format(time.DateOnly)
	}
	v, _, err := s.grid.Import(ctx, actorOf(ctx), name, in.RawBody, grid.Options{CodeLength: in.CodeLength})
	if err != nil {
		return nil, err
	}
	return &gridCellsImportOutput{Body: GridVersionView{ID: v.ID, CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy, Name: v.Name,
		Cells: v.Cells, CodeLength: v.CodeLength, Digest: v.Digest}}, nil
}

// AreaVersionView is an imported version of the responsibility areas.
type AreaVersionView struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Name      string    `json:"name" doc:"the source name given with the import"`
	Areas     int       `json:"areas"`
	Digest    string    `json:"digest" doc:"content hash of the areas, as recorded in the ledger"`
}

type gridAreasImportInput struct {
	Name    string `query:"name" maxLength:"200" doc:"source name recorded with the version (default: the date of the import)"`
	RawBody []byte `contentType:"application/geo+json" doc:"a GeoJSON FeatureCollection"`
}

type gridAreasImportOutput struct{ Body AreaVersionView }

func (s *Server) apiGridAreasImport(ctx context.Context, in *gridAreasImportInput) (*gridAreasImportOutput, error) {
	name := in.Name
	if name == "" {
		name = "API import " + time.Now().UTC().Format(time.DateOnly)
	}
	v, _, err := s.areas.Import(ctx, actorOf(ctx), name, in.RawBody)
	if err != nil {
		return nil, err
	}
	return &gridAreasImportOutput{Body: AreaVersionView{ID: v.ID, CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy, Name: v.Name,
		Areas: v.Areas, Digest: v.Digest}}, nil
}

type gridAreasOutput struct {
	ContentType string `header:"Content-Type"`
	Version     int64  `header:"X-Area-Version" doc:"the area version the areas belong to"`
	Body        []byte
}

func (s *Server) apiGridAreas(ctx context.Context, _ *struct{}) (*gridAreasOutput, error) {
	ix, v, err := s.areas.Current(ctx)
	if err != nil {
		return nil, err
	}
	areas := ix.Areas()
	unit, err := s.areaUnits(ctx, areas)
	if err != nil {
		return nil, err
	}
	body, err := grid.MarshalAreasGeoJSON(areas, unit)
	if err != nil {
		return nil, apperr.Internalf("areas GeoJSON: %w", err)
	}
	return &gridAreasOutput{ContentType: "application/geo+json", Version: v.ID, Body: body}, nil
}

type gridCellsOutput struct {
	ContentType string `header:"Content-Type"`
	Version     int64  `header:"X-Grid-Version" doc:"the grid version the cells belong to"`
	Body        []byte
}

func (s *Server) apiGridCells(ctx context.Context, _ *struct{}) (*gridCellsOutput, error) {
	idx, v, err := s.grid.Current(ctx)
	if err != nil {
		return nil, err
	}
	body, err := grid.MarshalGeoJSON(idx.Cells())
	if err != nil {
		return nil, apperr.Internalf("grid GeoJSON: %w", err)
	}
	return &gridCellsOutput{ContentType: "application/geo+json", Version: v.ID, Body: body}, nil
}

type gridLookupInput struct {
	Lat float64 `query:"lat" required:"true" minimum:"-90" maximum:"90" doc:"Latitude in degrees"`
	Lon float64 `query:"lon" required:"true" minimum:"-180" maximum:"180" doc:"Longitude in degrees"`
	CRS string  `query:"crs" enum:"wgs84,gcj02" default:"wgs84" doc:"wgs84 (GPS) or gcj02 (高德, 腾讯 and most Chinese phone maps)"`
}

type gridRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// GridLookupAnswer is the answer of GET /api/v1/grid/lookup.
type GridLookupAnswer struct {
	Grid      gridRef `json:"grid" doc:"the unit grid cell (单元网格)"`
	Community gridRef `json:"community" doc:"社区, 12 digits"`
	Street    gridRef `json:"street" doc:"街道, 9 digits"`
	District  gridRef `json:"district" doc:"区, 6 digits"`
	Version   int64   `json:"version" doc:"the grid version the point was resolved in; a case keeps it"`
}

type gridLookupOutput struct {
	Body GridLookupAnswer
}

func (s *Server) apiGridLookup(ctx context.Context, in *gridLookupInput) (*gridLookupOutput, error) {
	sys, err := coord.ParseSystem(in.CRS)
	if err != nil {
		return nil, apperr.InvalidFields(apperr.Field("crs", "grid.crs"))
	}
	c, v, err := s.grid.Lookup(ctx, in.Lon, in.Lat, sys)
	if err != nil {
		return nil, err
	}
	return &gridLookupOutput{Body: gridAnswer(c, v)}, nil
}

func gridAnswer(c grid.Cell, v grid.Version) GridLookupAnswer {
	return GridLookupAnswer{
		Grid:      gridRef{c.Code, c.Name},
		Community: gridRef{c.Community.Code, c.Community.Name},
		Street:    gridRef{c.Street.Code, c.Street.Name},
		District:  gridRef{c.District.Code, c.District.Name},
		Version:   v.ID,
	}
}
