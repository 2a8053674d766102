-- +goose Up
-- Organisation tree, accounts, roles, sessions and keys (issue: platform foundation).
-- Times are unix milliseconds in UTC; IDs are UUIDv7.
CREATE TABLE units (
    id          UUID PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    parent_id   UUID REFERENCES units(id),
    path        TEXT NOT NULL UNIQUE COLLATE "C", -- byte order: LIKE 'prefix%' uses the unique index
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE accounts (
    id                    UUID PRIMARY KEY,
    username              TEXT NOT NULL UNIQUE COLLATE "C",
    display_name          TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    disabled              BOOLEAN NOT NULL DEFAULT FALSE,
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins         INTEGER NOT NULL DEFAULT 0,
    retry_at              BIGINT,
    locked_at             BIGINT,
    last_login_at         BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE role_assignments (
    account_id  UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    unit_id     UUID NOT NULL REFERENCES units(id),
    PRIMARY KEY (account_id, role, unit_id)
);
CREATE INDEX role_assignments_unit ON role_assignments(unit_id);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE api_tokens (
    id            UUID PRIMARY KEY,
    account_id    UUID NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);

CREATE TABLE open311_keys (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
