package web

import (
	"context"
	"net/http"

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
