//! Tags: free labels on people ("salon 2026", "VIP"), put on one person or
//! on a selection of a list.

use super::problem::{Problem, single_line};
use serde::{Deserialize, Serialize};

/// The longest tag name: a label, not a note.
pub const TAG_MAX: usize = 40;

/// A tag's name: one line of at most `TAG_MAX` characters. Two names that
/// fold to the same key (`search::fold`: case and accents) are one tag.
pub fn tag_name(raw: &str) -> Result<String, Problem> {
    single_line(raw, TAG_MAX)
}

choice!(
    /// The list filter on the last contact the person initiated.
    LastContactFilter {
        Within30Days => "30d",
        WithinYear => "1y",
        OverYear => "over_1y",
        Never => "never"
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_one_short_line() {
        assert_eq!(tag_name("  Salon 2026 ").unwrap(), "Salon 2026");
        assert_eq!(tag_name(" "), Err(Problem::Required));
        assert_eq!(
            tag_name(&"x".repeat(TAG_MAX + 1)),
            Err(Problem::TooLong { max: TAG_MAX })
        );
        assert_eq!(tag_name("a\u{7}b"), Err(Problem::ControlCharacters));
    }

    #[test]
    fn contact_filters_round_trip() {
        for f in LastContactFilter::ALL {
            assert_eq!(LastContactFilter::parse(f.key()), Ok(*f));
        }
    }
}
