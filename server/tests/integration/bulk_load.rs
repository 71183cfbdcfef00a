//! Bulk loads drop the read-only indexes and build them at the end; an
//! interrupted load gets them back at the next start. On both backends.

use crate::on_both_backends;
use crate::support::{TestDb, settings};
use server::storage::bulk_load::READ_INDEXES;
use sqlx::Connection;

on_both_backends!(read_indexes_are_suspended_for_a_load_and_always_come_back);

/// The read-only indexes present in the schema, by name.
async fn order_indexes(db: &TestDb, backend: &str) -> Vec<String> {
    let names = READ_INDEXES
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        "sqlite" => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            let sql = format!(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ({names}) ORDER BY name"
            );
            sqlx::query_scalar(&sql).fetch_all(&mut conn).await.unwrap()
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            let sql = format!(
                "SELECT indexname::text FROM pg_indexes WHERE indexname IN ({names}) ORDER BY indexname"
            );
            sqlx::query_scalar(&sql).fetch_all(&mut conn).await.unwrap()
        }
    }
}

async fn read_indexes_are_suspended_for_a_load_and_always_come_back(backend: &str) {
    let db = TestDb::on(backend).await;
    let all: Vec<String> = READ_INDEXES.iter().map(|n| n.to_string()).collect();
    assert_eq!(all.len(), 3);
    assert_eq!(order_indexes(&db, backend).await, all);

    let bulk = &db.storage.bulk_load;
    bulk.suspend_read_indexes().await.unwrap();
    assert!(order_indexes(&db, backend).await.is_empty());
    // A second load before the end of the first changes nothing.
    bulk.suspend_read_indexes().await.unwrap();
    assert_eq!(bulk.restore_read_indexes().await.unwrap(), 3);
    assert_eq!(order_indexes(&db, backend).await, all);
    assert_eq!(bulk.restore_read_indexes().await.unwrap(), 0);

    // Interrupted: suspended, then the process stops. Opening the database
    // again builds them.
    bulk.suspend_read_indexes().await.unwrap();
    let reopened = match backend {
        "sqlite" => {
            let path = db.url.trim_start_matches("sqlite://");
            server::storage::sqlite::open(std::path::Path::new(path), &settings())
                .await
                .unwrap()
        }
        _ => server::storage::postgres::open(&db.url, &settings())
            .await
            .unwrap(),
    };
    assert_eq!(order_indexes(&db, backend).await, all);
    assert_eq!(reopened.bulk_load.restore_read_indexes().await.unwrap(), 0);
}
