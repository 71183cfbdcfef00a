//! One module per page.

pub mod area;
pub mod area_routes;
pub mod board;
pub mod companies;
pub mod company_edit;
pub mod consent_forms;
pub mod consent_purposes;
pub mod dashboard;
pub mod deal;
pub mod form_outcome;
pub mod home;
pub mod leads;
pub mod not_found;
pub mod organisation_form;
pub mod outbox;
pub mod people;
pub mod person;
pub mod person_edit;
pub mod pipeline_settings;
pub mod privacy_office;
pub mod second_factor;
pub mod security;
pub mod settings;
pub mod setup;
pub mod sign_in;
