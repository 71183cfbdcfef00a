//! Erasure and the retention run, at the sizes issue 8 names.
//!
//!   cargo bench -p server --bench privacy
//!   BENCH_BACKEND=postgres scripts/with-postgres.sh cargo bench -p server --bench privacy
//!
//! 1. Erasing a person with 10,000 timeline entries (`PrivacyStore::erase`:
//!    the whole anonymisation in one transaction), `BENCH_RUNS` times
//!    (default 5), against the raw statement that dominates it (blanking
//!    10,000 entries' text for one person) in the same run.
//! 2. A retention run over `BENCH_PEOPLE` people (default 100,000; the
//!    issue's figure is 1,000,000) of whom a tenth are past the limit,
//!    while a client reads person pages and list pages every 20 ms: the
//!    run's duration and rate, and the reads' latency before and during
//!    it (median, p95), against a raw keyset page of the due people.
//! 3. The privacy area's data health counts over those people, against a
//!    plain count of them.
//!
//! Prints a Markdown table.

mod support;
use app::domain::{InteractionKind, Role};
use app::server::storage::{ErasureReason, NewInteraction, PeopleQuery, Storage, Visibility};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{Pool, ms, open, percentile};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn admin(storage: &Storage) -> i64 {
    let hash = app::server::auth::password::hash_blocking("a long bench passphrase").unwrap();
    storage
        .users
        .create(&app::server::storage::NewUser {
            email: app::domain::EmailAddress::parse("admin@example.com").unwrap(),
            display_name: "Admin".into(),
            role: Role::Admin,
            password_hash: hash,
        })
        .await
        .unwrap()
        .id
}

/// A person with `n` timeline entries; their id.
async fn busy_person(storage: &Storage, owner: i64, n: usize, tag: usize) -> i64 {
    let record = app::server::storage::NewPersonRecord {
        first_name: "Hélène".into(),
        last_name: format!("Occupée{tag}"),
        kind: app::domain::PersonKind::B2c,
        job_title: String::new(),
        status: app::domain::PersonStatus::Customer,
        owner_id: owner,
        team_id: None,
        company_id: None,
        source: app::domain::Source::Manual,
        collected_at: chrono::Utc::now(),
        entered_by: Some(owner),
        supplier: String::new(),
        contract_ref: String::new(),
        emails: vec![(
            app::domain::EmailAddress::parse(&format!("busy{tag}@example.fr")).unwrap(),
            app::domain::EmailKind::Personal,
        )],
        phones: Vec::new(),
        legal_bases: vec![(
            app::domain::Purpose::CustomerRelationship,
            app::domain::LegalBasis::Contract,
        )],
        language: None,
    };
    let id = storage.people.create(&record).await.unwrap();
    let now = chrono::Utc::now();
    let entries: Vec<NewInteraction> = (0..n)
        .map(|i| NewInteraction {
            person_id: Some(id),
            company_id: None,
            kind: InteractionKind::Note,
            direction: None,
            outcome: None,
            duration_minutes: None,
            body: format!("Note {i}: Hélène asked about the invoice, call back on Monday."),
            occurred_at: now - chrono::Duration::minutes(i as i64),
            author_id: owner,
            due_at: None,
            assignee_id: None,
        })
        .collect();
    for chunk in entries.chunks(2_000) {
        storage.interactions.add_many(chunk).await.unwrap();
    }
    id
}

impl Pool {
    /// Blanks one person's entries in one autocommit statement: the floor.
    async fn blank(&self, person: i64) -> Duration {
        let sql = "UPDATE interactions SET body = '' WHERE person_id = $1";
        let t = Instant::now();
        match self {
            Pool::Sqlite(pool) => {
                sqlx::query(sql).bind(person).execute(pool).await.unwrap();
            }
            Pool::Postgres(pool) => {
                sqlx::query(sql).bind(person).execute(pool).await.unwrap();
            }
        }
        t.elapsed()
    }

    async fn execute(&self, sql: &str) -> u64 {
        match self {
            Pool::Sqlite(pool) => sqlx::query(sql)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
            Pool::Postgres(pool) => sqlx::query(sql)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected(),
        }
    }

    /// One raw pass over people: a plain count of the live ones.
    async fn raw_count(&self) -> Duration {
        let sql = "SELECT count(*) FROM people WHERE erased_at IS NULL";
        let t = Instant::now();
        let n: i64 = match self {
            Pool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
            Pool::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        };
        std::hint::black_box(n);
        t.elapsed()
    }

    /// The due people's ids, a page of 1,000 at a time, read raw.
    async fn raw_due_scan(&self, before: chrono::DateTime<chrono::Utc>) -> (Duration, usize) {
        let sql = "SELECT id FROM people WHERE id > $1 AND erased_at IS NULL AND status IN ('prospect', 'lead') \
                   AND collected_at < $2 AND (last_inbound_at IS NULL OR last_inbound_at < $2) ORDER BY id LIMIT 1000";
        let t = Instant::now();
        let (mut after, mut total) = (0i64, 0usize);
        loop {
            let ids: Vec<i64> = match self {
                Pool::Sqlite(pool) => sqlx::query_scalar(sql)
                    .bind(after)
                    .bind(before)
                    .fetch_all(pool)
                    .await
                    .unwrap(),
                Pool::Postgres(pool) => sqlx::query_scalar(sql)
                    .bind(after)
                    .bind(before)
                    .fetch_all(pool)
                    .await
                    .unwrap(),
            };
            let Some(last) = ids.last() else { break };
            after = *last;
            total += ids.len();
        }
        (t.elapsed(), total)
    }
}

/// Reads a person page and a list page every 20 ms until `stop`; each
/// pair's duration.
async fn reader(storage: Storage, ids: Vec<i64>, stop: Arc<AtomicBool>) -> Vec<Duration> {
    let mut times = Vec::new();
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let id = ids[i % ids.len()];
        i += 1;
        let t = Instant::now();
        std::hint::black_box(storage.people.get(id).await.unwrap());
        std::hint::black_box(
            storage
                .people
                .query(Visibility::All, &PeopleQuery::default(), 50)
                .await
                .unwrap(),
        );
        times.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    times
}

fn main() {
    let runs = env("BENCH_RUNS", 5);
    let people = env("BENCH_PEOPLE", 100_000);
    let backend = std::env::var("BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let (storage, pool) = open(&backend, dir.path(), "privacy").await;
        let owner = admin(&storage).await;
        println!("| backend | measure | median | p95 | raw median | ratio |");
        println!("|---|---|---|---|---|---|");

        // 1. Erasing a person with 10,000 entries.
        let (mut erase, mut raw) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let person = busy_person(&storage, owner, 10_000, run * 2).await;
            let other = busy_person(&storage, owner, 10_000, run * 2 + 1).await;
            raw.push(pool.blank(other).await);
            let t = Instant::now();
            let outcome = storage.privacy.erase(&[person], ErasureReason::Request, Some(owner)).await.unwrap();
            erase.push(t.elapsed());
            assert_eq!(outcome, vec![app::server::storage::Erased::Done]);
            eprintln!("erase run {run}: {} (raw {})", ms(erase[run]), ms(raw[run]));
        }
        let (median, p95, raw_median) = (percentile(&mut erase, 50.0), percentile(&mut erase, 95.0), percentile(&mut raw, 50.0));
        println!(
            "| {backend} | erase a person with 10,000 entries | {} | {} | {} | {:.1} |",
            ms(median),
            ms(p95),
            ms(raw_median),
            median.as_secs_f64() / raw_median.as_secs_f64()
        );

        // 2. A retention run over `people`, a tenth of them due.
        let started = Instant::now();
        server::seed::run(
            &storage,
            server::seed::Plan {
                contacts: people,
                companies: people / 10,
                interactions: 0,
                deals: 0,
            },
            7,
        )
        .await
        .unwrap();
        eprintln!("\nseeded {people} people in {:.1} s", started.elapsed().as_secs_f64());
        let long_ago = "2020-01-15T10:00:00+00:00";
        let made_due = pool
            .execute(&format!(
                "UPDATE people SET status = 'prospect', collected_at = '{long_ago}', last_inbound_at = NULL \
                 WHERE id % 10 = 3 AND legal_hold = '' AND erased_at IS NULL"
            ))
            .await;
        if let Pool::Postgres(pg) = &pool {
            sqlx::query("ANALYZE").execute(pg).await.unwrap();
        }
        let today = chrono::Utc::now().date_naive();
        let policy = app::domain::retention::RetentionPolicy::CNIL;
        let (raw_scan, found) = pool.raw_due_scan(policy.prospect_cutoff(today)).await;
        assert_eq!(found as u64, made_due);

        // 3. The privacy area's data health counts: one pass over people,
        // against a plain count of them.
        let notice = policy.notice_day(today);
        let (mut health, mut raw_counts) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            raw_counts.push(pool.raw_count().await);
            let t = Instant::now();
            let counts = storage
                .privacy
                .health(
                    (policy.prospect_cutoff(today), policy.prospect_cutoff(notice)),
                    (policy.former_customer_cutoff(today), policy.former_customer_cutoff(notice)),
                    policy.prospect_cutoff(today),
                )
                .await
                .unwrap();
            health.push(t.elapsed());
            assert_eq!(counts.past_due as u64, made_due);
        }
        let (median, p95, raw_median) =
            (percentile(&mut health, 50.0), percentile(&mut health, 95.0), percentile(&mut raw_counts, 50.0));
        println!(
            "| {backend} | data health counts over {people} people | {} | {} | {} (count of people) | {:.1} |",
            ms(median),
            ms(p95),
            ms(raw_median),
            median.as_secs_f64() / raw_median.as_secs_f64()
        );

        let ids: Vec<i64> = (1..=people as i64).filter(|id| id % 10 != 3).step_by(97).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let before = tokio::spawn(reader(storage.clone(), ids.clone(), stop.clone()));
        tokio::time::sleep(Duration::from_secs(5)).await;
        stop.store(true, Ordering::Relaxed);
        let mut quiet = before.await.unwrap();

        let stop = Arc::new(AtomicBool::new(false));
        let during = tokio::spawn(reader(storage.clone(), ids, stop.clone()));
        let t = Instant::now();
        let report = server::privacy::retention::run(&storage, policy, today, false, None, "http://accord.test", |_| {}).await.unwrap();
        let took = t.elapsed();
        stop.store(true, Ordering::Relaxed);
        let mut busy = during.await.unwrap();
        assert_eq!(report.erased as u64, made_due);
        println!(
            "| {backend} | retention run over {people} people, {} erased | {:.1} s ({:.0}/s) | | {} (raw scan of the due) | {:.0} |",
            report.erased,
            took.as_secs_f64(),
            report.erased as f64 / took.as_secs_f64(),
            ms(raw_scan),
            took.as_secs_f64() / raw_scan.as_secs_f64()
        );
        println!(
            "| {backend} | a person page + a list page, before the run ({} reads) | {} | {} | | |",
            quiet.len(),
            ms(percentile(&mut quiet, 50.0)),
            ms(percentile(&mut quiet, 95.0))
        );
        println!(
            "| {backend} | the same during the run ({} reads) | {} | {} | | |",
            busy.len(),
            ms(percentile(&mut busy, 50.0)),
            ms(percentile(&mut busy, 95.0))
        );
        let verdict = server::consent::chain::verify(storage.consent.as_ref()).await.unwrap();
        eprintln!("ledger after the runs: {verdict:?}");
    });
}
