-- Rectification (issue 8, art. 16): each save of a person made while a
-- rectification request about them is open is written to the request,
-- with who saved and which catalogued fields changed. Only the names of
-- the fields: the wrong values are what the person asked to be rid of,
-- and the right ones are on the record.
CREATE TABLE privacy_request_changes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  BIGINT NOT NULL REFERENCES privacy_requests (id),
    changed_at  TIMESTAMPTZ NOT NULL,
    changed_by  BIGINT NOT NULL REFERENCES users (id),
    -- Field-catalogue keys, comma-separated (`person.last_name,person.email`).
    fields      TEXT   NOT NULL
);

CREATE INDEX privacy_request_changes_by_request ON privacy_request_changes (request_id);
