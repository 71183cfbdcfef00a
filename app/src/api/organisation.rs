//! Read and rename the organisation: the vertical slice through server
//! function, storage trait and both database backends.

use crate::domain::Organisation;
#[cfg(feature = "ssr")]
use crate::domain::OrganisationName;
use crate::error::AppError;
use leptos::prelude::*;

/// Name of the rename form, echoed in the no-JavaScript redirect.
pub const RENAME_FORM: &str = "organisation";

/// The organisation's current record.
#[server(endpoint = "organisation/get")]
pub async fn get_organisation() -> Result<Organisation, AppError> {
    use crate::server::{context, respond};
    use tracing::Instrument;

    let result = async {
        crate::server::policy::authorize(crate::server::policy::Action::ViewWorkspace)?;
        let ctx = context::server_context()?;
        ctx.storage
            .organisation
            .get()
            .await
            .map_err(|e| context::internal("organisation.get", e))
    }
    .instrument(tracing::info_span!("server_fn", name = "organisation.get"))
    .await;
    if let Err(e) = &result {
        respond::set_error_status(e);
    }
    result
}

/// Renames the organisation. `name` is validated here again whatever the
/// browser checked: the server never trusts the client.
#[server(endpoint = "organisation/rename")]
pub async fn rename_organisation(name: String) -> Result<Organisation, AppError> {
    use crate::server::{context, respond};
    use tracing::Instrument;

    let result = async {
        crate::server::policy::authorize(crate::server::policy::Action::EditOrganisation)?;
        let valid = OrganisationName::parse(&name).map_err(|p| AppError::validation("name", p))?;
        let ctx = context::server_context()?;
        let saved = ctx
            .storage
            .organisation
            .rename(&valid)
            .await
            .map_err(|e| context::internal("organisation.rename", e))?;
        tracing::info!("organisation renamed");
        Ok(saved)
    }
    .instrument(tracing::info_span!(
        "server_fn",
        name = "organisation.rename"
    ))
    .await;
    respond::finish_form(RENAME_FORM, &name, result)
}
