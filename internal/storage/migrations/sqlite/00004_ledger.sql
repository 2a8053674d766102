-- +goose Up
-- The full-process record (执法全过程记录): one hash-chained row per state
-- change, appended in the transaction of the change (internal/ledger).
CREATE TABLE ledger (
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
    prev_hash      TEXT NOT NULL UNIQUE,  -- no two records fork from one head
    hash           TEXT NOT NULL
);
CREATE INDEX ledger_subject ON ledger(subject_kind, subject_id, seq);

-- Checkpoints signed with the installation's key, also exported for others to keep.
CREATE TABLE ledger_checkpoints (
    seq        INTEGER PRIMARY KEY,
    data       TEXT NOT NULL   -- the checkpoint's JSON
);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
