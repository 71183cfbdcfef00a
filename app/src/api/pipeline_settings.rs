//! Settings → Pipelines: managers and administrators create and rename
//! pipelines, and add, rename, reorder and archive their stages. Every
//! form here is a plain form (it works without JavaScript); each names its
//! outcome after the pipeline or stage it is about, so that a message
//! shows next to the right one.

use crate::domain::PipelineSettings;
use crate::error::AppError;
use leptos::prelude::*;

pub const NEW_PIPELINE_FORM: &str = "new_pipeline";

/// The outcome name of the forms about pipeline `id` (rename, new stage).
pub fn pipeline_form(id: i64) -> String {
    format!("pipeline_{id}")
}

/// The outcome name of the forms about stage `id` (edit, move, archive).
pub fn stage_form(id: i64) -> String {
    format!("stage_{id}")
}

/// Every pipeline with its stages and how many deals each holds.
#[server(endpoint = "pipelines/settings")]
pub async fn get_pipeline_settings() -> Result<PipelineSettings, AppError> {
    use crate::server::{context, pipelines, policy, respond};
    let result = async {
        policy::authorize(policy::Action::ManagePipelines)?;
        let ctx = context::server_context()?;
        let all = pipelines::ensure_default(&ctx.storage, crate::i18n::current_locale())
            .await
            .map_err(|e| context::internal("pipelines.list", e))?;
        let deal_counts = ctx
            .storage
            .pipelines
            .stage_deal_counts()
            .await
            .map_err(|e| context::internal("pipelines.stage_deal_counts", e))?;
        Ok(PipelineSettings {
            pipelines: all,
            deal_counts,
        })
    }
    .await;
    result.inspect_err(respond::set_error_status)
}

/// A new pipeline, with the stages Accord proposes (in the caller's
/// language), ready to be renamed and reordered.
#[server(endpoint = "pipelines/create")]
pub async fn create_pipeline(name: String) -> Result<(), AppError> {
    use crate::domain::stage_name;
    use crate::server::{context, pipelines, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManagePipelines)?;
        let name = stage_name(&name).map_err(|p| AppError::validation("name", p))?;
        let ctx = context::server_context()?;
        // The default pipeline first, so that this one is never mistaken
        // for the first (which takes in deals waiting for a board).
        pipelines::ensure_default(&ctx.storage, crate::i18n::current_locale())
            .await
            .map_err(|e| context::internal("pipelines.list", e))?;
        let id = ctx
            .storage
            .pipelines
            .create_pipeline(
                &name,
                &pipelines::default_stages(crate::i18n::current_locale()),
            )
            .await
            .map_err(|e| context::internal("pipelines.create", e))?;
        tracing::info!(user_id = user.user_id, pipeline_id = id, "pipeline created");
        Ok(())
    }
    .await;
    respond::finish_form(NEW_PIPELINE_FORM, &name, result)
}

#[server(endpoint = "pipelines/rename")]
pub async fn rename_pipeline(pipeline_id: i64, name: String) -> Result<(), AppError> {
    use crate::domain::stage_name;
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManagePipelines)?;
        let name = stage_name(&name).map_err(|p| AppError::validation("name", p))?;
        let done = context::server_context()?
            .storage
            .pipelines
            .rename_pipeline(pipeline_id, &name)
            .await
            .map_err(|e| context::internal("pipelines.rename", e))?;
        if !done {
            return Err(AppError::NotFound);
        }
        tracing::info!(user_id = user.user_id, pipeline_id, "pipeline renamed");
        Ok(())
    }
    .await;
    respond::finish_form(&pipeline_form(pipeline_id), &name, result)
}

/// A stage's name and probability, as typed.
#[cfg(feature = "ssr")]
fn stage_fields(name: &str, probability: &str) -> Result<(String, u8), AppError> {
    use crate::domain::{probability as parse_probability, stage_name};
    let name = stage_name(name).map_err(|p| AppError::validation("name", p))?;
    let probability =
        parse_probability(probability).map_err(|p| AppError::validation("probability", p))?;
    Ok((name, probability))
}

#[server(endpoint = "pipelines/add-stage")]
pub async fn add_stage(
    pipeline_id: i64,
    name: String,
    probability: String,
    kind: String,
) -> Result<(), AppError> {
    use crate::domain::{Problem, StageKind};
    use crate::server::storage::{NewStage, StorageError};
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManagePipelines)?;
        let (name, probability) = stage_fields(&name, &probability)?;
        let kind = StageKind::parse(kind.trim())
            .map_err(|_| AppError::validation("kind", Problem::UnknownChoice))?;
        let id = context::server_context()?
            .storage
            .pipelines
            .add_stage(
                pipeline_id,
                &NewStage {
                    name,
                    probability,
                    kind,
                },
            )
            .await
            .map_err(|e| match e {
                StorageError::Missing(_) => AppError::NotFound,
                e => context::internal("pipelines.add_stage", e),
            })?;
        tracing::info!(
            user_id = user.user_id,
            pipeline_id,
            stage_id = id,
            "stage added"
        );
        Ok(())
    }
    .await;
    respond::finish_form(&pipeline_form(pipeline_id), &name, result)
}

#[server(endpoint = "pipelines/edit-stage")]
pub async fn edit_stage(stage_id: i64, name: String, probability: String) -> Result<(), AppError> {
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManagePipelines)?;
        let (name, probability) = stage_fields(&name, &probability)?;
        let done = context::server_context()?
            .storage
            .pipelines
            .edit_stage(stage_id, &name, probability)
            .await
            .map_err(|e| context::internal("pipelines.edit_stage", e))?;
        if !done {
            return Err(AppError::NotFound);
        }
        tracing::info!(user_id = user.user_id, stage_id, "stage edited");
        Ok(())
    }
    .await;
    respond::finish_form(&stage_form(stage_id), &name, result)
}

/// Moves a stage one place `up` (towards the board's left) or down.
#[server(endpoint = "pipelines/move-stage")]
pub async fn move_stage(stage_id: i64, direction: String) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManagePipelines)?;
        let up = match direction.as_str() {
            "up" => true,
            "down" => false,
            _ => return Err(AppError::validation("direction", Problem::UnknownChoice)),
        };
        // At an end already: nothing to do, and nothing wrong.
        context::server_context()?
            .storage
            .pipelines
            .move_stage(stage_id, up)
            .await
            .map_err(|e| context::internal("pipelines.move_stage", e))?;
        tracing::info!(user_id = user.user_id, stage_id, up, "stage moved");
        Ok(())
    }
    .await;
    respond::finish_form(&stage_form(stage_id), "", result)
}

/// Archives a stage; the deals it holds go first to `move_to`, a stage of
/// the same kind in the same pipeline (asked for when there are some).
#[server(endpoint = "pipelines/archive-stage")]
pub async fn archive_stage(stage_id: i64, move_to: Option<String>) -> Result<(), AppError> {
    use crate::domain::Problem;
    use crate::server::storage::ArchiveRefusal;
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ManagePipelines)?;
        let move_to = match move_to.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                raw.parse::<i64>()
                    .map_err(|_| AppError::validation("move_to", Problem::UnknownChoice))?,
            ),
        };
        let outcome = context::server_context()?
            .storage
            .pipelines
            .archive_stage(stage_id, move_to, user.user_id)
            .await
            .map_err(|e| context::internal("pipelines.archive_stage", e))?;
        match outcome {
            Ok(moved) => {
                tracing::info!(user_id = user.user_id, stage_id, moved, "stage archived");
                Ok(())
            }
            Err(ArchiveRefusal::NotFound) => Err(AppError::NotFound),
            Err(ArchiveRefusal::DealsToMove(_)) => {
                Err(AppError::validation("move_to", Problem::DealsToMove))
            }
            Err(ArchiveRefusal::BadTarget) => {
                Err(AppError::validation("move_to", Problem::UnknownChoice))
            }
            Err(ArchiveRefusal::LastOpenStage) => {
                Err(AppError::validation("move_to", Problem::LastOpenStage))
            }
        }
    }
    .await;
    respond::finish_form(&stage_form(stage_id), "", result)
}
