//! Settings → Consent purposes: what people are asked to agree to, each
//! with its channel, legal basis, retention period, named partners and
//! its text in English and French. Saving a changed text publishes a new
//! version; every version stays, with its SHA-256, as the proof of the
//! consents given on it.

use super::form_outcome::{FormOutcome, form_outcome, general_message};
use crate::api::consent::{NEW_PURPOSE_FORM, purpose_form};
use crate::api::{ArchivePurpose, SavePurpose, get_purposes};
use crate::domain::LegalBasis;
use crate::domain::consent::{Channel, PurposeInput, PurposeView};
use crate::i18n::{current_locale, use_t};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// A text input with its label, help and error, ids prefixed per form.
#[component]
pub(crate) fn TextInput(
    id: String,
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
    #[prop(optional)] help: Option<&'static str>,
    #[prop(optional)] optional: bool,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let described = format!("{id}-help {id}-error");
    let invalid = if error.is_some() { "true" } else { "false" };
    let input = if multiline {
        Either::Left(view! {
            <textarea id=id.clone() name=name rows="4" required=!optional
                aria-invalid=invalid aria-describedby=described.clone()>{value}</textarea>
        })
    } else {
        Either::Right(view! {
            <input id=id.clone() name=name type="text" required=!optional value=value autocomplete="off"
                aria-invalid=invalid aria-describedby=described.clone()/>
        })
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {input}
            <p id=format!("{id}-help") class="help">{help}</p>
            <p id=format!("{id}-error") class="field-error">{error}</p>
        </div>
    }
}

#[component]
pub fn PurposesPage() -> impl IntoView {
    let t = use_t();
    let purposes = Resource::new(|| (), |_| get_purposes());
    view! {
        <Title text=t.purposes_title/>
        <p><a href="/settings">{t.nav_settings}</a></p>
        <h1>{t.purposes_title}</h1>
        <p class="lede">{t.purposes_intro}</p>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match purposes.await {
                    Ok(list) => Either::Left(view! {
                        {list.into_iter().map(|p| view! { <PurposeCard purpose=p/> }).collect_view()}
                        <NewPurpose/>
                    }),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        crate::pages::person::set_page_status(e.status());
                        Either::Right(view! { <p class="form-error" role="alert">{e.message(t)}</p> })
                    }
                }
            })}
        </Transition>
    }
}

/// The first 12 hex digits of a hash, the whole one on hover and for
/// screen readers.
pub(crate) fn short_hash(hash: &str) -> impl IntoView + use<> {
    let short: String = hash.chars().take(12).collect();
    view! { <code title=hash.to_string() aria-label=hash.to_string()>{short}</code> }
}

#[component]
fn PurposeCard(purpose: PurposeView) -> impl IntoView {
    let t = use_t();
    let id = purpose.id;
    let outcome = form_outcome(&purpose_form(id));
    let heading = format!("purpose-{id}");
    let name = purpose.name(current_locale()).to_string();
    let typed: Option<PurposeInput> = outcome
        .error
        .as_ref()
        .and(outcome.value.as_deref())
        .and_then(|v| serde_json::from_str(v).ok());
    let open = typed.is_some();
    let values = typed.unwrap_or_else(|| PurposeInput {
        id: id.to_string(),
        key: purpose.key.clone(),
        name_en: purpose.name_en.clone(),
        name_fr: purpose.name_fr.clone(),
        channel: purpose.channel.key().to_string(),
        legal_basis: purpose.legal_basis.key().to_string(),
        retention_months: purpose.retention_months.to_string(),
        partners: purpose.partners.join("\n"),
        text_en: purpose.text_en.clone(),
        text_fr: purpose.text_fr.clone(),
    });
    let archive_error = outcome.field_message(t, "archive");
    let archived = purpose.archived;
    let labelled = heading.clone();
    view! {
        <section class="card wide" aria-labelledby=labelled data-purpose=purpose.key.clone()>
            <h2 id=heading>{name}{archived.then(|| view! { " " <span class="badge">{t.purposes_archived}</span> })}</h2>
            {general_message(t, &outcome)}
            <dl class="facts">
                <dt>{t.purposes_key}</dt><dd><code>{purpose.key.clone()}</code></dd>
                <dt>{t.purposes_channel}</dt><dd>{purpose.channel.label(t)}</dd>
                <dt>{t.purposes_basis}</dt><dd>{(t.legal_basis_name)(purpose.legal_basis)}</dd>
                <dt>{t.purposes_retention}</dt><dd>{(t.purposes_months)(purpose.retention_months)}</dd>
                <dt>{t.purposes_partners}</dt>
                <dd>{if purpose.partners.is_empty() { t.purposes_no_partners.to_string() } else { purpose.partners.join(", ") }}</dd>
                <dt>{t.purposes_version}</dt>
                <dd>{purpose.version} " · EN " {short_hash(&purpose.sha256_en)} " · FR " {short_hash(&purpose.sha256_fr)}</dd>
            </dl>
            <details class="text" open=false>
                <summary>{t.purposes_texts}</summary>
                <p lang="en">{purpose.text_en.clone()}</p>
                <p lang="fr">{purpose.text_fr.clone()}</p>
            </details>
            <details open=open>
                <summary>{t.purposes_edit}</summary>
                <PurposeFields prefix=format!("p{id}") values outcome=outcome.clone()/>
            </details>
            <form method="post" action=ArchivePurpose::PATH class="inline">
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="archived" value=(!archived).to_string()/>
                <button type="submit">{if archived { t.purposes_restore } else { t.purposes_archive }}</button>
                <p class="field-error" role="alert">{archive_error}</p>
            </form>
        </section>
    }
}

#[component]
fn NewPurpose() -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(NEW_PURPOSE_FORM);
    let values: PurposeInput = outcome
        .error
        .as_ref()
        .and(outcome.value.as_deref())
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_else(|| PurposeInput {
            channel: Channel::Email.key().to_string(),
            legal_basis: LegalBasis::Consent.key().to_string(),
            retention_months: "36".into(),
            ..Default::default()
        });
    view! {
        <section class="card wide" aria-labelledby="new-purpose">
            <h2 id="new-purpose">{t.purposes_new}</h2>
            {general_message(t, &outcome)}
            <PurposeFields prefix="new".to_string() values outcome/>
        </section>
    }
}

#[component]
fn PurposeFields(prefix: String, values: PurposeInput, outcome: FormOutcome) -> impl IntoView {
    let t = use_t();
    let err = |field: &str| outcome.field_message(t, field);
    let id = |field: &str| format!("{prefix}-{field}");
    let channel = values.channel.clone();
    let basis = values.legal_basis.clone();
    view! {
        <form method="post" action=SavePurpose::PATH class="stack">
            <input type="hidden" name="id" value=values.id.clone()/>
            <TextInput id=id("key") name="key" label=t.purposes_key value=values.key.clone() error=err("key") help=t.purposes_key_help/>
            <TextInput id=id("name_en") name="name_en" label=t.purposes_name_en value=values.name_en.clone() error=err("name_en")/>
            <TextInput id=id("name_fr") name="name_fr" label=t.purposes_name_fr value=values.name_fr.clone() error=err("name_fr")/>
            <div class="field">
                <label for=id("channel")>{t.purposes_channel}</label>
                <select id=id("channel") name="channel">
                    {Channel::ALL.iter().map(|c| view! {
                        <option value=c.key() selected=channel == c.key()>{c.label(t)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=id("legal_basis")>{t.purposes_basis}</label>
                <select id=id("legal_basis") name="legal_basis">
                    {LegalBasis::ALL.iter().map(|b| view! {
                        <option value=b.key() selected=basis == b.key()>{(t.legal_basis_name)(*b)}</option>
                    }).collect_view()}
                </select>
            </div>
            <TextInput id=id("retention_months") name="retention_months" label=t.purposes_retention
                value=values.retention_months.clone() error=err("retention_months") help=t.purposes_retention_help/>
            <TextInput id=id("partners") name="partners" label=t.purposes_partners value=values.partners.clone()
                error=err("partners") help=t.purposes_partners_help optional=true multiline=true/>
            <TextInput id=id("text_en") name="text_en" label=t.purposes_text_en value=values.text_en.clone()
                error=err("text_en") help=t.purposes_text_help multiline=true/>
            <TextInput id=id("text_fr") name="text_fr" label=t.purposes_text_fr value=values.text_fr.clone()
                error=err("text_fr") help=t.purposes_text_help multiline=true/>
            <div class="actions"><button type="submit" class="primary">{t.purposes_save}</button></div>
        </form>
    }
}
