use serde::{Deserialize, Serialize};

/// Why a value was refused. Carried inside `AppError::Validation` together
/// with the field name; the message is chosen by the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    ControlCharacters,
    InvalidEmail,
    PasswordTooShort {
        min: usize,
    },
    PasswordTooCommon,
    PasswordsDiffer,
    UnknownRole,
    EmailTaken,
    CannotDeactivateSelf,
    InvalidDate,
    /// The authenticator code does not match (or was already used).
    WrongCode,
    /// The current password, asked again to confirm a change, is wrong.
    WrongPassword,
    /// A value that is not one of the listed choices.
    UnknownChoice,
    /// Not a phone number (E.164, or a French national number).
    InvalidPhone,
    /// A consumer needs an explicit legal basis for prospecting.
    BasisRequired,
    /// A team the person entering the record does not belong to.
    NotYourTeam,
    /// A team with this name exists.
    TeamTaken,
    /// A date in the future where only the past makes sense.
    FutureDate,
}

impl Problem {
    pub fn message(self, t: &crate::i18n::Catalogue) -> String {
        match self {
            Problem::Required => t.err_required.to_string(),
            Problem::TooLong { max } => (t.err_too_long)(max),
            Problem::ControlCharacters => t.err_control_characters.to_string(),
            Problem::InvalidEmail => t.err_invalid_email.to_string(),
            Problem::PasswordTooShort { min } => (t.err_password_too_short)(min),
            Problem::PasswordTooCommon => t.err_password_too_common.to_string(),
            Problem::PasswordsDiffer => t.err_passwords_differ.to_string(),
            Problem::UnknownRole => t.err_unknown_role.to_string(),
            Problem::EmailTaken => t.err_email_taken.to_string(),
            Problem::CannotDeactivateSelf => t.err_cannot_deactivate_self.to_string(),
            Problem::InvalidDate => t.err_invalid_date.to_string(),
            Problem::WrongCode => t.err_wrong_code.to_string(),
            Problem::WrongPassword => t.err_wrong_password.to_string(),
            Problem::UnknownChoice => t.err_unknown_choice.to_string(),
            Problem::InvalidPhone => t.err_invalid_phone.to_string(),
            Problem::BasisRequired => t.err_basis_required.to_string(),
            Problem::NotYourTeam => t.err_not_your_team.to_string(),
            Problem::TeamTaken => t.err_team_taken.to_string(),
            Problem::FutureDate => t.err_future_date.to_string(),
        }
    }
}

/// Shared checks for single-line text: trims, refuses empty, over-long
/// (counted in characters, not bytes) and control characters.
pub(crate) fn single_line(raw: &str, max: usize) -> Result<String, Problem> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Problem::Required);
    }
    if value.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    if value.chars().any(char::is_control) {
        return Err(Problem::ControlCharacters);
    }
    Ok(value.to_string())
}
