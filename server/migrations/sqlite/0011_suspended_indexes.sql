-- Definitions of indexes dropped for a bulk load (`accord seed`, imports),
-- built again at its end or, if it was interrupted, at the next start.
CREATE TABLE suspended_indexes (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
