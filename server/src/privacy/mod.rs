//! The rights of the person and the retention clock (issue 8).

pub mod archive;
pub mod portal;
pub mod reminders;
pub mod retention;
