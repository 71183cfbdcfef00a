//! Crash safety of the consent ledger: `accord` serves a form while a
//! client submits it in a loop, and is killed with SIGKILL at random
//! moments, several times over. After each restart, every submission that
//! got a success page is in the ledger (its person and its `given` row),
//! and the chain verifies. Both backends.

use crate::consent::setup;
use crate::on_both_backends;
use crate::support::TestDb;
use server::consent::chain::{Verdict, verify};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(every_acknowledged_submission_survives_sigkill);

const ROUNDS: usize = 5;

/// A small deterministic generator for the kill moments (no dependency).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

fn start(url: &str, port: u16) -> Child {
    let dir = std::env::temp_dir();
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ACCORD_LOG", "error")
        .env("DATABASE_URL", url)
        .env("ACCORD_LISTEN", format!("127.0.0.1:{port}"))
        // Every submission here comes from one address.
        .env("ACCORD_FORM_RATE_LIMIT", "1000000")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// One plain HTTP/1.1 request; the status and body, or `None` when the
/// connection failed or was cut (the server died).
async fn request(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.get(9..12)?.parse().ok()?;
    let (_, body) = text.split_once("\r\n\r\n")?;
    Some((status, body.to_string()))
}

async fn wait_healthy(port: u16) {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if let Some((200, _)) = request(port, "GET", "/healthz", "").await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("accord did not start");
}

async fn every_acknowledged_submission_survives_sigkill(backend: &str) {
    let db = TestDb::on(backend).await;
    let s = &db.storage;
    let (_, purpose, form) = setup(s).await;
    let fields = format!(
        "form_version={}&last_name=Crash&purpose-{purpose}=on&text-{purpose}={}",
        form.version_id, form.purposes[0].text_id
    );

    let mut random = Lcg(if backend == "sqlite" { 7 } else { 11 });
    let mut acknowledged = Vec::new();
    let mut sent = 0usize;
    for round in 0..ROUNDS {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = start(&db.url, port);
        wait_healthy(port).await;
        let kill_at = Instant::now() + Duration::from_millis(100 + random.next(400));
        // Four clients at once, so that the kill lands inside transactions.
        let mut clients = Vec::new();
        for client in 0..4 {
            let fields = fields.clone();
            clients.push(tokio::spawn(async move {
                let mut ok = Vec::new();
                let mut n = 0usize;
                loop {
                    let email = format!("r{round}c{client}n{n}@example.fr");
                    n += 1;
                    let body = format!("{fields}&email={}", email.replace('@', "%40"));
                    match request(port, "POST", "/f/lettre", &body).await {
                        Some((200, page)) if page.contains(&email) => ok.push(email),
                        Some((200, page)) => panic!("unexpected success page: {page}"),
                        Some(_) | None => return (ok, n),
                    }
                }
            }));
        }
        tokio::time::sleep_until(kill_at.into()).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for client in clients {
            let (ok, n) = client.await.unwrap();
            acknowledged.extend(ok);
            sent += n;
        }
    }
    assert!(
        acknowledged.len() >= ROUNDS,
        "too few submissions went through: {}",
        acknowledged.len()
    );

    // A restart runs the migrations and opens the database as after a
    // crash; then every acknowledged submission must be there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = start(&db.url, port);
    wait_healthy(port).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let reopened = TestDb::reopen(&db).await;
    let store = &reopened.consent;
    for email in &acknowledged {
        let person = reopened
            .people
            .find_duplicate(std::slice::from_ref(email), None)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{email} was acknowledged but its person is missing"));
        let (_, history) = store
            .of_person(person, app::i18n::Locale::En)
            .await
            .unwrap();
        assert!(
            history
                .iter()
                .any(|h| h.event == app::domain::consent::ConsentEvent::Given),
            "{email} was acknowledged but its consent is not in the ledger"
        );
    }
    let Verdict::Intact { rows, .. } = verify(store.as_ref()).await.unwrap() else {
        panic!("the chain is broken after the kills")
    };
    assert!(
        rows as usize >= acknowledged.len(),
        "{rows} rows for {} acknowledged",
        acknowledged.len()
    );
    assert!(rows as usize <= sent);
    eprintln!(
        "{backend}: {} submissions acknowledged of {sent} sent over {ROUNDS} kills; ledger {rows} rows, intact",
        acknowledged.len()
    );
}
