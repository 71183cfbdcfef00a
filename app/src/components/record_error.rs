//! What a record's page (a person, a company, a lead) shows when the record
//! cannot be shown, with the page's HTTP status to match: refused (403,
//! the record belongs to another team), missing (404), or another error.

use crate::error::AppError;
use crate::i18n::use_t;
use leptos::prelude::*;
use leptos_meta::Title;

/// The words of one kind of record for its error page.
#[derive(Clone, Copy)]
pub struct RecordWords {
    /// The list the record belongs to: its title and address.
    pub list_title: &'static str,
    pub list_href: &'static str,
    /// Why a refused reader cannot see it.
    pub forbidden: &'static str,
    /// That there is no such record.
    pub not_found: &'static str,
}

#[component]
pub fn RecordError(error: AppError, words: RecordWords) -> impl IntoView {
    let t = use_t();
    #[cfg(feature = "ssr")]
    set_page_status(error.status());
    let (title, message) = match &error {
        AppError::Forbidden => (t.person_forbidden_title, words.forbidden.to_string()),
        AppError::NotFound => (words.list_title, words.not_found.to_string()),
        other => (words.list_title, other.message(t)),
    };
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p role="alert">{message}</p>
        <p><a href=words.list_href>{words.list_title}</a></p>
    }
}

/// Gives the page being rendered this HTTP status.
#[cfg(feature = "ssr")]
pub(crate) fn set_page_status(status: u16) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}
