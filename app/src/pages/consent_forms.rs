//! Settings → Forms: the public consent forms, and the builder. A form
//! asks the e-mail address and the name, plus the fields chosen from the
//! field catalogue (each saying which purposes need it, with a warning
//! when none of the form's purposes does); it offers purposes as separate
//! boxes that are never ticked in advance. Saving a change publishes a
//! new version; the builder shows the form's address and the snippet that
//! embeds it in another site.

use super::consent_purposes::TextInput;
use super::form_outcome::{form_outcome, general_message};
use crate::api::consent::FORM_BUILDER;
use crate::api::{ArchiveForm, SaveForm, get_forms};
use crate::domain::consent::{FormField, FormInput, FormsView};
use crate::i18n::{Locale, use_t};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Which purposes need a field, by their channel, with its catalogue key.
fn field_purposes(t: &'static crate::i18n::Catalogue, field: FormField) -> String {
    use crate::domain::consent::Channel;
    let channels: Vec<&str> = Channel::ALL
        .iter()
        .filter(|c| field.needed_by(**c))
        .map(|c| c.label(t))
        .collect();
    if channels.is_empty() {
        (t.forms_field_needed_none)(field.catalogue_key())
    } else {
        (t.forms_field_needed)(field.catalogue_key(), &channels.join(", "))
    }
}

#[component]
pub fn FormsPage() -> impl IntoView {
    let t = use_t();
    let editing =
        use_query_map().with_untracked(|q| q.get("form").and_then(|v| v.parse::<i64>().ok()));
    let view_data = Resource::new(move || editing, get_forms);
    view! {
        <Title text=t.forms_title/>
        <p><a href="/settings">{t.nav_settings}</a></p>
        <h1>{t.forms_title}</h1>
        <p class="lede">{t.forms_intro}</p>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => Either::Left(view! { <Forms data/> }),
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

#[component]
fn Forms(data: FormsView) -> impl IntoView {
    let t = use_t();
    let rows = data.forms.clone();
    view! {
        <section class="card wide" aria-labelledby="forms-list">
            <h2 id="forms-list">{t.forms_list}</h2>
            {if rows.is_empty() {
                Either::Left(view! { <p>{t.forms_none}</p> })
            } else {
                Either::Right(view! {
                    <table>
                        <thead><tr>
                            <th scope="col">{t.forms_form_title}</th>
                            <th scope="col">{t.forms_address}</th>
                            <th scope="col">{t.forms_version}</th>
                            <th scope="col">{t.forms_purposes}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|f| view! {
                                <tr>
                                    <td><a href=format!("/settings/forms?form={}", f.id)>{f.title}</a>
                                        {f.archived.then(|| view! { " " <span class="badge">{t.purposes_archived}</span> })}</td>
                                    <td><a href=format!("/f/{}", f.slug)><code>{format!("/f/{}", f.slug)}</code></a></td>
                                    <td>{f.version} " · " {f.language.endonym()}</td>
                                    <td>{f.purposes.join(", ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            }}
            {data.editing.is_some().then(|| view! { <p><a href="/settings/forms">{t.forms_new}</a></p> })}
        </section>
        <Builder data/>
    }
}

#[component]
fn Builder(data: FormsView) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(FORM_BUILDER);
    let err = |field: &str| outcome.field_message(t, field);
    let editing = data.editing.clone();
    let typed: Option<FormInput> = outcome
        .error
        .as_ref()
        .and(outcome.value.as_deref())
        .and_then(|v| serde_json::from_str(v).ok());
    let values = typed.unwrap_or_else(|| match &editing {
        Some(e) => e.input.clone(),
        None => FormInput {
            language: crate::i18n::current_locale().code().to_string(),
            privacy_url: "/privacy".into(),
            owner_id: data.me.to_string(),
            ..Default::default()
        },
    });
    let heading = match &editing {
        Some(e) => (t.forms_edit)(&values.title, e.version),
        None => t.forms_new.to_string(),
    };
    let asked = values.fields.clone();
    let offered = values.purposes.clone();
    let language = values.language.clone();
    let owner = values.owner_id.clone();
    view! {
        <section class="card wide" aria-labelledby="builder">
            <h2 id="builder">{heading}</h2>
            {general_message(t, &outcome)}
            {editing.clone().map(|e| {
                let snippet = format!(
                    "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"760\" style=\"border:0\"></iframe>",
                    e.address, values.title.replace('"', "&quot;")
                );
                view! {
                    <p>{t.forms_public_address} " " <a href=e.address.clone()>{e.address.clone()}</a></p>
                    {(!e.unneeded.is_empty()).then(|| view! {
                        <div class="warning" role="note">
                            <p><strong>{t.forms_minimisation_title}</strong></p>
                            <p>{(t.forms_minimisation)(&e.unneeded.iter().map(|f| f.label(t)).collect::<Vec<_>>().join(", "))}</p>
                        </div>
                    })}
                    <div class="field">
                        <label for="embed-snippet">{t.forms_embed}</label>
                        <textarea id="embed-snippet" readonly rows="3" aria-describedby="embed-help">{snippet}</textarea>
                        <p id="embed-help" class="help">{t.forms_embed_help}</p>
                    </div>
                }
            })}
            <form method="post" action=SaveForm::PATH class="stack">
                <input type="hidden" name="id" value=values.id.clone()/>
                <TextInput id="form-slug".into() name="slug" label=t.forms_slug value=values.slug.clone() error=err("slug") help=t.forms_slug_help/>
                <div class="field">
                    <label for="form-language">{t.forms_language}</label>
                    <select id="form-language" name="language">
                        {Locale::ALL.iter().map(|l| view! {
                            <option value=l.code() selected=language == l.code()>{l.endonym()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <TextInput id="form-title".into() name="title" label=t.forms_form_title value=values.title.clone() error=err("title")/>
                <TextInput id="form-intro".into() name="intro" label=t.forms_intro_label value=values.intro.clone() error=err("intro") multiline=true/>
                <fieldset aria-describedby="form-fields-help form-fields-error">
                    <legend>{t.forms_fields}</legend>
                    <p id="form-fields-help" class="help">{t.forms_fields_help}</p>
                    {FormField::ALL.iter().enumerate().map(|(i, f)| {
                        let always = FormField::ALWAYS.contains(f);
                        let checked = always || asked.iter().any(|a| a == f.key());
                        let input_id = format!("form-field-{}", f.key());
                        view! {
                            <div class="choice">
                                <input type="checkbox" id=input_id.clone() name=format!("fields[{i}]") value=f.key()
                                    checked=checked disabled=always/>
                                <label for=input_id>{f.label(t)} " " <span class="help">
                                    {if always { t.forms_field_always.to_string() } else { field_purposes(t, *f) }}
                                </span></label>
                            </div>
                        }
                    }).collect_view()}
                    <p id="form-fields-error" class="field-error">{err("fields")}</p>
                </fieldset>
                <fieldset aria-describedby="form-purposes-error">
                    <legend>{t.forms_purposes}</legend>
                    {if data.purposes.is_empty() {
                        Either::Left(view! { <p>{t.forms_no_purposes} " " <a href="/settings/consent">{t.purposes_title}</a></p> })
                    } else {
                        Either::Right(data.purposes.iter().enumerate().map(|(i, p)| {
                            let input_id = format!("form-purpose-{}", p.id);
                            let checked = offered.iter().any(|o| o == &p.id.to_string());
                            view! {
                                <div class="choice">
                                    <input type="checkbox" id=input_id.clone() name=format!("purposes[{i}]") value=p.id.to_string() checked=checked/>
                                    <label for=input_id>{p.name.clone()} " " <span class="help">"(" {p.channel.label(t)} ")"</span></label>
                                </div>
                            }
                        }).collect_view())
                    }}
                    <p id="form-purposes-error" class="field-error">{err("purposes")}</p>
                </fieldset>
                <TextInput id="form-privacy".into() name="privacy_url" label=t.forms_privacy value=values.privacy_url.clone() error=err("privacy_url") help=t.forms_privacy_help/>
                <TextInput id="form-thanks".into() name="thanks" label=t.forms_thanks value=values.thanks.clone() error=err("thanks") multiline=true/>
                <div class="field">
                    <label for="form-owner">{t.forms_owner}</label>
                    <select id="form-owner" name="owner_id" aria-describedby="form-owner-help form-owner-error">
                        {data.owners.iter().map(|(id, name)| view! {
                            <option value=id.to_string() selected=owner == id.to_string()>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <p id="form-owner-help" class="help">{t.forms_owner_help}</p>
                    <p id="form-owner-error" class="field-error">{err("owner_id")}</p>
                </div>
                <TextInput id="form-frame".into() name="frame_ancestors" label=t.forms_frame value=values.frame_ancestors.clone()
                    error=err("frame_ancestors") help=t.forms_frame_help optional=true/>
                <div class="actions"><button type="submit" class="primary">{t.forms_save}</button></div>
            </form>
            {editing.map(|e| {
                let archived = data.forms.iter().any(|f| f.id == e.id && f.archived);
                view! {
                    <form method="post" action=ArchiveForm::PATH class="inline">
                        <input type="hidden" name="id" value=e.id.to_string()/>
                        <input type="hidden" name="archived" value=(!archived).to_string()/>
                        <button type="submit">{if archived { t.forms_reopen } else { t.forms_archive }}</button>
                    </form>
                }
            })}
        </section>
    }
}
