-- KPN portal users (part 3): a customer's roles (their privileges a JSON array of the spec's
-- names), its GRIP identities, the subscribers linked to one with their roles and managed
-- groups, and the portal user a KPN application acts for.
CREATE TABLE kpn_roles (
    id         BIGINT PRIMARY KEY,
    org_number TEXT NOT NULL,
    name       TEXT NOT NULL,
    privileges TEXT NOT NULL
);
CREATE INDEX kpn_roles_org ON kpn_roles (org_number, id);

CREATE TABLE kpn_grip_entities (
    id                 BIGINT PRIMARY KEY,
    org_number         TEXT NOT NULL,
    user_name          TEXT NOT NULL,
    first_name         TEXT,
    surname            TEXT NOT NULL,
    email              TEXT,
    employee_number    TEXT,
    gender             TEXT,
    preferred_language TEXT,
    mobile_number      TEXT,
    fixed_number       TEXT
);
CREATE INDEX kpn_grip_entities_org ON kpn_grip_entities (org_number, id);

-- A subscriber that is a portal user; a GRIP identity is the user of one subscriber at most.
CREATE TABLE kpn_users (
    subscriber_id  BIGINT PRIMARY KEY,
    org_number     TEXT NOT NULL,
    grip_entity_id BIGINT NOT NULL UNIQUE REFERENCES kpn_grip_entities (id)
);

CREATE TABLE kpn_user_roles (
    subscriber_id BIGINT NOT NULL REFERENCES kpn_users (subscriber_id),
    role_id       BIGINT NOT NULL REFERENCES kpn_roles (id),
    PRIMARY KEY (subscriber_id, role_id)
);

CREATE TABLE kpn_managed_groups (
    subscriber_id BIGINT NOT NULL REFERENCES kpn_users (subscriber_id),
    group_id      BIGINT NOT NULL,
    PRIMARY KEY (subscriber_id, group_id)
);

-- The portal user (a subscriber) whose roles and managed groups a KPN application's tokens
-- are held to; an application without a row acts for the customer as a whole.
CREATE TABLE kpn_acting_users (
    app_id        TEXT PRIMARY KEY REFERENCES applications (id),
    subscriber_id BIGINT NOT NULL
);
