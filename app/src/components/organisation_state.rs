use crate::domain::{Me, Organisation};
use crate::error::AppError;
use leptos::prelude::*;

/// The organisation record, shared by the header and the home page through
/// context.
#[derive(Clone, Copy)]
pub struct OrganisationState {
    pub organisation: Resource<Result<Organisation, AppError>>,
}

/// Who is signed in (with what the policy lets them do), shared through
/// context by the header and the pages.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, AppError>>);
