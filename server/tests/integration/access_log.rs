//! The access log: written on every access to personal data (allowed or
//! refused), readable by the DPO, append-only in the database itself.

use crate::on_both_backends;
use crate::support::{TestDb, signed_in};
use app::domain::{AccessLogEntry, Role};
use app::server::storage::{AccessLogFilter, AccessLogRecord};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::state::AppState;
use tower::ServiceExt;

async fn post(app: &axum::Router, path: &str, form: &str, cookie: &str) -> (StatusCode, String) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, cookie)
        .body(Body::from(form.to_string()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn entry(at: chrono::DateTime<chrono::Utc>) -> AccessLogRecord {
    AccessLogRecord {
        id: 0,
        at,
        user_id: Some(1),
        user_email: "dpo@example.com".into(),
        action: "read".into(),
        record_type: "person".into(),
        record_id: "7".into(),
        allowed: true,
        client_addr: "127.0.0.1".into(),
    }
}

on_both_backends!(
    accesses_and_refusals_are_logged_and_the_dpo_reads_them,
    the_database_refuses_updates_and_deletes,
    the_retention_purge_removes_only_old_entries,
);

async fn accesses_and_refusals_are_logged_and_the_dpo_reads_them(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(AppState::new(
        LeptosOptions::builder().output_name("accord").build(),
        db.storage.clone(),
    ));
    let admin = signed_in(&db.storage, Role::Admin).await;
    let sales = signed_in(&db.storage, Role::Sales).await;
    let dpo = signed_in(&db.storage, Role::Dpo).await;

    assert_eq!(
        post(&app, "/api/users/list", "", &admin).await.0,
        StatusCode::OK
    );
    assert_eq!(
        post(&app, "/api/users/list", "", &sales).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&app, "/api/access-log/search", "", &sales).await.0,
        StatusCode::FORBIDDEN
    );

    let (status, body) = post(&app, "/api/access-log/search", "", &dpo).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entries: Vec<AccessLogEntry> = serde_json::from_str(&body).unwrap();
    let summary: Vec<(String, String, String, bool)> = entries
        .iter()
        .map(|e| {
            (
                e.user_email.clone(),
                e.action.clone(),
                e.record_type.clone(),
                e.allowed,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "dpo@example.com".into(),
                "list".into(),
                "access_log".into(),
                true
            ),
            (
                "sales@example.com".into(),
                "list".into(),
                "access_log".into(),
                false
            ),
            (
                "sales@example.com".into(),
                "list".into(),
                "user".into(),
                false
            ),
            (
                "admin@example.com".into(),
                "list".into(),
                "user".into(),
                true
            ),
        ]
    );

    // Filters: by user, by record, by date.
    let (_, body) = post(
        &app,
        "/api/access-log/search",
        "user_email=sales%40example.com",
        &dpo,
    )
    .await;
    let by_user: Vec<AccessLogEntry> = serde_json::from_str(&body).unwrap();
    assert_eq!(by_user.len(), 2);
    assert!(by_user.iter().all(|e| e.user_email == "sales@example.com"));
    let (_, body) = post(&app, "/api/access-log/search", "record=user", &dpo).await;
    let by_record: Vec<AccessLogEntry> = serde_json::from_str(&body).unwrap();
    assert_eq!(by_record.len(), 2);
    let (_, body) = post(
        &app,
        "/api/access-log/search",
        "from=2000-01-01&to=2000-12-31",
        &dpo,
    )
    .await;
    assert_eq!(body, "[]");
    let (status, body) = post(&app, "/api/access-log/search", "from=yesterday", &dpo).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("invalid_date"));
}

async fn the_database_refuses_updates_and_deletes(backend: &str) {
    let db = TestDb::on(backend).await;
    db.storage
        .access_log
        .append(&entry(chrono::Utc::now()))
        .await
        .unwrap();
    // Straight to the database, as someone with SQL access would.
    let attempts = [
        "UPDATE access_log SET user_email = 'someone@else.org'",
        "DELETE FROM access_log",
    ];
    for sql in attempts {
        let refused = match backend {
            "sqlite" => {
                let url = db.url.trim_start_matches("sqlite://").to_string();
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{url}"))
                    .await
                    .unwrap();
                sqlx::query(sql).execute(&pool).await.map(|_| ())
            }
            _ => {
                let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                sqlx::query(sql).execute(&pool).await.map(|_| ())
            }
        };
        let error = refused.expect_err(sql).to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    let left = db
        .storage
        .access_log
        .search(&AccessLogFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].user_email, "dpo@example.com");
}

async fn the_retention_purge_removes_only_old_entries(backend: &str) {
    let db = TestDb::on(backend).await;
    let now = chrono::Utc::now();
    db.storage
        .access_log
        .append(&entry(now - chrono::Duration::days(400)))
        .await
        .unwrap();
    db.storage
        .access_log
        .append(&entry(now - chrono::Duration::days(10)))
        .await
        .unwrap();
    let purged = db
        .storage
        .access_log
        .purge_before(now - chrono::Duration::days(365))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let left = db
        .storage
        .access_log
        .search(&AccessLogFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].at > now - chrono::Duration::days(11));
    // After the purge, deleting is refused again.
    assert!(
        db.storage
            .access_log
            .purge_before(now - chrono::Duration::days(365))
            .await
            .unwrap()
            == 0
    );
}
