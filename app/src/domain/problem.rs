use serde::{Deserialize, Serialize};

/// Why a value was refused. Carried inside `AppError::Validation` together
/// with the field name; the message is chosen by the reader's language.
///
/// Serialised as a short code (`required`, `too_long/100`): a derived
/// deserialiser for an enum with data costs the browser bundle several
/// kilobytes, which a string match does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
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
    /// Not a SIREN, SIRET or EU VAT number.
    InvalidLegalId,
    /// Not a web domain (`acme.fr`).
    InvalidDomain,
    /// Not a whole number in the allowed range.
    InvalidNumber,
    /// Someone saved the record after it was opened here.
    ChangedMeanwhile,
    /// Not an amount of money.
    InvalidAmount,
    /// A stage being archived holds deals: where should they go?
    DealsToMove,
    /// A pipeline keeps at least one open stage.
    LastOpenStage,
    /// A date range that ends before it starts.
    RangeReversed,
    /// Not a short key: lowercase letters, digits and dashes.
    InvalidKey,
    /// The key is used by another record.
    KeyTaken,
    /// A partner the data is shared with is not named in a consent text.
    PartnerNotNamed,
    /// Not a link: a path on this site or an http(s) address.
    InvalidLink,
    /// Not a site origin (`https://example.com`).
    InvalidOrigin,
    /// A purpose that the form does not offer.
    NotOffered,
    /// The form changed after it was opened.
    FormOutdated,
    /// Nothing chosen where at least one choice is needed.
    NoChoice,
    /// A form offers at least one purpose.
    NoPurpose,
    /// A purpose still offered by a form cannot be archived.
    StillOffered,
    /// The person's processing is restricted (art. 18): only the DPO may
    /// change their record until the restriction is lifted.
    Restricted,
    /// The address or number is on the suppression list (an objection).
    Suppressed,
    /// The same person seems to be in Accord already (same e-mail, or
    /// same name at the same company): the existing record's id.
    DuplicateOf {
        id: i64,
    },
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
            Problem::InvalidLegalId => t.err_invalid_legal_id.to_string(),
            Problem::InvalidDomain => t.err_invalid_domain.to_string(),
            Problem::InvalidNumber => t.err_invalid_number.to_string(),
            Problem::ChangedMeanwhile => t.err_changed_meanwhile.to_string(),
            Problem::DuplicateOf { .. } => t.err_duplicate.to_string(),
            Problem::InvalidAmount => t.err_invalid_amount.to_string(),
            Problem::DealsToMove => t.err_deals_to_move.to_string(),
            Problem::LastOpenStage => t.err_last_open_stage.to_string(),
            Problem::RangeReversed => t.err_range_reversed.to_string(),
            Problem::InvalidKey => t.err_invalid_key.to_string(),
            Problem::KeyTaken => t.err_key_taken.to_string(),
            Problem::PartnerNotNamed => t.err_partner_not_named.to_string(),
            Problem::InvalidLink => t.err_invalid_link.to_string(),
            Problem::InvalidOrigin => t.err_invalid_origin.to_string(),
            Problem::NotOffered => t.err_not_offered.to_string(),
            Problem::FormOutdated => t.err_form_outdated.to_string(),
            Problem::NoChoice => t.err_no_choice.to_string(),
            Problem::NoPurpose => t.err_no_purpose.to_string(),
            Problem::StillOffered => t.err_still_offered.to_string(),
            Problem::Restricted => t.err_restricted.to_string(),
            Problem::Suppressed => t.err_suppressed.to_string(),
        }
    }
}

impl From<Problem> for String {
    fn from(problem: Problem) -> String {
        match problem {
            Problem::TooLong { max } => format!("too_long/{max}"),
            Problem::PasswordTooShort { min } => format!("password_too_short/{min}"),
            Problem::Required => "required".into(),
            Problem::ControlCharacters => "control_characters".into(),
            Problem::InvalidEmail => "invalid_email".into(),
            Problem::PasswordTooCommon => "password_too_common".into(),
            Problem::PasswordsDiffer => "passwords_differ".into(),
            Problem::UnknownRole => "unknown_role".into(),
            Problem::EmailTaken => "email_taken".into(),
            Problem::CannotDeactivateSelf => "cannot_deactivate_self".into(),
            Problem::InvalidDate => "invalid_date".into(),
            Problem::WrongCode => "wrong_code".into(),
            Problem::WrongPassword => "wrong_password".into(),
            Problem::UnknownChoice => "unknown_choice".into(),
            Problem::InvalidPhone => "invalid_phone".into(),
            Problem::BasisRequired => "basis_required".into(),
            Problem::NotYourTeam => "not_your_team".into(),
            Problem::TeamTaken => "team_taken".into(),
            Problem::FutureDate => "future_date".into(),
            Problem::InvalidLegalId => "invalid_legal_id".into(),
            Problem::InvalidDomain => "invalid_domain".into(),
            Problem::InvalidNumber => "invalid_number".into(),
            Problem::ChangedMeanwhile => "changed_meanwhile".into(),
            Problem::DuplicateOf { id } => format!("duplicate_of/{id}"),
            Problem::InvalidAmount => "invalid_amount".into(),
            Problem::DealsToMove => "deals_to_move".into(),
            Problem::LastOpenStage => "last_open_stage".into(),
            Problem::RangeReversed => "range_reversed".into(),
            Problem::InvalidKey => "invalid_key".into(),
            Problem::KeyTaken => "key_taken".into(),
            Problem::PartnerNotNamed => "partner_not_named".into(),
            Problem::InvalidLink => "invalid_link".into(),
            Problem::InvalidOrigin => "invalid_origin".into(),
            Problem::NotOffered => "not_offered".into(),
            Problem::FormOutdated => "form_outdated".into(),
            Problem::NoChoice => "no_choice".into(),
            Problem::NoPurpose => "no_purpose".into(),
            Problem::StillOffered => "still_offered".into(),
            Problem::Restricted => "restricted".into(),
            Problem::Suppressed => "suppressed".into(),
        }
    }
}

impl TryFrom<String> for Problem {
    type Error = String;

    fn try_from(code: String) -> Result<Problem, String> {
        let (name, limit) = match code.split_once('/') {
            Some((name, limit)) => (name, limit.parse::<usize>().ok()),
            None => (code.as_str(), None),
        };
        if let Some(id) = name
            .eq("duplicate_of")
            .then(|| {
                code.split_once('/')
                    .and_then(|(_, id)| id.parse::<i64>().ok())
            })
            .flatten()
        {
            return Ok(Problem::DuplicateOf { id });
        }
        Ok(match (name, limit) {
            ("too_long", Some(max)) => Problem::TooLong { max },
            ("password_too_short", Some(min)) => Problem::PasswordTooShort { min },
            ("required", None) => Problem::Required,
            ("control_characters", None) => Problem::ControlCharacters,
            ("invalid_email", None) => Problem::InvalidEmail,
            ("password_too_common", None) => Problem::PasswordTooCommon,
            ("passwords_differ", None) => Problem::PasswordsDiffer,
            ("unknown_role", None) => Problem::UnknownRole,
            ("email_taken", None) => Problem::EmailTaken,
            ("cannot_deactivate_self", None) => Problem::CannotDeactivateSelf,
            ("invalid_date", None) => Problem::InvalidDate,
            ("wrong_code", None) => Problem::WrongCode,
            ("wrong_password", None) => Problem::WrongPassword,
            ("unknown_choice", None) => Problem::UnknownChoice,
            ("invalid_phone", None) => Problem::InvalidPhone,
            ("basis_required", None) => Problem::BasisRequired,
            ("not_your_team", None) => Problem::NotYourTeam,
            ("team_taken", None) => Problem::TeamTaken,
            ("future_date", None) => Problem::FutureDate,
            ("invalid_legal_id", None) => Problem::InvalidLegalId,
            ("invalid_domain", None) => Problem::InvalidDomain,
            ("invalid_number", None) => Problem::InvalidNumber,
            ("changed_meanwhile", None) => Problem::ChangedMeanwhile,
            ("invalid_amount", None) => Problem::InvalidAmount,
            ("deals_to_move", None) => Problem::DealsToMove,
            ("last_open_stage", None) => Problem::LastOpenStage,
            ("range_reversed", None) => Problem::RangeReversed,
            ("invalid_key", None) => Problem::InvalidKey,
            ("key_taken", None) => Problem::KeyTaken,
            ("partner_not_named", None) => Problem::PartnerNotNamed,
            ("invalid_link", None) => Problem::InvalidLink,
            ("invalid_origin", None) => Problem::InvalidOrigin,
            ("not_offered", None) => Problem::NotOffered,
            ("form_outdated", None) => Problem::FormOutdated,
            ("no_choice", None) => Problem::NoChoice,
            ("no_purpose", None) => Problem::NoPurpose,
            ("still_offered", None) => Problem::StillOffered,
            ("restricted", None) => Problem::Restricted,
            ("suppressed", None) => Problem::Suppressed,
            _ => return Err(format!("unknown problem: {code}")),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_round_trips_through_its_code() {
        let all = [
            Problem::Required,
            Problem::TooLong { max: 100 },
            Problem::PasswordTooShort { min: 12 },
            Problem::ControlCharacters,
            Problem::InvalidEmail,
            Problem::PasswordTooCommon,
            Problem::PasswordsDiffer,
            Problem::UnknownRole,
            Problem::EmailTaken,
            Problem::CannotDeactivateSelf,
            Problem::InvalidDate,
            Problem::WrongCode,
            Problem::WrongPassword,
            Problem::UnknownChoice,
            Problem::InvalidPhone,
            Problem::BasisRequired,
            Problem::NotYourTeam,
            Problem::TeamTaken,
            Problem::FutureDate,
            Problem::InvalidLegalId,
            Problem::InvalidDomain,
            Problem::InvalidNumber,
            Problem::ChangedMeanwhile,
            Problem::DuplicateOf { id: 42 },
            Problem::InvalidAmount,
            Problem::DealsToMove,
            Problem::LastOpenStage,
            Problem::RangeReversed,
            Problem::InvalidKey,
            Problem::KeyTaken,
            Problem::PartnerNotNamed,
            Problem::InvalidLink,
            Problem::InvalidOrigin,
            Problem::NotOffered,
            Problem::FormOutdated,
            Problem::NoChoice,
            Problem::NoPurpose,
            Problem::StillOffered,
        ];
        for problem in all {
            let json = serde_json::to_string(&problem).unwrap();
            assert_eq!(
                serde_json::from_str::<Problem>(&json).unwrap(),
                problem,
                "{json}"
            );
        }
        assert_eq!(String::from(Problem::TooLong { max: 100 }), "too_long/100");
        assert!(Problem::try_from("too_long".to_string()).is_err());
        assert!(Problem::try_from("nonsense".to_string()).is_err());
    }
}
