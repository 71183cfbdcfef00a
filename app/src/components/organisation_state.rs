use crate::api::RenameOrganisation;
use crate::domain::Organisation;
use crate::error::AppError;
use leptos::prelude::*;

/// The organisation record and its rename action, shared by the header and
/// the home page through context.
#[derive(Clone, Copy)]
pub struct OrganisationState {
    pub organisation: Resource<Result<Organisation, AppError>>,
    pub rename: ServerAction<RenameOrganisation>,
}
