//! Many page renders at once must all complete: a render that never
//! finishes would hang a browser tab and hold a connection forever.

use crate::support::{TestDb, signed_in};
use app::domain::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::state::AppState;
use std::time::Duration;
use tower::ServiceExt;

#[test]
fn concurrent_page_renders_all_complete() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let app = server::router::build(AppState::new(
            LeptosOptions::builder().output_name("accord").build(),
            db.storage.clone(),
        ));
        let cookie = signed_in(&db.storage, Role::Admin).await;
        let mut tasks = Vec::new();
        for i in 0..400 {
            let app = app.clone();
            let cookie = cookie.clone();
            tasks.push(tokio::spawn(async move {
                let path = ["/", "/contacts", "/settings", "/pipeline"][i % 4];
                let request = Request::get(path)
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap();
                let response = app.oneshot(request).await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                let body = response.into_body().collect().await.unwrap().to_bytes();
                assert!(body.ends_with(b"</script>") || body.windows(7).any(|w| w == b"</html>"));
            }));
        }
        let all = async {
            for t in tasks {
                t.await.unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("every render completes within 60 s");
    });
}
