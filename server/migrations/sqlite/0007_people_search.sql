-- Full-text search over people. The document (names, e-mail addresses,
-- phone numbers) is folded by Accord before it is stored (lower case, no
-- accents: app::domain::search), so both backends find the same people;
-- the tokenizer's own diacritic removal is a second safety net.
CREATE VIRTUAL TABLE people_search USING fts5(
    document,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

-- The row id of a document is the person's id.
CREATE TRIGGER people_search_follows_deletes AFTER DELETE ON people
BEGIN
    DELETE FROM people_search WHERE rowid = old.id;
END;
