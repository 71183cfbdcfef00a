//! Test fixtures: a fresh database per test, on either backend.

pub mod smtp;
pub mod statements;

use app::server::storage::Storage;
use server::storage::{PoolSettings, postgres, sqlite};
use std::time::Duration;

pub fn settings() -> PoolSettings {
    PoolSettings {
        max_connections: 4,
        sqlite_synchronous: server::config::SqliteSynchronous::Full,
        sqlite_busy_timeout: Duration::from_secs(5),
    }
}

/// A fresh, migrated database. Holds what must live as long as the test
/// (the SQLite file's folder).
pub struct TestDb {
    pub storage: Storage,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("accord.db");
        let storage = sqlite::open(&path, &settings()).await.expect("open SQLite");
        TestDb {
            storage,
            url: format!("sqlite://{}", path.display()),
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        let url = fresh_postgres_database().await;
        let storage = postgres::open(&url, &settings())
            .await
            .expect("open PostgreSQL");
        TestDb {
            storage,
            url,
            _dir: None,
        }
    }

    /// The same database opened again, as a restarted server opens it.
    pub async fn reopen(db: &TestDb) -> Storage {
        match db.url.strip_prefix("sqlite://") {
            Some(path) => sqlite::open(std::path::Path::new(path), &settings())
                .await
                .expect("reopen SQLite"),
            None => postgres::open(&db.url, &settings())
                .await
                .expect("reopen PostgreSQL"),
        }
    }

    pub async fn on(backend: &str) -> TestDb {
        match backend {
            "sqlite" => TestDb::sqlite().await,
            "postgres" => TestDb::postgres().await,
            other => panic!("unknown backend {other}"),
        }
    }
}

/// The scratch server's admin URL. The PostgreSQL tests are not skipped
/// when it is missing: they fail, saying how to provide it.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_POSTGRES_URL is not set: run the tests through \
             scripts/with-postgres.sh (or scripts/test.sh), which starts a scratch PostgreSQL"
        )
    })
}

/// Creates an empty database on the scratch server and returns its URL.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let admin = postgres_admin_url();
    let name = format!("accord_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to scratch PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    match admin.rfind('/') {
        Some(i) => format!("{}/{name}", &admin[..i]),
        None => panic!("unexpected admin URL {admin}"),
    }
}

/// Declares an async test body `fn(&'static str)` once and runs it on both
/// backends as `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                $crate::support::run(super::$name("sqlite"));
            }
            #[test]
            fn postgres() {
                $crate::support::run(super::$name("postgres"));
            }
        }
    )*};
}

/// Creates a user with `role` and a live session; returns the `Cookie`
/// header value that carries it. The password is `password_for(role)`.
pub async fn signed_in(storage: &Storage, role: app::domain::Role) -> String {
    let user = create_user(storage, role).await;
    signed_in_as(storage, user.id).await
}

/// A session cookie for an existing user.
pub async fn signed_in_as(storage: &Storage, user_id: i64) -> String {
    use app::server::auth::token::{hash_token, new_token};
    use app::server::storage::SessionRecord;
    let token = new_token();
    let now = chrono::Utc::now();
    storage
        .sessions
        .create(&SessionRecord {
            token_hash: hash_token(&token),
            user_id,
            created_at: now,
            last_seen_at: now,
            client_addr: "127.0.0.1".into(),
            user_agent: "test".into(),
            second_factor_pending: false,
        })
        .await
        .unwrap();
    format!("accord_session={token}")
}

pub fn password_for(role: app::domain::Role) -> String {
    format!("a long and unusual {} password", role.as_str())
}

/// Creates a user with `role`, e-mail `ROLE@example.com`.
pub async fn create_user(
    storage: &Storage,
    role: app::domain::Role,
) -> app::server::storage::UserRecord {
    use app::server::storage::NewUser;
    let hash = app::server::auth::password::hash_blocking(&password_for(role)).unwrap();
    storage
        .users
        .create(&NewUser {
            email: app::domain::EmailAddress::parse(&format!("{}@example.com", role.as_str()))
                .unwrap(),
            display_name: format!("Test {}", role.as_str()),
            role,
            password_hash: hash,
        })
        .await
        .unwrap()
}

/// Runs a test body on the one runtime all tests share, as the server runs
/// every request on one runtime (a runtime per test would let work begun
/// under one test's runtime outlive it). A test that runs longer than two
/// minutes fails instead of hanging the whole run.
pub fn run<F: std::future::Future<Output = ()>>(test: F) {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .expect("test runtime")
    });
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(120), test)
            .await
            .expect("test did not finish within 120 s");
    });
}

/// The id of the test user of `role` (see `create_user`).
pub async fn user_id(storage: &Storage, role: app::domain::Role) -> i64 {
    storage
        .users
        .find_by_email(
            &app::domain::EmailAddress::parse(&format!("{}@example.com", role.as_str())).unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Runs SQL as someone with database access would, values written in it
/// (an instant as `sql_time`).
pub async fn exec(db: &TestDb, sql: &str) {
    if db.url.starts_with("sqlite://") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    }
}

/// One number read by SQL, as someone with database access would.
pub async fn scalar(db: &TestDb, sql: &str) -> i64 {
    if db.url.starts_with("sqlite://") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    }
}

/// One text column read by SQL.
pub async fn texts(db: &TestDb, sql: &str) -> Vec<String> {
    if db.url.starts_with("sqlite://") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
    }
}

/// An instant as a SQL literal, written as both backends store it (SQLite
/// compares the text sqlx writes: RFC 3339).
pub fn sql_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format!("'{}'", at.to_rfc3339())
}
