//! The `accord` binary itself: bad settings stop it with one clear line and
//! a non-zero exit code (never a panic), `migrate` works alone, and SIGTERM
//! stops it cleanly.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_accord");

/// `accord` with a clean environment: only what the test gives it.
fn accord(dir: &Path, vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ACCORD_LOG", "error")
        .current_dir(dir)
        .stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn run(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("accord did not stop by itself within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts a failed start: non-zero exit, one `accord: …` line containing
/// `expected`, and no panic.
fn assert_refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "should fail: {stderr}");
    assert!(
        !stderr.contains("panicked"),
        "panic instead of a message: {stderr}"
    );
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("accord: "))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "exactly one message line expected: {stderr}"
    );
    assert!(
        lines[0].contains(expected),
        "{:?} does not contain {expected:?}",
        lines[0]
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn malformed_database_url_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut accord(
        dir.path(),
        &[("DATABASE_URL", "mysql://db/accord")],
    ));
    assert_refused(&out, "DATABASE_URL is not valid: unsupported scheme mysql");
    let out = run(&mut accord(
        dir.path(),
        &[("DATABASE_URL", "postgres://u:secret@host:port/db")],
    ));
    assert_refused(&out, "DATABASE_URL is not valid: malformed PostgreSQL URL");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("secret"));
}

#[test]
fn unknown_or_malformed_setting_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&mut accord(dir.path(), &[("ACCORD_LISTN", "127.0.0.1:1")]));
    assert_refused(&out, "unknown setting ACCORD_LISTN");
    assert_eq!(out.status.code(), Some(2));
    let out = run(&mut accord(
        dir.path(),
        &[("ACCORD_SQLITE_SYNCHRONOUS", "maybe")],
    ));
    assert_refused(&out, "ACCORD_SQLITE_SYNCHRONOUS is not valid");
}

#[test]
fn unreachable_postgres_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("postgres://accord:hunter2@127.0.0.1:{port}/accord");
    let out = run(&mut accord(dir.path(), &[("DATABASE_URL", &url)]));
    assert_refused(
        &out,
        &format!("cannot reach PostgreSQL at 127.0.0.1:{port}/accord"),
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}

#[test]
fn port_in_use_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(&mut accord(dir.path(), &[("ACCORD_LISTEN", &addr)]));
    assert_refused(
        &out,
        &format!("cannot listen on {addr}: the address is already in use"),
    );
}

#[test]
fn read_only_data_folder_is_explained() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();

    // Root ignores folder permissions: run accord as an unprivileged user
    // then, from a copy of the binary that user may execute.
    let is_root = unsafe_is_root();
    let mut cmd = if is_root {
        let copy = dir.path().join("accord");
        std::fs::copy(BIN, &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&copy);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("ACCORD_LOG", "error")
            .current_dir(dir.path());
        c
    } else {
        accord(dir.path(), &[])
    };
    cmd.env("DATABASE_URL", "sqlite://data/accord.db");
    let out = run(&mut cmd);
    assert_refused(&out, "the data folder data is not writable");
    assert!(!data.join("accord.db").exists());
}

fn unsafe_is_root() -> bool {
    // `id -u` avoids a libc dependency for one call.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn migrate_creates_the_database_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = run(accord(dir.path(), &[]).arg("migrate"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("Database is up to date: sqlite://data/accord.db")
        );
    }
    assert!(dir.path().join("data/accord.db").exists());
}

#[test]
fn serves_prints_its_address_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = accord(dir.path(), &[("ACCORD_LISTEN", &addr)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    assert_eq!(
        first_line.trim(),
        format!("Accord is running at http://{addr}")
    );

    // The server answers…
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    // …and stops on SIGTERM with a success code.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
