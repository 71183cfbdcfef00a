//! What happened with a person or a company: calls, meetings, e-mails,
//! notes and tasks, shown as one timeline, newest first.

use super::problem::Problem;
use serde::{Deserialize, Serialize};

choice!(
    /// The kinds of entry on a timeline.
    InteractionKind {
        Call => "call",
        Meeting => "meeting",
        Email => "email",
        Note => "note",
        Task => "task",
    }
);

choice!(
    /// Who started the exchange. An inbound one (the person called, wrote,
    /// replied) moves the person's last-contact date, from which the
    /// retention clock runs; our own outreach does not.
    Direction { Inbound => "inbound", Outbound => "outbound" }
);

choice!(
    /// How a call went.
    CallOutcome {
        Reached => "reached",
        Voicemail => "voicemail",
        NoAnswer => "no_answer",
        WrongNumber => "wrong_number",
    }
);

/// Free text (notes, a call's summary): at most this many characters.
pub const NOTES_MAX_CHARS: usize = 10_000;

/// Multi-line free text: line breaks and tabs allowed, other control
/// characters refused, the limit counted in characters and enforced with a
/// message (never cut silently). Empty is allowed.
pub fn notes(raw: &str) -> Result<String, Problem> {
    let value = raw.trim();
    if value.chars().count() > NOTES_MAX_CHARS {
        return Err(Problem::TooLong {
            max: NOTES_MAX_CHARS,
        });
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Problem::ControlCharacters);
    }
    Ok(value.replace("\r\n", "\n"))
}

/// A call's length in minutes, as typed: empty, or 0 to 1440.
pub fn duration_minutes(raw: &str) -> Result<Option<u32>, Problem> {
    match raw.trim() {
        "" => Ok(None),
        raw => match raw.parse::<u32>() {
            Ok(m) if m <= 24 * 60 => Ok(Some(m)),
            _ => Err(Problem::InvalidNumber),
        },
    }
}

/// One entry of a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionView {
    pub id: i64,
    pub kind: InteractionKind,
    pub direction: Option<Direction>,
    pub outcome: Option<CallOutcome>,
    pub duration_minutes: Option<u32>,
    pub body: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub author_name: String,
    /// The person it is about (on a company's timeline).
    pub person: Option<(i64, String)>,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub done: bool,
}

/// A page of a timeline, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub entries: Vec<InteractionView>,
    /// Pass back as `before` for the next page; `None` on the last one.
    pub next: Option<String>,
    /// The live stream's last event id when the entries were read (an open
    /// first page follows the stream from there).
    #[serde(default)]
    pub events_from: i64,
}

/// Where a timeline page starts: entries strictly older than this instant,
/// or as old with a smaller id (`<ms>.<id>` in a link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineCursor {
    pub occurred_ms: i64,
    pub id: i64,
}

impl TimelineCursor {
    pub fn parse(raw: &str) -> Option<Self> {
        let (ms, id) = raw.split_once('.')?;
        Some(Self {
            occurred_ms: ms.parse().ok()?,
            id: id.parse().ok()?,
        })
    }

    pub fn encode(self) -> String {
        format!("{}.{}", self.occurred_ms, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_lines_and_refuse_what_is_too_long() {
        assert_eq!(notes(" a\r\nb \n"), Ok("a\nb".into()));
        assert_eq!(
            notes(&"é".repeat(10_000)).map(|s| s.chars().count()),
            Ok(10_000)
        );
        assert_eq!(
            notes(&"x".repeat(10_001)),
            Err(Problem::TooLong { max: 10_000 })
        );
        assert_eq!(notes("a\u{7}b"), Err(Problem::ControlCharacters));
    }

    #[test]
    fn durations_and_cursors() {
        assert_eq!(duration_minutes(""), Ok(None));
        assert_eq!(duration_minutes("15"), Ok(Some(15)));
        assert_eq!(duration_minutes("-1"), Err(Problem::InvalidNumber));
        assert_eq!(duration_minutes("2000"), Err(Problem::InvalidNumber));
        let c = TimelineCursor {
            occurred_ms: 1_700_000_000_000,
            id: 42,
        };
        assert_eq!(TimelineCursor::parse(&c.encode()), Some(c));
        assert_eq!(TimelineCursor::parse("x.1"), None);
    }
}
