-- +goose Up
-- Responsibility areas (责任区), versioned as unit grids are: an import adds a
-- version with all its areas and nothing is updated in place. The version with
-- the highest id is in force. Areas may overlap; the most specific one that
-- covers a case's category suggests the department a case is dispatched to.
CREATE TABLE grid_area_versions (
    id           INTEGER PRIMARY KEY,   -- 1, 2, 3… in import order
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,         -- account ID, or "system"
    source_name  TEXT NOT NULL,
    area_count   INTEGER NOT NULL,
    digest       TEXT NOT NULL          -- grid.AreaDigest of the areas
);

CREATE TABLE grid_areas (
    version_id   INTEGER NOT NULL REFERENCES grid_area_versions(id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    unit_code    TEXT NOT NULL,         -- the responsible unit's code (units.code) at import
    kind         TEXT NOT NULL,         -- free text: 门前三包, 公园, 市场, 道路…
    categories   TEXT NOT NULL,         -- normalized entries joined by commas; empty = all
    geometry     TEXT NOT NULL,         -- GeoJSON MultiPolygon, WGS-84
    PRIMARY KEY (version_id, code)
);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
