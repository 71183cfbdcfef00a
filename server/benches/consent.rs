//! Public form submissions per second, with durable commits, against raw
//! single-row durable INSERTs measured in the same run.
//!
//!   cargo bench -p server --bench consent
//!   BENCH_BACKEND=postgres SCRATCH_PG_SETTINGS="-c fsync=on" \
//!       scripts/with-postgres.sh cargo bench -p server --bench consent
//!
//! SQLite runs with `synchronous=FULL` (Accord's default); PostgreSQL
//! needs `fsync=on` (the scratch server of the tests turns it off, hence
//! the setting above) and keeps `synchronous_commit=on`. A submission goes
//! through the real route (`POST /f/{slug}`, in-process, without the TCP
//! hop): the form read, every check, the rate-limit count, the person, one
//! ledger row hashed onto the chain, the links, the mail in the outbox, in
//! one transaction. The floor is `INSERT INTO t (email, at) VALUES (…)`,
//! one row per autocommit. Each is measured `BENCH_RUNS` times (default
//! 3), alternating, with one client and with 8 at once (or the counts in
//! `BENCH_CLIENTS`, e.g. `1,8,32`; the pool has 8 connections); `BENCH_N`
//! operations per run (default 1,000). Prints a Markdown table.

mod support;
use app::domain::Role;
use app::domain::consent::{FormInput, PurposeInput};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{Pool, ms, open, percentile};
use tower::ServiceExt;

impl Pool {
    async fn create_raw_table(&self) {
        match self {
            Pool::Sqlite(pool) => {
                sqlx::query("CREATE TABLE raw_insert (id INTEGER PRIMARY KEY, email TEXT NOT NULL, at TEXT NOT NULL)")
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Pool::Postgres(pool) => {
                sqlx::query(
                    "CREATE TABLE raw_insert (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
                     email TEXT NOT NULL, at TEXT NOT NULL)",
                )
                .execute(pool)
                .await
                .unwrap();
            }
        }
    }

    /// One durable single-row INSERT: the floor.
    async fn raw_insert(&self, email: &str) -> Duration {
        let sql = "INSERT INTO raw_insert (email, at) VALUES ($1, $2)";
        let at = chrono::Utc::now().to_rfc3339();
        let t = Instant::now();
        match self {
            Pool::Sqlite(pool) => {
                sqlx::query(sql)
                    .bind(email)
                    .bind(at)
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Pool::Postgres(pool) => {
                sqlx::query(sql)
                    .bind(email)
                    .bind(at)
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        t.elapsed()
    }
}

/// Runs `n` operations over `clients` tasks; returns the rate per second
/// and every operation's duration.
async fn measure<F, Fut>(n: usize, clients: usize, op: F) -> (f64, Vec<Duration>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Duration> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return times;
                }
                times.push(op(i).await);
            }
        }));
    }
    let mut all = Vec::with_capacity(n);
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    (n as f64 / started.elapsed().as_secs_f64(), all)
}

fn main() {
    let n: usize = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let backend = std::env::var("BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let (storage, pool) = open(&backend, dir.path(), "consent").await;
        if let Pool::Postgres(pg) = &pool {
            let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(pg).await.unwrap();
            let sync: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(pg).await.unwrap();
            eprintln!("PostgreSQL fsync={fsync} synchronous_commit={sync}");
            assert_eq!(fsync, "on", "run with SCRATCH_PG_SETTINGS=\"-c fsync=on\": durable commits are the point");
        }
        pool.create_raw_table().await;
        let hash = app::server::auth::password::hash_blocking("a long bench passphrase").unwrap();
        let admin = storage
            .users
            .create(&app::server::storage::NewUser {
                email: app::domain::EmailAddress::parse("admin@example.com").unwrap(),
                display_name: "Admin".into(),
                role: Role::Admin,
                password_hash: hash,
            })
            .await
            .unwrap()
            .id;
        let purpose = storage
            .consent
            .save_purpose(
                None,
                &PurposeInput {
                    id: String::new(),
                    key: "newsletter".into(),
                    name_en: "Newsletter".into(),
                    name_fr: "Lettre".into(),
                    channel: "email".into(),
                    legal_basis: "consent".into(),
                    retention_months: "36".into(),
                    partners: String::new(),
                    text_en: "I agree to receive the monthly newsletter.".into(),
                    text_fr: "J'accepte de recevoir la lettre mensuelle.".into(),
                }
                .check()
                .unwrap(),
                admin,
            )
            .await
            .unwrap();
        storage
            .consent
            .save_form(
                None,
                &FormInput {
                    id: String::new(),
                    slug: "bench".into(),
                    language: "fr".into(),
                    title: "Lettre".into(),
                    intro: "Une fois par mois.".into(),
                    thanks: "Merci".into(),
                    privacy_url: "/privacy".into(),
                    fields: vec!["first_name".into()],
                    purposes: vec![purpose.to_string()],
                    frame_ancestors: String::new(),
                    owner_id: admin.to_string(),
                }
                .check()
                .unwrap(),
                admin,
            )
            .await
            .unwrap();
        let form = storage.consent.public_form("bench").await.unwrap().unwrap();
        let fields = Arc::new(format!(
            "form_version={}&first_name=Anne&last_name=Martin&purpose-{purpose}=on&text-{purpose}={}",
            form.version_id, form.purposes[0].text_id
        ));
        let mut state = server::state::AppState::new(
            leptos::config::LeptosOptions::builder().output_name("accord").build(),
            storage.clone(),
        );
        state.consent.rate_limit = i64::MAX;
        let app = server::router::build(state);
        let pool = Arc::new(pool);

        println!("| backend | clients | raw INSERT/s | submissions/s | ratio | submission median | submission p95 | raw median |");
        println!("|---|---|---|---|---|---|---|---|");
        let mut serial = 0usize;
        let client_counts: Vec<usize> = std::env::var("BENCH_CLIENTS")
            .map(|v| v.split(',').filter_map(|c| c.trim().parse().ok()).collect())
            .unwrap_or_else(|_| vec![1, 8]);
        for clients in client_counts {
            let mut rows = Vec::new();
            for run in 0..runs {
                let p = pool.clone();
                let tag = serial;
                let (raw_rate, mut raw_times) =
                    measure(n, clients, move |i| {
                        let p = p.clone();
                        async move { p.raw_insert(&format!("raw{tag}-{run}-{i}@example.fr")).await }
                    })
                    .await;
                let (app, fields) = (app.clone(), fields.clone());
                let (sub_rate, mut sub_times) = measure(n, clients, move |i| {
                    let (app, fields) = (app.clone(), fields.clone());
                    async move {
                        let email = format!("s{tag}-{run}-{i}%40example.fr");
                        let mut request = Request::post("/f/bench")
                            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .body(Body::from(format!("{fields}&email={email}")))
                            .unwrap();
                        // Visitors come from many addresses (each address
                        // has its own rate-limit counter row).
                        let addr = std::net::SocketAddr::from(([10, 0, (i / 250 % 250) as u8, (i % 250) as u8 + 1], 40_000));
                        request.extensions_mut().insert(axum::extract::ConnectInfo(addr));
                        let t = Instant::now();
                        let response = app.oneshot(request).await.unwrap();
                        assert_eq!(response.status(), StatusCode::OK);
                        t.elapsed()
                    }
                })
                .await;
                serial += 1;
                rows.push((
                    raw_rate,
                    sub_rate,
                    percentile(&mut sub_times, 50.0),
                    percentile(&mut sub_times, 95.0),
                    percentile(&mut raw_times, 50.0),
                ));
                eprintln!("{clients} clients, run {run}: raw {raw_rate:.0}/s, submissions {sub_rate:.0}/s");
            }
            // The median run by submission rate.
            rows.sort_by(|a, b| a.1.total_cmp(&b.1));
            let (raw, sub, median, p95, raw_median) = rows[rows.len() / 2];
            println!(
                "| {backend} | {clients} | {raw:.0} | {sub:.0} | {:.2} | {} | {} | {} |",
                sub / raw,
                ms(median),
                ms(p95),
                ms(raw_median)
            );
        }
        let verdict = server::consent::chain::verify(storage.consent.as_ref()).await.unwrap();
        eprintln!("ledger after the runs: {verdict:?}");
    });
}
