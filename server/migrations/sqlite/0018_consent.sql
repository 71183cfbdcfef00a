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
    id                INTEGER PRIMARY KEY,
    key               TEXT    NOT NULL UNIQUE,
    name_en           TEXT    NOT NULL,
    name_fr           TEXT    NOT NULL,
    channel           TEXT    NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'post')),
    legal_basis       TEXT    NOT NULL CHECK (legal_basis IN ('consent', 'contract', 'legitimate_interest', 'legal_obligation')),
    retention_months  INTEGER NOT NULL CHECK (retention_months BETWEEN 1 AND 120),
    -- Named partners the data is shared with, one per line ('' for none).
    partners          TEXT    NOT NULL DEFAULT '',
    current_version   INTEGER NOT NULL DEFAULT 0,
    archived_at       TEXT,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
) STRICT;

-- One row per published version and language; immutable.
CREATE TABLE consent_texts (
    id            INTEGER PRIMARY KEY,
    purpose_id    INTEGER NOT NULL REFERENCES consent_purposes (id),
    version       INTEGER NOT NULL,
    language      TEXT    NOT NULL CHECK (language IN ('en', 'fr')),
    body          TEXT    NOT NULL,
    -- SHA-256 of the exact UTF-8 bytes of `body`, hex.
    sha256        TEXT    NOT NULL,
    published_at  TEXT    NOT NULL,
    published_by  INTEGER REFERENCES users (id),
    UNIQUE (purpose_id, version, language)
) STRICT;

CREATE TABLE consent_forms (
    id               INTEGER PRIMARY KEY,
    slug             TEXT    NOT NULL UNIQUE,
    -- Who the people who sign up are given to.
    owner_id         INTEGER NOT NULL REFERENCES users (id),
    -- Origins allowed to show the form in an <iframe> ('' for none).
    frame_ancestors  TEXT    NOT NULL DEFAULT '',
    current_version  INTEGER NOT NULL DEFAULT 0,
    archived_at      TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
) STRICT;

-- One row per published version; immutable.
CREATE TABLE consent_form_versions (
    id            INTEGER PRIMARY KEY,
    form_id       INTEGER NOT NULL REFERENCES consent_forms (id),
    version       INTEGER NOT NULL,
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
    published_at  TEXT    NOT NULL,
    published_by  INTEGER REFERENCES users (id),
    UNIQUE (form_id, version)
) STRICT;

-- The ledger. `id` is the position in the chain, assigned from
-- consent_chain under its lock; `hash` = SHA-256(prev_hash || canonical
-- bytes of the row) (server::consent::chain). Times are stored as the
-- canonical text they are hashed as.
CREATE TABLE consent_ledger (
    id               INTEGER PRIMARY KEY,
    person_id        INTEGER NOT NULL REFERENCES people (id),
    purpose_id       INTEGER NOT NULL REFERENCES consent_purposes (id),
    channel          TEXT    NOT NULL,
    event            TEXT    NOT NULL CHECK (event IN ('given', 'confirmed', 'withdrawn', 'expired', 'repermission_asked')),
    text_sha256      TEXT    NOT NULL,
    form_version_id  INTEGER REFERENCES consent_form_versions (id),
    occurred_at      TEXT    NOT NULL,
    evidence_digest  TEXT    NOT NULL,
    prev_hash        TEXT    NOT NULL,
    hash             TEXT    NOT NULL
) STRICT;

CREATE INDEX consent_ledger_by_person ON consent_ledger (person_id, id);

CREATE TABLE consent_evidence (
    ledger_id     INTEGER PRIMARY KEY REFERENCES consent_ledger (id),
    salt          TEXT    NOT NULL,
    source_addr   TEXT    NOT NULL,
    user_agent    TEXT    NOT NULL,
    -- Set when the address was cut to its network part after retention.
    truncated_at  TEXT
) STRICT;

-- The head of the chain: one row, updated first in every append so that
-- appends are serialised (and the row lock is all they wait for).
CREATE TABLE consent_chain (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_id    INTEGER NOT NULL,
    last_hash  TEXT    NOT NULL
) STRICT;

INSERT INTO consent_chain (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The current state per person and purpose: a projection of the ledger,
-- rebuilt from it by `accord consent rebuild`.
CREATE TABLE consent_state (
    person_id     INTEGER NOT NULL REFERENCES people (id),
    purpose_id    INTEGER NOT NULL REFERENCES consent_purposes (id),
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'given', 'withdrawn', 'expired')),
    ledger_id     INTEGER NOT NULL,
    text_sha256   TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (person_id, purpose_id)
) STRICT;

-- Links sent by mail; only the SHA-256 of the token is kept.
-- kind 'confirm': single use, expires, confirms the ledger rows listed.
-- kind 'withdraw': the person's withdrawal page, no expiry.
CREATE TABLE consent_tokens (
    token_hash  TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('confirm', 'withdraw')),
    person_id   INTEGER NOT NULL REFERENCES people (id),
    -- Ledger ids confirmed by this link, comma-separated.
    ledger_ids  TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    expires_at  TEXT,
    used_at     TEXT
) STRICT;

CREATE INDEX consent_tokens_by_expiry ON consent_tokens (expires_at) WHERE used_at IS NULL;

-- Mail waiting for delivery (or, with no SMTP server configured, kept for
-- administrators to read). A delivered mail's body is erased.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    recipient        TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    person_id        INTEGER REFERENCES people (id),
    created_at       TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    sent_at          TEXT,
    last_error       TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Submissions per client address (its SHA-256) and fixed window.
CREATE TABLE form_rate_limits (
    addr_key      TEXT    NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (addr_key, window_start)
) STRICT;

CREATE TRIGGER consent_texts_immutable_update BEFORE UPDATE ON consent_texts
BEGIN SELECT RAISE(ABORT, 'published consent texts are immutable'); END;
CREATE TRIGGER consent_texts_immutable_delete BEFORE DELETE ON consent_texts
BEGIN SELECT RAISE(ABORT, 'published consent texts are immutable'); END;
CREATE TRIGGER consent_form_versions_immutable_update BEFORE UPDATE ON consent_form_versions
BEGIN SELECT RAISE(ABORT, 'published form versions are immutable'); END;
CREATE TRIGGER consent_form_versions_immutable_delete BEFORE DELETE ON consent_form_versions
BEGIN SELECT RAISE(ABORT, 'published form versions are immutable'); END;
CREATE TRIGGER consent_ledger_append_only_update BEFORE UPDATE ON consent_ledger
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;
CREATE TRIGGER consent_ledger_append_only_delete BEFORE DELETE ON consent_ledger
BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;
