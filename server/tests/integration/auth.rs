//! Sign-in, sessions, set-up and the policy, on both backends.

use crate::on_both_backends;
use crate::support::{TestDb, create_user, password_for, signed_in};
use app::domain::Role;
use app::server::storage::Storage;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::state::AppState;
use std::sync::Arc;
use tower::ServiceExt;

pub(crate) fn state(storage: Storage) -> AppState {
    AppState::new(
        LeptosOptions::builder().output_name("accord").build(),
        storage,
    )
}

pub(crate) async fn call(
    app: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

pub(crate) fn form_post(path: &str, form: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://127.0.0.1:3000/sign-in");
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    builder.body(Body::from(form.to_string())).unwrap()
}

pub(crate) fn json_post(path: &str, form: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    builder.body(Body::from(form.to_string())).unwrap()
}

pub(crate) fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    builder.body(Body::empty()).unwrap()
}

pub(crate) fn session_cookie_from(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("accord_session=") && !v.starts_with("accord_session=;"))
        .map(|v| v.split(';').next().unwrap().to_string())
}

on_both_backends!(
    sign_in_with_the_right_password_opens_a_session_and_goes_to_next,
    wrong_password_and_unknown_account_get_the_same_answer,
    sign_out_ends_the_session_server_side,
    pages_without_a_session_redirect_to_sign_in_with_next,
    every_server_function_refuses_callers_without_a_session,
    a_readonly_user_cannot_rename_and_nothing_changes,
    idle_sessions_end,
);

async fn sign_in_with_the_right_password_opens_a_session_and_goes_to_next(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    create_user(&db.storage, Role::Sales).await;
    let form = format!(
        "email=SALES%40Example.com&password={}&next=%2Fpipeline",
        password_for(Role::Sales).replace(' ', "+")
    );
    let (status, headers, _) = call(&app, form_post("/api/auth/sign-in", &form, None)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], "/pipeline");
    let set_cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("Secure"), "plain HTTP: no Secure flag");
    let cookie = session_cookie_from(&headers).expect("a session cookie");

    let (status, _, body) = call(&app, get("/pipeline", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Signed in as Test sales"));
    // The token is never stored as such: only its hash.
    let token = cookie.trim_start_matches("accord_session=");
    assert!(db.storage.sessions.find(token).await.unwrap().is_none());
}

async fn wrong_password_and_unknown_account_get_the_same_answer(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    create_user(&db.storage, Role::Sales).await;
    let wrong = call(
        &app,
        form_post(
            "/api/auth/sign-in",
            "email=sales%40example.com&password=not+the+password",
            None,
        ),
    )
    .await;
    let unknown = call(
        &app,
        form_post(
            "/api/auth/sign-in",
            "email=nobody%40example.com&password=not+the+password",
            None,
        ),
    )
    .await;
    for (status, headers, _) in [&wrong, &unknown] {
        assert_eq!(*status, StatusCode::FOUND);
        assert!(session_cookie_from(headers).is_none());
        let location = headers[header::LOCATION].to_str().unwrap();
        assert!(
            location.starts_with("/sign-in?form=sign_in&form_error="),
            "{location}"
        );
        assert!(location.contains("invalid_credentials"));
    }
    let strip = |h: &axum::http::HeaderMap| {
        h[header::LOCATION]
            .to_str()
            .unwrap()
            .split("&value=")
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(strip(&wrong.1), strip(&unknown.1));
    // The password is never echoed back.
    assert!(
        !wrong.1[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("not+the")
    );
}

async fn sign_out_ends_the_session_server_side(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let cookie = signed_in(&db.storage, Role::Manager).await;
    let (status, _, _) = call(&app, get("/", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, _) = call(&app, form_post("/api/auth/sign-out", "", Some(&cookie))).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], "/sign-in");
    // The old cookie no longer works, even if a browser kept it.
    let (status, headers, _) = call(&app, get("/", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/sign-in?next=%2F");
}

async fn pages_without_a_session_redirect_to_sign_in_with_next(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    // No account at all: set-up first.
    let (status, headers, _) = call(&app, get("/contacts", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/setup");
    create_user(&db.storage, Role::Admin).await;
    let (status, headers, _) = call(&app, get("/contacts?sort=name", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[header::LOCATION],
        "/sign-in?next=%2Fcontacts%3Fsort%3Dname"
    );
    let (status, _, _) = call(&app, get("/healthz", None)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = call(&app, get("/sign-in", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("Signed in as"));
}

/// Every registered server function, called without a session, answers 401
/// and changes nothing, except the few that are public by design.
async fn every_server_function_refuses_callers_without_a_session(backend: &str) {
    const PUBLIC: &[&str] = app::server::policy::PUBLIC_SERVER_FNS;
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let before = db.storage.organisation.get().await.unwrap();
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .collect();
    assert!(paths.len() >= 6, "server functions found: {paths:?}");
    for path in paths.iter().filter(|p| !PUBLIC.contains(&p.as_str())) {
        let (status, _, body) = call(&app, json_post(path, "name=Intruder", None)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
    }
    assert_eq!(db.storage.organisation.get().await.unwrap(), before);
    assert_eq!(db.storage.users.count().await.unwrap(), 0);
}

async fn a_readonly_user_cannot_rename_and_nothing_changes(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    for role in [
        Role::Readonly,
        Role::Sales,
        Role::Marketing,
        Role::Manager,
        Role::Dpo,
    ] {
        let cookie = signed_in(&db.storage, role).await;
        let (status, _, body) = call(
            &app,
            json_post("/api/organisation/rename", "name=Hijacked", Some(&cookie)),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(body, r#"{"kind":"forbidden"}"#);
        let (status, _, _) =
            call(&app, json_post("/api/organisation/get", "", Some(&cookie))).await;
        assert_eq!(status, StatusCode::OK, "{role:?} may read");
    }
    assert_eq!(
        db.storage.organisation.get().await.unwrap().name.as_str(),
        "My organisation"
    );
}

async fn idle_sessions_end(backend: &str) {
    let db = TestDb::on(backend).await;
    let mut st = state(db.storage.clone());
    st.sessions.idle = std::time::Duration::from_secs(60);
    let app = server::router::build(st);
    let cookie = signed_in(&db.storage, Role::Sales).await;
    let hash = app::server::auth::token::hash_token(cookie.trim_start_matches("accord_session="));
    // Pretend the last request was two minutes ago.
    db.storage
        .sessions
        .touch(&hash, chrono::Utc::now() - chrono::Duration::minutes(2))
        .await
        .unwrap();
    let (status, headers, _) = call(&app, get("/settings", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/sign-in?next=%2Fsettings");
    assert!(
        db.storage.sessions.find(&hash).await.unwrap().is_none(),
        "ended server-side"
    );
}

#[test]
fn the_setup_link_creates_the_first_admin_once() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let mut st = state(db.storage.clone());
        st.setup = Arc::new(app::server::SetupLink::new(Some("the-token".into())));
        let app = server::router::build(st);
        let (status, _, body) = call(&app, get("/setup", None)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("accord user create"),
            "explains how to finish without the link"
        );

        let form = "token=wrong&email=ada%40example.com&display_name=Ada&password=a+very+private+phrase&password_confirm=a+very+private+phrase";
        let (status, headers, _) = call(&app, form_post("/api/auth/setup", form, None)).await;
        assert_eq!(status, StatusCode::FOUND);
        assert!(
            headers[header::LOCATION]
                .to_str()
                .unwrap()
                .contains("invalid_setup_link")
        );
        assert_eq!(db.storage.users.count().await.unwrap(), 0);

        let form = form.replace("token=wrong", "token=the-token");
        let (status, headers, _) = call(&app, form_post("/api/auth/setup", &form, None)).await;
        assert_eq!(status, StatusCode::FOUND);
        assert_eq!(headers[header::LOCATION], "/");
        assert!(session_cookie_from(&headers).is_some());
        let admin = db
            .storage
            .users
            .find_by_email(&app::domain::EmailAddress::parse("ada@example.com").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert!(admin.password_hash.starts_with("$argon2id$"));

        // Single use.
        let (_, headers, _) = call(
            &app,
            form_post("/api/auth/setup", &form.replace("ada@", "eve@"), None),
        )
        .await;
        assert!(
            headers[header::LOCATION]
                .to_str()
                .unwrap()
                .contains("invalid_setup_link")
        );
        assert_eq!(db.storage.users.count().await.unwrap(), 1);
    });
}

/// CSRF: a browser's cross-site POST is refused before anything runs, and
/// a data-changing server function is not reachable by GET.
#[test]
fn cross_site_writes_are_refused() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let app = server::router::build(state(db.storage.clone()));
        let cookie = signed_in(&db.storage, Role::Admin).await;

        let cross = |headers: &[(&str, &str)]| {
            let mut request = json_post("/api/organisation/rename", "name=Forged", Some(&cookie));
            for (k, v) in headers {
                request.headers_mut().insert(
                    axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    v.parse().unwrap(),
                );
            }
            request
        };
        for headers in [
            vec![("sec-fetch-site", "cross-site")],
            vec![("sec-fetch-site", "same-site")],
            vec![
                ("host", "accord.example"),
                ("origin", "https://evil.example"),
            ],
            vec![("host", "accord.example"), ("origin", "null")],
        ] {
            let (status, _, _) = call(&app, cross(&headers)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
        }
        let lang = Request::post("/lang")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site")
            .body(Body::from("lang=fr&back=%2F"))
            .unwrap();
        assert_eq!(call(&app, lang).await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            db.storage.organisation.get().await.unwrap().name.as_str(),
            "My organisation"
        );

        // Same-origin requests still work.
        let (status, _, body) = call(
            &app,
            cross(&[
                ("sec-fetch-site", "same-origin"),
                ("host", "accord.example"),
                ("origin", "https://accord.example"),
            ]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // No GET path to a write.
        let (status, _, _) = call(
            &app,
            get("/api/organisation/rename?name=ByGet", Some(&cookie)),
        )
        .await;
        assert!(!status.is_success(), "{status}");
        assert_eq!(
            db.storage.organisation.get().await.unwrap().name.as_str(),
            "Forged",
            "unchanged by the GET"
        );
    });
}

fn error_in(headers: &axum::http::HeaderMap) -> String {
    let location = headers[header::LOCATION].to_str().unwrap();
    let start = location
        .find("form_error=")
        .map(|i| i + "form_error=".len())
        .unwrap_or(location.len());
    let encoded = location[start..].split('&').next().unwrap_or("");
    // Enough decoding for the JSON error in the query string.
    let mut out = String::new();
    let bytes = encoded.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&encoded[i + 1..i + 3], 16).unwrap() as char);
            i += 3;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

on_both_backends!(
    ten_failures_lock_an_account_even_with_the_right_password,
    unknown_accounts_lock_the_same_way,
    ten_failures_from_one_client_lock_that_client,
);

async fn ten_failures_lock_an_account_even_with_the_right_password(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    create_user(&db.storage, Role::Sales).await;
    for _ in 0..10 {
        let (_, headers, _) = call(
            &app,
            form_post(
                "/api/auth/sign-in",
                "email=sales%40example.com&password=wrong+guess+here",
                None,
            ),
        )
        .await;
        assert!(error_in(&headers).contains("invalid_credentials"));
    }
    let right = format!(
        "email=sales%40example.com&password={}",
        password_for(Role::Sales).replace(' ', "+")
    );
    let (_, headers, _) = call(&app, form_post("/api/auth/sign-in", &right, None)).await;
    let error = error_in(&headers);
    assert_eq!(error, r#"{"kind":"too_many_attempts","minutes":15}"#);
    assert!(session_cookie_from(&headers).is_none());
    let message = serde_json::from_str::<app::error::AppError>(&error)
        .unwrap()
        .message(app::i18n::Locale::En.t());
    assert_eq!(
        message,
        "Too many failed attempts. Try again in 15 minutes."
    );
}

async fn unknown_accounts_lock_the_same_way(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    for _ in 0..10 {
        call(
            &app,
            form_post(
                "/api/auth/sign-in",
                "email=ghost%40example.com&password=wrong+guess+here",
                None,
            ),
        )
        .await;
    }
    let (_, headers, _) = call(
        &app,
        form_post(
            "/api/auth/sign-in",
            "email=ghost%40example.com&password=wrong+guess+here",
            None,
        ),
    )
    .await;
    assert!(
        error_in(&headers).contains("too_many_attempts"),
        "no difference between real and unknown accounts"
    );
}

async fn ten_failures_from_one_client_lock_that_client(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    create_user(&db.storage, Role::Sales).await;
    // Ten different addresses typed, all from the same client.
    for i in 0..10 {
        let form = format!("email=guess{i}%40example.com&password=wrong+guess+here");
        call(&app, form_post("/api/auth/sign-in", &form, None)).await;
    }
    let right = format!(
        "email=sales%40example.com&password={}",
        password_for(Role::Sales).replace(' ', "+")
    );
    let (_, headers, _) = call(&app, form_post("/api/auth/sign-in", &right, None)).await;
    assert!(error_in(&headers).contains("too_many_attempts"));
}

#[test]
fn a_successful_sign_in_clears_the_account_failures() {
    crate::support::run(async {
        let db = TestDb::sqlite().await;
        let app = server::router::build(state(db.storage.clone()));
        create_user(&db.storage, Role::Sales).await;
        let right = format!(
            "email=sales%40example.com&password={}",
            password_for(Role::Sales).replace(' ', "+")
        );
        for _ in 0..9 {
            call(
                &app,
                form_post(
                    "/api/auth/sign-in",
                    "email=sales%40example.com&password=wrong+guess+here",
                    None,
                ),
            )
            .await;
        }
        let (_, headers, _) = call(&app, form_post("/api/auth/sign-in", &right, None)).await;
        assert!(session_cookie_from(&headers).is_some());
        let recent = db
            .storage
            .sign_in_failures
            .recent(
                "sales@example.com",
                "nowhere",
                chrono::Utc::now() - chrono::Duration::minutes(15),
            )
            .await
            .unwrap();
        assert_eq!(recent.by_account, 0);
    });
}

on_both_backends!(
    admins_create_and_deactivate_users_and_deactivation_ends_sessions,
    users_see_and_end_only_their_own_sessions,
);

async fn admins_create_and_deactivate_users_and_deactivation_ends_sessions(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let admin = signed_in(&db.storage, Role::Admin).await;
    let sales = signed_in(&db.storage, Role::Sales).await;

    // Only administrators list or create users.
    let (status, _, _) = call(&app, json_post("/api/users/list", "", Some(&sales))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let form = "email=new%40example.com&display_name=New+Person&role=marketing&password=a+long+first+password";
    let (status, _, _) = call(&app, json_post("/api/users/create", form, Some(&sales))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        db.storage
            .users
            .find_by_email(&app::domain::EmailAddress::parse("new@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    let (status, _, body) = call(&app, json_post("/api/users/create", form, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = call(&app, json_post("/api/users/create", form, Some(&admin))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("email_taken"), "{body}");
    let weak = "email=weak%40example.com&display_name=Weak&role=sales&password=qwerty123456";
    let (_, _, body) = call(&app, json_post("/api/users/create", weak, Some(&admin))).await;
    assert!(body.contains("password_too_common"), "{body}");

    let (_, _, body) = call(&app, json_post("/api/users/list", "", Some(&admin))).await;
    let users: Vec<app::domain::UserSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(users.len(), 3);
    assert!(
        !body.contains("argon2"),
        "no password hash leaves the server"
    );
    let sales_id = users.iter().find(|u| u.role == Role::Sales).unwrap().id;
    let admin_id = users.iter().find(|u| u.role == Role::Admin).unwrap().id;

    // Deactivating ends every session of that user at once.
    let (status, _, _) = call(&app, get("/", Some(&sales))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = call(
        &app,
        json_post(
            "/api/users/set-active",
            &format!("user_id={sales_id}&active=false"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = call(&app, get("/", Some(&sales))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        db.storage
            .sessions
            .list_for_user(sales_id)
            .await
            .unwrap()
            .is_empty()
    );
    // A deactivated user cannot sign in.
    let signin = format!(
        "email=sales%40example.com&password={}",
        password_for(Role::Sales).replace(' ', "+")
    );
    let (_, headers, _) = call(&app, form_post("/api/auth/sign-in", &signin, None)).await;
    assert!(session_cookie_from(&headers).is_none());
    // Nobody deactivates themselves.
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/users/set-active",
            &format!("user_id={admin_id}&active=false"),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        db.storage
            .users
            .get(admin_id)
            .await
            .unwrap()
            .unwrap()
            .active
    );
}

async fn users_see_and_end_only_their_own_sessions(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let admin = signed_in(&db.storage, Role::Admin).await;
    let sales = signed_in(&db.storage, Role::Sales).await;
    let (_, _, body) = call(&app, json_post("/api/sessions/mine", "", Some(&sales))).await;
    let mine: Vec<app::domain::SessionSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].current);

    // The administrator cannot end the sales user's session through this.
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/sessions/end",
            &format!("session_id={}", mine[0].id),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, get("/", Some(&sales))).await.0, StatusCode::OK);

    // The user can.
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/sessions/end",
            &format!("session_id={}", mine[0].id),
            Some(&sales),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        call(&app, get("/", Some(&sales))).await.0,
        StatusCode::SEE_OTHER
    );
}

/// For every server function that needs a session: a role that must be
/// refused (403, nothing changed), or none when every role may call it.
/// A server function missing from this table fails the test, so a new one
/// cannot be added without deciding who may call it.
async fn every_server_function_refuses_roles_that_must_not_use_it(backend: &str) {
    let table: &[(&str, &str, Option<Role>)] = &[
        ("/api/organisation/get", "", None),
        (
            "/api/organisation/rename",
            "name=Hijacked",
            Some(Role::Manager),
        ),
        ("/api/users/list", "", Some(Role::Dpo)),
        (
            "/api/users/create",
            "email=x%40example.com&display_name=X&role=admin&password=a+long+enough+password",
            Some(Role::Sales),
        ),
        (
            "/api/users/set-active",
            "user_id=1&active=false",
            Some(Role::Readonly),
        ),
        ("/api/sessions/mine", "", None),
        ("/api/sessions/end", "session_id=nothing", None),
        ("/api/access-log/search", "", Some(Role::Marketing)),
        ("/api/people/list", "", None),
        ("/api/people/search", "q=x", None),
        ("/api/people/get", "id=1", None),
        (
            "/api/people/create",
            "last_name=Intruder&kind=b2b&status=lead",
            Some(Role::Dpo),
        ),
        ("/api/people/form-choices", "", Some(Role::Readonly)),
        ("/api/people/owners", "", Some(Role::Sales)),
        (
            "/api/people/reassign",
            "ids[0]=1&owner_id=1",
            Some(Role::Marketing),
        ),
        ("/api/tags/list", "", None),
        ("/api/preferences/people-columns", "", None),
        (
            "/api/preferences/set-people-columns",
            "columns[0]=email",
            None,
        ),
        (
            "/api/people/tag",
            "ids[0]=1&tag=Intruded",
            Some(Role::Readonly),
        ),
        (
            "/api/people/update",
            "id=1&version=1&last_name=Hijacked&kind=b2b&status=lead",
            Some(Role::Dpo),
        ),
        ("/api/companies/list", "", None),
        ("/api/companies/search", "q=x", None),
        ("/api/companies/get", "id=1", None),
        (
            "/api/companies/create",
            "name=Intruder+SA",
            Some(Role::Readonly),
        ),
        (
            "/api/companies/update",
            "id=1&version=1&name=Intruder+SA",
            Some(Role::Dpo),
        ),
        ("/api/timeline/get", "subject=person&id=1", None),
        ("/api/timeline/html", "subject=person&id=1", None),
        (
            "/api/timeline/log",
            "person_id=1&kind=note&notes=intrusion",
            Some(Role::Dpo),
        ),
        ("/api/timeline/done", "id=1", Some(Role::Readonly)),
        ("/api/leads/list", "", None),
        ("/api/pipeline/board", "", None),
        // Every role sees the figures of what it may see.
        ("/api/dashboard/get", "", None),
        ("/api/dashboard/figures", "", None),
        (
            "/api/dashboard/set-target",
            "pipeline_id=1&month=2026-01&amount=100&currency=EUR",
            Some(Role::Sales),
        ),
        (
            "/api/pipeline/column",
            "stage=1&after_rank=i&after_id=1",
            None,
        ),
        (
            "/api/pipeline/move",
            "deal_id=1&version=1&to_stage_id=1",
            Some(Role::Readonly),
        ),
        (
            "/api/pipeline/create-deal",
            "stage_id=1&title=Intrusion&amount=1",
            Some(Role::Dpo),
        ),
        ("/api/deals/get", "id=1", None),
        ("/api/deals/choices", "", Some(Role::Readonly)),
        (
            "/api/deals/update",
            "id=1&version=1&title=Hijacked&amount=1",
            Some(Role::Dpo),
        ),
        ("/api/pipelines/settings", "", Some(Role::Sales)),
        ("/api/pipelines/create", "name=Intrusion", Some(Role::Sales)),
        (
            "/api/pipelines/rename",
            "pipeline_id=1&name=Intrusion",
            Some(Role::Marketing),
        ),
        (
            "/api/pipelines/add-stage",
            "pipeline_id=1&name=X&probability=1&kind=open",
            Some(Role::Readonly),
        ),
        (
            "/api/pipelines/edit-stage",
            "stage_id=1&name=X&probability=1",
            Some(Role::Dpo),
        ),
        (
            "/api/pipelines/move-stage",
            "stage_id=1&direction=up",
            Some(Role::Sales),
        ),
        (
            "/api/pipelines/archive-stage",
            "stage_id=1",
            Some(Role::Sales),
        ),
        ("/api/leads/get", "id=1", None),
        (
            "/api/leads/create",
            "last_name=Intruder",
            Some(Role::Readonly),
        ),
        (
            "/api/leads/update",
            "id=1&version=1&status=qualified",
            Some(Role::Dpo),
        ),
        ("/api/leads/convert", "id=1&version=1", Some(Role::Readonly)),
        ("/api/teams/list", "", Some(Role::Manager)),
        ("/api/teams/create", "name=Intruders", Some(Role::Sales)),
        (
            "/api/teams/member",
            "team_id=1&user_id=1&member=true",
            Some(Role::Marketing),
        ),
        ("/api/security/status", "", None),
        ("/api/security/begin", "", None),
        ("/api/security/confirm", "code=123456", None),
        ("/api/security/disable", "password=x", None),
        ("/api/security/rule", "required=true", Some(Role::Dpo)),
        (
            "/api/users/reset-second-factor",
            "user_id=1",
            Some(Role::Manager),
        ),
        ("/api/consent/purposes", "", Some(Role::Marketing)),
        (
            "/api/consent/save-purpose",
            "key=intrusion&name_en=I&name_fr=I&channel=email&legal_basis=consent&retention_months=36&text_en=I&text_fr=I",
            Some(Role::Marketing),
        ),
        (
            "/api/consent/archive-purpose",
            "id=1&archived=true",
            Some(Role::Sales),
        ),
        ("/api/consent/forms", "", Some(Role::Dpo)),
        (
            "/api/consent/save-form",
            "slug=intrusion&language=en&title=I&intro=I&thanks=I&privacy_url=%2Fprivacy&purposes[0]=1&owner_id=1",
            Some(Role::Sales),
        ),
        (
            "/api/consent/archive-form",
            "id=1&archived=true",
            Some(Role::Manager),
        ),
        ("/api/consent/outbox", "", Some(Role::Dpo)),
        ("/api/privacy/requests", "closed=true", Some(Role::Sales)),
        (
            "/api/privacy/extend-request",
            "id=1&version=1&reason=Later",
            Some(Role::Manager),
        ),
        (
            "/api/privacy/close-request",
            "id=1&version=1&status=done&outcome=Done",
            Some(Role::Marketing),
        ),
        (
            "/api/privacy/erase-for-request",
            "id=1&version=1",
            Some(Role::Readonly),
        ),
        (
            "/api/privacy/send-archive",
            "id=1&version=1",
            Some(Role::Sales),
        ),
        (
            "/api/privacy/set-restriction",
            "person_id=1&restrict=true",
            Some(Role::Manager),
        ),
        (
            "/api/privacy/restrict-for-request",
            "id=1&version=1",
            Some(Role::Marketing),
        ),
        (
            "/api/privacy/save-notice",
            "contact=intruder%40example.com&location=Elsewhere",
            Some(Role::Sales),
        ),
    ];
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .filter(|p| !app::server::policy::PUBLIC_SERVER_FNS.contains(&p.as_str()))
        .collect();
    for path in &registered {
        assert!(
            table.iter().any(|(p, _, _)| p == path),
            "{path} has no entry in the role table"
        );
    }

    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let admin_user = create_user(&db.storage, Role::Admin).await;
    let org_before = db.storage.organisation.get().await.unwrap();
    let mut cookies = std::collections::HashMap::new();
    for (path, args, refused) in table {
        let Some(role) = refused else { continue };
        if !cookies.contains_key(role) {
            cookies.insert(*role, signed_in(&db.storage, *role).await);
        }
        let cookie = &cookies[role];
        let (status, _, body) = call(&app, json_post(path, args, Some(cookie))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path} as {role:?}: {body}");
    }
    assert_eq!(db.storage.organisation.get().await.unwrap(), org_before);
    assert!(db.storage.teams.list().await.unwrap().is_empty());
    assert!(db.storage.tags.list().await.unwrap().is_empty());
    assert!(db.storage.pipelines.pipelines().await.unwrap().is_empty());
    assert!(db.storage.consent.purposes().await.unwrap().is_empty());
    assert!(db.storage.consent.forms().await.unwrap().is_empty());
    assert_eq!(
        db.storage.privacy.notice_settings().await.unwrap(),
        (String::new(), String::new())
    );
    assert!(
        db.storage
            .companies
            .list(app::server::storage::Visibility::All, None, 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.storage
            .people
            .list(app::server::storage::Visibility::All, None, 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !db.storage
            .second_factors
            .required_for_privileged()
            .await
            .unwrap()
    );
    assert!(
        db.storage
            .users
            .get(admin_user.id)
            .await
            .unwrap()
            .unwrap()
            .active
    );
    assert!(
        db.storage
            .users
            .find_by_email(&app::domain::EmailAddress::parse("x@example.com").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

on_both_backends!(every_server_function_refuses_roles_that_must_not_use_it);
