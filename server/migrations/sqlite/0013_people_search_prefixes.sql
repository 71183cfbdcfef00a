-- Prefix indexes for 2 to 6 letters (were 2 to 4). Without one, a prefix
-- search walks every distinct word that starts with it: `helene` or
-- `dupont` took 2-3 ms per 200,000 people and most of the search tail at
-- a million; with one, under 1 ms. Costs about a third more time to write
-- a document. The documents are copied as they are; the trigger that
-- follows deletions is set again around the rename (SQLite checks
-- triggers' tables when renaming).
DROP TRIGGER people_search_follows_deletes;
CREATE VIRTUAL TABLE people_search_next USING fts5(
    document,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 5 6'
);
INSERT INTO people_search_next (rowid, document) SELECT rowid, document FROM people_search;
DROP TABLE people_search;
ALTER TABLE people_search_next RENAME TO people_search;

CREATE TRIGGER people_search_follows_deletes AFTER DELETE ON people
BEGIN
    DELETE FROM people_search WHERE rowid = old.id;
END;
