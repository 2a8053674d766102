// Package grid answers where a point belongs: which unit grid cell (单元网格) contains it, and
// through the cell's code its community (社区), street (街道) and district (区); and which
// responsibility areas (责任区) contain it, and so who answers there for a category of
// problem. It is the pure core of grid routing: it imports cells and areas from GeoJSON and
// reports what is wrong with them, builds in-memory indexes, and looks points up.
//
// Cells are stored in WGS-84 (longitude, latitude) as planar polygons; at city scale the
// difference from geodesic edges is far below the accuracy of a phone's fix. Points that arrive
// in GCJ-02 (Chinese phone maps) are converted at the edge by the coord sub-package.
//
// Import (Import) takes a GeoJSON FeatureCollection of Polygon or MultiPolygon features whose
// properties are:
//
//	code            required  the unit grid code, 14 or 15 digits (Options.CodeLength; FACTS §1.3):
//	                          6-digit county + 3-digit street + 3-digit community + 2- or
//	                          3-digit sequence (west→east, north→south within the community).
//	                          A string; an integral JSON number is accepted too.
//	name            optional  the cell's name
//	community_code  optional  12 digits; when given, the code must start with it
//	street_code     optional  9 digits; when given, the code must start with it
//	district_code   optional  6 digits; when given, the code must start with it
//	community_name, street_name, district_name   optional names of the parents
//
// Parent codes that are not given are taken from the code's prefix. Import never drops a
// feature silently: every feature it leaves out has a Problem with Dropped set, and overlaps
// and gaps between the cells it keeps are reported too (see Import for the methods and their
// limits).
//
// Lookup rule for points on borders: a cell is closed — a point on its outer boundary is in it
// (a point on the boundary of one of its holes is not: it belongs to whatever fills the hole).
// When several cells contain a point (a shared edge or corner, or an overlap that import
// reported), the cell with the smallest code wins, so the answer never depends on the order
// cells were loaded or on the shape of the R-tree.
//
// # Responsibility areas (责任区)
//
// An area is a territory whose unit answers for some categories of problems: a park's
// management (公园), a market's (市场), a road's maintainer (道路), a shop front's owner under
// 门前三包. ImportAreas reads them from a GeoJSON FeatureCollection of Polygon or MultiPolygon
// features whose properties are:
//
//	code        required  unique in the file; at most 64 characters, no spaces
//	unit_code   required  the code of the responsible organisation unit (internal/identity),
//	                      normally a department; the AreaService refuses a code that names no
//	                      unit or a disabled one (unknown_unit), per feature
//	name        optional  the area's name
//	kind        optional  free text: 门前三包, 公园, 市场, 道路…
//	categories  optional  the categories the area answers for: a JSON list (or one string
//	                      separated by commas, semicolons, 、 or spaces) of 4-digit category
//	                      codes ("0101") or 2-digit major classes ("02"), each optionally limited
//	                      to a kind ("event:01", "component:0302"; 事件/部件 are read too — the
//	                      same code is a different class in each kind). Missing or empty: every
//	                      category.
//
// Rings are checked as a cell's are (one reader does both); duplicate codes and bad properties
// are reported per feature, and a file with any problem is refused whole. Areas MAY overlap and
// overlaps are not reported: a market lies on a road.
//
// Lookup rule: AreaIndex.Containing lists the areas containing a point (closed, as cells are)
// from the most specific to the least: the smallest area first (planar size, holes left out,
// rounded to about 0.01 m² so that equal shapes tie), then by code. ResponsibleFor(point,
// kind, code) — Responsible over that list — is the first of them whose categories cover the
// category, or none. The case workflow suggests that area's unit as the department a case is
// dispatched to (urban.SuggestDepartment), and the category's department otherwise.
//
// Area versions are kept exactly as grid versions are, by an AreaService with an AreaStore: an
// import adds an immutable numbered version with its ledger record (grid.areas_import), the
// newest is in force, and AreaDigest keys versions on their content. Area versions are
// independent of grid versions.
//
// Everything but the Service and the AreaService is a pure core: no database, no HTTP, no file
// or network I/O, no clock, no mutable package state. The Service (service.go) keeps versions — an import adds an
// immutable, numbered version and the newest is in force, so a case can remember the version it
// was routed with — through a Store interface (internal/storage implements it), a clock and a
// cached Index that it is handed or holds per Service; it still does no I/O of its own. Digest
// keys versions on their content. An import's Invalid error names every problem as a field
// features[N].<reason> (gaps[K].gap for a gap), translated as grid.problem.<reason>; the CLI
// prints the Result's problems instead.
package grid
