-- +goose Up
-- The 部件/事件 catalogue (FACTS §1.2, §1.3, §1.6): one row per class, unique
-- by kind and two-level code; never deleted (cases refer to it), disabled
-- instead. Limits are an amount and a calendar unit, never a bare integer.
CREATE TABLE categories (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,        -- component | event
    code             TEXT NOT NULL,        -- 2-digit major + 2-digit minor
    major_name       TEXT NOT NULL,
    major_name_en    TEXT NOT NULL,
    name             TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    department_id    TEXT NOT NULL REFERENCES units(id),
    file_condition   TEXT NOT NULL,        -- 立案条件
    close_condition  TEXT NOT NULL,        -- 结案条件
    file_amount      INTEGER NOT NULL,
    file_unit        TEXT NOT NULL,        -- calendar.Unit
    dispatch_amount  INTEGER NOT NULL,
    dispatch_unit    TEXT NOT NULL,
    handle_amount    INTEGER NOT NULL,
    handle_unit      TEXT NOT NULL,
    verify_amount    INTEGER NOT NULL,
    verify_unit      TEXT NOT NULL,
    urgencies        TEXT NOT NULL,        -- JSON [{"level","handle":{"amount","unit"}}]
    enabled          INTEGER NOT NULL,
    source           TEXT NOT NULL,        -- national | city
    version          INTEGER NOT NULL,     -- 1, 2, 3… per change
    updated_at       INTEGER NOT NULL,
    updated_by       TEXT NOT NULL,
    UNIQUE (kind, code)
);

-- Every recorded state of a category, as JSON; the ledger holds its digest.
CREATE TABLE category_revisions (
    category_id  TEXT NOT NULL REFERENCES categories(id),
    version      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    actor_id     TEXT NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (category_id, version)
);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
