-- +goose Up
-- Duplicate candidates (UrbanStore.Nearby: same category, reported within the
-- duplicate window, inside a box around the point) are found through the
-- category's index alone, which now carries the point: the scan of a
-- category's recent entries tests lon and lat in the index and reads only the
-- rows inside the box. cases_nearby (category, ~110 m square, time) goes: it
-- put every report's entry in a random place of a B-tree of a million, a page
-- more in each commit (docs/performance.md, "The closed loop at a million
-- cases"). The category filter of the case lists keeps its (category, time)
-- order. geo_cell, the square that index was keyed by, is dropped with it (on
-- PostgreSQL only the catalogue changes).
DROP INDEX cases_nearby;
DROP INDEX cases_category;
CREATE INDEX cases_category ON cases (category_id, reported_at, lon, lat);
ALTER TABLE cases DROP COLUMN geo_cell;

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
