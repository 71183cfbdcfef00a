//! The consent ledger's hash chain.
//!
//! Each row's hash is `SHA-256(previous hash || canonical bytes of the
//! row)`, hex-encoded; the first row follows [`GENESIS`]. The canonical
//! bytes hold no personal data: the person is an id, and where the event
//! came from (address, user agent) enters only as a salted digest kept in
//! the row, the values themselves living in `consent_evidence`. Erasing a
//! person (their record anonymised, their evidence deleted) therefore
//! leaves every hash as it was, and `accord consent verify` still passes.

use app::server::storage::{ConsentStore, Evidence, LedgerRow, StorageError};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The hash the first row follows.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of text, hex: consent texts and form versions are identified
/// by it.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// The time as the ledger stores and hashes it: UTC, microseconds, `Z`.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The salted digest of where an event came from. The salt is random per
/// row, so the digest of a short value such as an address cannot be
/// found again by trying every address.
pub fn evidence_digest(salt: &str, evidence: &Evidence) -> String {
    sha256_hex(&format!(
        "{salt}\n{}\n{}",
        evidence.source_addr, evidence.user_agent
    ))
}

/// A source address cut to its network once its purpose's retention is
/// over: IPv4 keeps 24 bits (`203.0.113.0`), IPv6 48 (`2001:db8:85a3::`).
/// The evidence's digest in the ledger still matches the full address
/// the event was recorded with; the address itself is no longer kept.
pub fn truncate_address(addr: &str) -> String {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::", s[0], s[1], s[2])
        }
        Err(_) => String::new(),
    }
}

/// The bytes a row's hash covers (besides the previous hash), one field
/// per line in a fixed order, versioned by the first line.
pub fn canonical(row: &LedgerRow) -> String {
    format!(
        "accord-consent-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
        row.id,
        row.person_id,
        row.purpose_id,
        row.channel,
        row.event,
        row.text_sha256,
        row.form_version_id
            .map(|v| v.to_string())
            .unwrap_or_default(),
        row.occurred_at,
        row.evidence_digest,
    )
}

/// The hash of `row` following `prev_hash`.
pub fn row_hash(prev_hash: &str, row: &LedgerRow) -> String {
    let mut digest = Sha256::new();
    digest.update(prev_hash.as_bytes());
    digest.update(canonical(row).as_bytes());
    hex(&digest.finalize())
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every row links to the one before and hashes right.
    Intact { rows: u64, head: String },
    /// The first row that does not; `reason` says how.
    Broken { id: i64, reason: String },
}

/// Rows read per query while walking.
const PAGE: i64 = 5_000;

/// Walks the whole ledger in chain order.
#[tracing::instrument(skip(store))]
pub async fn verify(store: &dyn ConsentStore) -> Result<Verdict, StorageError> {
    let (head_id, head_hash) = store.chain_head().await?;
    let mut previous = GENESIS.to_string();
    let mut expected_id = 1;
    let mut rows = 0u64;
    loop {
        let page = store.ledger_after(expected_id - 1, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.id != expected_id {
                return Ok(Verdict::Broken {
                    id: expected_id,
                    reason: format!("row {expected_id} is missing (next row is {})", row.id),
                });
            }
            if row.prev_hash != previous {
                return Ok(Verdict::Broken {
                    id: row.id,
                    reason: "it does not follow the row before it".into(),
                });
            }
            if row_hash(&previous, &row) != row.hash {
                return Ok(Verdict::Broken {
                    id: row.id,
                    reason: "its content does not match its hash".into(),
                });
            }
            previous = row.hash;
            expected_id += 1;
            rows += 1;
        }
    }
    if expected_id - 1 != head_id || previous != head_hash {
        return Ok(Verdict::Broken {
            id: expected_id,
            reason: format!(
                "the chain ends at row {} but its head says {head_id}",
                expected_id - 1
            ),
        });
    }
    Ok(Verdict::Intact {
        rows,
        head: previous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> LedgerRow {
        LedgerRow {
            id: 1,
            person_id: 42,
            purpose_id: 3,
            channel: "email".into(),
            event: "given".into(),
            text_sha256: sha256_hex("I agree."),
            form_version_id: Some(7),
            occurred_at: "2026-12-02T06:30:00.000000Z".into(),
            evidence_digest: evidence_digest("salt", &Evidence::default()),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_hash_covers_every_field_and_the_row_before() {
        let base = row_hash(GENESIS, &row());
        assert_eq!(base.len(), 64);
        assert_eq!(base, row_hash(GENESIS, &row()));
        let mut other = row();
        other.person_id = 43;
        assert_ne!(row_hash(GENESIS, &other), base);
        let mut other = row();
        other.form_version_id = None;
        assert_ne!(row_hash(GENESIS, &other), base);
        let mut other = row();
        other.occurred_at = "2026-12-02T06:30:00.000001Z".into();
        assert_ne!(row_hash(GENESIS, &other), base);
        assert_ne!(row_hash(&base, &row()), base);
        // The stored hash and prev_hash are not part of the canonical bytes.
        let mut other = row();
        other.hash = "x".into();
        assert_eq!(row_hash(GENESIS, &other), base);
    }

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(truncate_address("203.0.113.77"), "203.0.113.0");
        assert_eq!(
            truncate_address("2001:db8:85a3:8d3:1319:8a2e:370:7348"),
            "2001:db8:85a3::"
        );
        assert_eq!(truncate_address("unknown"), "");
    }

    #[test]
    fn evidence_enters_only_as_a_salted_digest() {
        let e = Evidence {
            source_addr: "203.0.113.7".into(),
            user_agent: "Firefox".into(),
        };
        assert_ne!(evidence_digest("a", &e), evidence_digest("b", &e));
        assert!(!canonical(&row()).contains("203.0.113"));
        assert_eq!(
            canonical_time("2026-12-02T06:30:00.5Z".parse().unwrap()),
            "2026-12-02T06:30:00.500000Z"
        );
    }
}
