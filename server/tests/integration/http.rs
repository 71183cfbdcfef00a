//! The HTTP application end to end, without a socket (`Router::oneshot`),
//! on both backends.

use crate::on_both_backends;
use crate::support::{TestDb, settings, signed_in};
use app::domain::Role;
use app::server::storage::Storage;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::state::AppState;
use tower::ServiceExt;

fn app(storage: Storage) -> Router {
    server::router::build(AppState::new(
        LeptosOptions::builder().output_name("accord").build(),
        storage,
    ))
}

/// Adds the session cookie to a request.
fn with(cookie: &str, mut request: Request<Body>) -> Request<Body> {
    request
        .headers_mut()
        .insert(header::COOKIE, cookie.parse().unwrap());
    request
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

/// A call as the server-function client in the browser makes it.
fn server_fn(path: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(form.to_string()))
        .unwrap()
}

/// A plain HTML form post, as a browser without JavaScript sends it.
fn plain_form(path: &str, form: &str, referer: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, referer)
        .body(Body::from(form.to_string()))
        .unwrap()
}

on_both_backends!(
    home_page_is_rendered_with_the_organisation_and_a_nonce_csp,
    rename_through_the_server_function_then_read_it_back,
    invalid_rename_is_422_with_the_field_and_changes_nothing,
    plain_form_post_redirects_back_with_the_outcome,
    database_failure_is_opaque_with_request_id_and_readyz_is_503,
);

async fn home_page_is_rendered_with_the_organisation_and_a_nonce_csp(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = app(db.storage.clone());
    let cookie = signed_in(&db.storage, Role::Readonly).await;
    let reply = send(&app, with(&cookie, get("/"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(r#"<html lang="en">"#));
    assert!(reply.body.contains("Signed in as Test readonly"));
    assert!(reply.body.contains("My organisation"));
    assert!(reply.headers.contains_key("x-request-id"));
    let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in script-src");
    assert!(
        reply
            .body
            .contains(&format!(r#"<script type="module" nonce="{nonce}">"#))
    );
    assert!(csp.contains("default-src 'self'"));
    assert!(csp.contains("frame-ancestors 'none'"));
}

async fn rename_through_the_server_function_then_read_it_back(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = app(db.storage.clone());
    let admin = signed_in(&db.storage, Role::Admin).await;
    let reply = send(
        &app,
        with(
            &admin,
            server_fn("/api/organisation/rename", "name=%20Acme%20SAS%20"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let saved: app::domain::Organisation = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        saved.name.as_str(),
        "Acme SAS",
        "trimmed by the shared type"
    );

    let read = send(&app, with(&admin, server_fn("/api/organisation/get", ""))).await;
    let read: app::domain::Organisation = serde_json::from_str(&read.body).unwrap();
    assert_eq!(read, saved);
    let page = send(&app, with(&admin, get("/"))).await;
    assert!(page.body.contains("Acme SAS"));
}

async fn invalid_rename_is_422_with_the_field_and_changes_nothing(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = app(db.storage.clone());
    let admin = signed_in(&db.storage, Role::Admin).await;
    for (form, problem) in [
        ("name=", "required"),
        ("name=%20%20", "required"),
        (&*format!("name={}", "a".repeat(101)), "too_long"),
        ("name=Acme%0ALtd", "control_characters"),
    ] {
        let reply = send(
            &app,
            with(&admin, server_fn("/api/organisation/rename", form)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}");
        let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(error["kind"], "validation");
        assert_eq!(error["field"], "name");
        assert!(
            error["problem"].as_str().unwrap().starts_with(problem),
            "{error}"
        );
    }
    // A missing argument is a transport error, not a crash.
    let reply = send(
        &app,
        with(&admin, server_fn("/api/organisation/rename", "nom=x")),
    )
    .await;
    assert!(reply.status.is_client_error() || reply.status.is_server_error());
    assert_eq!(
        db.storage.organisation.get().await.unwrap().name.as_str(),
        "My organisation"
    );
}

async fn plain_form_post_redirects_back_with_the_outcome(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = app(db.storage.clone());
    let admin = signed_in(&db.storage, Role::Admin).await;

    let bad = send(
        &app,
        with(
            &admin,
            plain_form(
                "/api/organisation/rename",
                "name=",
                "http://127.0.0.1:3000/?saved=organisation",
            ),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::FOUND);
    let location = bad.headers[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("/?form=organisation&form_error="),
        "{location}"
    );
    assert_eq!(
        db.storage.organisation.get().await.unwrap().name.as_str(),
        "My organisation"
    );
    // The page the browser lands on shows the message next to the field.
    let landed = send(&app, with(&admin, get(location))).await;
    assert!(landed.body.contains("This field is required."));
    assert!(landed.body.contains(r#"aria-invalid="true""#));

    // The Referer's host is ignored: the redirect never leaves this site.
    let good = send(
        &app,
        with(
            &admin,
            plain_form(
                "/api/organisation/rename",
                "name=Plain",
                "http://evil.example/phish",
            ),
        ),
    )
    .await;
    assert_eq!(good.status, StatusCode::FOUND);
    assert_eq!(good.headers[header::LOCATION], "/phish?saved=organisation");
    assert_eq!(
        db.storage.organisation.get().await.unwrap().name.as_str(),
        "Plain"
    );
}

async fn database_failure_is_opaque_with_request_id_and_readyz_is_503(backend: &str) {
    // Build storage on a pool we can close under the application's feet.
    let storage = match backend {
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let pool = server::storage::sqlite::connect(&dir.path().join("x.db"), &settings())
                .await
                .unwrap();
            server::storage::sqlite::migrate(&pool).await.unwrap();
            pool.close().await;
            server::storage::sqlite::storage(pool)
        }
        _ => {
            let url = crate::support::fresh_postgres_database().await;
            let pool = server::storage::postgres::connect(&url, &settings())
                .await
                .unwrap();
            server::storage::postgres::migrate(&pool).await.unwrap();
            pool.close().await;
            server::storage::postgres::storage(pool)
        }
    };
    let app = app(storage);

    assert_eq!(send(&app, get("/healthz")).await.status, StatusCode::OK);
    let ready = send(&app, get("/readyz")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body, "database unavailable\n");

    // With the database gone, no session can be checked: the call is
    // refused as unauthenticated, and nothing of the failure leaks.
    let reply = send(
        &app,
        with("accord_session=abc", server_fn("/api/organisation/get", "")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, r#"{"kind":"unauthenticated"}"#);
    // A storage error inside a server function is opaque, with a request id:
    // sign-in reaches the database without a session.
    let reply = send(
        &app,
        server_fn("/api/auth/sign-in", "email=a%40example.com&password=x"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    let request_id = reply.headers["x-request-id"].to_str().unwrap().to_string();
    let error: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        error,
        serde_json::json!({ "kind": "internal", "request_id": request_id })
    );
    let lower = reply.body.to_lowercase();
    for leak in ["pool", "closed", "sqlx", "database", "sqlite", "postgres"] {
        assert!(
            !lower.contains(leak),
            "error text leaked {leak:?}: {}",
            reply.body
        );
    }
}

#[test]
fn healthz_and_readyz_answer_when_the_database_is_up() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let app = app(db.storage.clone());
        assert_eq!(send(&app, get("/healthz")).await.status, StatusCode::OK);
        assert_eq!(send(&app, get("/readyz")).await.status, StatusCode::OK);
    });
}

#[test]
fn accept_language_and_cookie_choose_the_language() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let app = app(db.storage.clone());
        let fr = Request::get("/sign-in")
            .header(header::ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9,en;q=0.5")
            .body(Body::empty())
            .unwrap();
        let reply = send(&app, fr).await;
        assert!(reply.body.contains(r#"<html lang="fr">"#));
        assert!(reply.body.contains("Mot de passe"));

        let cookie = Request::get("/sign-in")
            .header(header::ACCEPT_LANGUAGE, "fr")
            .header(header::COOKIE, "accord_lang=en")
            .body(Body::empty())
            .unwrap();
        assert!(
            send(&app, cookie)
                .await
                .body
                .contains(r#"<html lang="en">"#)
        );
    });
}

#[test]
fn language_switch_sets_a_cookie_and_stays_on_this_site() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let app = app(db.storage.clone());
        let post = |form: &'static str| {
            Request::post("/lang")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap()
        };
        let reply = send(&app, post("lang=fr&back=%2Fcontacts")).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.headers[header::LOCATION], "/contacts");
        let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with("accord_lang=fr;"));
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));

        let evil = send(&app, post("lang=en&back=%2F%2Fevil.example%2F")).await;
        assert_eq!(evil.headers[header::LOCATION], "/");

        let unknown = send(&app, post("lang=xx&back=%2F")).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert!(!unknown.headers.contains_key(header::SET_COOKIE));
    });
}

#[test]
fn unknown_page_is_404_and_oversized_body_is_413() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let app = app(db.storage.clone());
        let cookie = signed_in(&db.storage, Role::Sales).await;
        let reply = send(&app, with(&cookie, get("/no/such/page"))).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(reply.body.contains("Page not found"));

        let big = format!("name={}", "a".repeat(2 * 1024 * 1024));
        let mut request = with(&cookie, server_fn("/api/organisation/rename", &big));
        request
            .headers_mut()
            .insert(header::CONTENT_LENGTH, big.len().into());
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            db.storage.organisation.get().await.unwrap().name.as_str(),
            "My organisation"
        );
    });
}
