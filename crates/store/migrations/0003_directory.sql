-- The MBN directory and user settings: enterprises (an MBN agreement's company) with groups and
-- a private numbering plan, members' directory fields, the shared contact directory (with
-- tombstones and a change sequence for sync clients), absences and call forwarding.
-- Portable SQL as in 0001: epoch milliseconds, 0/1 flags, JSON as TEXT.

CREATE TABLE enterprises (
    id                     TEXT PRIMARY KEY,
    agreement_id           TEXT NOT NULL UNIQUE REFERENCES agreements (id),
    org_number             TEXT NOT NULL REFERENCES organizations (org_number),
    name                   TEXT NOT NULL,
    internal_number_length BIGINT NOT NULL,
    switchboard_number     TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX enterprises_org ON enterprises (org_number);

-- Departments; a groupId is unique across enterprises.
CREATE TABLE enterprise_groups (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    name          TEXT NOT NULL,
    UNIQUE (enterprise_id, name)
);

-- Allowed ranges of short numbers, inclusive, as digit strings of the plan's length.
CREATE TABLE numbering_ranges (
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    range_from    TEXT NOT NULL,
    range_to      TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, range_from)
);

-- Short number ↔ device: a member's mobile, a PBX memberline, a queue or a virtual number.
CREATE TABLE short_numbers (
    enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
    short_number  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    target        TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, short_number)
);
CREATE INDEX short_numbers_target ON short_numbers (kind, target);

ALTER TABLE members ADD COLUMN enterprise_id TEXT REFERENCES enterprises (id);
ALTER TABLE members ADD COLUMN group_id TEXT REFERENCES enterprise_groups (id);
ALTER TABLE members ADD COLUMN title TEXT;
ALTER TABLE members ADD COLUMN department TEXT;
ALTER TABLE members ADD COLUMN company TEXT;
ALTER TABLE members ADD COLUMN street_address TEXT;
ALTER TABLE members ADD COLUMN postal_code TEXT;
ALTER TABLE members ADD COLUMN postal_place TEXT;
ALTER TABLE members ADD COLUMN external_id TEXT;
-- Further numbers of the member as JSON: [{"kind": "work", "number": "4722000000"}].
ALTER TABLE members ADD COLUMN other_numbers TEXT NOT NULL DEFAULT '[]';
CREATE INDEX members_enterprise ON members (enterprise_id, last_name, first_name, id);
CREATE UNIQUE INDEX members_external ON members (enterprise_id, external_id);

-- The enterprise's shared directory. A deleted contact stays as a tombstone (deleted_at set) so
-- that sync clients learn of it. change_seq orders every change of an enterprise's contacts in
-- commit order (handed out from `counters` in the writing transaction).
CREATE TABLE contacts (
    id             TEXT PRIMARY KEY,
    enterprise_id  TEXT NOT NULL REFERENCES enterprises (id),
    external_id    TEXT,
    first_name     TEXT NOT NULL,
    last_name      TEXT NOT NULL,
    company        TEXT,
    title          TEXT,
    department     TEXT,
    email          TEXT,
    numbers        TEXT NOT NULL,
    street_address TEXT,
    postal_code    TEXT,
    postal_place   TEXT,
    note           TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    deleted_at     BIGINT,
    change_seq     BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_external ON contacts (enterprise_id, external_id);
CREATE UNIQUE INDEX contacts_changes ON contacts (enterprise_id, change_seq);
-- Covers changedSince: the first change after a time without reading the rows.
CREATE INDEX contacts_updated ON contacts (enterprise_id, updated_at, change_seq);
CREATE INDEX contacts_name ON contacts (enterprise_id, last_name, first_name);

-- How far an enterprise's tombstones have been purged: the highest change_seq and the latest
-- deleted_at among them. A sync client behind either must sync in full.
CREATE TABLE contact_purges (
    enterprise_id TEXT PRIMARY KEY REFERENCES enterprises (id),
    purged_seq    BIGINT NOT NULL,
    purged_at     BIGINT NOT NULL
);

CREATE TABLE absences (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES members (id),
    kind          TEXT NOT NULL,
    starts_at     BIGINT NOT NULL,
    ends_at       BIGINT NOT NULL,
    note          TEXT,
    action        TEXT NOT NULL,
    action_target TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX absences_member ON absences (member_id, starts_at);
CREATE INDEX absences_ends ON absences (ends_at);

CREATE TABLE call_forwarding (
    member_id               TEXT PRIMARY KEY REFERENCES members (id),
    immediate_active        BIGINT NOT NULL,
    immediate_destination   TEXT,
    busy_active             BIGINT NOT NULL,
    busy_destination        TEXT,
    no_answer_active        BIGINT NOT NULL,
    no_answer_destination   TEXT,
    no_answer_ring_seconds  BIGINT NOT NULL,
    unavailable_active      BIGINT NOT NULL,
    unavailable_destination TEXT,
    updated_at              BIGINT NOT NULL
);
