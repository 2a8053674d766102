-- +goose Up
-- Enforcement personnel (执法人员管理, issue 5). People have a table of their
-- own, with the columns the roster filters on; every other record
-- (certificates, post status periods, duties, equipment, assignments,
-- training, rewards and discipline, transfers, populations, exams) is a doc:
-- a JSON body with a few typed columns. Nothing is updated without history:
-- every version of every record is also kept in personnel_history.
CREATE TABLE personnel_people (
    id           TEXT PRIMARY KEY,
    account_id   TEXT,                   -- optional identity account
    unit_id      TEXT REFERENCES units(id),
    unit_path    TEXT NOT NULL,
    name         TEXT NOT NULL,
    staff_type   TEXT NOT NULL,
    post         TEXT NOT NULL,
    level        TEXT NOT NULL,          -- cadre level, '' none
    hired_on     TEXT NOT NULL,          -- YYYY-MM-DD or ''
    left_on      TEXT NOT NULL,
    cert_status  TEXT NOT NULL,          -- summary of the best certificate, '' none
    cert_to      TEXT NOT NULL,
    body         TEXT NOT NULL,          -- personnel.Person as JSON
    version      INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- The roster is listed in (unit, name) order and filtered on these columns:
-- the index covers them, so a page never sorts or scans the JSON bodies.
CREATE INDEX personnel_people_roster ON personnel_people(unit_path, name, id, staff_type, post, level, cert_status, cert_to, hired_on, left_on);
CREATE UNIQUE INDEX personnel_people_account ON personnel_people(account_id) WHERE account_id IS NOT NULL;

CREATE TABLE personnel_docs (
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    ref_id      TEXT NOT NULL,
    unit_path   TEXT NOT NULL,
    tag         TEXT NOT NULL,
    tag2        TEXT NOT NULL,          -- a second code (a course's organiser level)
    num         INTEGER NOT NULL,        -- a number to sum (a course's hours)
    t_from      TEXT NOT NULL,
    t_to        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX personnel_docs_owner ON personnel_docs(kind, owner_id, t_from);
CREATE INDEX personnel_docs_ref ON personnel_docs(kind, ref_id);
CREATE INDEX personnel_docs_path ON personnel_docs(kind, unit_path);
-- An equipment serial number is unique within its kind.
CREATE UNIQUE INDEX personnel_docs_serial ON personnel_docs(owner_id, ref_id) WHERE kind = 'equipment';

CREATE TABLE personnel_history (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    by_actor    TEXT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
