-- Failed sign-ins, for the brute-force limits (10 per account and 10 per
-- client address in 15 minutes). Kept in the database, not in memory, so
-- the limit holds across restarts and across instances on PostgreSQL.
-- `account_key` is the lower-cased address typed, whether or not such an
-- account exists: limiting only real accounts would reveal which exist.
CREATE TABLE sign_in_failures (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_key  TEXT        NOT NULL,
    client_addr  TEXT        NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);

CREATE INDEX sign_in_failures_by_account ON sign_in_failures (account_key, at);
CREATE INDEX sign_in_failures_by_addr ON sign_in_failures (client_addr, at);
