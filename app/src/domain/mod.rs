//! Domain types shared by the browser and the server. Each newtype
//! validates on construction, so the browser shows the same message the
//! server would return, and the server never trusts what the browser sent.

mod organisation;
mod problem;

pub use organisation::{Organisation, OrganisationName};
pub use problem::Problem;
