-- +goose Up
-- Year tables of the statutory calendar entered by administrators, layered
-- over the official tables embedded in the binary, and every change to them.
CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    data        TEXT NOT NULL,    -- the year table as JSON (calendar.Year)
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL     -- account ID, or "system" for the command line
);

CREATE TABLE calendar_changes (
    id          TEXT PRIMARY KEY,
    year        INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    before_data TEXT,             -- the table it replaced; NULL for the first edit of a year
    after_data  TEXT NOT NULL
);
CREATE INDEX calendar_changes_year ON calendar_changes(year, at);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
