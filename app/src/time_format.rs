//! Date formatting for display. Written out by hand rather than with
//! chrono's `format`, whose pattern interpreter would otherwise be compiled
//! into the browser bundle for three fixed layouts.

use chrono::{DateTime, Datelike, Timelike, Utc};

/// `2026-11-29 09:05`
pub fn minutes(at: &DateTime<Utc>) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// `2026-11-29 09:05:07`
pub fn seconds(at: &DateTime<Utc>) -> String {
    format!("{}:{:02}", minutes(at), at.second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn matches_the_iso_layout() {
        let at = Utc.with_ymd_and_hms(2026, 3, 7, 9, 5, 7).unwrap();
        assert_eq!(minutes(&at), at.format("%Y-%m-%d %H:%M").to_string());
        assert_eq!(seconds(&at), at.format("%Y-%m-%d %H:%M:%S").to_string());
    }
}
