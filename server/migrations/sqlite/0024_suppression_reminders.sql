-- Objection to prospecting (issue 8, art. 21): the addresses and phone
-- numbers of people who objected, kept as salted SHA-256 hashes so the
-- list holds nothing readable, yet a later entry of the same address or
-- number is recognised (and the person who objected is not prospected
-- again, even after their record is erased). The salt is this
-- installation's own.
CREATE TABLE suppression_list (
    hash      TEXT PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    added_at  TEXT NOT NULL
) STRICT;

ALTER TABLE organisation ADD COLUMN suppression_salt TEXT NOT NULL DEFAULT '';
UPDATE organisation SET suppression_salt = lower(hex(randomblob(32)));

-- Reminders to the DPO as a request's due date nears: once at seven days,
-- once at two.
ALTER TABLE privacy_requests ADD COLUMN reminded_7_at TEXT;
ALTER TABLE privacy_requests ADD COLUMN reminded_2_at TEXT;
