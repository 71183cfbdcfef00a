//! Baseline benchmark of the app shell: release WASM size, and time to
//! first byte of `/` on SQLite measured over a real loopback socket,
//! against the physical floor of the same run (the raw SQLite query the
//! page needs, through the same sqlx pool).
//!
//!   cargo leptos build --release --split && cargo bench -p server --bench shell
//!
//! Prints a Markdown table for BENCHMARKS.md.

mod support;
use app::server::storage::Storage;
use leptos::config::LeptosOptions;
use server::state::AppState;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{ms, percentile};

const WARMUP: usize = 50;
const RUNS: usize = 5;
const REQUESTS_PER_RUN: usize = 200;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("bench.db");
    let settings = server::storage::PoolSettings {
        max_connections: 8,
        sqlite_synchronous: server::config::SqliteSynchronous::Full,
        sqlite_busy_timeout: Duration::from_secs(5),
    };
    let (storage, pool): (Storage, sqlx::SqlitePool) = runtime.block_on(async {
        let pool = server::storage::sqlite::connect(&db_path, &settings)
            .await
            .unwrap();
        server::storage::sqlite::migrate(&pool).await.unwrap();
        (server::storage::sqlite::storage(pool.clone()), pool)
    });
    // Seed: the shell reads one row; give it a realistic name.
    runtime.block_on(async {
        let name = app::domain::OrganisationName::parse("Société Générale d’Études et de Conseil")
            .unwrap();
        storage.organisation.rename(&name).await.unwrap();
    });

    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let _inside_runtime = runtime.enter();
    let router = server::router::build(AppState::new(
        LeptosOptions::builder().output_name("accord").build(),
        storage.clone(),
    ));
    runtime.spawn(async move { axum::serve(listener, router).await.unwrap() });

    // Time to first byte of `/`, one request per connection, as a browser's
    // first visit.
    let ttfb = |n: usize| -> Vec<(Duration, Duration)> {
        (0..n)
            .map(|_| {
                let mut stream = TcpStream::connect(addr).unwrap();
                stream.set_nodelay(true).unwrap();
                let start = Instant::now();
                stream
                    .write_all(b"GET / HTTP/1.1\r\nHost: bench\r\nAccept-Language: fr\r\nConnection: close\r\n\r\n")
                    .unwrap();
                let mut first = [0u8; 1];
                stream.read_exact(&mut first).unwrap();
                let elapsed = start.elapsed();
                let mut rest = Vec::new();
                stream.read_to_end(&mut rest).unwrap();
                let whole = start.elapsed();
                assert!(first[0] == b'H' && rest.windows(6).any(|w| w == b"</html"));
                (elapsed, whole)
            })
            .collect()
    };
    let raw_query = |n: usize| -> Vec<Duration> {
        runtime.block_on(async {
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                let start = Instant::now();
                let row: (String, String) =
                    sqlx::query_as("SELECT name, updated_at FROM organisation WHERE id = 1")
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                out.push(start.elapsed());
                assert!(!row.0.is_empty());
            }
            out
        })
    };

    ttfb(WARMUP);
    raw_query(WARMUP);
    let mut page = Vec::new();
    let mut whole = Vec::new();
    let mut floor = Vec::new();
    for _ in 0..RUNS {
        for (first, all) in ttfb(REQUESTS_PER_RUN) {
            page.push(first);
            whole.push(all);
        }
        floor.extend(raw_query(REQUESTS_PER_RUN));
    }
    let (whole_p50, whole_p95) = (percentile(&mut whole, 50.0), percentile(&mut whole, 95.0));
    let (page_p50, page_p95) = (percentile(&mut page, 50.0), percentile(&mut page, 95.0));
    let (raw_p50, raw_p95) = (percentile(&mut floor, 50.0), percentile(&mut floor, 95.0));

    let wasm = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site/pkg/accord.wasm");
    let (raw_size, gz_size) = match std::fs::metadata(&wasm) {
        Ok(meta) => (meta.len(), gzip_size(&wasm)),
        Err(_) => panic!(
            "{} not found: run `cargo leptos build --release --split` first",
            wasm.display()
        ),
    };

    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| release WASM (after wasm-opt), raw | {} KB |",
        raw_size / 1024
    );
    println!(
        "| release WASM, gzip -9 | {} KB (target < 300 KB) |",
        gz_size / 1024
    );
    println!(
        "| TTFB of `/` on SQLite, {} requests in {RUNS} runs: median / p95 | {} / {} |",
        page.len(),
        ms(page_p50),
        ms(page_p95)
    );
    println!(
        "| whole page of `/` received: median / p95 | {} / {} |",
        ms(whole_p50),
        ms(whole_p95)
    );
    println!(
        "| raw SQLite query of the page's row (floor): median / p95 | {} / {} |",
        ms(raw_p50),
        ms(raw_p95)
    );
    println!(
        "| ratio TTFB / raw query (median) | {:.1}× |",
        page_p50.as_secs_f64() / raw_p50.as_secs_f64()
    );
}

fn gzip_size(path: &Path) -> u64 {
    let out = Command::new("gzip")
        .arg("-9")
        .arg("-c")
        .arg(path)
        .output()
        .expect("gzip");
    out.stdout.len() as u64
}
