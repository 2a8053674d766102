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
-- A change deletes the case's rows by their whole key, computed from what the case
-- held before, so no index on case_id is needed. Rows carry unit IDs, not territory
-- paths: a scope is resolved through the units table (CountBy), which keeps rows small.
CREATE TABLE case_facts (
    bucket          BIGINT NOT NULL,
    case_id         TEXT NOT NULL,
    -- Which of the case's instants fall in this bucket: 1 reported, 2 filed,
    -- 4 dispatched, 8 handling deadline, 16 handled, 32 closed.
    here            INTEGER NOT NULL,
    reported_at     BIGINT NOT NULL,
    filed_at        BIGINT,
    dispatched_at   BIGINT,
    handle_due      BIGINT,
    handled_at      BIGINT,
    closed_at       BIGINT,
    reworked        INTEGER NOT NULL,   -- 1 when sent back at least once (返工)
    extended        INTEGER NOT NULL,   -- 1 when extended at least once (延期)
    on_time         INTEGER NOT NULL,   -- 1 when handled by the handling deadline
    handled_late    INTEGER NOT NULL,   -- 1 when handled after it
    department_id   TEXT NOT NULL,
    unit_id         TEXT NOT NULL,      -- the community
    grid_code       TEXT NOT NULL,
    inspector_id    TEXT NOT NULL,      -- the reporting inspector, '' for other channels
    -- In the order of the groups (unit_id is the community, of the grid), so that a
    -- bucket's rows come grouped by any dimension's key without sorting them.
    PRIMARY KEY (bucket, unit_id, department_id, grid_code, inspector_id, case_id)
) WITHOUT ROWID;
INSERT INTO case_facts (bucket, case_id, here, reported_at, filed_at, dispatched_at, handle_due, handled_at,
    closed_at, reworked, extended, on_time, handled_late, department_id, unit_id, grid_code, inspector_id)
    SELECT (reported_at + 28800000) / 604800000, id, CASE WHEN (reported_at + 28800000) / 604800000 = (reported_at + 28800000) / 604800000 THEN 1 ELSE 0 END + CASE WHEN (filed_at + 28800000) / 604800000 = (reported_at + 28800000) / 604800000 THEN 2 ELSE 0 END + CASE WHEN (dispatched_at + 28800000) / 604800000 = (reported_at + 28800000) / 604800000 THEN 4 ELSE 0 END + CASE WHEN (handle_due + 28800000) / 604800000 = (reported_at + 28800000) / 604800000 THEN 8 ELSE 0 END + CASE WHEN (handled_at + 28800000) / 604800000 = (reported_at + 28800000) / 604800000 THEN 16 ELSE 0 END + CASE WHEN (closed_at + 28800000) / 604800000 = (reported_at + 28800000) / 604800000 THEN 32 ELSE 0 END,
        reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        CASE WHEN handled_at <= handle_due THEN 1 ELSE 0 END, CASE WHEN handled_at > handle_due THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END
    FROM cases WHERE reported_at IS NOT NULL
    UNION
    SELECT (filed_at + 28800000) / 604800000, id, CASE WHEN (reported_at + 28800000) / 604800000 = (filed_at + 28800000) / 604800000 THEN 1 ELSE 0 END + CASE WHEN (filed_at + 28800000) / 604800000 = (filed_at + 28800000) / 604800000 THEN 2 ELSE 0 END + CASE WHEN (dispatched_at + 28800000) / 604800000 = (filed_at + 28800000) / 604800000 THEN 4 ELSE 0 END + CASE WHEN (handle_due + 28800000) / 604800000 = (filed_at + 28800000) / 604800000 THEN 8 ELSE 0 END + CASE WHEN (handled_at + 28800000) / 604800000 = (filed_at + 28800000) / 604800000 THEN 16 ELSE 0 END + CASE WHEN (closed_at + 28800000) / 604800000 = (filed_at + 28800000) / 604800000 THEN 32 ELSE 0 END,
        reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        CASE WHEN handled_at <= handle_due THEN 1 ELSE 0 END, CASE WHEN handled_at > handle_due THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END
    FROM cases WHERE filed_at IS NOT NULL
    UNION
    SELECT (dispatched_at + 28800000) / 604800000, id, CASE WHEN (reported_at + 28800000) / 604800000 = (dispatched_at + 28800000) / 604800000 THEN 1 ELSE 0 END + CASE WHEN (filed_at + 28800000) / 604800000 = (dispatched_at + 28800000) / 604800000 THEN 2 ELSE 0 END + CASE WHEN (dispatched_at + 28800000) / 604800000 = (dispatched_at + 28800000) / 604800000 THEN 4 ELSE 0 END + CASE WHEN (handle_due + 28800000) / 604800000 = (dispatched_at + 28800000) / 604800000 THEN 8 ELSE 0 END + CASE WHEN (handled_at + 28800000) / 604800000 = (dispatched_at + 28800000) / 604800000 THEN 16 ELSE 0 END + CASE WHEN (closed_at + 28800000) / 604800000 = (dispatched_at + 28800000) / 604800000 THEN 32 ELSE 0 END,
        reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        CASE WHEN handled_at <= handle_due THEN 1 ELSE 0 END, CASE WHEN handled_at > handle_due THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END
    FROM cases WHERE dispatched_at IS NOT NULL
    UNION
    SELECT (handle_due + 28800000) / 604800000, id, CASE WHEN (reported_at + 28800000) / 604800000 = (handle_due + 28800000) / 604800000 THEN 1 ELSE 0 END + CASE WHEN (filed_at + 28800000) / 604800000 = (handle_due + 28800000) / 604800000 THEN 2 ELSE 0 END + CASE WHEN (dispatched_at + 28800000) / 604800000 = (handle_due + 28800000) / 604800000 THEN 4 ELSE 0 END + CASE WHEN (handle_due + 28800000) / 604800000 = (handle_due + 28800000) / 604800000 THEN 8 ELSE 0 END + CASE WHEN (handled_at + 28800000) / 604800000 = (handle_due + 28800000) / 604800000 THEN 16 ELSE 0 END + CASE WHEN (closed_at + 28800000) / 604800000 = (handle_due + 28800000) / 604800000 THEN 32 ELSE 0 END,
        reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        CASE WHEN handled_at <= handle_due THEN 1 ELSE 0 END, CASE WHEN handled_at > handle_due THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END
    FROM cases WHERE handle_due IS NOT NULL
    UNION
    SELECT (handled_at + 28800000) / 604800000, id, CASE WHEN (reported_at + 28800000) / 604800000 = (handled_at + 28800000) / 604800000 THEN 1 ELSE 0 END + CASE WHEN (filed_at + 28800000) / 604800000 = (handled_at + 28800000) / 604800000 THEN 2 ELSE 0 END + CASE WHEN (dispatched_at + 28800000) / 604800000 = (handled_at + 28800000) / 604800000 THEN 4 ELSE 0 END + CASE WHEN (handle_due + 28800000) / 604800000 = (handled_at + 28800000) / 604800000 THEN 8 ELSE 0 END + CASE WHEN (handled_at + 28800000) / 604800000 = (handled_at + 28800000) / 604800000 THEN 16 ELSE 0 END + CASE WHEN (closed_at + 28800000) / 604800000 = (handled_at + 28800000) / 604800000 THEN 32 ELSE 0 END,
        reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        CASE WHEN handled_at <= handle_due THEN 1 ELSE 0 END, CASE WHEN handled_at > handle_due THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END
    FROM cases WHERE handled_at IS NOT NULL
    UNION
    SELECT (closed_at + 28800000) / 604800000, id, CASE WHEN (reported_at + 28800000) / 604800000 = (closed_at + 28800000) / 604800000 THEN 1 ELSE 0 END + CASE WHEN (filed_at + 28800000) / 604800000 = (closed_at + 28800000) / 604800000 THEN 2 ELSE 0 END + CASE WHEN (dispatched_at + 28800000) / 604800000 = (closed_at + 28800000) / 604800000 THEN 4 ELSE 0 END + CASE WHEN (handle_due + 28800000) / 604800000 = (closed_at + 28800000) / 604800000 THEN 8 ELSE 0 END + CASE WHEN (handled_at + 28800000) / 604800000 = (closed_at + 28800000) / 604800000 THEN 16 ELSE 0 END + CASE WHEN (closed_at + 28800000) / 604800000 = (closed_at + 28800000) / 604800000 THEN 32 ELSE 0 END,
        reported_at, filed_at, dispatched_at, handle_due, handled_at, closed_at,
        CASE WHEN reworks > 0 THEN 1 ELSE 0 END, CASE WHEN extensions > 0 THEN 1 ELSE 0 END,
        CASE WHEN handled_at <= handle_due THEN 1 ELSE 0 END, CASE WHEN handled_at > handle_due THEN 1 ELSE 0 END,
        department_id, unit_id, grid_code, CASE WHEN channel = 'inspector' THEN reporter_id ELSE '' END
    FROM cases WHERE closed_at IS NOT NULL;
-- Only the indicators' scan of the cases used these.
DROP INDEX cases_filed_at;
DROP INDEX cases_dispatched_at;
DROP INDEX cases_handled_at;
DROP INDEX cases_handle_due;
DROP INDEX cases_closed_at;

-- A list of several states reads each state's page from its index alone: the index
-- carries the whole order, the ID included, so no row is read until the page is known.
DROP INDEX cases_state;
CREATE INDEX cases_state ON cases (state, reported_at DESC, id DESC);
DROP INDEX cases_department_state;
CREATE INDEX cases_department_state ON cases (department_id, state, reported_at DESC, id DESC);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
