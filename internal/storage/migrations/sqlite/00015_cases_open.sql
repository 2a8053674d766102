-- +goose Up
-- The open cases, newest first: the public list of open requests (Open311
-- status=open, the resident map) reads its page from here in one ordered scan,
-- where it merged one arm per open state before (eight arms of a page each,
-- sorted together). The condition is the one storage.openStatesSQL writes, to
-- the letter: the planner uses a partial index only for a query that carries
-- its WHERE term (TestOpenCasesIndexMatchesTheQuery keeps the two in step).
CREATE INDEX cases_open ON cases (reported_at DESC, id DESC)
    WHERE state NOT IN ('closed', 'rejected', 'void', 'merged');

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
