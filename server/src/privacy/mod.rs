//! The rights of the person and the retention clock (issue 8).

pub mod portal;
pub mod retention;
