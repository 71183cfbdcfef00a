//! The pipeline board at 10,000 open deals, on SQLite or PostgreSQL, at
//! the storage layer (the server time of the board and move server
//! functions, less HTTP framing), each against raw SQL in the same run.
//!
//!   cargo bench -p server --bench board
//!   BENCH_BACKEND=postgres scripts/with-postgres.sh cargo bench -p server --bench board
//!
//! Seeds 1,000 people and `BENCH_DEALS` open deals (default 10,000) over
//! the default pipeline's eight open stages with `accord seed`'s
//! generator; then loads the board (first 50 cards of every column, with
//! every column's totals) 500 times for everyone and for a sales user,
//! reads the next page of the fullest column 500 times, and makes 1,000
//! moves of random cards to random places. Prints a Markdown table.

mod support;
use app::domain::{DealMove, Role};
use app::i18n::Locale;
use app::server::storage::{BoardFilter, NewUser, Visibility};
use std::time::{Duration, Instant};
use support::{Pool, ms, open, percentile};

impl Pool {
    /// One raw UPDATE of a deal's place: the floor of a move.
    async fn raw_update(&self, id: i64, stage: i64, key: &str) -> Duration {
        let sql = "UPDATE deals SET stage_id = $1, rank = $2 WHERE id = $3";
        let t = Instant::now();
        match self {
            Pool::Sqlite(pool) => {
                sqlx::query(sql)
                    .bind(stage)
                    .bind(key)
                    .bind(id)
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Pool::Postgres(pool) => {
                sqlx::query(sql)
                    .bind(stage)
                    .bind(key)
                    .bind(id)
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        t.elapsed()
    }

    /// The raw first page of one column: the floor of a board's column.
    async fn raw_column(&self, stage: i64) -> Duration {
        let sql = "SELECT id, title, amount_cents, rank FROM deals WHERE stage_id = $1 \
                   ORDER BY rank, id LIMIT 50";
        let t = Instant::now();
        match self {
            Pool::Sqlite(pool) => {
                std::hint::black_box(sqlx::query(sql).bind(stage).fetch_all(pool).await.unwrap());
            }
            Pool::Postgres(pool) => {
                std::hint::black_box(sqlx::query(sql).bind(stage).fetch_all(pool).await.unwrap());
            }
        }
        t.elapsed()
    }
}

/// A small deterministic generator (the same run every time).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn main() {
    let deals: usize = std::env::var("BENCH_DEALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let backend = std::env::var("BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let (storage, pool) = open(&backend, dir.path(), "board").await;
        let hash = app::server::auth::password::hash_blocking("a long bench passphrase").unwrap();
        let mut ids = Vec::new();
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
            ids.push(user.id);
        }
        let (admin, sales) = (ids[0], ids[3]);
        let started = Instant::now();
        server::seed::run(
            &storage,
            server::seed::Plan {
                contacts: 1_000,
                companies: 100,
                interactions: 0,
                deals,
            },
            7,
        )
        .await
        .unwrap();
        let seeding = started.elapsed();
        let team = storage.teams.list().await.unwrap()[0].id;
        storage.teams.add_member(team, sales).await.unwrap();
        let pipeline = app::server::pipelines::ensure_default(&storage, Locale::En)
            .await
            .unwrap()
            .remove(0);
        let open_stages: Vec<i64> = pipeline
            .stages
            .iter()
            .filter(|s| s.kind == app::domain::StageKind::Open)
            .map(|s| s.id)
            .collect();
        let filter = BoardFilter::default();

        let mut board_all = Vec::new();
        let mut board_sales = Vec::new();
        let mut raw_columns = Vec::new();
        for _ in 0..20 {
            storage
                .pipelines
                .board(pipeline.id, Visibility::All, &filter, 50)
                .await
                .unwrap();
        }
        for _ in 0..500 {
            let t = Instant::now();
            std::hint::black_box(
                storage
                    .pipelines
                    .board(pipeline.id, Visibility::All, &filter, 50)
                    .await
                    .unwrap(),
            );
            board_all.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(
                storage
                    .pipelines
                    .board(
                        pipeline.id,
                        Visibility::OwnOrTeams { user_id: sales },
                        &filter,
                        50,
                    )
                    .await
                    .unwrap(),
            );
            board_sales.push(t.elapsed());
            // The floor: every column's first page, raw, one after another.
            let mut raw = Duration::ZERO;
            for stage in &pipeline.stages {
                raw += pool.raw_column(stage.id).await;
            }
            raw_columns.push(raw);
        }

        // The next page of the fullest column.
        let board = storage
            .pipelines
            .board(pipeline.id, Visibility::All, &filter, 50)
            .await
            .unwrap();
        let fullest = board.iter().max_by_key(|c| c.count).unwrap();
        let last = fullest.cards.last().unwrap();
        let mut next_page = Vec::new();
        for _ in 0..500 {
            let t = Instant::now();
            std::hint::black_box(
                storage
                    .pipelines
                    .column(
                        fullest.stage.id,
                        Visibility::All,
                        &filter,
                        Some((last.rank.clone(), last.id)),
                        50,
                    )
                    .await
                    .unwrap(),
            );
            next_page.push(t.elapsed());
        }

        // Moves: a random card of a random column's first page, dropped
        // between two cards of another (or the same) column's first page.
        let mut rng = Rng(0x5eed);
        let mut moves = Vec::new();
        let mut raw_updates = Vec::new();
        let today = chrono::Utc::now().date_naive();
        for i in 0..1_000 {
            let from = open_stages[rng.below(open_stages.len())];
            let to = open_stages[rng.below(open_stages.len())];
            let source = storage
                .pipelines
                .column(from, Visibility::All, &filter, None, 50)
                .await
                .unwrap();
            let target = storage
                .pipelines
                .column(to, Visibility::All, &filter, None, 50)
                .await
                .unwrap();
            let Some(card) = source.get(rng.below(source.len().max(1))).cloned() else {
                continue;
            };
            let at = rng.below(target.len().max(1));
            let after = target.get(at).filter(|c| c.id != card.id).map(|c| c.id);
            let before = target.get(at + 1).filter(|c| c.id != card.id).map(|c| c.id);
            let mv = DealMove {
                deal_id: card.id,
                version: card.version,
                to_stage_id: to,
                after_deal_id: after,
                before_deal_id: before,
                lost_reason: None,
                closed_on: None,
            };
            let t = Instant::now();
            storage
                .pipelines
                .move_deal(&mv, Visibility::All, admin, today)
                .await
                .unwrap()
                .unwrap();
            moves.push(t.elapsed());
            // The floor: one raw UPDATE of another deal's place.
            let other = target.get(rng.below(target.len().max(1))).unwrap_or(&card);
            raw_updates.push(
                pool.raw_update(
                    other.id,
                    other.stage_id,
                    &format!("{}{}", other.rank, i % 9 + 1),
                )
                .await,
            );
        }

        println!("| measure ({backend}, {deals} open deals, 8 open stages) | median | p95 |");
        println!("|---|---|---|");
        println!(
            "| seeding 1,000 people and {deals} deals | {:.1} s | |",
            seeding.as_secs_f64()
        );
        let mut rows = [
            (
                "board, first 50 cards of every column and totals, everyone (500)",
                board_all,
            ),
            ("board, a sales user's (500)", board_sales),
            (
                "raw first page of every column, one after another (floor)",
                raw_columns,
            ),
            ("next 50 cards of the fullest column (500)", next_page),
            ("move a card (1,000)", moves),
            ("raw UPDATE of one deal's place (floor)", raw_updates),
        ];
        let mut medians = Vec::new();
        for (name, samples) in rows.iter_mut() {
            let median = percentile(samples, 50.0);
            let p95 = percentile(samples, 95.0);
            medians.push((median, p95));
            println!("| {name} | {} | {} |", ms(median), ms(p95));
        }
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "| board / raw pages (median, p95) | {:.1}× | {:.1}× |",
            ratio(medians[0].0, medians[2].0),
            ratio(medians[0].1, medians[2].1)
        );
        println!(
            "| move / raw UPDATE (median, p95) | {:.1}× | {:.1}× |",
            ratio(medians[4].0, medians[5].0),
            ratio(medians[4].1, medians[5].1)
        );
    });
}
