//! One deal's page: its details, the history of its stages, a move to
//! another stage (a plain form, so it works without JavaScript too), and
//! the timeline of the person or company it is linked to; and its edit
//! form, which, like a person's, never overwrites someone else's save
//! unseen.

use crate::api::deal::{EDIT_DEAL_FORM, EditDealForm};
use crate::api::pipeline::MOVE_DEAL_FORM;
use crate::api::{MoveDeal, UpdateDeal, get_deal, get_deal_form_choices, get_timeline};
use crate::components::field::Field;
use crate::components::timeline::Timeline;
use crate::domain::{DealDetail, DealFormChoices, StageKind, format_amount, weighted_cents};
use crate::error::AppError;
use crate::i18n::{Catalogue, use_t};
use crate::pages::form_outcome::form_outcome;
use crate::pages::people::day;
use crate::time_format::minutes;
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn deal_id() -> impl Fn() -> Option<i64> + Copy {
    super::area_routes::record_id()
}

/// What a deal that cannot be opened shows, with its status: 403 for
/// another team's deal (the attempt is in the access log), else 404 or the
/// error. `by_role`: refused for the caller's role, not for the deal.
fn refused(t: &'static Catalogue, e: AppError, by_role: bool) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::pages::person::set_page_status(e.status());
    let message = match e {
        AppError::Forbidden if by_role => t.err_forbidden.to_string(),
        AppError::Forbidden => t.deal_forbidden.to_string(),
        AppError::NotFound => t.deal_not_found.to_string(),
        e => e.message(t),
    };
    view! {
        <Title text=t.nav_pipeline/>
        <h1>{t.nav_pipeline}</h1>
        <p role="alert">{message}</p>
        <p><a href="/pipeline">{t.deal_back}</a></p>
    }
}

/// A deal's page.
#[component]
pub fn DealPage() -> impl IntoView {
    let t = use_t();
    let id = deal_id();
    let query = use_query_map();
    let before = move || query.with(|q| q.get("timeline_before"));
    // The linked record's timeline is asked for only once the deal opened.
    let deal = Resource::new(
        move || (id(), before()),
        |(id, before)| async move {
            let id = id.ok_or(AppError::NotFound)?;
            let deal = get_deal(id).await?;
            let linked = match (&deal.person, &deal.company) {
                (Some((id, _)), _) => Some(("person", *id)),
                (None, Some((id, _))) => Some(("company", *id)),
                (None, None) => None,
            };
            let timeline = match linked {
                Some((kind, id)) => Some(get_timeline(kind.into(), id, before).await),
                None => None,
            };
            Ok::<_, AppError>((deal, timeline))
        },
    );
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match deal.await {
                    Ok((deal, timeline)) => Either::Left(view! { <DealView deal timeline/> }),
                    Err(e) => Either::Right(refused(t, e, false)),
                }
            })}
        </Transition>
    }
}

#[component]
fn DealView(
    deal: DealDetail,
    timeline: Option<Result<crate::domain::TimelinePage, AppError>>,
) -> impl IntoView {
    let t = use_t();
    let moved = form_outcome(MOVE_DEAL_FORM);
    let amount = format_amount(deal.amount_cents, &deal.currency);
    let weighted = format_amount(
        weighted_cents(deal.amount_cents, deal.probability),
        &deal.currency,
    );
    let where_now = match (&deal.pipeline, &deal.stage) {
        (Some((_, p)), Some(s)) => format!("{p} · {}", s.name),
        _ => t.deal_on_no_board.to_string(),
    };
    let default_probability = deal
        .stage
        .as_ref()
        .filter(|s| s.probability != deal.probability)
        .map(|s| (t.deal_probability_default)(s.probability));
    let closed = deal
        .stage
        .as_ref()
        .is_some_and(|s| s.kind != StageKind::Open);
    let linked_name = deal
        .person
        .as_ref()
        .or(deal.company.as_ref())
        .map(|(_, n)| n.clone());
    view! {
        <Title text=deal.title.clone()/>
        <p><a href="/pipeline">{t.deal_back}</a></p>
        <h1>{deal.title.clone()}</h1>
        <p class="lede">{where_now} " · " {amount.clone()}</p>
        {moved.saved.then(|| view! { <p class="ok" role="status">{t.deal_moved}</p> })}
        {deal.may_edit.then(|| view! {
            <p><a class="button" href=format!("/deals/{}/edit", deal.id)>{t.deal_edit}</a></p>
        })}
        <section class="card wide" aria-labelledby="deal-facts">
            <h2 id="deal-facts">{t.deal_details}</h2>
            <dl class="facts">
                <dt>{t.deal_amount_label}</dt><dd>{amount}</dd>
                <dt>{t.deal_probability}</dt>
                <dd>{(t.board_probability)(deal.probability)} {default_probability.map(|d| format!(" ({d})"))}</dd>
                <dt>{t.deal_weighted}</dt><dd>{weighted}</dd>
                <dt>{t.deal_expected}</dt><dd>{deal.expected_close.clone().unwrap_or_else(|| "—".into())}</dd>
                {closed.then(|| view! { <dt>{t.board_closed_on}</dt><dd>{deal.closed_on.clone().unwrap_or_else(|| "—".into())}</dd> })}
                {(!deal.lost_reason.is_empty()).then(|| view! { <dt>{t.deal_lost_reason}</dt><dd>{deal.lost_reason.clone()}</dd> })}
                <dt>{t.board_owner}</dt><dd>{deal.owner_name.clone()}</dd>
                <dt>{t.board_team}</dt><dd>{deal.team_name.clone().unwrap_or_else(|| t.person_no_team.to_string())}</dd>
                {deal.person.clone().map(|(id, name)| view! {
                    <dt>{t.deal_person}</dt><dd><a href=format!("/contacts/{id}")>{name}</a></dd>
                })}
                {deal.company.clone().map(|(id, name)| view! {
                    <dt>{t.company_of_person}</dt><dd><a href=format!("/companies/{id}")>{name}</a></dd>
                })}
                {(!deal.source.is_empty()).then(|| view! { <dt>{t.deal_source}</dt><dd>{deal.source.clone()}</dd> })}
                <dt>{t.deal_opened}</dt><dd>{day(&deal.created_at)}</dd>
            </dl>
        </section>
        {(deal.may_edit && !deal.stages.is_empty()).then(|| view! { <MoveForm deal=deal.clone()/> })}
        <section class="card wide" aria-labelledby="deal-history">
            <h2 id="deal-history">{t.deal_history}</h2>
            <table>
                <thead><tr>
                    <th scope="col">{t.deal_history_when}</th>
                    <th scope="col">{t.deal_history_from}</th>
                    <th scope="col">{t.deal_history_to}</th>
                    <th scope="col">{t.deal_history_by}</th>
                </tr></thead>
                <tbody>
                    {deal.history.iter().rev().map(|step| view! {
                        <tr>
                            <td>{minutes(&step.at)}</td>
                            <td>{step.from_stage.clone().unwrap_or_else(|| t.deal_history_start.to_string())}</td>
                            <td>{step.to_stage.clone()}</td>
                            <td>{step.by.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section id="timeline" class="card wide" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{match &linked_name {
                Some(name) => (t.deal_timeline_of)(name),
                None => t.timeline_title.to_string(),
            }}</h2>
            {match timeline {
                Some(Ok(page)) => EitherOf3::A(view! { <Timeline page page_link=move |c| format!("?timeline_before={c}#timeline")/> }),
                Some(Err(e)) => EitherOf3::B(view! { <p class="form-error" role="alert">{e.message(t)}</p> }),
                None => EitherOf3::C(view! { <p class="notice">{t.deal_not_linked}</p> }),
            }}
        </section>
    }
}

/// Moving the deal to another stage of its pipeline (at the end of that
/// column), with the reason a lost stage needs.
#[component]
fn MoveForm(deal: DealDetail) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(MOVE_DEAL_FORM);
    let err = |field: &str| outcome.field_message(t, field);
    let general = outcome.general_error().map(|e| match e {
        AppError::Conflict => t.deal_move_conflict.to_string(),
        e => e.message(t),
    });
    let current = deal.stage.as_ref().map(|s| s.id);
    view! {
        <section class="card wide" aria-labelledby="deal-move">
            <h2 id="deal-move">{t.deal_move_title}</h2>
            {general.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <form method="post" action=MoveDeal::PATH class="filters">
                <input type="hidden" name="deal_id" value=deal.id.to_string()/>
                <input type="hidden" name="version" value=deal.version.to_string()/>
                <div class="field">
                    <label for="move-stage">{t.deal_stage_label}</label>
                    <select id="move-stage" name="to_stage_id" aria-describedby="move-stage-error">
                        {deal.stages.iter().map(|s| view! {
                            <option value=s.id.to_string() selected=Some(s.id) == current>{s.name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <p id="move-stage-error" class="field-error">{err("to_stage_id")}</p>
                </div>
                <div class="field">
                    <label for="move-reason">{t.deal_lost_reason_if}</label>
                    <input id="move-reason" name="lost_reason" type="text" autocomplete="off" maxlength="200"
                        aria-describedby="move-reason-error"/>
                    <p id="move-reason-error" class="field-error">{err("lost_reason")}</p>
                </div>
                <div class="actions"><button type="submit">{t.deal_move}</button></div>
            </form>
        </section>
    }
}

/// A deal's edit page.
#[component]
pub fn EditDealPage() -> impl IntoView {
    let t = use_t();
    let id = deal_id();
    let deal = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_deal(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let choices = Resource::new(|| (), |_| get_deal_form_choices());
    view! {
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                let choices = choices.await;
                match (deal.await, choices) {
                    (Err(e), _) => Either::Right(refused(t, e, false)),
                    (Ok(_), Err(e)) => Either::Right(refused(t, e, true)),
                    (Ok(deal), Ok(choices)) if deal.may_edit => Either::Left(view! { <EditForm deal choices/> }),
                    (Ok(_), Ok(_)) => Either::Right(refused(t, AppError::Forbidden, true)),
                }
            })}
        </Transition>
    }
}

#[component]
fn EditForm(deal: DealDetail, choices: DealFormChoices) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(EDIT_DEAL_FORM);
    let typed: Option<EditDealForm> = outcome
        .value
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok());
    let conflict = outcome.changed_meanwhile();
    let err = |field: &str| outcome.field_message(t, field);
    let general = outcome.general_error();
    let stage_default = deal.stage.as_ref().map(|s| s.probability);
    let shown = typed.unwrap_or_else(|| EditDealForm {
        id: deal.id.to_string(),
        version: deal.version.to_string(),
        title: deal.title.clone(),
        amount: format_plain(deal.amount_cents),
        currency: Some(deal.currency.clone()),
        // Shown empty while it follows the stage.
        probability: (Some(deal.probability) != stage_default)
            .then(|| deal.probability.to_string()),
        expected_close: deal.expected_close.clone(),
        owner_id: Some(deal.owner_id.to_string()),
        team_id: deal.team_id.map(|t| t.to_string()),
        company: deal.company.as_ref().map(|(_, n)| n.clone()),
    });
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let theirs = conflict.then(|| {
        view! {
            <section class="card wide conflict" aria-labelledby="their-version">
                <p class="form-error" role="alert">{t.err_changed_meanwhile}</p>
                <h2 id="their-version">{t.deal_their_version}</h2>
                <dl class="facts">
                    <dt>{t.deal_title_label}</dt><dd>{deal.title.clone()}</dd>
                    <dt>{t.deal_amount_label}</dt><dd>{format_amount(deal.amount_cents, &deal.currency)}</dd>
                    <dt>{t.deal_probability}</dt><dd>{(t.board_probability)(deal.probability)}</dd>
                    <dt>{t.deal_expected}</dt><dd>{deal.expected_close.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{t.board_owner}</dt><dd>{deal.owner_name.clone()}</dd>
                    <dt>{t.board_team}</dt><dd>{deal.team_name.clone().unwrap_or_else(|| t.person_no_team.to_string())}</dd>
                    <dt>{t.company_of_person}</dt><dd>{deal.company.as_ref().map(|(_, n)| n.clone()).unwrap_or_default()}</dd>
                </dl>
                <p class="help">{t.person_your_version_help}</p>
            </section>
        }
    });
    let owner_typed = v(&shown.owner_id);
    let team_typed = v(&shown.team_id);
    let title = (t.deal_edit_title)(&deal.title);
    let probability_help = stage_default.map(|p| (t.deal_probability_help)(p));
    view! {
        <Title text=title.clone()/>
        <p><a href=format!("/deals/{}", deal.id)>{deal.title.clone()}</a></p>
        <h1>{title}</h1>
        {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
        {theirs}
        <form method="post" action=UpdateDeal::PATH class="stack card wide" aria-label=t.deal_edit>
            <input type="hidden" name="id" value=deal.id.to_string()/>
            // After a conflict the next save is made knowingly, on the
            // version just shown.
            <input type="hidden" name="version" value=deal.version.to_string()/>
            <Field id="deal-title" name="title" label=t.deal_title_label kind="text" autocomplete="off"
                error=err("title") value=shown.title.clone()/>
            <Field id="deal-amount" name="amount" label=t.deal_amount_label kind="text" autocomplete="off"
                error=err("amount") value=shown.amount.clone()/>
            <Field id="deal-currency" name="currency" label=t.deal_currency_label kind="text" autocomplete="off"
                error=err("currency") value=v(&shown.currency)/>
            <Field id="deal-probability" name="probability" label=t.deal_probability_label kind="text" autocomplete="off"
                error=err("probability") value=v(&shown.probability) help=probability_help.unwrap_or_default() optional=true/>
            <Field id="deal-company" name="company" label=t.company_of_person kind="text" autocomplete="off"
                error=err("company") value=v(&shown.company) optional=true/>
            <Field id="deal-close" name="expected_close" label=t.deal_expected_close kind="date" autocomplete="off"
                error=err("expected_close") value=v(&shown.expected_close) optional=true/>
            <div class="field">
                <label for="deal-owner">{t.board_owner}</label>
                <select id="deal-owner" name="owner_id" aria-describedby="deal-owner-error">
                    {(!choices.owners.iter().any(|(id, _)| *id == deal.owner_id)).then(|| view! {
                        <option value=deal.owner_id.to_string() selected=owner_typed == deal.owner_id.to_string()>{deal.owner_name.clone()}</option>
                    })}
                    {choices.owners.into_iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=owner_typed == id.to_string()>{name}</option>
                    }).collect_view()}
                </select>
                <p id="deal-owner-error" class="field-error">{err("owner_id")}</p>
            </div>
            <div class="field">
                <label for="deal-team">{t.board_team}</label>
                <select id="deal-team" name="team_id" aria-describedby="deal-team-error">
                    <option value="">{t.person_no_team}</option>
                    {deal.team_id.filter(|id| !choices.teams.iter().any(|(t, _)| t == id)).map(|id| view! {
                        <option value=id.to_string() selected=team_typed == id.to_string()>{deal.team_name.clone().unwrap_or_default()}</option>
                    })}
                    {choices.teams.into_iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=team_typed == id.to_string()>{name}</option>
                    }).collect_view()}
                </select>
                <p id="deal-team-error" class="field-error">{err("team_id")}</p>
            </div>
            <div class="actions">
                <button type="submit" class="primary">{t.deal_save}</button>
            </div>
        </form>
    }
}

/// An amount in cents as a person types it back: `1500.50`, `1500`.
fn format_plain(cents: i64) -> String {
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::format_plain;
    use crate::domain::amount_cents;

    #[test]
    fn an_amount_shown_for_editing_reads_back_as_itself() {
        for cents in [0, 5, 150_000, 150_050, 1_000_000_000_000] {
            assert_eq!(amount_cents(&format_plain(cents)), Ok(cents), "{cents}");
        }
    }
}
