-- Consent (issue 7): purposes and their versioned texts, versioned public
-- forms, the append-only consent ledger with its hash chain, the current
-- state derived from it, single-use links, the mail outbox and the public
-- forms' rate-limit counters.
--
-- What is proof is immutable: published texts, published form versions and
-- ledger rows refuse UPDATE and DELETE (triggers below). The ledger's
-- personal evidence (source address, user agent) lives beside it in
-- consent_evidence, which may be truncated or erased; the ledger row holds
-- only a salted digest of it, so the chain still verifies afterwards.

-- A person's preferred language: the language of their mails.
ALTER TABLE people ADD COLUMN language TEXT CHECK (language IN ('en', 'fr'));

CREATE TABLE consent_purposes (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key               TEXT    NOT NULL UNIQUE,
    name_en           TEXT    NOT NULL,
    name_fr           TEXT    NOT NULL,
    channel           TEXT    NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'post')),
    legal_basis       TEXT    NOT NULL CHECK (legal_basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    retention_months  BIGINT NOT NULL CHECK (retention_months BETWEEN 1 AND 120),
    -- Named partners the data is shared with, one per line ('' for none).
    partners          TEXT    NOT NULL DEFAULT '',
    current_version   BIGINT NOT NULL DEFAULT 0,
    archived_at       TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

-- One row per published version and language; immutable.
CREATE TABLE consent_texts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose_id    BIGINT NOT NULL REFERENCES consent_purposes (id),
    version       BIGINT NOT NULL,
    language      TEXT    NOT NULL CHECK (language IN ('en', 'fr')),
    body          TEXT    NOT NULL,
    -- SHA-256 of the exact UTF-8 bytes of `body`, hex.
    sha256        TEXT    NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    published_by  BIGINT REFERENCES users (id),
    UNIQUE (purpose_id, version, language)
);

CREATE TABLE consent_forms (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug             TEXT    NOT NULL UNIQUE,
    -- Who the people who sign up are given to.
    owner_id         BIGINT NOT NULL REFERENCES users (id),
    -- Origins allowed to show the form in an <iframe> ('' for none).
    frame_ancestors  TEXT    NOT NULL DEFAULT '',
    current_version  BIGINT NOT NULL DEFAULT 0,
    archived_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- One row per published version; immutable.
CREATE TABLE consent_form_versions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    form_id       BIGINT NOT NULL REFERENCES consent_forms (id),
    version       BIGINT NOT NULL,
    language      TEXT    NOT NULL CHECK (language IN ('en', 'fr')),
    title         TEXT    NOT NULL,
    intro         TEXT    NOT NULL,
    thanks        TEXT    NOT NULL,
    privacy_url   TEXT    NOT NULL,
    -- The catalogue keys of the fields asked, comma-separated, in order.
    fields        TEXT    NOT NULL,
    -- The purposes offered, comma-separated ids, in order.
    purposes      TEXT    NOT NULL,
    -- SHA-256 of the version's canonical text (see app::domain::consent).
    sha256        TEXT    NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    published_by  BIGINT REFERENCES users (id),
    UNIQUE (form_id, version)
);

-- The ledger. `id` is the position in the chain, assigned from
-- consent_chain under its lock; `hash` = SHA-256(prev_hash || canonical
-- bytes of the row) (server::consent::chain). Times are stored as the
-- canonical text they are hashed as.
CREATE TABLE consent_ledger (
    id               BIGINT PRIMARY KEY,
    person_id        BIGINT NOT NULL REFERENCES people (id),
    purpose_id       BIGINT NOT NULL REFERENCES consent_purposes (id),
    channel          TEXT    NOT NULL,
    event            TEXT    NOT NULL CHECK (event IN ('given', 'confirmed', 'withdrawn', 'expired', 'repermission_asked')),
    text_sha256      TEXT    NOT NULL,
    form_version_id  BIGINT REFERENCES consent_form_versions (id),
    occurred_at      TEXT    NOT NULL,
    evidence_digest  TEXT    NOT NULL,
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL
);

CREATE INDEX consent_ledger_by_person ON consent_ledger (person_id, id);

CREATE TABLE consent_evidence (
    ledger_id     BIGINT PRIMARY KEY REFERENCES consent_ledger (id),
    salt          TEXT    NOT NULL,
    source_addr   TEXT    NOT NULL,
    user_agent    TEXT    NOT NULL,
    -- Set when the address was cut to its network part after retention.
    truncated_at  TIMESTAMPTZ
);

-- The head of the chain: one row, updated first in every append so that
-- appends are serialised (and the row lock is all they wait for).
CREATE TABLE consent_chain (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_id    BIGINT NOT NULL,
    last_hash  TEXT    NOT NULL
);

INSERT INTO consent_chain (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The current state per person and purpose: a projection of the ledger,
-- rebuilt from it by `accord consent rebuild`.
CREATE TABLE consent_state (
    person_id     BIGINT NOT NULL REFERENCES people (id),
    purpose_id    BIGINT NOT NULL REFERENCES consent_purposes (id),
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'given', 'withdrawn', 'expired')),
    ledger_id     BIGINT NOT NULL,
    text_sha256   TEXT    NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, purpose_id)
);

-- Links sent by mail; only the SHA-256 of the token is kept.
-- kind 'confirm': single use, expires, confirms the ledger rows listed.
-- kind 'withdraw': the person's withdrawal page, no expiry.
CREATE TABLE consent_tokens (
    token_hash  TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('confirm', 'withdraw')),
    person_id   BIGINT NOT NULL REFERENCES people (id),
    -- Ledger ids confirmed by this link, comma-separated.
    ledger_ids  TEXT    NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    used_at     TIMESTAMPTZ
);

CREATE INDEX consent_tokens_by_expiry ON consent_tokens (expires_at) WHERE used_at IS NULL;

-- Mail waiting for delivery (or, with no SMTP server configured, kept for
-- administrators to read). A delivered mail's body is erased.
CREATE TABLE outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient        TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    person_id        BIGINT REFERENCES people (id),
    created_at       TIMESTAMPTZ NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    last_error       TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Submissions per client address (its SHA-256) and fixed window.
CREATE TABLE form_rate_limits (
    addr_key      TEXT    NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (addr_key, window_start)
);

CREATE FUNCTION consent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER consent_texts_immutable BEFORE UPDATE OR DELETE ON consent_texts
    FOR EACH ROW EXECUTE FUNCTION consent_refuse_change();
CREATE TRIGGER consent_texts_no_truncate BEFORE TRUNCATE ON consent_texts
    FOR EACH STATEMENT EXECUTE FUNCTION consent_refuse_change();
CREATE TRIGGER consent_form_versions_immutable BEFORE UPDATE OR DELETE ON consent_form_versions
    FOR EACH ROW EXECUTE FUNCTION consent_refuse_change();
CREATE TRIGGER consent_form_versions_no_truncate BEFORE TRUNCATE ON consent_form_versions
    FOR EACH STATEMENT EXECUTE FUNCTION consent_refuse_change();
CREATE TRIGGER consent_ledger_append_only BEFORE UPDATE OR DELETE ON consent_ledger
    FOR EACH ROW EXECUTE FUNCTION consent_refuse_change();
CREATE TRIGGER consent_ledger_no_truncate BEFORE TRUNCATE ON consent_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION consent_refuse_change();
