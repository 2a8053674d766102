-- +goose Up
-- The ledger's prev_hash loses its UNIQUE index. It guarded against a fork
-- (two records sealed on one head), but such records also share their seq,
-- which the primary key refuses, and verification recomputes every link; the
-- index cost every append a write into a random page of a B-tree of random
-- hashes (see docs/performance.md, "Cost of the ledger append"). Dropping a
-- constraint only removes its index: no row is touched.
ALTER TABLE ledger DROP CONSTRAINT ledger_prev_hash_key;

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
