use super::problem::Problem;
use serde::{Deserialize, Serialize};

/// What a user may do is decided by their role (see the server's policy
/// module); this is only the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Users and settings.
    Admin,
    /// Everything of their team(s), dashboards.
    Manager,
    /// Own and shared records of their team.
    Sales,
    /// Contacts, segments, campaigns.
    Marketing,
    /// Privacy: consents, requests, register, access log; read-only on
    /// business data.
    Dpo,
    /// Reads only.
    Readonly,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Manager,
        Role::Sales,
        Role::Marketing,
        Role::Dpo,
        Role::Readonly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Sales => "sales",
            Role::Marketing => "marketing",
            Role::Dpo => "dpo",
            Role::Readonly => "readonly",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, Problem> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == raw.trim().to_ascii_lowercase())
            .ok_or(Problem::UnknownRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse(" DPO "), Ok(Role::Dpo));
        assert_eq!(Role::parse("root"), Err(Problem::UnknownRole));
    }
}
