-- Teams, and the people (contacts) that belong to an owner and a team.

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- Lower-cased name: two teams cannot differ only by case.
    name_key    TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL
) STRICT;

CREATE TABLE team_members (
    team_id  INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
) STRICT;

CREATE INDEX team_members_by_user ON team_members (user_id);

-- A person. Provenance (how, when, by whom, from which supplier) is
-- required: a person cannot be stored without knowing where they came from.
CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    first_name       TEXT    NOT NULL,
    last_name        TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('b2b', 'b2c')),
    job_title        TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL CHECK (status IN ('prospect', 'lead', 'customer', 'former_customer')),
    owner_id         INTEGER NOT NULL REFERENCES users (id),
    team_id          INTEGER REFERENCES teams (id),
    source           TEXT    NOT NULL CHECK (source IN ('form', 'manual', 'import', 'api')),
    collected_at     TEXT    NOT NULL,
    entered_by       INTEGER REFERENCES users (id),
    supplier         TEXT    NOT NULL DEFAULT '',
    contract_ref     TEXT    NOT NULL DEFAULT '',
    -- Last contact initiated by the person (reply, inbound call, form):
    -- the retention clock runs from it.
    last_inbound_at  TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX people_by_owner ON people (owner_id, id);
CREATE INDEX people_by_team ON people (team_id, id);

CREATE TABLE person_emails (
    person_id    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    address      TEXT    NOT NULL,
    address_key  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('professional', 'personal', 'generic')),
    PRIMARY KEY (person_id, position)
) STRICT;

CREATE INDEX person_emails_by_key ON person_emails (address_key);

CREATE TABLE person_phones (
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    -- E.164: + and up to 15 digits.
    number     TEXT    NOT NULL,
    PRIMARY KEY (person_id, position)
) STRICT;

-- The legal basis of each processing purpose for the person.
CREATE TABLE person_legal_bases (
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    basis      TEXT    NOT NULL CHECK (basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    PRIMARY KEY (person_id, purpose)
) STRICT;
