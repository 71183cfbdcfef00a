-- Leads (someone who may become a customer, not yet qualified) and the
-- first form of deals, which converting a lead creates. The pipeline (its
-- stages, the board) builds on this table.

CREATE TABLE leads (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    collected_at         TIMESTAMPTZ    NOT NULL,
    entered_by           BIGINT REFERENCES users (id),
    supplier             TEXT    NOT NULL DEFAULT '',
    contract_ref         TEXT    NOT NULL DEFAULT '',
    prospecting_basis    TEXT    NOT NULL CHECK (prospecting_basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    owner_id             BIGINT NOT NULL REFERENCES users (id),
    team_id              BIGINT REFERENCES teams (id),
    -- Set once, by the conversion.
    person_id            BIGINT REFERENCES people (id) ON DELETE SET NULL,
    deal_id              BIGINT,
    converted_at         TIMESTAMPTZ,
    created_at           TIMESTAMPTZ    NOT NULL,
    updated_at           TIMESTAMPTZ    NOT NULL,
    version              BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX leads_by_owner ON leads (owner_id, id);
CREATE INDEX leads_by_team ON leads (team_id, id);
CREATE INDEX leads_by_status ON leads (status, id);

CREATE TABLE deals (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         TEXT    NOT NULL,
    -- Integer cents and an ISO 4217 code: no floating-point money.
    amount_cents  BIGINT NOT NULL CHECK (amount_cents >= 0),
    currency      TEXT    NOT NULL CHECK (length(currency) = 3),
    person_id     BIGINT REFERENCES people (id) ON DELETE SET NULL,
    company_id    BIGINT REFERENCES companies (id) ON DELETE SET NULL,
    owner_id      BIGINT NOT NULL REFERENCES users (id),
    team_id       BIGINT REFERENCES teams (id),
    source        TEXT    NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ    NOT NULL,
    updated_at    TIMESTAMPTZ    NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1
);

CREATE INDEX deals_by_person ON deals (person_id);
CREATE INDEX deals_by_company ON deals (company_id);
