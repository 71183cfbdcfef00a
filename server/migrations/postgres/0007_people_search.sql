-- Full-text search over people. The document (names, e-mail addresses,
-- phone numbers) is folded by Accord before it is stored (lower case, no
-- accents: app::domain::search), so both backends find the same people,
-- and the 'simple' configuration keeps every word as typed (no stemming).
ALTER TABLE people ADD COLUMN search_document TEXT NOT NULL DEFAULT '';
ALTER TABLE people
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED;
CREATE INDEX people_search ON people USING GIN (search);
