//! One module per page.

pub mod area;
pub mod home;
pub mod not_found;
pub mod organisation_form;
