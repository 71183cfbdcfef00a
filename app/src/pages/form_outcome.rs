use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// What a no-JavaScript form post came back with, read from the query
/// string that `server::respond::finish_form` wrote: the error, the value
/// typed, and whether it saved.
#[derive(Debug, Clone, Default)]
pub struct FormOutcome {
    pub error: Option<AppError>,
    pub value: Option<String>,
    pub saved: bool,
}

/// The outcome for the form named `form` (each form reads only its own).
pub fn form_outcome(form: &str) -> FormOutcome {
    use_query_map().with_untracked(|q| {
        let ours = q.get("form").as_deref() == Some(form);
        FormOutcome {
            error: ours
                .then(|| q.get("form_error"))
                .flatten()
                .and_then(|json| serde_json::from_str::<AppError>(&json).ok()),
            value: ours.then(|| q.get("value")).flatten(),
            saved: q.get("saved").as_deref() == Some(form),
        }
    })
}
