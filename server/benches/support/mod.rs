//! What every benchmark reports with, and the database the storage
//! benchmarks run on.

use app::server::storage::Storage;
use std::time::Duration;

/// The `p`th percentile (nearest rank) of `samples`, which it sorts.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank]
}

/// A duration in milliseconds, three decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// A raw pool beside the storage, for each benchmark's floor: the same
/// query written by hand (each benchmark adds its own queries to it).
// Not every benchmark reads raw SQL (the shell, sign-in and live ones
// include this module for the figures only).
#[allow(dead_code)]
pub enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// A fresh, migrated database for benchmark `name` on `backend`
/// (`sqlite`: a file in `dir`; `postgres`: a new database on the server
/// of `TEST_POSTGRES_URL`, or the one named by `BENCH_REUSE_DB`).
#[allow(dead_code)]
pub async fn open(backend: &str, dir: &std::path::Path, name: &str) -> (Storage, Pool) {
    let settings = server::storage::PoolSettings {
        max_connections: 8,
        sqlite_synchronous: server::config::SqliteSynchronous::Full,
        sqlite_busy_timeout: Duration::from_secs(5),
    };
    if backend == "postgres" {
        use sqlx::Connection;
        let admin = std::env::var("TEST_POSTGRES_URL")
            .expect("run through scripts/with-postgres.sh for BENCH_BACKEND=postgres");
        let database = match std::env::var("BENCH_REUSE_DB") {
            Ok(database) => database,
            Err(_) => {
                let database = format!("accord_{name}_{}", std::process::id());
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {database}"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                eprintln!("database {database}");
                database
            }
        };
        let url = format!("{}/{database}", &admin[..admin.rfind('/').unwrap()]);
        let pool = server::storage::postgres::connect(&url, &settings)
            .await
            .unwrap();
        server::storage::postgres::migrate(&pool).await.unwrap();
        (
            server::storage::postgres::storage(pool.clone()),
            Pool::Postgres(pool),
        )
    } else {
        let pool = server::storage::sqlite::connect(&dir.join(format!("{name}.db")), &settings)
            .await
            .unwrap();
        server::storage::sqlite::migrate(&pool).await.unwrap();
        (
            server::storage::sqlite::storage(pool.clone()),
            Pool::Sqlite(pool),
        )
    }
}
