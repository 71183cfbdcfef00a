//! Domain types shared by the browser and the server. Each newtype
//! validates on construction, so the browser shows the same message the
//! server would return, and the server never trusts what the browser sent.

mod display_name;
mod email;
mod organisation;
mod password;
mod problem;
mod role;

pub use display_name::DisplayName;
pub use email::EmailAddress;
pub use organisation::{Organisation, OrganisationName};
pub use password::PasswordPolicy;
pub use problem::Problem;
pub use role::Role;

/// The signed-in user as the browser sees them (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Me {
    pub display_name: String,
    pub email: EmailAddress,
    pub role: Role,
}
