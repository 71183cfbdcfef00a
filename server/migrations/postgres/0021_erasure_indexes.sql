-- What erasure (and the retention run, which erases by the thousand) looks
-- up by person or by address: without these, each erasure batch would read
-- every link, mail and lead.
CREATE INDEX consent_tokens_by_person ON consent_tokens (person_id);
CREATE INDEX outbox_by_person ON outbox (person_id);
CREATE INDEX leads_by_person ON leads (person_id);
CREATE INDEX leads_by_email ON leads (lower(email));
