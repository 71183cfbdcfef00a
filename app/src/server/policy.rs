//! What each role may do: the one place where access rules live.
//!
//! Every server function starts with [`authorize`], before any read or
//! write; handlers never compare roles themselves.

use super::auth::{SessionUser, current_user};
use super::respond::set_error_status;
use super::storage::Visibility;
use crate::domain::Role;
use crate::error::AppError;

/// Server functions anyone may call without a session. Every other one is
/// refused with 401 by the server's session layer before its arguments are
/// even read, and checks the role itself through [`authorize`].
pub const PUBLIC_SERVER_FNS: &[&str] = &[
    "/api/auth/sign-in",
    "/api/auth/sign-out",
    "/api/auth/setup",
    "/api/auth/me",
    "/api/auth/second-factor",
];

/// Something a user may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See the workspace: the organisation's name, the shell.
    ViewWorkspace,
    /// Change organisation settings.
    EditOrganisation,
    /// See, create, deactivate users.
    ManageUsers,
    /// See and end one's own sessions.
    ManageOwnSessions,
    /// Set up or remove one's own second factor.
    ManageOwnSecurity,
    /// Read the access log.
    ViewAccessLog,
    /// List and open people (which ones: [`people_visibility`]).
    ViewPeople,
    /// Enter a new person.
    CreatePerson,
    /// Create teams and choose their members.
    ManageTeams,
    /// List and open companies (which ones: the same rule as people).
    ViewCompanies,
    /// Enter a new company, and edit those the user may open.
    CreateCompany,
    /// Log calls, meetings, e-mails, notes and tasks on a timeline, and
    /// tick tasks off.
    LogInteraction,
    /// List and open leads (which ones: the same rule as people).
    ViewLeads,
    /// Enter, qualify and convert leads.
    ManageLeads,
    /// Give people to another owner, several at once.
    ReassignPeople,
    /// Put tags on people and take them off (those the user may open).
    TagPeople,
    /// See the pipeline board and open deals (which ones: the same rule as
    /// people).
    ViewDeals,
    /// Move deals on the board and edit them (those the user may open).
    MoveDeals,
    /// Create, rename, reorder and archive pipelines and stages.
    ManagePipelines,
    /// Set the monthly sales targets (which ones:
    /// `server::dashboard::may_set_target`).
    SetTargets,
    /// Define consent purposes and publish their texts.
    ManagePurposes,
    /// Build, publish and archive the public consent forms.
    ManageForms,
    /// Read the mail outbox (it holds confirmation links).
    ReadOutbox,
    /// Export the proof of a person's consents.
    ExportConsentProof,
    /// Handle the requests of the privacy portal (the register, erasure
    /// on request) and set what the public notice says.
    HandleRequests,
    /// Edit a person while a rectification request about them is open
    /// (art. 16): how the DPO, who otherwise changes no record, corrects
    /// one. Whoever has `CreatePerson` edits anyway.
    RectifyPeople,
}

/// The rule table.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ViewWorkspace => true,
        EditOrganisation | ManageUsers => matches!(role, Admin),
        ManageOwnSessions | ManageOwnSecurity => true,
        ViewAccessLog => matches!(role, Admin | Dpo),
        ViewPeople => true,
        CreatePerson => matches!(role, Admin | Manager | Sales | Marketing),
        ManageTeams => matches!(role, Admin),
        ViewCompanies => true,
        CreateCompany | LogInteraction | ManageLeads | TagPeople => {
            matches!(role, Admin | Manager | Sales | Marketing)
        }
        ViewLeads => true,
        ReassignPeople => matches!(role, Admin | Manager),
        ViewDeals => true,
        MoveDeals => matches!(role, Admin | Manager | Sales),
        ManagePipelines | SetTargets => matches!(role, Admin | Manager),
        ManagePurposes | ExportConsentProof | HandleRequests | RectifyPeople => {
            matches!(role, Admin | Dpo)
        }
        ManageForms => matches!(role, Admin | Marketing),
        ReadOutbox => matches!(role, Admin),
    }
}

/// Which people a user sees: managers and sales their own and their
/// teams'; marketing works on every contact; the DPO, administrators and
/// read-only users see everyone (the DPO and read-only users cannot
/// change anything).
pub fn people_visibility(user: &SessionUser) -> Visibility {
    match user.role {
        Role::Manager | Role::Sales => Visibility::OwnOrTeams {
            user_id: user.user_id,
        },
        Role::Admin | Role::Marketing | Role::Dpo | Role::Readonly => Visibility::All,
    }
}

/// Whether `user` (in `user_teams`) may open a record with this owner and
/// team: the same rule as [`people_visibility`], for one record.
pub fn may_open_record(
    user: &SessionUser,
    user_teams: &[i64],
    owner_id: i64,
    team_id: Option<i64>,
) -> bool {
    match people_visibility(user) {
        Visibility::All => true,
        Visibility::OwnOrTeams { user_id } => {
            owner_id == user_id || team_id.is_some_and(|t| user_teams.contains(&t))
        }
    }
}

/// Roles the organisation can oblige to use a second factor: those that
/// reach every record or the privacy evidence.
pub fn second_factor_applies(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Dpo)
}

/// What a user who must still set up their second factor may do: see the
/// shell, set it up, and manage their sessions.
fn open_before_enrolment(action: Action) -> bool {
    matches!(
        action,
        Action::ViewWorkspace | Action::ManageOwnSecurity | Action::ManageOwnSessions
    )
}

/// The signed-in user if they may do `action`: `Unauthenticated` (401)
/// without a session, `Forbidden` (403) when their role does not allow it,
/// `SecondFactorRequired` (403) while a required second factor is missing.
/// Sets the response status either way.
pub fn authorize(action: Action) -> Result<SessionUser, AppError> {
    authorize_any(&[action])
}

/// [`authorize`] for a server function that more than one action opens:
/// the user if their role allows at least one of `actions` (with a
/// second factor still to set up, only if all are open before it).
pub fn authorize_any(actions: &[Action]) -> Result<SessionUser, AppError> {
    let result = match current_user() {
        None => Err(AppError::Unauthenticated),
        Some(user)
            if user.must_enroll_second_factor
                && !actions.iter().all(|a| open_before_enrolment(*a)) =>
        {
            tracing::warn!(
                user_id = user.user_id,
                ?actions,
                "refused until a second factor is set up"
            );
            Err(AppError::SecondFactorRequired)
        }
        Some(user) if actions.iter().any(|a| allows(user.role, *a)) => Ok(user),
        Some(user) => {
            tracing::warn!(
                user_id = user.user_id,
                role = user.role.as_str(),
                ?actions,
                "refused by policy"
            );
            Err(AppError::Forbidden)
        }
    };
    if let Err(error) = &result {
        set_error_status(error);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_edit_the_organisation_and_everyone_sees_it() {
        for role in Role::ALL {
            assert!(allows(role, Action::ViewWorkspace));
            assert_eq!(
                allows(role, Action::EditOrganisation),
                role == Role::Admin,
                "{role:?}"
            );
        }
    }
}
