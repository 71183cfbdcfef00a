-- Leads (someone who may become a customer, not yet qualified) and the
-- first form of deals, which converting a lead creates. The pipeline (its
-- stages, the board) builds on this table.

CREATE TABLE leads (
    id                   INTEGER PRIMARY KEY,
    first_name           TEXT    NOT NULL DEFAULT '',
    last_name            TEXT    NOT NULL,
    company_name         TEXT    NOT NULL DEFAULT '',
    email                TEXT    NOT NULL DEFAULT '',
    phone                TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL CHECK (status IN ('new', 'contacted', 'qualified', 'disqualified')),
    disqualified_reason  TEXT    NOT NULL DEFAULT '',
    score                INTEGER NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
    kind                 TEXT    NOT NULL CHECK (kind IN ('b2b', 'b2c')),
    source               TEXT    NOT NULL CHECK (source IN ('form', 'manual', 'import', 'api')),
    collected_at         TEXT    NOT NULL,
    entered_by           INTEGER REFERENCES users (id),
    supplier             TEXT    NOT NULL DEFAULT '',
    contract_ref         TEXT    NOT NULL DEFAULT '',
    prospecting_basis    TEXT    NOT NULL CHECK (prospecting_basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    owner_id             INTEGER NOT NULL REFERENCES users (id),
    team_id              INTEGER REFERENCES teams (id),
    -- Set once, by the conversion.
    person_id            INTEGER REFERENCES people (id) ON DELETE SET NULL,
    deal_id              INTEGER,
    converted_at         TEXT,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX leads_by_owner ON leads (owner_id, id);
CREATE INDEX leads_by_team ON leads (team_id, id);
CREATE INDEX leads_by_status ON leads (status, id);

CREATE TABLE deals (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    -- Integer cents and an ISO 4217 code: no floating-point money.
    amount_cents  INTEGER NOT NULL CHECK (amount_cents >= 0),
    currency      TEXT    NOT NULL CHECK (length(currency) = 3),
    person_id     INTEGER REFERENCES people (id) ON DELETE SET NULL,
    company_id    INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    owner_id      INTEGER NOT NULL REFERENCES users (id),
    team_id       INTEGER REFERENCES teams (id),
    source        TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX deals_by_person ON deals (person_id);
CREATE INDEX deals_by_company ON deals (company_id);
