-- +goose Up
-- Keys the installation derives secrets from, shared by every node through the
-- database and kept across restarts. Each is 32 random bytes (hex) made by the
-- first node that needs it; no key is ever written in the repository. The
-- resident tracking key ("tracking") makes a case's private tracking secret
-- an HMAC of its ID, so a resubmitted form can show the same link again.
CREATE TABLE installation_keys (
    name         TEXT PRIMARY KEY,
    secret       TEXT NOT NULL,          -- hex
    created_at   BIGINT NOT NULL
);

-- A responsibility area keeps its unit by ID, so that a unit recoded or renamed
-- after the import still owns its areas; unit_code stays as imported. Areas
-- imported before this migration get the unit that has their code now (NULL
-- if none: such an area is reported, never silently ignored).
ALTER TABLE grid_areas ADD COLUMN unit_id UUID REFERENCES units(id);
UPDATE grid_areas a SET unit_id = u.id FROM units u WHERE u.code = a.unit_code;

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
