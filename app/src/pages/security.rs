use super::form_outcome::{FormOutcome, form_outcome};
use crate::api::security::{BEGIN_FORM, CONFIRM_FORM, DISABLE_FORM, RULE_FORM};
use crate::api::{
    BeginSecondFactor, ConfirmSecondFactor, DisableSecondFactor, SetSecondFactorRule,
    get_security_status,
};
use crate::components::field::Field;
use crate::domain::{Enrolment, SecurityStatus};
use crate::i18n::{Catalogue, use_t};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// A form's error (if any), for a form without field-level messages.
fn general_error(t: &'static Catalogue, outcome: &FormOutcome) -> Option<impl IntoView + use<>> {
    outcome
        .error
        .as_ref()
        .filter(|e| !matches!(e, crate::error::AppError::Validation { .. }))
        .map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })
}

fn field_error(t: &'static Catalogue, outcome: &FormOutcome, field: &str) -> Option<String> {
    outcome
        .error
        .as_ref()
        .and_then(|e| e.problem_for(field))
        .map(|p| p.message(t))
}

/// Settings → Security: one's second factor (set up, confirm, turn off)
/// and, for administrators, the organisation's rule.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let t = use_t();
    let status = Resource::new(|| (), |_| get_security_status());
    view! {
        <Title text=t.security_title/>
        <h1>{t.security_title}</h1>
        <p class="lede">{t.security_intro}</p>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => Either::Left(view! { <SecurityStatusView status/> }),
                    Err(e) => Either::Right(view! { <p class="error" role="alert">{e.message(t)}</p> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn SecurityStatusView(status: SecurityStatus) -> impl IntoView {
    let t = use_t();
    let must_set_up = status.required && status.enabled_since.is_none();
    let rule = status
        .may_change_rule
        .then(|| view! { <RuleSection required=status.required_for_privileged/> });
    let body = match (status.enabled_since, status.enrolment) {
        (Some(since), _) => Either::Left(view! {
            <p class="status">{(t.security_on)(&crate::time_format::minutes(&since))}</p>
            <p>{(t.security_codes_left)(status.unused_recovery_codes)}</p>
            <DisableSection required=status.required/>
        }),
        (None, Some(enrolment)) => {
            Either::Right(Either::Left(view! { <EnrolmentSection enrolment/> }))
        }
        (None, None) => Either::Right(Either::Right(view! { <BeginSection/> })),
    };
    view! {
        <section class="card wide" aria-labelledby="second-factor-title">
            <h2 id="second-factor-title">{t.user_second_factor}</h2>
            {must_set_up.then(|| view! { <p class="notice" role="alert">{t.security_required_notice}</p> })}
            {body}
        </section>
        {rule}
    }
}

#[component]
fn BeginSection() -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(BEGIN_FORM);
    view! {
        <p>{t.security_off}</p>
        {general_error(t, &outcome)}
        <form method="post" action=BeginSecondFactor::PATH>
            <button type="submit" class="primary">{t.security_begin_button}</button>
        </form>
    }
}

#[component]
fn EnrolmentSection(enrolment: Enrolment) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(CONFIRM_FORM);
    let code_error = field_error(t, &outcome, "code");
    view! {
        <h3 id="setup-title">{t.security_setup_title}</h3>
        <p>{t.security_setup_steps}</p>
        // Drawn by the server from the set-up link; geometry only.
        <div class="qr-frame" inner_html=enrolment.qr_svg></div>
        <p>
            {t.security_secret_label} ": "
            <code class="secret" id="totp-secret">{enrolment.secret}</code>
        </p>
        <h3 id="codes-title">{t.security_codes_title}</h3>
        <p id="codes-help">{t.security_codes_help}</p>
        <ul class="recovery-codes" aria-labelledby="codes-title" aria-describedby="codes-help">
            {enrolment.recovery_codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ul>
        {general_error(t, &outcome)}
        <form method="post" action=ConfirmSecondFactor::PATH class="stack" aria-labelledby="setup-title">
            <Field id="code" name="code" label=t.security_code_label kind="text"
                autocomplete="one-time-code" error=code_error value=String::new()/>
            <div class="actions">
                <button type="submit" class="primary">{t.security_confirm_button}</button>
            </div>
        </form>
        <form method="post" action=BeginSecondFactor::PATH>
            <button type="submit">{t.security_restart_button}</button>
        </form>
    }
}

#[component]
fn DisableSection(required: bool) -> impl IntoView {
    let t = use_t();
    if required {
        return Either::Left(view! { <p>{t.security_required_keep}</p> });
    }
    let outcome = form_outcome(DISABLE_FORM);
    let password_error = field_error(t, &outcome, "password");
    Either::Right(view! {
        <h3 id="disable-title">{t.security_disable_title}</h3>
        {general_error(t, &outcome)}
        <form method="post" action=DisableSecondFactor::PATH class="stack" aria-labelledby="disable-title">
            <Field id="disable-password" name="password" label=t.security_current_password kind="password"
                autocomplete="current-password" error=password_error value=String::new()/>
            <div class="actions">
                <button type="submit">{t.security_disable_button}</button>
            </div>
        </form>
    })
}

#[component]
fn RuleSection(required: bool) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(RULE_FORM);
    let (text, button) = if required {
        (t.security_rule_on, t.security_rule_relax)
    } else {
        (t.security_rule_off, t.security_rule_require)
    };
    view! {
        <section class="card wide" aria-labelledby="rule-title">
            <h2 id="rule-title">{t.security_rule_title}</h2>
            <p>{text}</p>
            {general_error(t, &outcome)}
            {outcome.saved.then(|| view! { <p class="status" role="status">{t.saved}</p> })}
            <form method="post" action=SetSecondFactorRule::PATH>
                <input type="hidden" name="required" value=(!required).to_string()/>
                <button type="submit">{button}</button>
            </form>
        </section>
    }
}
