//! Reusable pieces of the interface.

pub mod field;
pub mod language_switch;
pub mod layout;
pub mod live_status;
pub mod nav;
pub mod organisation_state;
pub mod record_deals;
pub mod timeline;
