//! Recording a batch of public form submissions in one transaction
//! (`ConsentStore::submit_many`, fed by `consent::queue`): the rate-limit
//! counts, each form's current version, the people of new addresses, one
//! ledger row per consent given, the links and the mails.
//!
//! What is decided is the same on both backends (the functions below);
//! the order of the round trips is not, because the two serialise writers
//! differently:
//!
//! - SQLite has one writer at a time. The rate counts come first (a write:
//!   the transaction holds the write lock from there on, see the parent
//!   module), then everything else.
//! - On PostgreSQL only the chain is serial: each ledger row needs the
//!   hash of the one before, so the chain's row lock is held from the
//!   moment the head is read to the commit. Everything that does not hang
//!   on it — the counts, the reads, the new people and the mails — is
//!   written before the lock, in four round trips, while another batch
//!   (of this instance or another) holds it; under it, only the ledger,
//!   its evidence, the state, the links and the commit. The profile
//!   behind this is in BENCHMARKS.md ("Consent form submissions").

use super::{Entry, SqlConsent, join_ids};
use crate::storage::companies::SqlCompanies;
use crate::storage::people::{ROWS_PER_STATEMENT, placeholders};
use crate::storage::people_rows::{PeopleRows, company_ids, company_names, in_list, postgres_rows};
use crate::storage::script::{RunScript, Script};
use crate::storage::storage_error;
use app::domain::consent::ConsentEvent;
use app::domain::{EmailKind, LegalBasis, PersonKind, PersonStatus, Purpose, Source};
use app::i18n::Locale;
use app::server::storage::{
    Evidence, NewCompanyRecord, NewPersonRecord, NewSubmission, Recorded, StorageError, Submitted,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The company a new person from `s` works at: found by name, or created.
macro_rules! company_of {
    ($db:ty, $tx:expr, $s:expr, $now:expr) => {{
        let sub = &$s.submission;
        if sub.company.is_empty() {
            None
        } else {
            let key = app::domain::search::fold(&sub.company);
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM companies WHERE name_key = $1 ORDER BY id LIMIT 1",
            )
            .bind(&key)
            .fetch_optional(&mut *$tx)
            .await
            .map_err(storage_error)?;
            match found {
                Some(id) => Some(id),
                None => Some(
                    SqlCompanies::<$db>::insert(
                        &mut $tx,
                        &NewCompanyRecord {
                            name: sub.company.clone(),
                            legal_id: String::new(),
                            domain: String::new(),
                            sector: String::new(),
                            size: None,
                            address: String::new(),
                            owner_id: $s.form.owner_id,
                            team_id: None,
                        },
                        $now,
                    )
                    .await?,
                ),
            }
        }
    }};
}

/// The records of the people `new` (from [`Decided::new_addresses`])
/// makes, their companies found or created on the way.
macro_rules! records_of {
    ($db:ty, $tx:expr, $new:expr, $now:expr) => {{
        let mut records = Vec::with_capacity($new.len());
        for (_, s) in &$new {
            let company_id = company_of!($db, $tx, s, $now);
            records.push(person_record(s, company_id, $now));
        }
        records
    }};
}

/// Notes the people just created, with `ids`, as the holders of their
/// addresses; returns their ids.
fn adopt(
    known: &mut HashMap<String, i64>,
    new: &[(String, &NewSubmission)],
    ids: &[i64],
) -> HashSet<i64> {
    for ((key, _), id) in new.iter().zip(ids) {
        known.insert(key.clone(), *id);
    }
    ids.iter().copied().collect()
}

/// How many submissions each (address, window) sends in the batch, in a
/// fixed order (the rows' locks on PostgreSQL are taken in it).
fn rate_keys(subs: &[NewSubmission]) -> Vec<(&str, i64, i64)> {
    let mut sent: BTreeMap<(&str, i64), i64> = BTreeMap::new();
    for s in subs {
        *sent
            .entry((s.rate.addr_key.as_str(), s.rate.window_start))
            .or_insert(0) += 1;
    }
    sent.into_iter().map(|((k, w), n)| (k, w, n)).collect()
}

/// What the batch's counts decided.
struct Decided<'a> {
    /// Within the rate limit, per submission.
    accepted: Vec<bool>,
    /// Made on a form version that is no longer current, per submission.
    outdated: Vec<bool>,
    /// The submissions to record, in order.
    taken: Vec<&'a NewSubmission>,
    /// What to take off each count again, for the submissions refused.
    refunds: Vec<(String, i64, i64)>,
}

/// `keys`: [`rate_keys`] of `subs`, as counted; `counted`: each
/// (address, window)'s count with this batch's added; `current`: each
/// open form's current version.
fn decide<'a>(
    subs: &'a [NewSubmission],
    keys: &[(&str, i64, i64)],
    counted: &HashMap<(String, i64), i64>,
    current: &HashMap<i64, i64>,
) -> Decided<'a> {
    let sent: HashMap<(&str, i64), i64> = keys.iter().map(|(k, w, n)| ((*k, *w), *n)).collect();
    // In order, while the address is within its limit.
    let mut seen: HashMap<(&str, i64), i64> = HashMap::new();
    let mut refused: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let mut accepted = Vec::with_capacity(subs.len());
    for s in subs {
        let key = (s.rate.addr_key.as_str(), s.rate.window_start);
        let n = sent[&key];
        let before = counted
            .get(&(key.0.to_string(), key.1))
            .copied()
            .unwrap_or(n)
            - n;
        let position = seen.entry(key).or_insert(0);
        *position += 1;
        let ok = before + *position <= s.rate.limit;
        if !ok {
            *refused.entry((key.0.to_string(), key.1)).or_insert(0) += 1;
        }
        accepted.push(ok);
    }
    let outdated: Vec<bool> = subs
        .iter()
        .map(|s| current.get(&s.form.form_id) != Some(&s.form.version_id))
        .collect();
    let taken = subs
        .iter()
        .enumerate()
        .filter(|(i, _)| accepted[*i] && !outdated[*i])
        .map(|(_, s)| s)
        .collect();
    Decided {
        accepted,
        outdated,
        taken,
        refunds: refused.into_iter().map(|((k, w), n)| (k, w, n)).collect(),
    }
}

impl Decided<'_> {
    /// The answers when nothing is recorded.
    fn none_taken(&self) -> Vec<Recorded> {
        self.accepted
            .iter()
            .map(|ok| {
                if *ok {
                    Recorded::Outdated
                } else {
                    Recorded::TooMany
                }
            })
            .collect()
    }

    /// The addresses of the submissions taken, each once, in order.
    fn addresses(&self) -> Vec<String> {
        let mut addresses: Vec<String> = self
            .taken
            .iter()
            .map(|s| s.submission.email.lookup_key())
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        addresses
    }

    /// The addresses nobody has yet, each with the first submission that
    /// gives it (it makes the person).
    fn new_addresses(&self, known: &HashMap<String, i64>) -> Vec<(String, &NewSubmission)> {
        let mut new: Vec<(String, &NewSubmission)> = Vec::new();
        for s in &self.taken {
            let key = s.submission.email.lookup_key();
            if !known.contains_key(&key) && !new.iter().any(|(k, _)| *k == key) {
                new.push((key, s));
            }
        }
        new
    }

    /// One ledger row per purpose given, and which submission (by its
    /// place in `taken`) each belongs to.
    fn entries(&self, known: &HashMap<String, i64>) -> (Vec<(Entry, &Evidence)>, Vec<usize>) {
        let mut entries = Vec::new();
        let mut owners = Vec::new();
        for (i, s) in self.taken.iter().enumerate() {
            let person_id = known[&s.submission.email.lookup_key()];
            for p in s
                .form
                .purposes
                .iter()
                .filter(|p| s.submission.purposes.contains(&p.purpose_id))
            {
                entries.push((
                    Entry {
                        person_id,
                        purpose_id: p.purpose_id,
                        channel: p.channel.key().to_string(),
                        event: ConsentEvent::Given,
                        text_sha256: p.text_sha256.clone(),
                        form_version_id: Some(s.form.version_id),
                    },
                    &s.evidence,
                ));
                owners.push(i);
            }
        }
        (entries, owners)
    }

    /// Each submission's links (the confirmation one names its ledger
    /// rows), one statement.
    fn links(
        &self,
        script: &mut Script,
        known: &HashMap<String, i64>,
        ledger: &Ledger,
        now: DateTime<Utc>,
    ) {
        let mut rows = Vec::with_capacity(self.taken.len() * 2);
        for (i, s) in self.taken.iter().enumerate() {
            let person: i64 = known[&s.submission.email.lookup_key()];
            let expires = Some(s.confirm_expires_at);
            rows.push(vec![
                (&s.confirm_token_hash).into(),
                "confirm".into(),
                person.into(),
                join_ids(&ledger.of(i)).into(),
                now.into(),
                expires.into(),
            ]);
            rows.push(vec![
                (&s.withdraw_token_hash).into(),
                "withdraw".into(),
                person.into(),
                String::new().into(),
                now.into(),
                None::<DateTime<Utc>>.into(),
            ]);
        }
        script.rows(
            "INSERT INTO consent_tokens (token_hash, kind, person_id, ledger_ids, created_at, expires_at)",
            rows,
            "",
        );
    }

    /// Each submission's mail, in its person's language when Accord knows
    /// it, one statement.
    fn mails(
        &self,
        script: &mut Script,
        known: &HashMap<String, i64>,
        languages: &HashMap<i64, Locale>,
        now: DateTime<Utc>,
    ) {
        script.rows(
            "INSERT INTO outbox (recipient, subject, body, person_id, created_at, next_attempt_at)",
            self.taken
                .iter()
                .map(|s| {
                    let person = known[&s.submission.email.lookup_key()];
                    let mail = languages
                        .get(&person)
                        .and_then(|l| s.mail_in.iter().find(|(m, _)| m == l))
                        .map_or(&s.mail, |(_, mail)| mail);
                    vec![
                        (&mail.recipient).into(),
                        (&mail.subject).into(),
                        (&mail.body).into(),
                        person.into(),
                        now.into(),
                        now.into(),
                    ]
                })
                .collect(),
            "",
        );
    }

    /// A script that starts by taking the refused submissions off their
    /// counts again.
    fn script(&self) -> Script {
        let mut script = Script::new();
        for (key, window, n) in &self.refunds {
            script.statement(
                "UPDATE form_rate_limits SET count = count - $1 WHERE addr_key = $2 AND window_start = $3",
                vec![(*n).into(), key.into(), (*window).into()],
            );
        }
        script
    }

    /// What became of each submission of `subs`, in order.
    fn answers(
        &self,
        known: &HashMap<String, i64>,
        mut created: HashSet<i64>,
        ledger: &Ledger,
    ) -> Vec<Recorded> {
        let mut next = 0;
        self.accepted
            .iter()
            .zip(&self.outdated)
            .map(|(accepted, outdated)| {
                if !accepted {
                    return Recorded::TooMany;
                }
                if *outdated {
                    return Recorded::Outdated;
                }
                let s = self.taken[next];
                let person_id = known[&s.submission.email.lookup_key()];
                let done = Recorded::Done(Submitted {
                    person_id,
                    created: created.remove(&person_id),
                    ledger_ids: ledger.of(next),
                });
                next += 1;
                done
            })
            .collect()
    }
}

/// Ends a batch of which nothing is recorded: the counts given back
/// (`script`, from [`Decided::script`]), committed, and each answer.
async fn nothing_taken<DB>(
    mut tx: sqlx::Transaction<'_, DB>,
    script: Script,
    decided: &Decided<'_>,
) -> Result<Vec<Recorded>, StorageError>
where
    DB: sqlx::Database,
    DB::Connection: RunScript,
{
    (*tx).run_script(script).await?;
    tx.commit().await.map_err(storage_error)?;
    Ok(decided.none_taken())
}

/// The ledger rows appended, and which taken submission each is of.
struct Ledger {
    ids: Vec<i64>,
    owners: Vec<usize>,
}

impl Ledger {
    fn of(&self, taken: usize) -> Vec<i64> {
        self.owners
            .iter()
            .zip(&self.ids)
            .filter(|(o, _)| **o == taken)
            .map(|(_, id)| *id)
            .collect()
    }
}

/// The record of the person a new address makes.
fn person_record(
    s: &NewSubmission,
    company_id: Option<i64>,
    now: DateTime<Utc>,
) -> NewPersonRecord {
    let sub = &s.submission;
    NewPersonRecord {
        language: Some(s.form.language),
        first_name: sub.first_name.clone(),
        last_name: sub.last_name.to_string(),
        kind: if company_id.is_some() {
            PersonKind::B2b
        } else {
            PersonKind::B2c
        },
        job_title: sub.job_title.clone(),
        status: PersonStatus::Prospect,
        owner_id: s.form.owner_id,
        team_id: None,
        company_id,
        source: Source::Form,
        collected_at: now,
        entered_by: None,
        supplier: String::new(),
        contract_ref: format!("{} v{}", s.form.slug, s.form.version),
        emails: vec![(sub.email.clone(), EmailKind::detect(&sub.email))],
        phones: sub.phone.iter().cloned().collect(),
        legal_bases: vec![(Purpose::Prospecting, LegalBasis::Consent)],
    }
}

/// Each address's oldest person, and the language of those who have one.
fn known_people(
    rows: impl IntoIterator<Item = (String, i64, Option<String>)>,
) -> (HashMap<String, i64>, HashMap<i64, Locale>) {
    let mut known: HashMap<String, i64> = HashMap::new();
    let mut languages = HashMap::new();
    for (key, person, language) in rows {
        let entry = known.entry(key).or_insert(person);
        *entry = (*entry).min(person);
        if let Some(language) = language.and_then(|l| Locale::from_tag(&l)) {
            languages.insert(person, language);
        }
    }
    (known, languages)
}

/// The advisory lock of an address (PostgreSQL's two-key form, first key
/// 7701: apart from the one-key locks used elsewhere). Two addresses may
/// share one; they then only wait for each other.
fn address_lock(address_key: &str) -> i32 {
    let digest = Sha256::digest(address_key.as_bytes());
    i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

impl SqlConsent<sqlx::Sqlite> {
    pub(super) async fn record_batch(
        &self,
        subs: &[NewSubmission],
    ) -> Result<Vec<Recorded>, StorageError> {
        let now = Utc::now();
        let mut tx = self.pool.begin().await.map_err(storage_error)?;

        // The counts first: a write, so the transaction holds SQLite's
        // lock from here on.
        let keys = rate_keys(subs);
        let mut counted: HashMap<(String, i64), i64> = HashMap::new();
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO form_rate_limits (addr_key, window_start, count) VALUES {} \
                 ON CONFLICT (addr_key, window_start) DO UPDATE SET count = form_rate_limits.count + excluded.count \
                 RETURNING addr_key, window_start, count",
                placeholders(chunk.len(), 3, 1)
            );
            let mut query = sqlx::query_as::<_, (String, i64, i64)>(&sql);
            for (key, window, n) in chunk {
                query = query.bind(*key).bind(*window).bind(*n);
            }
            for (key, window, count) in query.fetch_all(&mut *tx).await.map_err(storage_error)? {
                counted.insert((key, window), count);
            }
        }
        // Each form's current version, once per batch.
        let mut form_ids: Vec<i64> = subs.iter().map(|s| s.form.form_id).collect();
        form_ids.sort_unstable();
        form_ids.dedup();
        let sql = format!(
            "SELECT f.id, v.id FROM consent_forms f JOIN consent_form_versions v \
             ON v.form_id = f.id AND v.version = f.current_version \
             WHERE f.archived_at IS NULL AND f.id IN ({})",
            in_list(form_ids.len())
        );
        let mut query = sqlx::query_as::<_, (i64, i64)>(&sql);
        for id in &form_ids {
            query = query.bind(*id);
        }
        let current: HashMap<i64, i64> = query
            .fetch_all(&mut *tx)
            .await
            .map_err(storage_error)?
            .into_iter()
            .collect();
        let decided = decide(subs, &keys, &counted, &current);
        let mut script = decided.script();
        if decided.taken.is_empty() {
            return nothing_taken(tx, script, &decided).await;
        }

        // Who is known already, by address.
        let addresses = decided.addresses();
        let mut found = Vec::new();
        for chunk in addresses.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT e.address_key, e.person_id, p.language FROM person_emails e \
                 JOIN people p ON p.id = e.person_id WHERE e.address_key IN ({})",
                in_list(chunk.len())
            );
            let mut query = sqlx::query_as::<_, (String, i64, Option<String>)>(&sql);
            for key in chunk {
                query = query.bind(key);
            }
            found.extend(query.fetch_all(&mut *tx).await.map_err(storage_error)?);
        }
        let (mut known, languages) = known_people(found);

        // The new people, one per new address (a batch is at most
        // `MAX_BATCH`, well under one chunk of people).
        let new_people = decided.new_addresses(&known);
        let records = records_of!(sqlx::Sqlite, tx, new_people, now);
        let ids = (*tx).people_rows(&records, now, &mut script).await?;
        let created = adopt(&mut known, &new_people, &ids);

        let (entries, owners) = decided.entries(&known);
        let head = Self::lock_chain(&mut tx).await?;
        let ids = Self::append_into(&mut tx, head, &entries, now, &mut script, &created).await?;
        let ledger = Ledger { ids, owners };
        decided.links(&mut script, &known, &ledger, now);
        decided.mails(&mut script, &known, &languages, now);
        (*tx).run_script(script).await?;
        tx.commit().await.map_err(storage_error)?;
        Ok(decided.answers(&known, created, &ledger))
    }
}

/// PostgreSQL: the rate counts, the forms' current versions, the people
/// who have the addresses, and an id for each address (for the new
/// people), in one statement (of one text whatever the batch, so prepared
/// once per connection; every input an array, so that its generic plan
/// serves every batch instead of one planned per call). Every row is
/// `(kind, a, b, text, language)`.
const READ_BATCH: &str = "WITH rate AS ( \
     INSERT INTO form_rate_limits (addr_key, window_start, count) \
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) \
     ON CONFLICT (addr_key, window_start) DO UPDATE SET count = form_rate_limits.count + excluded.count \
     RETURNING addr_key, window_start, count) \
   SELECT 'rate' AS kind, window_start AS a, count AS b, addr_key AS t, NULL::text AS language FROM rate \
   UNION ALL \
   SELECT 'form', f.id, v.id, NULL, NULL FROM consent_forms f JOIN consent_form_versions v \
     ON v.form_id = f.id AND v.version = f.current_version \
     WHERE f.archived_at IS NULL AND f.id = ANY($4::bigint[]) \
   UNION ALL \
   SELECT 'known', e.person_id, NULL, e.address_key, p.language FROM person_emails e \
     JOIN people p ON p.id = e.person_id WHERE e.address_key = ANY($5::text[]) \
   UNION ALL \
   SELECT 'id', nextval(pg_get_serial_sequence('people', 'id')), NULL, NULL, NULL \
     FROM unnest($5::text[])";

/// A row of [`READ_BATCH`].
type ReadRow = (
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

impl SqlConsent<sqlx::Postgres> {
    pub(super) async fn record_batch(
        &self,
        subs: &[NewSubmission],
    ) -> Result<Vec<Recorded>, StorageError> {
        let now = Utc::now();
        // Every address of the batch is locked with the transaction's
        // start (the locks' keys are numbers computed here, in order: no
        // deadlock between batches), so that two batches — of this
        // instance or another — do not both create a person for one new
        // address. The reads come after, in a later statement: they see
        // what a batch that held a lock committed.
        let mut addresses: Vec<String> = subs
            .iter()
            .map(|s| s.submission.email.lookup_key())
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        let mut locks: Vec<i32> = addresses.iter().map(|a| address_lock(a)).collect();
        locks.sort_unstable();
        locks.dedup();
        let numbers: Vec<String> = locks.iter().map(i32::to_string).collect();
        let begin = format!(
            "BEGIN; SELECT pg_advisory_xact_lock(7701, k) FROM unnest('{{{}}}'::int[]) AS k ORDER BY k",
            numbers.join(",")
        );
        let mut tx = self.pool.begin_with(begin).await.map_err(storage_error)?;

        let keys = rate_keys(subs);
        let mut form_ids: Vec<i64> = subs.iter().map(|s| s.form.form_id).collect();
        form_ids.sort_unstable();
        form_ids.dedup();
        let rows: Vec<ReadRow> = sqlx::query_as(READ_BATCH)
            .bind(keys.iter().map(|(k, _, _)| *k).collect::<Vec<_>>())
            .bind(keys.iter().map(|(_, w, _)| *w).collect::<Vec<_>>())
            .bind(keys.iter().map(|(_, _, n)| *n).collect::<Vec<_>>())
            .bind(&form_ids)
            .bind(&addresses)
            .fetch_all(&mut *tx)
            .await
            .map_err(storage_error)?;
        let mut counted = HashMap::new();
        let mut current = HashMap::new();
        let mut found = Vec::new();
        let mut spare_ids = Vec::new();
        for (kind, a, b, text, language) in rows {
            let missing = || super::corrupt("submission batch read");
            match kind.as_str() {
                "rate" => {
                    counted.insert(
                        (text.ok_or_else(missing)?, a.ok_or_else(missing)?),
                        b.ok_or_else(missing)?,
                    );
                }
                "form" => {
                    current.insert(a.ok_or_else(missing)?, b.ok_or_else(missing)?);
                }
                "known" => {
                    found.push((text.ok_or_else(missing)?, a.ok_or_else(missing)?, language))
                }
                _ => spare_ids.push(a.ok_or_else(missing)?),
            }
        }
        // Ascending, so that ids grow in the order people were given (the
        // lists' "newest first" is by id); ids left over are a gap in the
        // sequence, as any rolled-back insert leaves.
        spare_ids.sort_unstable();
        let decided = decide(subs, &keys, &counted, &current);
        let mut script = decided.script();
        if decided.taken.is_empty() {
            return nothing_taken(tx, script, &decided).await;
        }
        let (mut known, languages) = known_people(found);

        // The new people and the mails, before the chain's lock.
        let new_people = decided.new_addresses(&known);
        let records = records_of!(sqlx::Postgres, tx, new_people, now);
        let ids = spare_ids
            .get(..records.len())
            .ok_or_else(|| super::corrupt("people ids drawn for a batch"))?;
        let names = company_names!(&mut *tx, &records);
        postgres_rows(&mut script, ids, &records, now, &names);
        let created = adopt(&mut known, &new_people, ids);
        decided.mails(&mut script, &known, &languages, now);
        (*tx).run_script(script).await?;

        // Under the chain's lock, to the commit: the ledger and the links
        // that name its rows.
        let (entries, owners) = decided.entries(&known);
        let head = Self::lock_chain(&mut tx).await?;
        let mut script = Script::new();
        let ids = Self::append_into(&mut tx, head, &entries, now, &mut script, &created).await?;
        let ledger = Ledger { ids, owners };
        decided.links(&mut script, &known, &ledger, now);
        (*tx).run_script(script).await?;
        tx.commit().await.map_err(storage_error)?;
        Ok(decided.answers(&known, created, &ledger))
    }
}
