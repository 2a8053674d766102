-- +goose Up
-- The ledger's prev_hash loses its UNIQUE index. It guarded against a fork
-- (two records sealed on one head), but such records also share their seq,
-- which the primary key refuses, and verification recomputes every link; the
-- index cost every append a write into a random page of a B-tree of random
-- hashes (see docs/performance.md, "Cost of the ledger append").
--
-- SQLite cannot drop the index of a column constraint, so the table is
-- rebuilt by its documented procedure (https://www.sqlite.org/lang_altertable.html,
-- "Making Other Kinds Of Table Schema Changes"): no other table, view or
-- trigger refers to ledger, so foreign keys need not be switched off. The
-- rows are copied unchanged, column by column, in seq order (every hash
-- still verifies), within the migration's one transaction: on failure the
-- old table stays as it was. It takes time and disk in proportion to the
-- ledger: about 10 s per million records, and room for a second copy of the
-- table (docs/operations.md, "Upgrading").
CREATE TABLE ledger_rebuilt (
    seq            INTEGER PRIMARY KEY,   -- gapless from 1
    id             TEXT NOT NULL UNIQUE,
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
