-- +goose Up
-- The ledger's record id loses its UNIQUE index, as prev_hash did in 00011.
-- Nothing looks a record up by its id (records are read by seq, by subject,
-- or all in order), and the index adds nothing to tamper evidence: the id is
-- inside the hash of its record, so a record added, copied or altered breaks
-- the chain whatever its id, and ids are UUIDv7 made by internal/ids. What the
-- index did cost is a B-tree leaf more in the WAL of every state change's
-- commit: about a quarter of the append's share of a small state change on
-- SQLite (docs/performance.md, "Cost of the ledger append").
--
-- The table is rebuilt as in 00011 (SQLite cannot drop a column constraint's
-- index): rows copied unchanged in seq order within the migration's one
-- transaction; about 10 s per million records and room for a second copy of
-- the table (docs/operations.md, "Upgrading").
CREATE TABLE ledger_rebuilt (
    seq            INTEGER PRIMARY KEY,   -- gapless from 1
    id             TEXT NOT NULL,
    at             INTEGER NOT NULL,
    actor_id       TEXT NOT NULL,
    role           TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    action         TEXT NOT NULL,
    subject_kind   TEXT NOT NULL,
    subject_id     TEXT NOT NULL,
    before_digest  TEXT NOT NULL,
    after_digest   TEXT NOT NULL,
    reason         TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
INSERT INTO ledger_rebuilt (seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
        before_digest, after_digest, reason, prev_hash, hash)
    SELECT seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
        before_digest, after_digest, reason, prev_hash, hash
    FROM ledger ORDER BY seq;
DROP TABLE ledger;
ALTER TABLE ledger_rebuilt RENAME TO ledger;
CREATE INDEX ledger_subject ON ledger(subject_kind, subject_id, seq);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
