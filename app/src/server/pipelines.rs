//! The pipeline Accord proposes when there is none yet.

use crate::domain::{DEFAULT_STAGES, Pipeline};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::server::storage::{NewStage, Storage, StorageError};

/// Every pipeline; if there is none, first creates the default one with
/// its names in `locale` (the first pipeline also takes in the deals that
/// were converted from leads before it existed).
pub async fn ensure_default(
    storage: &Storage,
    locale: Locale,
) -> Result<Vec<Pipeline>, StorageError> {
    let pipelines = storage.pipelines.pipelines().await?;
    if !pipelines.is_empty() {
        return Ok(pipelines);
    }
    storage
        .pipelines
        .create_first_pipeline(locale.t().default_pipeline_name, &default_stages(locale))
        .await?;
    storage.pipelines.pipelines().await
}

/// The stages Accord proposes for a new pipeline, named in `locale`.
pub fn default_stages(locale: Locale) -> Vec<NewStage> {
    DEFAULT_STAGES
        .iter()
        .zip(locale.t().default_stage_names)
        .map(|((probability, kind), name)| NewStage {
            name: name.to_string(),
            probability: *probability,
            kind: *kind,
        })
        .collect()
}

/// `(id, name)` choices offered in a form.
pub type Choices = Vec<(i64, String)>;

/// The pipelines not archived, as choices, and the one asked for (the
/// first when none, or one that is not open, is asked).
pub fn open_and_chosen(
    all: &[Pipeline],
    asked: Option<i64>,
) -> Result<(Choices, &Pipeline), AppError> {
    let open: Vec<&Pipeline> = all.iter().filter(|p| !p.archived).collect();
    let chosen = asked
        .and_then(|id| open.iter().find(|p| p.id == id))
        .or(open.first())
        .copied()
        .ok_or(AppError::NotFound)?;
    Ok((
        open.iter().map(|p| (p.id, p.name.clone())).collect(),
        chosen,
    ))
}
