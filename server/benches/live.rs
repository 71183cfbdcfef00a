//! The live stream under load: 1,000 concurrent SSE subscribers on real
//! loopback sockets, 50 moves a second, on SQLite (one instance) or
//! PostgreSQL (two instances on one database, subscribers split between
//! them, moves made through the first).
//!
//!   cargo bench -p server --bench live
//!   BENCH_BACKEND=postgres scripts/with-postgres.sh cargo bench -p server --bench live
//!
//! Each `accord` runs in its own process (this benchmark started again
//! with `LIVE_BENCH_SERVE` set), so that its memory can be read from
//! `/proc`: the growth of its resident set from before the subscribers
//! connect to when they are all connected and idle, per subscriber; and
//! the heap bytes it holds, counted by its allocator, the same way. The
//! latency of an event is from the moment its move request is sent (so it
//! includes the move's own server time and commit) to the moment a
//! subscriber has read it; the floor is one raw UPDATE committed in the
//! same run. Prints a Markdown table.

mod support;
use app::domain::Role;
use app::i18n::Locale;
use app::server::storage::{NewPipelineDeal, NewUser, SessionRecord, Storage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{ms, percentile};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Counts the bytes the process holds on the heap, so that the memory a
/// subscriber costs can be read exactly (the resident set also moves with
/// page granularity and the allocator's own reserves).
struct CountingAllocator;

static HEAP_BYTES: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only
// a counter is updated beside it.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        HEAP_BYTES.fetch_add(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        HEAP_BYTES.fetch_sub(layout.size() as isize, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        HEAP_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            std::sync::atomic::Ordering::Relaxed,
        );
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const SUBSCRIBERS: usize = 1_000;
const MOVES_PER_SECOND: u64 = 50;
const SECONDS: u64 = 10;
const DEALS: usize = 200;

fn settings() -> server::storage::PoolSettings {
    server::storage::PoolSettings {
        max_connections: 8,
        sqlite_synchronous: server::config::SqliteSynchronous::Full,
        sqlite_busy_timeout: Duration::from_secs(5),
    }
}

async fn open(url: &str) -> Storage {
    let parsed = server::config::DatabaseUrl::parse(url).unwrap();
    server::storage::open(&parsed, &settings()).await.unwrap()
}

/// The child: one `accord` instance on `url`, on a free loopback port that
/// it prints, serving until killed.
async fn serve(url: String) {
    let storage = open(&url).await;
    let state = server::state::AppState::new(
        leptos::config::LeptosOptions::builder()
            .output_name("accord")
            .build(),
        storage,
    );
    // The heap counter, read by the parent process.
    let app = server::router::build(state).route(
        "/bench/heap",
        axum::routing::get(|| async {
            HEAP_BYTES
                .load(std::sync::atomic::Ordering::Relaxed)
                .to_string()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{}", listener.local_addr().unwrap().port());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
    .unwrap();
}

struct Instance {
    child: std::process::Child,
    port: u16,
}

impl Instance {
    fn start(url: &str) -> Instance {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env("LIVE_BENCH_SERVE", url)
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Instance {
            port: line.trim().parse().unwrap(),
            child,
        }
    }

    /// Bytes held on the heap, as the child counts them.
    async fn heap_bytes(&self) -> i64 {
        let mut socket = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        socket
            .write_all(b"GET /bench/heap HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut response = String::new();
        socket.read_to_string(&mut response).await.unwrap();
        response
            .rsplit("\r\n\r\n")
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Resident memory in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens `/api/events` and returns the reader once the headers are in.
async fn subscribe(port: u16, cookie: &str) -> BufReader<TcpStream> {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    socket
        .write_all(
            format!(
                "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
                 Accept: text/event-stream\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut reader = BufReader::new(socket);
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    loop {
        line.clear();
        reader.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            return reader;
        }
    }
}

/// Reads SSE events from a chunked body until `expected` deal events came;
/// each one's latency against the time its move was sent.
async fn follow(
    mut reader: BufReader<TcpStream>,
    expected: usize,
    sent: Arc<Mutex<HashMap<(i64, i64), Instant>>>,
) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(expected);
    let mut pending = String::new();
    let mut size_line = String::new();
    while latencies.len() < expected {
        size_line.clear();
        if reader.read_line(&mut size_line).await.unwrap() == 0 {
            break;
        }
        let size = usize::from_str_radix(size_line.trim(), 16).unwrap_or(0);
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).await.unwrap();
        let now = Instant::now();
        pending.push_str(&String::from_utf8_lossy(&chunk[..size]));
        while let Some(end) = pending.find("\n\n") {
            let block: String = pending.drain(..end + 2).collect();
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let Ok(event) = serde_json::from_str::<app::domain::live::DealEvent>(data) else {
                continue;
            };
            let version = event.card.map(|c| c.version).unwrap_or(0);
            if let Some(at) = sent.lock().unwrap().get(&(event.deal_id, version)) {
                latencies.push(now - *at);
            }
        }
    }
    latencies
}

async fn post_move(port: u16, cookie: &str, deal: i64, version: i64, stage: i64) {
    let body = format!("deal_id={deal}&version={version}&to_stage_id={stage}");
    let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    socket
        .write_all(
            format!(
                "POST /api/pipeline/move HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
                 Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    socket.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

async fn bench(backend: String) {
    let dir = tempfile::tempdir().unwrap();
    let url = if backend == "postgres" {
        use sqlx::Connection;
        let admin = std::env::var("TEST_POSTGRES_URL")
            .expect("run through scripts/with-postgres.sh for BENCH_BACKEND=postgres");
        let name = format!("accord_live_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        format!("{}/{name}", &admin[..admin.rfind('/').unwrap()])
    } else {
        format!("sqlite://{}", dir.path().join("live.db").display())
    };
    let storage = open(&url).await;

    // One sales rep owning every deal, with one session all subscribers
    // share (each subscriber is still filtered as that rep).
    let rep = storage
        .users
        .create(&NewUser {
            email: app::domain::EmailAddress::parse("rep@example.com").unwrap(),
            display_name: "Rep".into(),
            role: Role::Sales,
            password_hash: "unused".into(),
        })
        .await
        .unwrap();
    let token = app::server::auth::token::new_token();
    let now = chrono::Utc::now();
    storage
        .sessions
        .create(&SessionRecord {
            token_hash: app::server::auth::token::hash_token(&token),
            user_id: rep.id,
            created_at: now,
            last_seen_at: now,
            client_addr: "127.0.0.1".into(),
            user_agent: "bench".into(),
            second_factor_pending: false,
        })
        .await
        .unwrap();
    let cookie = format!("accord_session={token}");
    let pipeline = app::server::pipelines::ensure_default(&storage, Locale::En)
        .await
        .unwrap()
        .remove(0);
    let mut deals = Vec::new();
    for i in 0..DEALS {
        let id = storage
            .pipelines
            .create_deal(
                &NewPipelineDeal {
                    title: format!("Deal {i}"),
                    amount_cents: 100_000 + i as i64,
                    currency: "EUR".into(),
                    stage_id: pipeline.stages[0].id,
                    probability: None,
                    person_id: None,
                    company_id: None,
                    owner_id: rep.id,
                    team_id: None,
                    source: "bench".into(),
                    expected_close: None,
                },
                rep.id,
            )
            .await
            .unwrap();
        deals.push((id, 1_i64, 0_usize));
    }

    let instances: Vec<Instance> = if backend == "postgres" {
        vec![Instance::start(&url), Instance::start(&url)]
    } else {
        vec![Instance::start(&url)]
    };
    // Start each hub (and listener) with one subscriber, then settle.
    let warm: Vec<_> = {
        let mut w = Vec::new();
        for i in &instances {
            w.push(subscribe(i.port, &cookie).await);
        }
        w
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before: Vec<u64> = instances.iter().map(Instance::rss_kib).collect();
    let mut heap_before = 0;
    for i in &instances {
        heap_before += i.heap_bytes().await;
    }

    let mut readers = Vec::with_capacity(SUBSCRIBERS);
    for n in 0..SUBSCRIBERS {
        let port = instances[n % instances.len()].port;
        readers.push(subscribe(port, &cookie).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after: Vec<u64> = instances.iter().map(Instance::rss_kib).collect();
    let mut heap_after = 0;
    for i in &instances {
        heap_after += i.heap_bytes().await;
    }
    let heap_per_subscriber = (heap_after - heap_before) as f64 / SUBSCRIBERS as f64;
    let per_subscriber_kib =
        (after.iter().sum::<u64>() - before.iter().sum::<u64>()) as f64 / SUBSCRIBERS as f64;

    let moves = (MOVES_PER_SECOND * SECONDS) as usize;
    let sent: Arc<Mutex<HashMap<(i64, i64), Instant>>> = Arc::default();
    let followers: Vec<_> = readers
        .into_iter()
        .map(|r| tokio::spawn(follow(r, moves, sent.clone())))
        .collect();
    let mut ticker = tokio::time::interval(Duration::from_millis(1_000 / MOVES_PER_SECOND));
    let mut move_times = Vec::with_capacity(moves);
    let started = Instant::now();
    for m in 0..moves {
        ticker.tick().await;
        let (id, version, at) = deals[m % DEALS];
        let to = (at + 1) % 2;
        sent.lock()
            .unwrap()
            .insert((id, version + 1), Instant::now());
        let t = Instant::now();
        post_move(
            instances[0].port,
            &cookie,
            id,
            version,
            pipeline.stages[to].id,
        )
        .await;
        move_times.push(t.elapsed());
        deals[m % DEALS] = (id, version + 1, to);
    }
    let elapsed = started.elapsed();
    let mut latencies = Vec::new();
    let mut short = 0;
    for f in followers {
        match tokio::time::timeout(Duration::from_secs(10), f).await {
            Ok(Ok(mut l)) => {
                if l.len() < moves {
                    short += 1;
                }
                latencies.append(&mut l);
            }
            _ => short += 1,
        }
    }
    drop(warm);

    // The floor: one raw UPDATE committed, in the same run.
    let mut floor = Vec::new();
    let floor_pool = RawPool::connect(&url).await;
    for (id, _, _) in deals.iter().take(200) {
        floor.push(floor_pool.update(*id).await);
    }

    let received = latencies.len();
    let p50 = percentile(&mut latencies, 50.0);
    let p99 = percentile(&mut latencies, 99.0);
    let max = *latencies.last().unwrap();
    let move_p50 = percentile(&mut move_times, 50.0);
    let floor_p50 = percentile(&mut floor, 50.0);
    println!(
        "\n| measure ({backend}, {} instance(s), {SUBSCRIBERS} subscribers, {moves} moves in {:.1} s) | value |",
        instances.len(),
        elapsed.as_secs_f64()
    );
    println!("|---|---|");
    println!(
        "| events received (expected {}) | {received} ({short} subscribers short) |",
        SUBSCRIBERS * moves
    );
    println!("| move sent → event read, p50 | {} |", ms(p50));
    println!(
        "| move sent → event read, p99 (target < 100 ms) | {} |",
        ms(p99)
    );
    println!("| move sent → event read, max | {} |", ms(max));
    println!("| the move's own HTTP round trip, p50 | {} |", ms(move_p50));
    println!("| raw UPDATE committed (floor), p50 | {} |", ms(floor_p50));
    println!(
        "| ratio p50 latency / raw UPDATE | {:.1}× |",
        p50.as_secs_f64() / floor_p50.as_secs_f64()
    );
    println!(
        "| server memory per idle subscriber (target < 20 KB): resident set | {per_subscriber_kib:.1} KiB |"
    );
    println!("| server memory per idle subscriber: heap bytes held | {heap_per_subscriber:.0} B |");
}

/// A raw connection for the floor.
enum RawPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl RawPool {
    async fn connect(url: &str) -> RawPool {
        if url.starts_with("sqlite://") {
            RawPool::Sqlite(
                sqlx::SqlitePool::connect(&format!("{url}?mode=rw"))
                    .await
                    .unwrap(),
            )
        } else {
            RawPool::Postgres(sqlx::PgPool::connect(url).await.unwrap())
        }
    }

    async fn update(&self, id: i64) -> Duration {
        // Touches no version: no event, only the write and its commit.
        let sql = "UPDATE deals SET source = source WHERE id = $1";
        let t = Instant::now();
        match self {
            RawPool::Sqlite(p) => {
                sqlx::query(sql).bind(id).execute(p).await.unwrap();
            }
            RawPool::Postgres(p) => {
                sqlx::query(sql).bind(id).execute(p).await.unwrap();
            }
        }
        t.elapsed()
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(url) = std::env::var("LIVE_BENCH_SERVE") {
        runtime.block_on(serve(url));
        return;
    }
    let backend = std::env::var("BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    runtime.block_on(bench(backend));
}
