//! Bulk loads drop the list orders' indexes and build them at the end; an
//! interrupted load gets them back at the next start. On both backends.

use crate::on_both_backends;
use crate::support::{TestDb, settings};
use sqlx::Connection;

on_both_backends!(read_indexes_are_suspended_for_a_load_and_always_come_back);

/// The list-order indexes present in the schema, by name.
async fn order_indexes(db: &TestDb, backend: &str) -> Vec<String> {
    let sql = match backend {
        "sqlite" => {
            "SELECT name FROM sqlite_master WHERE type = 'index' \
             AND name IN ('people_by_name', 'people_by_last_contact') ORDER BY name"
        }
        _ => {
            "SELECT indexname::text FROM pg_indexes \
             WHERE indexname IN ('people_by_name', 'people_by_last_contact') ORDER BY indexname"
        }
    };
    match backend {
        "sqlite" => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
        }
    }
}

async fn read_indexes_are_suspended_for_a_load_and_always_come_back(backend: &str) {
    let db = TestDb::on(backend).await;
    let both = vec![
        "people_by_last_contact".to_string(),
        "people_by_name".to_string(),
    ];
    assert_eq!(order_indexes(&db, backend).await, both);

    let bulk = &db.storage.bulk_load;
    bulk.suspend_read_indexes().await.unwrap();
    assert!(order_indexes(&db, backend).await.is_empty());
    // A second load before the end of the first changes nothing.
    bulk.suspend_read_indexes().await.unwrap();
    assert_eq!(bulk.restore_read_indexes().await.unwrap(), 2);
    assert_eq!(order_indexes(&db, backend).await, both);
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
    assert_eq!(order_indexes(&db, backend).await, both);
    assert_eq!(reopened.bulk_load.restore_read_indexes().await.unwrap(), 0);
}
