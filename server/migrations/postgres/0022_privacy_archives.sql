-- Access and portability archives (issue 8): what Accord holds about a
-- person, built for an access request and downloadable for seven days
-- through a link mailed to the verified address (a 'download' row of
-- privacy_request_links). The archive is personal data itself: the hourly
-- upkeep deletes it when its link runs out, and erasing the person
-- deletes it at once.
CREATE TABLE privacy_archives (
    request_id  BIGINT PRIMARY KEY REFERENCES privacy_requests (id),
    person_id   BIGINT NOT NULL REFERENCES people (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    json        TEXT    NOT NULL,
    csv         TEXT    NOT NULL
);

CREATE INDEX privacy_archives_by_person ON privacy_archives (person_id);
CREATE INDEX privacy_archives_by_expiry ON privacy_archives (expires_at);
