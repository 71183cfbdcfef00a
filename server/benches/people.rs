//! Search and list of people at scale, on SQLite, at the storage layer
//! (the server time of the search and list server functions, less the
//! HTTP framing), each against the raw SQL query for the same result in
//! the same run.
//!
//!   BENCH_PEOPLE=100000 cargo bench -p server --bench people
//!
//! Seeds `BENCH_PEOPLE` people (default 100,000) with `accord seed`'s
//! generator, then runs 40 searches × 25 rounds and 1,000 list pages.
//! Prints a Markdown table for BENCHMARKS.md.

mod support;
use app::domain::{EmailAddress, Role};
use app::server::storage::{NewUser, Visibility};
use sqlx::Row;
use std::time::{Duration, Instant};
use support::{ms, percentile};

const QUERIES: &[&str] = &[
    "hel",
    "helene",
    "hélène martin",
    "camille",
    "dupont",
    "lefevre",
    "lefèvre",
    "mar",
    "martin c",
    "jules b",
    "o'connor",
    "oconnor",
    "muller",
    "müller",
    "zoe",
    "zoë",
    "gaelle",
    "francois",
    "françois dupont",
    "acme",
    "exemple",
    "gmail",
    "industrie",
    "06",
    "0612",
    "+336",
    "lea",
    "leroy",
    "rousseau theo",
    "siobhan",
    "malgorzata",
    "kowalski",
    "sofia rossi",
    "noe",
    "noé",
    "agnes",
    "benoit",
    "cedric",
    "etienne",
    "jerome",
];

fn main() {
    let count: usize = std::env::var("BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = server::storage::PoolSettings {
        max_connections: 8,
        sqlite_synchronous: server::config::SqliteSynchronous::Full,
        sqlite_busy_timeout: Duration::from_secs(5),
    };
    let path = dir.path().join("people.db");
    runtime.block_on(async {
        let pool = server::storage::sqlite::connect(&path, &settings).await.unwrap();
        server::storage::sqlite::migrate(&pool).await.unwrap();
        let storage = server::storage::sqlite::storage(pool.clone());
        let hash = app::server::auth::password::hash_blocking("a long bench passphrase").unwrap();
        let mut sales = 0;
        for (i, role) in [Role::Admin, Role::Sales, Role::Manager, Role::Sales].into_iter().enumerate() {
            let user = storage
                .users
                .create(&NewUser {
                    email: EmailAddress::parse(&format!("user{i}@example.com")).unwrap(),
                    display_name: format!("User {i}"),
                    role,
                    password_hash: hash.clone(),
                })
                .await
                .unwrap();
            if role == Role::Sales {
                sales = user.id;
            }
        }
        let started = Instant::now();
        server::seed::run(
            &storage,
            server::seed::Plan {
                contacts: count,
                companies: count / 10,
                interactions: 0,
            },
            42,
        )
        .await
        .unwrap();
        let seeding = started.elapsed();
        let team = storage.teams.list().await.unwrap()[0].id;
        storage.teams.add_member(team, sales).await.unwrap();

        let mut search_all = Vec::new();
        let mut search_sales = Vec::new();
        let mut raw_search = Vec::new();
        for _ in 0..25 {
            for q in QUERIES {
                let words = app::domain::search::query_tokens(q);
                let t = Instant::now();
                let rows = storage.people.search(Visibility::All, &words, 20).await.unwrap();
                search_all.push(t.elapsed());
                std::hint::black_box(rows);
                let t = Instant::now();
                let rows = storage
                    .people
                    .search(Visibility::OwnOrTeams { user_id: sales }, &words, 20)
                    .await
                    .unwrap();
                search_sales.push(t.elapsed());
                std::hint::black_box(rows);
                // The floor: the full-text match alone, ids only.
                let expression = words.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" ");
                let t = Instant::now();
                let ids: Vec<i64> = sqlx::query("SELECT rowid FROM people_search WHERE people_search MATCH ?1 ORDER BY rank LIMIT 20")
                    .bind(&expression)
                    .fetch_all(&pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                raw_search.push(t.elapsed());
                std::hint::black_box(ids);
            }
        }

        let mut list_first = Vec::new();
        let mut list_deep = Vec::new();
        let mut list_sales = Vec::new();
        let mut raw_list = Vec::new();
        let deep = (count as i64) / 2;
        for _ in 0..1000 {
            let t = Instant::now();
            std::hint::black_box(storage.people.list(Visibility::All, None, 50).await.unwrap());
            list_first.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(storage.people.list(Visibility::All, Some(deep), 50).await.unwrap());
            list_deep.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(
                storage.people.list(Visibility::OwnOrTeams { user_id: sales }, Some(deep), 50).await.unwrap(),
            );
            list_sales.push(t.elapsed());
            let t = Instant::now();
            let rows = sqlx::query("SELECT id, first_name, last_name FROM people WHERE id < ?1 ORDER BY id DESC LIMIT 50")
                .bind(deep)
                .fetch_all(&pool)
                .await
                .unwrap();
            raw_list.push(t.elapsed());
            std::hint::black_box(rows);
        }

        println!("| measure (SQLite, {count} people) | median | p95 |");
        println!("|---|---|---|");
        println!("| seeding ({:.0} people/s) | {:.1} s | |", count as f64 / seeding.as_secs_f64(), seeding.as_secs_f64());
        for (name, samples) in [
            ("search top 20, everyone visible (1,000)", &mut search_all),
            ("search top 20, a sales user's teams (1,000)", &mut search_sales),
            ("raw FTS5 match, ids only (floor)", &mut raw_search),
            ("list page of 50, newest (1,000)", &mut list_first),
            ("list page of 50, halfway down (1,000)", &mut list_deep),
            ("list page of 50, a sales user's, halfway (1,000)", &mut list_sales),
            ("raw keyset page of 50 (floor)", &mut raw_list),
        ] {
            println!("| {name} | {} | {} |", ms(percentile(samples, 50.0)), ms(percentile(samples, 95.0)));
        }
        println!(
            "| search / raw match (median) | {:.1}× | |",
            percentile(&mut search_all, 50.0).as_secs_f64() / percentile(&mut raw_search, 50.0).as_secs_f64()
        );
        println!(
            "| list / raw page (median, halfway) | {:.1}× | |",
            percentile(&mut list_deep, 50.0).as_secs_f64() / percentile(&mut raw_list, 50.0).as_secs_f64()
        );
    });
}
