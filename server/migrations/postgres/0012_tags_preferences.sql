-- Tags: free labels put on people, one by one or in bulk ("salon 2026",
-- "VIP"). A tag's name is kept as typed; `name_key` (folded: lower case,
-- no accents) makes "Salon" and "salon" one tag.
CREATE TABLE tags (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT        NOT NULL,
    name_key    TEXT        NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE person_tags (
    person_id  BIGINT      NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    tag_id     BIGINT      NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    tagged_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, tag_id)
);

-- The people with a tag, newest first (the list filter).
CREATE INDEX person_tags_by_tag ON person_tags (tag_id, person_id);

-- What each user chose to keep (the columns of the people list…), as
-- short text values by name; gone with the user.
CREATE TABLE user_preferences (
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name     TEXT   NOT NULL,
    value    TEXT   NOT NULL,
    PRIMARY KEY (user_id, name)
);
