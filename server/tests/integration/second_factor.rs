//! The second factor (TOTP and recovery codes), on both backends: the
//! store's contract, signing in with a code, setting it up through the
//! server functions, and the rule that obliges administrators and DPOs.

use crate::auth::{call, form_post, get, json_post, session_cookie_from, state};
use crate::on_both_backends;
use crate::support::{TestDb, create_user, password_for, signed_in};
use app::domain::{Role, SecurityStatus};
use app::server::auth::{recovery, totp};
use app::server::storage::Storage;
use axum::http::{StatusCode, header};

const SECRET: &[u8] = b"an example secret!!!";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn code_now() -> String {
    totp::code_at(SECRET, totp::step_at(now()))
}

/// Gives `user_id` a confirmed authenticator with `SECRET`, and returns
/// its recovery codes. The confirming step is an old one, so that the
/// current code is still unused.
async fn enrol(storage: &Storage, user_id: i64) -> Vec<String> {
    let codes = recovery::new_codes();
    let factors = &storage.second_factors;
    assert!(
        factors
            .begin(user_id, SECRET, &codes, chrono::Utc::now())
            .await
            .unwrap()
    );
    let hashes: Vec<String> = codes.iter().map(|c| recovery::hash(c)).collect();
    assert!(
        factors
            .confirm(user_id, 1, &hashes, chrono::Utc::now())
            .await
            .unwrap()
    );
    codes
}

fn password_form(role: Role, next: &str) -> String {
    format!(
        "email={}%40example.com&password={}&next={next}",
        role.as_str(),
        password_for(role).replace(' ', "+")
    )
}

/// Signs in with the password; returns the pending session's cookie and
/// where the answer led.
async fn password_step(app: &axum::Router, role: Role) -> (String, String) {
    let (status, headers, _) = call(
        app,
        form_post(
            "/api/auth/sign-in",
            &password_form(role, "%2Fpipeline"),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    (
        session_cookie_from(&headers).expect("a session cookie"),
        location,
    )
}

on_both_backends!(
    the_store_keeps_one_enrolment_and_spends_codes_once,
    the_password_alone_opens_only_the_code_form,
    a_code_signs_in_once_and_a_recovery_code_too,
    ten_wrong_codes_lock_the_account,
    setting_up_and_turning_off_through_the_server_functions,
    the_rule_sends_administrators_and_dpos_to_set_up_first,
    an_administrator_resets_a_lost_second_factor,
);

async fn the_store_keeps_one_enrolment_and_spends_codes_once(backend: &str) {
    let db = TestDb::on(backend).await;
    let user = create_user(&db.storage, Role::Sales).await;
    let factors = &db.storage.second_factors;
    assert_eq!(factors.get(user.id).await.unwrap(), None);

    let first = vec!["aaaa-bbbb-cccc".to_string()];
    assert!(
        factors
            .begin(user.id, b"first", &first, chrono::Utc::now())
            .await
            .unwrap()
    );
    // Restarting an unconfirmed set-up replaces it.
    let codes = recovery::new_codes();
    assert!(
        factors
            .begin(user.id, SECRET, &codes, chrono::Utc::now())
            .await
            .unwrap()
    );
    let pending = factors.get(user.id).await.unwrap().unwrap();
    assert_eq!(pending.secret, SECRET);
    assert_eq!(pending.pending_recovery_codes, codes);
    assert_eq!(pending.confirmed_at, None);
    assert_eq!(factors.enrolled_users().await.unwrap(), Vec::<i64>::new());
    // Codes are not usable before confirmation.
    assert!(!factors.use_step(user.id, 100).await.unwrap());

    let hashes: Vec<String> = codes.iter().map(|c| recovery::hash(c)).collect();
    assert!(
        factors
            .confirm(user.id, 100, &hashes, chrono::Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !factors
            .confirm(user.id, 101, &hashes, chrono::Utc::now())
            .await
            .unwrap()
    );
    let confirmed = factors.get(user.id).await.unwrap().unwrap();
    assert!(confirmed.confirmed_at.is_some());
    assert!(
        confirmed.pending_recovery_codes.is_empty(),
        "plain codes are dropped"
    );
    assert_eq!(factors.enrolled_users().await.unwrap(), vec![user.id]);
    // A confirmed authenticator is not replaced by a new set-up.
    assert!(
        !factors
            .begin(user.id, b"other", &first, chrono::Utc::now())
            .await
            .unwrap()
    );
    assert_eq!(factors.get(user.id).await.unwrap().unwrap().secret, SECRET);

    // Steps only move forward: a code is good once.
    assert!(!factors.use_step(user.id, 100).await.unwrap());
    assert!(factors.use_step(user.id, 101).await.unwrap());
    assert!(!factors.use_step(user.id, 101).await.unwrap());
    assert!(!factors.use_step(user.id, 99).await.unwrap());

    assert_eq!(factors.unused_recovery_codes(user.id).await.unwrap(), 10);
    assert!(
        factors
            .use_recovery_code(user.id, &hashes[3], chrono::Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !factors
            .use_recovery_code(user.id, &hashes[3], chrono::Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !factors
            .use_recovery_code(user.id, "unknown", chrono::Utc::now())
            .await
            .unwrap()
    );
    assert_eq!(factors.unused_recovery_codes(user.id).await.unwrap(), 9);

    assert!(factors.remove(user.id).await.unwrap());
    assert!(!factors.remove(user.id).await.unwrap());
    assert_eq!(factors.get(user.id).await.unwrap(), None);
    assert_eq!(factors.unused_recovery_codes(user.id).await.unwrap(), 0);

    assert!(!factors.required_for_privileged().await.unwrap());
    factors.set_required_for_privileged(true).await.unwrap();
    assert!(factors.required_for_privileged().await.unwrap());
}

async fn the_password_alone_opens_only_the_code_form(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let user = create_user(&db.storage, Role::Admin).await;
    enrol(&db.storage, user.id).await;

    let (pending, location) = password_step(&app, Role::Admin).await;
    assert_eq!(location, "/sign-in/code?next=%2Fpipeline");
    let (status, _, body) = call(&app, get("/sign-in/code?next=%2Fpipeline", Some(&pending))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("name=\"code\""), "{body}");
    // Pages lead back to the code form; server functions see no session.
    let (status, headers, _) = call(&app, get("/settings", Some(&pending))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/sign-in/code?next=%2Fsettings");
    for path in [
        "/api/users/list",
        "/api/organisation/rename",
        "/api/security/status",
    ] {
        let (status, _, _) = call(&app, json_post(path, "name=X", Some(&pending))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (_, _, me) = call(&app, json_post("/api/auth/me", "", Some(&pending))).await;
    assert_eq!(me, "null");
    // Signing out from there ends the pending session.
    call(&app, form_post("/api/auth/sign-out", "", Some(&pending))).await;
    let (status, _, _) = call(
        &app,
        form_post(
            "/api/auth/second-factor",
            &format!("code={}", code_now()),
            Some(&pending),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        db.storage
            .sessions
            .list_for_user(user.id)
            .await
            .unwrap()
            .len(),
        0
    );
}

async fn a_code_signs_in_once_and_a_recovery_code_too(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let user = create_user(&db.storage, Role::Sales).await;
    let recovery_codes = enrol(&db.storage, user.id).await;

    let (pending, _) = password_step(&app, Role::Sales).await;
    let (status, headers, _) = call(
        &app,
        form_post(
            "/api/auth/second-factor",
            "code=000000&next=%2Fpipeline",
            Some(&pending),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("form_error"),
        "a wrong code goes back to the form with the error"
    );

    let code = code_now();
    let (status, headers, _) = call(
        &app,
        form_post(
            "/api/auth/second-factor",
            &format!("code={code}&next=%2Fpipeline"),
            Some(&pending),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], "/pipeline");
    let full = session_cookie_from(&headers).expect("a new session");
    assert_ne!(full, pending, "a new session id after the second factor");
    let (status, _, body) = call(&app, get("/pipeline", Some(&full))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Signed in as Test sales"));
    // The pending session is gone.
    let (status, _, _) = call(&app, get("/pipeline", Some(&pending))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The same code cannot open a second session.
    let (pending, _) = password_step(&app, Role::Sales).await;
    let (_, headers, _) = call(
        &app,
        form_post(
            "/api/auth/second-factor",
            &format!("code={code}"),
            Some(&pending),
        ),
    )
    .await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("invalid_code")
    );

    // A recovery code works, however typed, and once.
    let typed = recovery_codes[0].to_uppercase().replace('-', " ");
    let (_, headers, _) = call(
        &app,
        form_post(
            "/api/auth/second-factor",
            &format!("code={}", typed.replace(' ', "+")),
            Some(&pending),
        ),
    )
    .await;
    assert_eq!(headers[header::LOCATION], "/");
    assert_eq!(
        db.storage
            .second_factors
            .unused_recovery_codes(user.id)
            .await
            .unwrap(),
        9
    );
    let (pending, _) = password_step(&app, Role::Sales).await;
    let (_, headers, _) = call(
        &app,
        form_post(
            "/api/auth/second-factor",
            &format!("code={}", recovery_codes[0]),
            Some(&pending),
        ),
    )
    .await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("invalid_code")
    );
}

async fn ten_wrong_codes_lock_the_account(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let user = create_user(&db.storage, Role::Sales).await;
    enrol(&db.storage, user.id).await;
    let (pending, _) = password_step(&app, Role::Sales).await;
    for _ in 0..10 {
        let (status, _, body) = call(
            &app,
            json_post("/api/auth/second-factor", "code=000000", Some(&pending)),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // Even the right code is refused now, and so is the password step
    // (entering the password again does not reset the count).
    let (status, _, body) = call(
        &app,
        json_post(
            "/api/auth/second-factor",
            &format!("code={}", code_now()),
            Some(&pending),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, _, _) = call(
        &app,
        json_post(
            "/api/auth/sign-in",
            &password_form(Role::Sales, "%2F"),
            None,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn status(app: &axum::Router, cookie: &str) -> SecurityStatus {
    let (code, _, body) = call(app, json_post("/api/security/status", "", Some(cookie))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn setting_up_and_turning_off_through_the_server_functions(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let cookie = signed_in(&db.storage, Role::Marketing).await;
    let user = db
        .storage
        .users
        .find_by_email(&app::domain::EmailAddress::parse("marketing@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();

    let before = status(&app, &cookie).await;
    assert_eq!(before.enabled_since, None);
    assert!(before.enrolment.is_none());
    assert!(!before.may_change_rule);

    let (code, _, body) = call(&app, json_post("/api/security/begin", "", Some(&cookie))).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let begun = status(&app, &cookie).await;
    let enrolment = begun.enrolment.expect("a pending set-up");
    assert!(enrolment.qr_svg.starts_with("<svg") && enrolment.qr_svg.contains("<path"));
    assert_eq!(enrolment.recovery_codes.len(), 10);
    let secret = db
        .storage
        .second_factors
        .get(user.id)
        .await
        .unwrap()
        .unwrap()
        .secret;
    assert_eq!(enrolment.secret.replace(' ', ""), totp::base32(&secret));

    let (code, _, body) = call(
        &app,
        json_post("/api/security/confirm", "code=000000", Some(&cookie)),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("wrong_code"), "{body}");
    let right = totp::code_at(&secret, totp::step_at(now()));
    let (code, _, body) = call(
        &app,
        json_post(
            "/api/security/confirm",
            &format!("code={right}"),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let on = status(&app, &cookie).await;
    assert!(on.enabled_since.is_some());
    assert!(
        on.enrolment.is_none(),
        "codes are shown only before confirmation"
    );
    assert_eq!(on.unused_recovery_codes, 10);
    // The confirming code is spent.
    let step = totp::step_at(now());
    assert!(
        !db.storage
            .second_factors
            .use_step(user.id, step - 1)
            .await
            .unwrap()
    );

    let (code, _, body) = call(
        &app,
        json_post(
            "/api/security/disable",
            "password=wrong+password",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("wrong_password"), "{body}");
    assert!(status(&app, &cookie).await.enabled_since.is_some());
    let form = format!(
        "password={}",
        password_for(Role::Marketing).replace(' ', "+")
    );
    let (code, _, body) = call(
        &app,
        json_post("/api/security/disable", &form, Some(&cookie)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(status(&app, &cookie).await.enabled_since, None);
}

async fn the_rule_sends_administrators_and_dpos_to_set_up_first(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let admin = signed_in(&db.storage, Role::Admin).await;
    let dpo = signed_in(&db.storage, Role::Dpo).await;
    let sales = signed_in(&db.storage, Role::Sales).await;

    let (code, _, body) = call(
        &app,
        json_post("/api/security/rule", "required=true", Some(&admin)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(
        db.storage
            .second_factors
            .required_for_privileged()
            .await
            .unwrap()
    );

    // The DPO (and the admin) are sent to set it up; sales are not.
    for cookie in [&dpo, &admin] {
        let (code, headers, _) = call(&app, get("/privacy-office", Some(cookie))).await;
        assert_eq!(code, StatusCode::SEE_OTHER);
        assert_eq!(headers[header::LOCATION], "/settings/security");
    }
    let (code, _, body) = call(&app, get("/settings/security", Some(&dpo))).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        body.contains("requires a second factor for your role"),
        "{body}"
    );
    assert_eq!(call(&app, get("/", Some(&sales))).await.0, StatusCode::OK);
    let (code, _, body) = call(&app, json_post("/api/access-log/search", "", Some(&dpo))).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(body.contains("second_factor_required"), "{body}");
    let me = status(&app, &dpo).await;
    assert!(me.required && me.enabled_since.is_none());

    // Once set up, everything opens again, and it cannot be turned off.
    let dpo_user = db
        .storage
        .users
        .find_by_email(&app::domain::EmailAddress::parse("dpo@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    enrol(&db.storage, dpo_user.id).await;
    let (code, _, _) = call(&app, json_post("/api/access-log/search", "", Some(&dpo))).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        call(&app, get("/privacy-office", Some(&dpo))).await.0,
        StatusCode::OK
    );
    let form = format!("password={}", password_for(Role::Dpo).replace(' ', "+"));
    let (code, _, body) = call(&app, json_post("/api/security/disable", &form, Some(&dpo))).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
    assert!(
        db.storage
            .second_factors
            .get(dpo_user.id)
            .await
            .unwrap()
            .is_some()
    );
}

async fn an_administrator_resets_a_lost_second_factor(backend: &str) {
    let db = TestDb::on(backend).await;
    let app = server::router::build(state(db.storage.clone()));
    let admin = signed_in(&db.storage, Role::Admin).await;
    let sales = signed_in(&db.storage, Role::Sales).await;
    let sales_user = db
        .storage
        .users
        .find_by_email(&app::domain::EmailAddress::parse("sales@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    enrol(&db.storage, sales_user.id).await;
    let (_, _, body) = call(&app, json_post("/api/users/list", "", Some(&admin))).await;
    assert!(body.contains("\"second_factor\":true"), "{body}");

    let form = format!("user_id={}", sales_user.id);
    let (code, _, body) = call(
        &app,
        json_post("/api/users/reset-second-factor", &form, Some(&admin)),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(
        db.storage
            .second_factors
            .get(sales_user.id)
            .await
            .unwrap()
            .is_none()
    );
    // Their sessions ended with it.
    assert_eq!(
        call(&app, get("/", Some(&sales))).await.0,
        StatusCode::SEE_OTHER
    );
    let (code, _, _) = call(
        &app,
        json_post("/api/users/reset-second-factor", &form, Some(&admin)),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
}
