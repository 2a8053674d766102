-- +goose Up
-- The digital urban management closed loop (数字城管). Times are Unix
-- milliseconds (UTC), NULL for "not yet".
CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,       -- 2026-000123, gapless per year
    version           INTEGER NOT NULL,
    channel           TEXT NOT NULL,
    category_id       TEXT NOT NULL,
    category_code     TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    description       TEXT NOT NULL,
    address           TEXT NOT NULL,
    lon               REAL NOT NULL,  -- WGS-84
    lat               REAL NOT NULL,
    grid_code         TEXT NOT NULL,
    geo_cell          TEXT NOT NULL,              -- ~110 m square of the point, for duplicate search
    grid_version      BIGINT NOT NULL,
    unit_id           TEXT NOT NULL,              -- the community
    unit_path         TEXT NOT NULL,
    department_id     TEXT NOT NULL DEFAULT '',
    department_path   TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL,
    held_from         TEXT NOT NULL DEFAULT '',
    merged_into       TEXT NOT NULL DEFAULT '',
    pending           TEXT NOT NULL DEFAULT '',   -- JSON of the move waiting for approval
    reporter_id       TEXT NOT NULL DEFAULT '',
    reporter_key      TEXT NOT NULL,
    client_id         TEXT NOT NULL DEFAULT '',
    tracking_hash     TEXT NOT NULL DEFAULT '',
    reported_at       BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    filed_at          BIGINT,
    dispatched_at     BIGINT,
    handled_at        BIGINT,
    verified_at       BIGINT,
    closed_at         BIGINT,
    handle_due        BIGINT,
    stage_due         BIGINT,
    stage_started     BIGINT,
    stage_provisional INTEGER NOT NULL DEFAULT 0,
    warned_level      INTEGER NOT NULL DEFAULT 0,
    escalated_at      BIGINT,
    reworks           INTEGER NOT NULL DEFAULT 0,
    extensions        INTEGER NOT NULL DEFAULT 0,
    reopens           INTEGER NOT NULL DEFAULT 0,
    returns           INTEGER NOT NULL DEFAULT 0,
    public_note       TEXT NOT NULL DEFAULT '',
    rating            INTEGER NOT NULL DEFAULT 0,
    rated_at          BIGINT
);
-- A client ID makes a resubmission idempotent, per reporter.
CREATE UNIQUE INDEX cases_client ON cases (reporter_key, client_id) WHERE client_id <> '';
CREATE INDEX cases_reported ON cases (reported_at DESC, id DESC);
CREATE INDEX cases_state ON cases (state, reported_at DESC);
CREATE INDEX cases_department ON cases (department_id, reported_at);
CREATE INDEX cases_channel ON cases (channel, reported_at DESC, id DESC);
CREATE INDEX cases_department_state ON cases (department_id, state, reported_at);
-- Moves waiting for a shift lead are few: a partial index finds them at once.
CREATE INDEX cases_pending ON cases (reported_at DESC, id DESC) WHERE pending <> '';
-- (No index on unit_path here: SQLite's LIKE is case-insensitive and cannot use one;
-- lists walk the time index and test the path. PostgreSQL's text_pattern_ops can.)
CREATE INDEX cases_stage_due ON cases (stage_due) WHERE stage_due IS NOT NULL;
CREATE INDEX cases_category ON cases (category_id, reported_at);
-- Duplicate candidates: same category, the squares around the point, recent.
CREATE INDEX cases_nearby ON cases (category_id, geo_cell, reported_at);
-- The indicators find a period's cases by each instant they count.
CREATE INDEX cases_filed_at ON cases (filed_at);
CREATE INDEX cases_dispatched_at ON cases (dispatched_at);
CREATE INDEX cases_handled_at ON cases (handled_at);
CREATE INDEX cases_handle_due ON cases (handle_due);
CREATE INDEX cases_closed_at ON cases (closed_at);

-- A reporter's contact details, apart from the case: read by intake roles only.
CREATE TABLE case_contacts (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    name    TEXT NOT NULL,
    phone   TEXT NOT NULL,
    email   TEXT NOT NULL
);

-- The case's history: every move, with its note.
CREATE TABLE case_events (
    id        TEXT PRIMARY KEY,
    case_id   TEXT NOT NULL REFERENCES cases(id),
    at        BIGINT NOT NULL,
    actor_id  TEXT NOT NULL,
    role      TEXT NOT NULL,
    unit_id   TEXT NOT NULL,
    move      TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state  TEXT NOT NULL,
    note      TEXT NOT NULL,
    public    INTEGER NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, at);
CREATE INDEX case_events_at ON case_events (at);

-- Evidence attached to a case; the file is the blob with this SHA-256 in the
-- evidence store, and the ledger holds the hash.
CREATE TABLE case_attachments (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases(id),
    sha256      TEXT NOT NULL,
    stage       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    name        TEXT NOT NULL,
    captured_at BIGINT,
    has_gps     INTEGER NOT NULL,
    lon         REAL NOT NULL,
    lat         REAL NOT NULL,
    by_account  TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, at);

-- Gapless per-year counters of human case numbers.
CREATE TABLE case_counters (
    year  INTEGER PRIMARY KEY,
    value BIGINT NOT NULL
);

-- +goose Down
-- Forward-only: down migrations are not supported.
