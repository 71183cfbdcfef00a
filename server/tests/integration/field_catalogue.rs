//! The field catalogue (`app::domain::fields`) against the real schema, on
//! both backends: every declared field is a column, and every column of a
//! catalogued table is either declared or listed as bookkeeping. Adding a
//! column of personal data without declaring it fails here.

use crate::on_both_backends;
use crate::support::TestDb;
use app::domain::fields::{BOOKKEEPING_COLUMNS, CATALOGUED_TABLES, FIELDS};
use sqlx::Connection;

on_both_backends!(the_field_catalogue_covers_every_column_of_personal_data);

async fn columns(db: &TestDb, backend: &str, table: &str) -> Vec<String> {
    match backend {
        "sqlite" => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar::<_, String>("SELECT name FROM pragma_table_info($1)")
                .bind(table)
                .fetch_all(&mut conn)
                .await
                .unwrap()
        }
        _ => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query_scalar::<_, String>(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(table)
            .fetch_all(&mut conn)
            .await
            .unwrap()
        }
    }
}

async fn the_field_catalogue_covers_every_column_of_personal_data(backend: &str) {
    let db = TestDb::on(backend).await;
    for table in CATALOGUED_TABLES {
        let present = columns(&db, backend, table).await;
        assert!(!present.is_empty(), "{table} missing");
        for column in &present {
            let declared = FIELDS
                .iter()
                .any(|f| f.table == *table && f.column == column);
            let bookkeeping = BOOKKEEPING_COLUMNS.contains(&(*table, column.as_str()));
            assert!(
                declared || bookkeeping,
                "{table}.{column} is neither in the field catalogue nor bookkeeping"
            );
        }
        for field in FIELDS.iter().filter(|f| f.table == *table) {
            assert!(
                present.iter().any(|c| c == field.column),
                "{} declares {table}.{} which does not exist",
                field.key,
                field.column
            );
        }
    }
}
