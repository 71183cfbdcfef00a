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

impl FormOutcome {
    /// The message of `field`'s problem, in the reader's language.
    pub fn field_message(&self, t: &crate::i18n::Catalogue, field: &str) -> Option<String> {
        self.error
            .as_ref()
            .and_then(|e| e.problem_for(field))
            .map(|p| p.message(t))
    }

    /// The error that is not about one field (shown above the form).
    pub fn general_error(&self) -> Option<AppError> {
        self.error
            .clone()
            .filter(|e| !matches!(e, AppError::Validation { .. }))
    }

    /// Whether the save was refused because someone saved first.
    pub fn changed_meanwhile(&self) -> bool {
        self.error.as_ref().and_then(|e| e.problem_for("version"))
            == Some(crate::domain::Problem::ChangedMeanwhile)
    }
}

/// The message of a form that is not about one field: "Saved", or why it
/// was refused (a field's problem shows next to the field instead).
pub fn general_message(
    t: &'static crate::i18n::Catalogue,
    outcome: &FormOutcome,
) -> Option<AnyView> {
    match (&outcome.error, outcome.saved) {
        (Some(AppError::Validation { .. }), _) => None,
        (Some(e), _) => {
            Some(view! { <p class="form-error" role="alert">{e.message(t)}</p> }.into_any())
        }
        (None, true) => Some(view! { <p class="status" role="status">{t.saved}</p> }.into_any()),
        _ => None,
    }
}
