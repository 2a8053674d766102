// Package grid answers where a point belongs: which unit grid cell (单元网格) contains it, and
// through the cell's code its community (社区), street (街道) and district (区). It is the pure
// core of grid routing: it imports cells from GeoJSON and reports what is wrong with them,
// builds an in-memory index, and looks points up.
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
// Everything but the Service is a pure core: no database, no HTTP, no file or network I/O, no
// clock, no mutable package state. The Service (service.go) keeps versions — an import adds an
// immutable, numbered version and the newest is in force, so a case can remember the version it
// was routed with — through a Store interface (internal/storage implements it), a clock and a
// cached Index that it is handed or holds per Service; it still does no I/O of its own. Digest
// keys versions on their content.
package grid
