//! Sign-in and session-check cost, on SQLite, through the whole router
//! (middleware, server function, storage), without a socket.
//!
//!   cargo bench -p server --bench auth
//!
//! - sign-in: a correct e-mail and password posted to the sign-in server
//!   function, argon2id (19 MiB, t=2) included; 30 runs;
//! - session check: `GET /healthz` with a valid session cookie minus the
//!   same request without one, 2,000 requests each; the floor is the raw
//!   SQLite lookup of a session joined to its user.
//!
//! Prints a Markdown table for BENCHMARKS.md.

use app::domain::{EmailAddress, Role};
use app::server::auth::token::{hash_token, new_token};
use app::server::storage::{NewUser, SessionRecord};
use axum::body::Body;
use axum::http::{Request, header};
use leptos::config::LeptosOptions;
use server::state::AppState;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const PASSWORD: &str = "a long benchmark passphrase";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let _inside = runtime.enter();
    let dir = tempfile::tempdir().unwrap();
    let settings = server::storage::PoolSettings {
        max_connections: 8,
        sqlite_synchronous: server::config::SqliteSynchronous::Full,
        sqlite_busy_timeout: Duration::from_secs(5),
    };
    let path = dir.path().join("auth.db");
    let (storage, pool) = runtime.block_on(async {
        let pool = server::storage::sqlite::connect(&path, &settings)
            .await
            .unwrap();
        server::storage::sqlite::migrate(&pool).await.unwrap();
        (server::storage::sqlite::storage(pool.clone()), pool)
    });
    // Seed 1,000 users with a session each: lookups hit a realistic index.
    let hash = app::server::auth::password::hash_blocking(PASSWORD).unwrap();
    let tokens: Vec<String> = runtime.block_on(async {
        let mut tokens = Vec::new();
        for i in 0..1000 {
            let user = storage
                .users
                .create(&NewUser {
                    email: EmailAddress::parse(&format!("user{i}@example.com")).unwrap(),
                    display_name: format!("User {i}"),
                    role: Role::Sales,
                    password_hash: hash.clone(),
                })
                .await
                .unwrap();
            let token = new_token();
            let now = chrono::Utc::now();
            storage
                .sessions
                .create(&SessionRecord {
                    token_hash: hash_token(&token),
                    user_id: user.id,
                    created_at: now,
                    last_seen_at: now,
                    client_addr: "127.0.0.1".into(),
                    user_agent: "bench".into(),
                    second_factor_pending: false,
                })
                .await
                .unwrap();
            tokens.push(token);
        }
        tokens
    });
    let app = server::router::build(AppState::new(
        LeptosOptions::builder().output_name("accord").build(),
        storage.clone(),
    ));

    let sign_in = |i: usize| {
        let app = app.clone();
        runtime.block_on(async move {
            let form = format!(
                "email=user{i}%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            );
            let request = Request::post("/api/auth/sign-in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .body(Body::from(form))
                .unwrap();
            let start = Instant::now();
            let response = app.oneshot(request).await.unwrap();
            let elapsed = start.elapsed();
            assert!(
                response.headers().get(header::SET_COOKIE).is_some(),
                "sign-in must succeed"
            );
            elapsed
        })
    };
    let probe = |cookie: Option<&str>| {
        let app = app.clone();
        let mut builder = Request::get("/healthz");
        if let Some(c) = cookie {
            builder = builder.header(header::COOKIE, c);
        }
        let request = builder.body(Body::empty()).unwrap();
        runtime.block_on(async move {
            let start = Instant::now();
            let response = app.oneshot(request).await.unwrap();
            let elapsed = start.elapsed();
            assert!(response.status().is_success());
            elapsed
        })
    };
    let raw_lookup = |token: &str| {
        let hash = hash_token(token);
        runtime.block_on(async {
            let start = Instant::now();
            let row: (String, String) = sqlx::query_as(
                "SELECT s.token_hash, u.email FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
            )
            .bind(&hash)
            .fetch_one(&pool)
            .await
            .unwrap();
            let elapsed = start.elapsed();
            assert_eq!(row.0, hash);
            elapsed
        })
    };

    for i in 0..3 {
        sign_in(i);
    }
    let mut sign_ins: Vec<Duration> = (0..30).map(|i| sign_in(10 + i)).collect();

    let cookies: Vec<String> = tokens
        .iter()
        .map(|t| format!("accord_session={t}"))
        .collect();
    for c in cookies.iter().take(200) {
        probe(Some(c));
        probe(None);
        raw_lookup(c.trim_start_matches("accord_session="));
    }
    let (mut with, mut without, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..2000 {
        let c = &cookies[i % cookies.len()];
        with.push(probe(Some(c)));
        without.push(probe(None));
        raw.push(raw_lookup(c.trim_start_matches("accord_session=")));
    }

    let p = |v: &mut Vec<Duration>, q: f64| {
        v.sort();
        v[((q / 100.0) * (v.len() - 1) as f64).round() as usize]
    };
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    let (si50, si95) = (p(&mut sign_ins, 50.0), p(&mut sign_ins, 95.0));
    let (w50, w95) = (p(&mut with, 50.0), p(&mut with, 95.0));
    let (n50, n95) = (p(&mut without, 50.0), p(&mut without, 95.0));
    let (r50, r95) = (p(&mut raw, 50.0), p(&mut raw, 95.0));
    println!("| measure (SQLite, 1,000 users and sessions) | median | p95 |");
    println!("|---|---|---|");
    println!(
        "| sign-in, argon2id included (30 runs; target p95 < 300 ms) | {} | {} |",
        ms(si50),
        ms(si95)
    );
    println!(
        "| request with a valid session (2,000) | {} | {} |",
        ms(w50),
        ms(w95)
    );
    println!(
        "| same request without a session (2,000) | {} | {} |",
        ms(n50),
        ms(n95)
    );
    println!(
        "| session check added (difference; target p95 < 1 ms) | {} | {} |",
        ms(w50.saturating_sub(n50)),
        ms(w95.saturating_sub(n95))
    );
    println!(
        "| raw SQLite session+user lookup (floor) | {} | {} |",
        ms(r50),
        ms(r95)
    );
    println!(
        "| session check / raw lookup (median) | {:.1}× | |",
        w50.saturating_sub(n50).as_secs_f64() / r50.as_secs_f64()
    );
}
