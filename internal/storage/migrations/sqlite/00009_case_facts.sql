-- +goose Up
-- What the indicators (绩效评价, FACTS §1.5) read of each case, kept in the transaction
-- of every change to the case (internal/storage/urban.go, writeFacts): the case's
-- instants, flags and grouping keys, in one row for each week-long bucket that one of
-- its instants falls in. A period's figures then read the few buckets it spans, whose
-- rows are narrow and stored together, instead of every case row an instant's index
-- points at; a case found in several of them is counted in the bucket of the instant
-- that puts it in the period (see CountBy).
--
-- bucket = (instant in Unix ms + 8 h) / 7 days: weeks of Asia/Shanghai days (no DST).
CREATE TABLE case_facts (
    bucket          BIGINT NOT NULL,
    case_id         TEXT NOT NULL,
    reported_at     BIGINT NOT NULL,
    filed_at        BIGINT,
    dispatched_at   BIGINT,
    handle_due      BIGINT,
    handled_at      BIGINT,
    closed_at       BIGINT,
    reworked        INTEGER NOT NULL,   -- 1 when sent back at least once (返工)
    extended        INTEGER NOT NULL,   -- 1 when extended at least once (延期)
    department_id   TEXT NOT NULL,
    unit_id         TEXT NOT NULL,      -- the community
    grid_code       TEXT NOT NULL,
    inspector_id    TEXT NOT NULL,      -- the reporting inspector, '' for other channels
    unit_path       TEXT NOT NULL,
    department_path TEXT NOT NULL,
    PRIMARY KEY (bucket, case_id)
) WITHOUT ROWID;
INSERT INTO case_facts (bucket, case_id, reported_at, filed_at, dispatched_at, handle_due, handled_at,
    closed_at, reworked, extended, department_id, unit_id, grid_code, inspector_id, unit_path, department_path)
    SELECT (reported_at + 28800000) / 604800000, id, reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END,
        unit_path, department_path
    FROM cases WHERE reported_at IS NOT NULL
    UNION
    SELECT (filed_at + 28800000) / 604800000, id, reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END,
        unit_path, department_path
    FROM cases WHERE filed_at IS NOT NULL
    UNION
    SELECT (dispatched_at + 28800000) / 604800000, id, reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END,
        unit_path, department_path
    FROM cases WHERE dispatched_at IS NOT NULL
    UNION
    SELECT (handle_due + 28800000) / 604800000, id, reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END,
        unit_path, department_path
    FROM cases WHERE handle_due IS NOT NULL
    UNION
    SELECT (handled_at + 28800000) / 604800000, id, reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END,
        unit_path, department_path
    FROM cases WHERE handled_at IS NOT NULL
    UNION
    SELECT (closed_at + 28800000) / 604800000, id, reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END,
        unit_path, department_path
    FROM cases WHERE closed_at IS NOT NULL;
CREATE INDEX case_facts_case ON case_facts (case_id);

-- Only the indicators' scan of the cases used these.
DROP INDEX cases_filed_at;
DROP INDEX cases_dispatched_at;
DROP INDEX cases_handled_at;
DROP INDEX cases_handle_due;
DROP INDEX cases_closed_at;

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
