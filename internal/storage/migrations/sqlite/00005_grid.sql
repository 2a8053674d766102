-- +goose Up
-- Unit grids (单元网格), versioned: an import adds a version with all its
-- cells and nothing is updated in place, so a case can name the version it
-- was routed with. The version with the highest id is in force.
CREATE TABLE grid_versions (
    id           INTEGER PRIMARY KEY,   -- 1, 2, 3… in import order
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,         -- account ID, or "system"
    source_name  TEXT NOT NULL,
    cell_count   INTEGER NOT NULL,
    digest       TEXT NOT NULL,         -- grid.Digest of the cells
    code_length  INTEGER NOT NULL       -- 14 or 15
);

CREATE TABLE grid_cells (
    version_id      INTEGER NOT NULL REFERENCES grid_versions(id),
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    community_code  TEXT NOT NULL,
    community_name  TEXT NOT NULL,
    street_code     TEXT NOT NULL,
    street_name     TEXT NOT NULL,
    district_code   TEXT NOT NULL,
    district_name   TEXT NOT NULL,
    geometry        TEXT NOT NULL,      -- GeoJSON MultiPolygon, WGS-84
    PRIMARY KEY (version_id, code)
);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
