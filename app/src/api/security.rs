//! One's own second factor (Settings → Security), and the organisation's
//! rule that administrators and DPOs must have one.
//!
//! Every write backs a plain HTML form and answers with a redirect back to
//! the page carrying the outcome, with or without JavaScript.

use crate::domain::SecurityStatus;
use crate::error::AppError;
use leptos::prelude::*;

pub const BEGIN_FORM: &str = "second_factor_begin";
pub const CONFIRM_FORM: &str = "second_factor_confirm";
pub const DISABLE_FORM: &str = "second_factor_disable";
pub const RULE_FORM: &str = "second_factor_rule";

/// The caller's second-factor state, with the pending enrolment (QR code,
/// secret, recovery codes) if one was begun.
#[server(endpoint = "security/status")]
pub async fn get_security_status() -> Result<SecurityStatus, AppError> {
    use crate::domain::Enrolment;
    use crate::server::auth::totp;
    use crate::server::{context, policy, qr};
    let user = policy::authorize(policy::Action::ManageOwnSecurity)?;
    let ctx = context::server_context()?;
    let factors = &ctx.storage.second_factors;
    let factor = factors
        .get(user.user_id)
        .await
        .map_err(|e| context::internal("second_factors.get", e))?;
    let rule = factors
        .required_for_privileged()
        .await
        .map_err(|e| context::internal("second_factors.required_for_privileged", e))?;
    let unused = match factor.as_ref().and_then(|f| f.confirmed_at) {
        Some(_) => factors
            .unused_recovery_codes(user.user_id)
            .await
            .map_err(|e| context::internal("second_factors.unused_recovery_codes", e))?,
        None => 0,
    };
    let enrolment = match factor.as_ref().filter(|f| f.confirmed_at.is_none()) {
        Some(pending) => {
            let issuer = ctx
                .storage
                .organisation
                .get()
                .await
                .map(|o| o.name.to_string())
                .unwrap_or_else(|_| "Accord".into());
            let uri = totp::otpauth_uri(&pending.secret, &issuer, user.email.as_str());
            let t = crate::i18n::current_locale().t();
            Some(Enrolment {
                qr_svg: qr::svg(&uri, t.security_qr_label).unwrap_or_default(),
                secret: grouped(&totp::base32(&pending.secret)),
                recovery_codes: pending.pending_recovery_codes.clone(),
            })
        }
        None => None,
    };
    Ok(SecurityStatus {
        enabled_since: factor.and_then(|f| f.confirmed_at),
        unused_recovery_codes: unused,
        required: rule && policy::second_factor_applies(user.role),
        required_for_privileged: rule,
        may_change_rule: policy::allows(user.role, policy::Action::EditOrganisation),
        enrolment,
    })
}

/// The secret in groups of four, easier to type from the screen.
#[cfg(feature = "ssr")]
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Begins setting up an authenticator app: a new secret and new recovery
/// codes, replacing any unfinished set-up.
#[server(endpoint = "security/begin")]
pub async fn begin_second_factor() -> Result<(), AppError> {
    use crate::server::auth::{recovery, totp};
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManageOwnSecurity)?;
        let ctx = context::server_context()?;
        let begun = ctx
            .storage
            .second_factors
            .begin(
                user.user_id,
                &totp::new_secret(),
                &recovery::new_codes(),
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| context::internal("second_factors.begin", e))?;
        if !begun {
            return Err(AppError::Conflict);
        }
        tracing::info!(user_id = user.user_id, "second factor set-up begun");
        Ok(())
    }
    .await;
    respond::finish_form(BEGIN_FORM, "", result)
}

/// Confirms the set-up with a first code from the app. From then on,
/// signing in asks for a code; the recovery codes are kept only as hashes.
#[server(endpoint = "security/confirm")]
pub async fn confirm_second_factor(code: String) -> Result<(), AppError> {
    use crate::server::auth::limits::Attempt;
    use crate::server::auth::{recovery, totp};
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManageOwnSecurity)?;
        let ctx = context::server_context()?;
        let attempt = Attempt::begin(&ctx, user.email.as_str()).await?;
        let pending = ctx
            .storage
            .second_factors
            .get(user.user_id)
            .await
            .map_err(|e| context::internal("second_factors.get", e))?
            .filter(|f| f.confirmed_at.is_none())
            .ok_or(AppError::Conflict)?;
        let Some(step) =
            totp::matching_step(&pending.secret, &code, chrono::Utc::now().timestamp())
        else {
            attempt.failed().await;
            return Err(AppError::validation(
                "code",
                crate::domain::Problem::WrongCode,
            ));
        };
        let hashes: Vec<String> = pending
            .pending_recovery_codes
            .iter()
            .map(|c| recovery::hash(c))
            .collect();
        let confirmed = ctx
            .storage
            .second_factors
            .confirm(user.user_id, step, &hashes, chrono::Utc::now())
            .await
            .map_err(|e| context::internal("second_factors.confirm", e))?;
        if !confirmed {
            return Err(AppError::Conflict);
        }
        attempt.succeeded().await;
        tracing::info!(user_id = user.user_id, "second factor turned on");
        Ok(())
    }
    .await;
    respond::finish_form(CONFIRM_FORM, "", result)
}

/// Turns one's second factor off, with the password as proof that the
/// person at the keyboard is the account holder. Refused while the
/// organisation requires one for the user's role.
#[server(endpoint = "security/disable")]
pub async fn disable_second_factor(password: String) -> Result<(), AppError> {
    use crate::server::auth::limits::Attempt;
    use crate::server::auth::password::{Verified, verify};
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManageOwnSecurity)?;
        let ctx = context::server_context()?;
        let required = ctx
            .storage
            .second_factors
            .required_for_privileged()
            .await
            .map_err(|e| context::internal("second_factors.required_for_privileged", e))?;
        if required && policy::second_factor_applies(user.role) {
            return Err(AppError::SecondFactorRequired);
        }
        let attempt = Attempt::begin(&ctx, user.email.as_str()).await?;
        let record = ctx
            .storage
            .users
            .get(user.user_id)
            .await
            .map_err(|e| context::internal("users.get", e))?
            .ok_or(AppError::Unauthenticated)?;
        let verdict = verify(password, record.password_hash).await?;
        if verdict == Verified::No {
            attempt.failed().await;
            return Err(AppError::validation(
                "password",
                crate::domain::Problem::WrongPassword,
            ));
        }
        ctx.storage
            .second_factors
            .remove(user.user_id)
            .await
            .map_err(|e| context::internal("second_factors.remove", e))?;
        tracing::info!(user_id = user.user_id, "second factor turned off");
        Ok(())
    }
    .await;
    respond::finish_form(DISABLE_FORM, "", result)
}

/// Makes a second factor mandatory (or not) for administrators and DPOs
/// (administrators only). Those without one are sent to set it up at
/// their next request.
#[server(endpoint = "security/rule")]
pub async fn set_second_factor_rule(required: bool) -> Result<(), AppError> {
    use crate::server::{context, policy, respond};
    let result = async {
        let admin = policy::authorize(policy::Action::EditOrganisation)?;
        let ctx = context::server_context()?;
        ctx.storage
            .second_factors
            .set_required_for_privileged(required)
            .await
            .map_err(|e| context::internal("second_factors.set_required_for_privileged", e))?;
        tracing::info!(by = admin.user_id, required, "second-factor rule changed");
        Ok(())
    }
    .await;
    respond::finish_form(RULE_FORM, "", result)
}
