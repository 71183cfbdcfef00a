//! The managers' dashboard at scale, on SQLite or PostgreSQL: 10,000 open
//! deals (`BENCH_DEALS`) and 1,000,000 interactions over three years
//! (`BENCH_INTERACTIONS`), seeded with `accord seed`'s generator. Times the
//! whole dashboard read (every figure and chart, as its server function
//! computes them, less HTTP framing) for a month and a year, for everyone
//! and for a sales user, and its parts: the deals' facts and the activity
//! per rep. Floors in the same run: one raw SELECT of the pipeline's deals
//! and one raw count of the period's calls and meetings.
//!
//!   cargo bench -p server --bench dashboard
//!   BENCH_BACKEND=postgres scripts/with-postgres.sh cargo bench -p server --bench dashboard
//!
//! Prints a Markdown table.

mod support;
use app::domain::Role;
use app::domain::dashboard::DashboardQuery;
use app::i18n::Locale;
use app::server::auth::session::SessionUser;
use app::server::storage::NewUser;
use std::time::{Duration, Instant};
use support::{Pool, ms, open, percentile};

const RUNS: usize = 100;

impl Pool {
    /// Every deal of the pipeline, raw: the floor of the deals' facts.
    async fn raw_deals(&self, pipeline: i64) -> Duration {
        let sql = "SELECT amount_cents, currency, probability, stage_id, expected_close, \
                   closed_on, created_at FROM deals WHERE pipeline_id = $1";
        let t = Instant::now();
        match self {
            Pool::Sqlite(p) => {
                std::hint::black_box(sqlx::query(sql).bind(pipeline).fetch_all(p).await.unwrap());
            }
            Pool::Postgres(p) => {
                std::hint::black_box(sqlx::query(sql).bind(pipeline).fetch_all(p).await.unwrap());
            }
        }
        t.elapsed()
    }

    /// The period's calls and meetings counted, raw, by author.
    async fn raw_activity(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Duration {
        let sql = "SELECT author_id, COUNT(*) FROM interactions \
                   WHERE kind IN ('call', 'meeting') AND occurred_at >= $1 AND occurred_at < $2 \
                   GROUP BY author_id";
        let t = Instant::now();
        match self {
            Pool::Sqlite(p) => {
                std::hint::black_box(
                    sqlx::query(sql)
                        .bind(from)
                        .bind(to)
                        .fetch_all(p)
                        .await
                        .unwrap(),
                );
            }
            Pool::Postgres(p) => {
                std::hint::black_box(
                    sqlx::query(sql)
                        .bind(from)
                        .bind(to)
                        .fetch_all(p)
                        .await
                        .unwrap(),
                );
            }
        }
        t.elapsed()
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn time<F, Fut>(runs: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..5 {
        f().await;
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    samples
}

fn main() {
    let deals = env_number("BENCH_DEALS", 10_000);
    let interactions = env_number("BENCH_INTERACTIONS", 1_000_000);
    let backend = std::env::var("BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let (storage, pool) = open(&backend, dir.path(), "dashboard").await;
        let hash = app::server::auth::password::hash_blocking("a long bench passphrase").unwrap();
        let mut users = Vec::new();
        for (i, role) in [Role::Admin, Role::Sales, Role::Manager, Role::Sales]
            .into_iter()
            .enumerate()
        {
            let user = storage
                .users
                .create(&NewUser {
                    email: app::domain::EmailAddress::parse(&format!("user{i}@example.com"))
                        .unwrap(),
                    display_name: format!("User {i}"),
                    role,
                    password_hash: hash.clone(),
                })
                .await
                .unwrap();
            users.push(SessionUser {
                user_id: user.id,
                email: user.email.clone(),
                display_name: user.display_name.clone(),
                role,
                session_hash: String::new(),
                must_enroll_second_factor: false,
            });
        }
        let started = Instant::now();
        server::seed::run(
            &storage,
            server::seed::Plan {
                contacts: 10_000,
                companies: 1_000,
                interactions,
                deals,
            },
            7,
        )
        .await
        .unwrap();
        let seeding = started.elapsed();
        let team = storage.teams.list().await.unwrap()[0].id;
        storage
            .teams
            .add_member(team, users[3].user_id)
            .await
            .unwrap();
        let pipeline = app::server::pipelines::ensure_default(&storage, Locale::En)
            .await
            .unwrap()
            .remove(0);
        let (admin, sales) = (&users[0], &users[3]);

        let query = |period: &str| DashboardQuery {
            period: Some(period.to_string()),
            ..Default::default()
        };
        let mut rows: Vec<(String, Vec<Duration>)> = Vec::new();
        for (who, user) in [("everyone", admin), ("a sales user", sales)] {
            for period in ["month", "year"] {
                let q = query(period);
                let samples = time(RUNS, || async {
                    std::hint::black_box(
                        app::server::dashboard::dashboard(&storage, user, Locale::En, &q)
                            .await
                            .unwrap(),
                    );
                })
                .await;
                rows.push((format!("whole dashboard, a {period}, {who}"), samples));
            }
        }
        let today = chrono::Utc::now().date_naive();
        for period in ["month", "year"] {
            let scope = app::server::dashboard::scope(&storage, Locale::En, &query(period), today)
                .await
                .unwrap();
            let samples = time(RUNS, || async {
                std::hint::black_box(
                    app::server::dashboard::activity(&storage, admin, &scope)
                        .await
                        .unwrap(),
                );
            })
            .await;
            rows.push((format!("calls and meetings per rep, a {period}"), samples));
            let (from, to) = (scope.start_time(), scope.end_time());
            let samples = time(RUNS, || async {
                pool.raw_activity(from, to).await;
            })
            .await;
            rows.push((format!("raw count by author, a {period} (floor)"), samples));
        }
        let scope = app::server::dashboard::scope(&storage, Locale::En, &query("month"), today)
            .await
            .unwrap();
        let samples = time(RUNS, || async {
            std::hint::black_box(
                app::server::dashboard::deal_facts(&storage, admin, &scope)
                    .await
                    .unwrap(),
            );
        })
        .await;
        rows.push(("the deals' facts, everyone".into(), samples));
        let samples = time(RUNS, || async {
            pool.raw_deals(pipeline.id).await;
        })
        .await;
        rows.push(("raw SELECT of the pipeline's deals (floor)".into(), samples));

        println!(
            "| measure ({backend}, {deals} deals, {interactions} interactions, {RUNS} runs) | median | p95 |"
        );
        println!("|---|---|---|");
        println!(
            "| seeding 10,000 people, {deals} deals, {interactions} interactions | {:.1} s | |",
            seeding.as_secs_f64()
        );
        let mut medians = std::collections::HashMap::new();
        for (name, samples) in rows.iter_mut() {
            let median = percentile(samples, 50.0);
            let p95 = percentile(samples, 95.0);
            medians.insert(name.clone(), (median, p95));
            println!("| {name} | {} | {} |", ms(median), ms(p95));
        }
        let ratio = |a: &str, b: &str| {
            let (a, b) = (medians[a], medians[b]);
            (
                a.0.as_secs_f64() / b.0.as_secs_f64(),
                a.1.as_secs_f64() / b.1.as_secs_f64(),
            )
        };
        for period in ["month", "year"] {
            let (m, p) = ratio(
                &format!("calls and meetings per rep, a {period}"),
                &format!("raw count by author, a {period} (floor)"),
            );
            println!("| activity / raw count, a {period} (median, p95) | {m:.1}× | {p:.1}× |");
        }
        let (m, p) = ratio(
            "the deals' facts, everyone",
            "raw SELECT of the pipeline's deals (floor)",
        );
        println!("| deals' facts / raw SELECT (median, p95) | {m:.1}× | {p:.1}× |");
    });
}
