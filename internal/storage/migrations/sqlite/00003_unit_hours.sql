-- +goose Up
-- Working hours of an organisation unit (and the units under it), when they
-- differ from the default 09:00–12:00, 13:30–17:30.
CREATE TABLE unit_working_hours (
    unit_id     TEXT PRIMARY KEY REFERENCES units(id),
    spans       TEXT NOT NULL,    -- e.g. "08:30-12:00,14:00-17:30"
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL
);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
