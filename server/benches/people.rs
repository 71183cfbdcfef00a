//! Contacts at scale, on SQLite or PostgreSQL, at the storage layer (the
//! server time of the search, list and open server functions, less HTTP
//! framing), each against the raw SQL for the same result in the same run.
//!
//!   BENCH_PEOPLE=1000000 cargo bench -p server --bench people
//!   BENCH_BACKEND=postgres BENCH_PEOPLE=1000000 \
//!       scripts/with-postgres.sh cargo bench -p server --bench people
//!
//! Seeds `BENCH_PEOPLE` people (default 100,000), a tenth as many
//! companies and five times as many interactions with `accord seed`'s
//! generator, plus one person with 1,000 interactions; then runs 40
//! searches × 25 rounds, 1,000 list pages, 1,000 openings. Prints a
//! Markdown table for BENCHMARKS.md.
//!
//! Seeding a million people on PostgreSQL takes a quarter of an hour; to
//! measure again after a change to the queries, keep the scratch server
//! running and give the database the first run created (its name is
//! printed): `BENCH_REUSE_DB=accord_bench_1234` skips the users and the
//! seeding and measures what is there.

mod support;
use app::domain::PeopleSort;
use app::domain::{EmailAddress, InteractionKind, Role};
use app::server::storage::{
    NewInteraction, NewUser, PeopleFilter, PeopleQuery, Storage, TimelineOf, Visibility,
};
use std::time::{Duration, Instant};
use support::{Pool, ms, open, percentile};

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
    "boulangerie",
    "transports lyon",
    "gmail",
    "hotel",
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

/// The raw statements of the floor, per backend.
struct Raw {
    search: &'static str,
    search_expression: fn(&[String]) -> String,
    list: &'static str,
    timeline: &'static str,
}

const SQLITE_RAW: Raw = Raw {
    // The same ranking as Accord's (bm25 among the newest 2,000 matches),
    // ids only: no join, no visibility, no row decoding.
    search: "SELECT id FROM (SELECT rowid AS id, rank FROM people_search WHERE people_search MATCH $1 \
             ORDER BY rowid DESC LIMIT 1000) ORDER BY rank LIMIT 20",
    search_expression: |words| {
        words
            .iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" ")
    },
    list: "SELECT id, first_name, last_name FROM people WHERE id < $1 ORDER BY id DESC LIMIT 50",
    timeline: "SELECT id, kind, body, occurred_at FROM interactions WHERE person_id = $1 \
               ORDER BY occurred_at DESC, id DESC LIMIT 50",
};

const POSTGRES_RAW: Raw = Raw {
    // The same candidates as Accord's (the newest 300 matches: a walk of
    // the newest 30,000 people, then the GIN index for older ones), ids
    // only.
    search: "SELECT id FROM (SELECT id, ts_rank(search, to_tsquery('simple', $1)) AS rank FROM (\
             (SELECT * FROM (SELECT id, search FROM people ORDER BY id DESC LIMIT 30000) w \
              WHERE w.id > (SELECT max(id) FROM people) - 30000 AND w.search @@ to_tsquery('simple', $1)) \
             UNION ALL \
             (SELECT id, search FROM people WHERE search @@ to_tsquery('simple', $1) \
              AND id + 0 <= (SELECT max(id) FROM people) - 30000 ORDER BY id + 0 DESC)\
             ) m LIMIT 300) c ORDER BY rank DESC LIMIT 20",
    search_expression: |words| {
        words
            .iter()
            .map(|w| format!("{w}:*"))
            .collect::<Vec<_>>()
            .join(" & ")
    },
    list: SQLITE_RAW.list,
    timeline: SQLITE_RAW.timeline,
};

impl Pool {
    /// Runs `sql` with one argument and times it. Statements are planned
    /// for their argument every time, as Accord's searches are (on
    /// PostgreSQL a cached generic plan would make the floor a different
    /// query); a list page or a timeline plans the same either way.
    async fn time_ids(&self, sql: &str, arg: impl ToString) -> Duration {
        let arg = arg.to_string();
        let t = Instant::now();
        match self {
            Pool::Sqlite(pool) => {
                let q = sqlx::query(sql).persistent(false);
                let q = match arg.parse::<i64>() {
                    Ok(n) => q.bind(n),
                    Err(_) => q.bind(arg),
                };
                std::hint::black_box(q.fetch_all(pool).await.unwrap());
            }
            Pool::Postgres(pool) => {
                let q = sqlx::query(sql).persistent(false);
                let q = match arg.parse::<i64>() {
                    Ok(n) => q.bind(n),
                    Err(_) => q.bind(arg),
                };
                std::hint::black_box(q.fetch_all(pool).await.unwrap());
            }
        }
        t.elapsed()
    }
}

/// An admin and, among other users, the sales user the visibility
/// measures are taken for.
async fn users(storage: &Storage) -> (i64, i64) {
    let hash = app::server::auth::password::hash_blocking("a long bench passphrase").unwrap();
    let mut sales = 0;
    let mut admin = 0;
    for (i, role) in [Role::Admin, Role::Sales, Role::Manager, Role::Sales]
        .into_iter()
        .enumerate()
    {
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
        match role {
            Role::Sales => sales = user.id,
            Role::Admin => admin = user.id,
            _ => {}
        }
    }
    (admin, sales)
}

fn main() {
    let count: usize = std::env::var("BENCH_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backend = std::env::var("BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let (storage, pool) = open(&backend, dir.path(), "people").await;
        let raw = if backend == "postgres" {
            POSTGRES_RAW
        } else {
            SQLITE_RAW
        };
        let reuse = backend == "postgres" && std::env::var("BENCH_REUSE_DB").is_ok();
        let (admin, sales, seeding) = if reuse {
            // What a first run made: users 0–3 (the second sales user in
            // the first team), then the seed.
            let users = storage.users.list().await.unwrap();
            let id = |email: &str| users.iter().find(|u| u.email.as_str() == email).unwrap().id;
            (id("user0@example.com"), id("user3@example.com"), None)
        } else {
            let (admin, sales) = users(&storage).await;
            let started = Instant::now();
            server::seed::run(
                &storage,
                server::seed::Plan {
                    contacts: count,
                    companies: count / 10,
                    interactions: count * 5,
                    deals: 0,
                },
                42,
            )
            .await
            .unwrap();
            let seeding = started.elapsed();
            let team = storage.teams.list().await.unwrap()[0].id;
            storage.teams.add_member(team, sales).await.unwrap();
            (admin, sales, Some(seeding))
        };
        let team = storage.teams.list().await.unwrap()[0].id;

        // One busy person: 1,000 entries on their timeline.
        let busy = storage
            .people
            .list(Visibility::All, Some(count as i64 / 3), 1)
            .await
            .unwrap()[0]
            .id;
        let now = chrono::Utc::now();
        let entries: Vec<NewInteraction> = (0..1_000)
            .map(|i| NewInteraction {
                person_id: Some(busy),
                company_id: None,
                kind: InteractionKind::Note,
                direction: None,
                outcome: None,
                duration_minutes: None,
                body: format!("Note {i}: a few words about the call, as reps write them."),
                occurred_at: now - chrono::Duration::hours(i),
                author_id: admin,
                due_at: None,
                assignee_id: None,
            })
            .collect();
        storage.interactions.add_many(&entries).await.unwrap();

        let mut search_all = Vec::new();
        let mut search_sales = Vec::new();
        let mut search_companies = Vec::new();
        let mut raw_search = Vec::new();
        for _ in 0..25 {
            for q in QUERIES {
                let words = app::domain::search::query_tokens(q);
                let t = Instant::now();
                std::hint::black_box(
                    storage
                        .people
                        .search(Visibility::All, &words, 20)
                        .await
                        .unwrap(),
                );
                search_all.push(t.elapsed());
                let t = Instant::now();
                std::hint::black_box(
                    storage
                        .people
                        .search(Visibility::OwnOrTeams { user_id: sales }, &words, 20)
                        .await
                        .unwrap(),
                );
                search_sales.push(t.elapsed());
                let t = Instant::now();
                std::hint::black_box(
                    storage
                        .companies
                        .search(Visibility::All, &words, 20)
                        .await
                        .unwrap(),
                );
                search_companies.push(t.elapsed());
                // The floor: the full-text match alone, ids only.
                let long: Vec<String> = words
                    .iter()
                    .filter(|w| w.chars().count() >= 2)
                    .cloned()
                    .collect();
                raw_search.push(
                    pool.time_ids(raw.search, (raw.search_expression)(&long))
                        .await,
                );
            }
        }

        let mut list_first = Vec::new();
        let mut list_deep = Vec::new();
        let mut list_sales = Vec::new();
        let mut raw_list = Vec::new();
        let mut sorted_by_name = Vec::new();
        let mut sorted_by_contact = Vec::new();
        let mut filtered = Vec::new();
        let mut open_busy = Vec::new();
        let mut raw_open = Vec::new();
        let deep = (count as i64) / 2;
        for _ in 0..1000 {
            let t = Instant::now();
            std::hint::black_box(
                storage
                    .people
                    .list(Visibility::All, None, 50)
                    .await
                    .unwrap(),
            );
            list_first.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(
                storage
                    .people
                    .list(Visibility::All, Some(deep), 50)
                    .await
                    .unwrap(),
            );
            list_deep.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(
                storage
                    .people
                    .list(Visibility::OwnOrTeams { user_id: sales }, Some(deep), 50)
                    .await
                    .unwrap(),
            );
            list_sales.push(t.elapsed());
            raw_list.push(pool.time_ids(raw.list, deep).await);
            // The other orders, from the same person halfway down, and a
            // filtered list (customers in one team, newest first).
            for (sort, samples) in [
                (PeopleSort::Name, &mut sorted_by_name),
                (PeopleSort::LastContact, &mut sorted_by_contact),
            ] {
                let query = PeopleQuery {
                    sort,
                    after: Some(deep),
                    ..PeopleQuery::default()
                };
                let t = Instant::now();
                std::hint::black_box(
                    storage
                        .people
                        .query(Visibility::All, &query, 50)
                        .await
                        .unwrap(),
                );
                samples.push(t.elapsed());
            }
            let query = PeopleQuery {
                filter: PeopleFilter {
                    status: Some(app::domain::PersonStatus::Customer),
                    team_id: Some(team),
                    ..PeopleFilter::default()
                },
                after: Some(deep),
                ..PeopleQuery::default()
            };
            let t = Instant::now();
            std::hint::black_box(
                storage
                    .people
                    .query(Visibility::OwnOrTeams { user_id: sales }, &query, 50)
                    .await
                    .unwrap(),
            );
            filtered.push(t.elapsed());
            // Opening a person: the record and the first timeline page,
            // what the person's page asks for.
            let t = Instant::now();
            std::hint::black_box(storage.people.get(busy).await.unwrap());
            std::hint::black_box(
                storage
                    .interactions
                    .timeline(TimelineOf::Person(busy), None, 50)
                    .await
                    .unwrap(),
            );
            open_busy.push(t.elapsed());
            raw_open.push(pool.time_ids(raw.timeline, busy).await);
        }

        println!("| measure ({backend}, {count} people) | median | p95 |");
        println!("|---|---|---|");
        if let Some(seeding) = seeding {
            println!(
                "| seeding {} companies, {count} people, {} interactions | {:.1} s | |",
                count / 10,
                count * 5,
                seeding.as_secs_f64()
            );
        }
        for (name, samples) in [
            (
                "search people top 20, everyone visible (1,000)",
                &mut search_all,
            ),
            (
                "search people top 20, a sales user's teams (1,000)",
                &mut search_sales,
            ),
            ("search companies top 20 (1,000)", &mut search_companies),
            ("raw ranked match, 20 ids (floor)", &mut raw_search),
            ("list page of 50, newest (1,000)", &mut list_first),
            ("list page of 50, halfway down (1,000)", &mut list_deep),
            (
                "list page of 50, a sales user's, halfway (1,000)",
                &mut list_sales,
            ),
            (
                "list page of 50 by name, from halfway (1,000)",
                &mut sorted_by_name,
            ),
            (
                "list page of 50 by last contact, from halfway (1,000)",
                &mut sorted_by_contact,
            ),
            (
                "list page of 50, a sales user's customers in one team (1,000)",
                &mut filtered,
            ),
            ("raw keyset page of 50 (floor)", &mut raw_list),
            (
                "open a person with 1,000 interactions (1,000)",
                &mut open_busy,
            ),
            ("raw first timeline page of 50 (floor)", &mut raw_open),
        ] {
            println!(
                "| {name} | {} | {} |",
                ms(percentile(samples, 50.0)),
                ms(percentile(samples, 95.0))
            );
        }
        let ratio = |a: &mut Vec<Duration>, b: &mut Vec<Duration>, p: f64| {
            percentile(a, p).as_secs_f64() / percentile(b, p).as_secs_f64()
        };
        println!(
            "| search / raw match (median, p95) | {:.1}× | {:.1}× |",
            ratio(&mut search_all, &mut raw_search, 50.0),
            ratio(&mut search_all, &mut raw_search, 95.0)
        );
        println!(
            "| list / raw page (median, p95; halfway) | {:.1}× | {:.1}× |",
            ratio(&mut list_deep, &mut raw_list, 50.0),
            ratio(&mut list_deep, &mut raw_list, 95.0)
        );
        println!(
            "| open / raw timeline page (median, p95) | {:.1}× | {:.1}× |",
            ratio(&mut open_busy, &mut raw_open, 50.0),
            ratio(&mut open_busy, &mut raw_open, 95.0)
        );
    });
}
