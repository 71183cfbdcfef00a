//! Settings → Pipelines: each pipeline with its stages in board order. A
//! stage is renamed and given its default probability, moved left or
//! right, or archived (asking where its deals go); stages are added, and
//! pipelines created and renamed. Plain forms throughout: the page works
//! without JavaScript, and each message shows next to what it is about.

use super::form_outcome::{form_outcome, general_message};
use crate::api::pipeline_settings::{NEW_PIPELINE_FORM, pipeline_form, stage_form};
use crate::api::{
    AddStage, ArchiveStage, CreatePipeline, EditStage, MoveStage, RenamePipeline,
    get_pipeline_settings,
};
use crate::domain::{Pipeline, PipelineSettings, Role, STAGE_NAME_MAX, Stage, StageKind};
use crate::i18n::use_t;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// Whether the signed-in user manages pipelines (for the links to here).
pub(crate) fn may_manage_pipelines() -> bool {
    use crate::components::organisation_state::MeResource;
    use_context::<MeResource>()
        .and_then(|me| me.0.get().and_then(|r| r.ok()).flatten())
        .is_some_and(|me| matches!(me.role, Role::Admin | Role::Manager))
}

#[component]
pub fn PipelineSettingsPage() -> impl IntoView {
    let t = use_t();
    let settings = Resource::new(|| (), |_| get_pipeline_settings());
    view! {
        <Title text=t.pipelines_title/>
        <p><a href="/settings">{t.nav_settings}</a></p>
        <h1>{t.pipelines_title}</h1>
        <p class="lede">{t.pipelines_intro}</p>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => Either::Left(view! { <Pipelines settings/> }),
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
fn Pipelines(settings: PipelineSettings) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(NEW_PIPELINE_FORM);
    let error = outcome.field_message(t, "name");
    let pipelines: Vec<Pipeline> = settings.pipelines.clone();
    view! {
        {pipelines.into_iter().filter(|p| !p.archived).map(|p| view! {
            <PipelineCard pipeline=p settings=settings.clone()/>
        }).collect_view()}
        <section class="card wide" aria-labelledby="new-pipeline">
            <h2 id="new-pipeline">{t.pipelines_new}</h2>
            {general_message(t, &outcome)}
            <form method="post" action=CreatePipeline::PATH class="filters">
                <div class="field">
                    <label for="new-pipeline-name">{t.pipelines_name}</label>
                    <input id="new-pipeline-name" name="name" type="text" required
                        maxlength=STAGE_NAME_MAX.to_string() autocomplete="off"
                        aria-describedby="new-pipeline-help new-pipeline-error"
                        aria-invalid=if error.is_some() { "true" } else { "false" }
                        value=if outcome.error.is_some() { outcome.value.clone() } else { None }/>
                    <p id="new-pipeline-help" class="help">{t.pipelines_new_help}</p>
                    <p id="new-pipeline-error" class="field-error">{error}</p>
                </div>
                <div class="actions"><button type="submit">{t.pipelines_create}</button></div>
            </form>
        </section>
    }
}

#[component]
fn PipelineCard(pipeline: Pipeline, settings: PipelineSettings) -> impl IntoView {
    let t = use_t();
    let id = pipeline.id;
    let outcome = form_outcome(&pipeline_form(id));
    let typed = outcome
        .error
        .is_some()
        .then(|| outcome.value.clone())
        .flatten();
    let heading = format!("pipeline-{id}");
    let labelled_by = heading.clone();
    let in_use: Vec<Stage> = pipeline
        .stages
        .iter()
        .filter(|s| !s.archived)
        .cloned()
        .collect();
    let archived: Vec<String> = pipeline
        .stages
        .iter()
        .filter(|s| s.archived)
        .map(|s| s.name.clone())
        .collect();
    let last = in_use.len().saturating_sub(1);
    let stages = in_use.clone();
    let name_error = outcome.field_message(t, "name");
    let probability_error = outcome.field_message(t, "probability");
    view! {
        <section class="card wide" aria-labelledby=labelled_by>
            <h2 id=heading>{pipeline.name.clone()}</h2>
            {general_message(t, &outcome)}
            <form method="post" action=RenamePipeline::PATH class="filters">
                <input type="hidden" name="pipeline_id" value=id.to_string()/>
                <div class="field">
                    <label for=format!("pipeline-{id}-name")>{t.pipelines_name}</label>
                    <input id=format!("pipeline-{id}-name") name="name" type="text" required
                        maxlength=STAGE_NAME_MAX.to_string() autocomplete="off"
                        value=pipeline.name.clone()/>
                </div>
                <div class="actions"><button type="submit">{t.pipelines_rename}</button></div>
            </form>
            <h3>{t.pipelines_stages}</h3>
            <ol class="stage-list">
                {stages.into_iter().enumerate().map(|(i, stage)| {
                    let targets: Vec<Stage> = in_use
                        .iter()
                        .filter(|s| s.id != stage.id && s.kind == stage.kind)
                        .cloned()
                        .collect();
                    let deals = settings.deals_in(stage.id);
                    view! { <StageRow stage deals targets first=i == 0 last=i == last/> }
                }).collect_view()}
            </ol>
            {(!archived.is_empty()).then(|| view! {
                <p class="help">{(t.pipelines_archived)(&archived.join(", "))}</p>
            })}
            <h3 id=format!("add-stage-{id}")>{t.pipelines_add_stage}</h3>
            <form method="post" action=AddStage::PATH class="filters" aria-labelledby=format!("add-stage-{id}")>
                <input type="hidden" name="pipeline_id" value=id.to_string()/>
                <div class="field">
                    <label for=format!("new-stage-{id}-name")>{t.pipelines_stage_name}</label>
                    <input id=format!("new-stage-{id}-name") name="name" type="text" required
                        maxlength=STAGE_NAME_MAX.to_string() autocomplete="off"
                        aria-describedby=format!("new-stage-{id}-name-error") value=typed/>
                    <p id=format!("new-stage-{id}-name-error") class="field-error">{name_error}</p>
                </div>
                <div class="field">
                    <label for=format!("new-stage-{id}-probability")>{t.pipelines_probability}</label>
                    <input id=format!("new-stage-{id}-probability") name="probability" type="number"
                        min="0" max="100" required value="50"
                        aria-describedby=format!("new-stage-{id}-probability-error")/>
                    <p id=format!("new-stage-{id}-probability-error") class="field-error">{probability_error}</p>
                </div>
                <div class="field">
                    <label for=format!("new-stage-{id}-kind")>{t.pipelines_kind}</label>
                    <select id=format!("new-stage-{id}-kind") name="kind">
                        {StageKind::ALL.iter().map(|k| view! {
                            <option value=k.key()>{(t.pipelines_kind_name)(*k)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="actions"><button type="submit">{t.pipelines_add}</button></div>
            </form>
        </section>
    }
}

/// One stage: its name and probability, its place, and archiving it.
#[component]
fn StageRow(
    stage: Stage,
    deals: i64,
    targets: Vec<Stage>,
    first: bool,
    last: bool,
) -> impl IntoView {
    let t = use_t();
    let id = stage.id;
    let outcome = form_outcome(&stage_form(id));
    let name_error = outcome.field_message(t, "name");
    let probability_error = outcome.field_message(t, "probability");
    let move_error = outcome.field_message(t, "move_to");
    let typed = outcome
        .error
        .is_some()
        .then(|| outcome.value.clone())
        .flatten();
    let label = format!("stage-{id}-label");
    let labelled_by = label.clone();
    view! {
        <li class="stage-row" aria-labelledby=labelled_by>
            <p id=label class="stage-label">
                <strong>{stage.name.clone()}</strong>
                " · " {(t.pipelines_kind_name)(stage.kind)}
                " · " {(t.board_count)(deals)}
            </p>
            {general_message(t, &outcome)}
            <form method="post" action=EditStage::PATH class="filters">
                <input type="hidden" name="stage_id" value=id.to_string()/>
                <div class="field">
                    <label for=format!("stage-{id}-name")>{t.pipelines_stage_name}</label>
                    <input id=format!("stage-{id}-name") name="name" type="text" required
                        maxlength=STAGE_NAME_MAX.to_string() autocomplete="off"
                        aria-describedby=format!("stage-{id}-name-error")
                        value=typed.unwrap_or_else(|| stage.name.clone())/>
                    <p id=format!("stage-{id}-name-error") class="field-error">{name_error}</p>
                </div>
                <div class="field">
                    <label for=format!("stage-{id}-probability")>{t.pipelines_probability}</label>
                    <input id=format!("stage-{id}-probability") name="probability" type="number"
                        min="0" max="100" required value=stage.probability.to_string()
                        aria-describedby=format!("stage-{id}-probability-error")/>
                    <p id=format!("stage-{id}-probability-error") class="field-error">{probability_error}</p>
                </div>
                <div class="actions"><button type="submit">{t.pipelines_save_stage}</button></div>
            </form>
            <div class="actions">
                {(!first).then(|| view! {
                    <form method="post" action=MoveStage::PATH class="inline">
                        <input type="hidden" name="stage_id" value=id.to_string()/>
                        <button type="submit" name="direction" value="up"
                            aria-label=(t.pipelines_move_up)(&stage.name)>{t.pipelines_up}</button>
                    </form>
                })}
                {(!last).then(|| view! {
                    <form method="post" action=MoveStage::PATH class="inline">
                        <input type="hidden" name="stage_id" value=id.to_string()/>
                        <button type="submit" name="direction" value="down"
                            aria-label=(t.pipelines_move_down)(&stage.name)>{t.pipelines_down}</button>
                    </form>
                })}
            </div>
            <form method="post" action=ArchiveStage::PATH class="filters">
                <input type="hidden" name="stage_id" value=id.to_string()/>
                {(deals > 0).then(|| view! {
                    <div class="field">
                        <label for=format!("stage-{id}-move-to")>{(t.pipelines_move_deals_to)(deals)}</label>
                        <select id=format!("stage-{id}-move-to") name="move_to"
                            aria-describedby=format!("stage-{id}-move-to-error")>
                            <option value="">{t.pipelines_choose}</option>
                            {targets.iter().map(|s| view! {
                                <option value=s.id.to_string()>{s.name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                })}
                <p id=format!("stage-{id}-move-to-error") class="field-error">{move_error}</p>
                <div class="actions">
                    <button type="submit" aria-label=(t.pipelines_archive_one)(&stage.name)>{t.pipelines_archive}</button>
                </div>
            </form>
        </li>
    }
}
