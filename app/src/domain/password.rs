use super::problem::Problem;

/// Password rules shared by the browser and the server (OWASP ASVS /
/// NIST 800-63B): at least 12 characters, up to 256 (well past the 64 that
/// must be allowed), any characters, no composition rules. The server
/// additionally refuses the 10,000 most common passwords; that list is not
/// shipped to the browser.
pub struct PasswordPolicy;

impl PasswordPolicy {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    /// Checks length; `confirmation`, when given, must match.
    pub fn check(password: &str, confirmation: Option<&str>) -> Result<(), Problem> {
        let chars = password.chars().count();
        if chars == 0 {
            return Err(Problem::Required);
        }
        if chars < Self::MIN_CHARS {
            return Err(Problem::PasswordTooShort {
                min: Self::MIN_CHARS,
            });
        }
        if chars > Self::MAX_CHARS {
            return Err(Problem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if confirmation.is_some_and(|c| c != password) {
            return Err(Problem::PasswordsDiffer);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules_count_characters_not_bytes() {
        assert_eq!(PasswordPolicy::check("", None), Err(Problem::Required));
        assert_eq!(
            PasswordPolicy::check("short pass!", None),
            Err(Problem::PasswordTooShort { min: 12 })
        );
        assert!(PasswordPolicy::check("éééééééééééé", None).is_ok());
        assert!(PasswordPolicy::check(&"x".repeat(64), None).is_ok());
        assert_eq!(
            PasswordPolicy::check(&"x".repeat(257), None),
            Err(Problem::TooLong { max: 256 })
        );
        assert_eq!(
            PasswordPolicy::check("correct horse battery", Some("correct horse battery!")),
            Err(Problem::PasswordsDiffer)
        );
        // No composition rules: a long lowercase phrase is fine.
        assert!(PasswordPolicy::check("correct horse battery staple", None).is_ok());
    }
}
