//! Opening one record (a person, a company) on behalf of a user: the role
//! allowed the action, the record's owner and team decide, and the attempt
//! is written to the access log either way.

use super::auth::SessionUser;
use super::storage::Visibility;
use super::{access_log, context, policy};
use crate::error::AppError;

/// Whether `user` may open a record owned by `owner_id` in `team_id`;
/// logs `verb` on `record_type`/`record_id` (refusals included) and
/// answers `Forbidden` when the record belongs to another team.
pub async fn open(
    user: &SessionUser,
    verb: &str,
    record_type: &str,
    record_id: i64,
    owner_id: i64,
    team_id: Option<i64>,
) -> Result<(), AppError> {
    let teams = deciding_teams(user).await?;
    decide(
        user,
        &teams,
        verb,
        record_type,
        record_id,
        owner_id,
        team_id,
    )
    .await
}

/// The teams that decide what `user` may open: only a team-scoped role
/// needs them.
async fn deciding_teams(user: &SessionUser) -> Result<Vec<i64>, AppError> {
    Ok(match policy::people_visibility(user) {
        Visibility::All => vec![],
        Visibility::OwnOrTeams { user_id } => context::server_context()?
            .storage
            .teams
            .teams_of(user_id)
            .await
            .map_err(|e| context::internal("teams.teams_of", e))?,
    })
}

async fn decide(
    user: &SessionUser,
    teams: &[i64],
    verb: &str,
    record_type: &str,
    record_id: i64,
    owner_id: i64,
    team_id: Option<i64>,
) -> Result<(), AppError> {
    let allowed = policy::may_open_record(user, teams, owner_id, team_id);
    access_log::write(user, verb, record_type, &record_id.to_string(), allowed).await?;
    if allowed {
        Ok(())
    } else {
        tracing::warn!(
            user_id = user.user_id,
            record_type,
            record_id,
            "record of another team refused"
        );
        Err(AppError::Forbidden)
    }
}

/// Whether `user` may change a person whose processing is `restricted`
/// or not (given that their role and team let them change it at all).
pub fn may_change(user: &SessionUser, restricted: bool) -> bool {
    !restricted || user.role == crate::domain::Role::Dpo
}

/// Whether `user` may change `person` now: a person whose processing is
/// restricted (art. 18) is read-only for everyone but the DPO until the
/// restriction is lifted.
pub fn writable(user: &SessionUser, person: &super::storage::PersonRecord) -> Result<(), AppError> {
    if !may_change(user, person.restricted_at.is_some()) {
        tracing::info!(
            user_id = user.user_id,
            person_id = person.id,
            "change to a restricted person refused"
        );
        return Err(AppError::validation(
            "person",
            crate::domain::Problem::Restricted,
        ));
    }
    Ok(())
}

/// The open rectification request about `person_id` (its id, and what
/// it asks to correct) when `user` handles requests: their saves of the
/// person answer it, and it is what lets the DPO edit the person.
pub async fn rectification_for(
    user: &SessionUser,
    person_id: i64,
) -> Result<Option<(i64, String)>, AppError> {
    if !policy::allows(user.role, policy::Action::HandleRequests) {
        return Ok(None);
    }
    context::server_context()?
        .storage
        .privacy
        .open_rectification(person_id)
        .await
        .map_err(|e| context::internal("privacy.open_rectification", e))
}

/// Refuses to enter for prospecting someone who objected (art. 21.3):
/// any of the addresses (lookup keys) or numbers on the suppression list
/// fails `field` with the reason.
pub async fn not_suppressed(
    field: &str,
    email_keys: &[String],
    phones: &[String],
) -> Result<(), AppError> {
    let suppressed = context::server_context()?
        .storage
        .privacy
        .suppressed(email_keys, phones)
        .await
        .map_err(|e| context::internal("privacy.suppressed", e))?;
    if suppressed {
        tracing::info!("entry of someone on the suppression list refused");
        return Err(AppError::validation(
            field,
            crate::domain::Problem::Suppressed,
        ));
    }
    Ok(())
}

/// The most people one bulk change (reassign, tag) takes.
pub const SELECTION_MAX: usize = 500;

/// A list's selection as posted: at least one person, at most
/// `SELECTION_MAX`.
pub fn check_selection(ids: &[i64]) -> Result<(), AppError> {
    use crate::domain::Problem;
    if ids.is_empty() {
        return Err(AppError::validation("ids", Problem::Required));
    }
    if ids.len() > SELECTION_MAX {
        return Err(AppError::validation(
            "ids",
            Problem::TooLong { max: SELECTION_MAX },
        ));
    }
    Ok(())
}

/// Opens every selected person for a bulk change (`verb`): each is logged,
/// and one the user may not open refuses the whole change. The user's
/// teams are read once for the selection.
pub async fn open_people(user: &SessionUser, verb: &str, ids: &[i64]) -> Result<(), AppError> {
    let ctx = context::server_context()?;
    let teams = deciding_teams(user).await?;
    for id in ids {
        let person = ctx
            .storage
            .people
            .get(*id)
            .await
            .map_err(|e| context::internal("people.get", e))?
            .ok_or(AppError::NotFound)?;
        let f = &person.fields;
        decide(user, &teams, verb, "person", *id, f.owner_id, f.team_id).await?;
        // Every bulk change writes.
        writable(user, &person)?;
    }
    Ok(())
}

/// The teams a new record may be given by `user`: any for an
/// administrator, otherwise their own. `None` keeps the record teamless.
pub async fn team_for_new_record(
    user: &SessionUser,
    raw: Option<String>,
) -> Result<Option<i64>, AppError> {
    use crate::domain::{Problem, Role};
    let raw = raw.unwrap_or_default();
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let id: i64 = raw
        .parse()
        .map_err(|_| AppError::validation("team_id", Problem::UnknownChoice))?;
    let ctx = context::server_context()?;
    let allowed = if user.role == Role::Admin {
        ctx.storage
            .teams
            .list()
            .await
            .map_err(|e| context::internal("teams.list", e))?
            .iter()
            .any(|t| t.id == id)
    } else {
        ctx.storage
            .teams
            .teams_of(user.user_id)
            .await
            .map_err(|e| context::internal("teams.teams_of", e))?
            .contains(&id)
    };
    if allowed {
        Ok(Some(id))
    } else {
        Err(AppError::validation("team_id", Problem::NotYourTeam))
    }
}

/// The team an edited record gets from the team field as posted: the team
/// it has stays, whoever edits it; another follows the rule for new
/// records.
pub async fn team_for_edit(
    user: &SessionUser,
    raw: Option<String>,
    current: Option<i64>,
) -> Result<Option<i64>, AppError> {
    let typed = raw.as_deref().unwrap_or_default().trim();
    if typed == current.map(|t| t.to_string()).unwrap_or_default() {
        return Ok(current);
    }
    team_for_new_record(user, raw).await
}

/// Every team as `(id, name)` choices (filters: any team may be looked at).
pub async fn team_choices() -> Result<Vec<(i64, String)>, AppError> {
    team_choices_in(&context::server_context()?.storage).await
}

/// [`team_choices`] from `storage` given explicitly (outside a server
/// function: the CSV reports).
pub async fn team_choices_in(
    storage: &super::storage::Storage,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(storage
        .teams
        .list()
        .await
        .map_err(|e| context::internal("teams.list", e))?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}
