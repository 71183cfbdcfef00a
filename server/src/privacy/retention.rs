//! A retention run: everyone whose clock ran out on a given day is
//! anonymised as by an erasure (or, in a dry run, listed with the reason),
//! except those under a legal hold, who are listed. The run is logged in
//! `retention_runs` as it goes, with its counts. It reads the due people a
//! page at a time and erases them in transactions of
//! [`ERASE_AT_ONCE`], so the app keeps answering during a large run.

use crate::storage::privacy::ERASE_AT_ONCE;
use app::domain::retention::RetentionPolicy;
use app::server::storage::{DuePerson, Erased, ErasureReason, Storage, StorageError};
use chrono::NaiveDate;

/// People read per page.
const PAGE: u32 = 1_000;

/// What a run found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub run_id: i64,
    pub as_of: NaiveDate,
    pub dry_run: bool,
    /// Everyone due (held ones included), in id order.
    pub due: Vec<DuePerson>,
    pub erased: usize,
    pub held: usize,
}

/// Runs the policy as of `as_of`; `progress` is told how many people
/// were handled so far after each page.
#[tracing::instrument(skip(storage, progress), err)]
pub async fn run(
    storage: &Storage,
    policy: RetentionPolicy,
    as_of: NaiveDate,
    dry_run: bool,
    started_by: Option<i64>,
    mut progress: impl FnMut(usize) + Send,
) -> Result<RunReport, StorageError> {
    let run_id = storage
        .privacy
        .start_run(as_of, dry_run, started_by)
        .await?;
    let prospects = policy.prospect_cutoff(as_of);
    let former = policy.former_customer_cutoff(as_of);
    let mut report = RunReport {
        run_id,
        as_of,
        dry_run,
        due: Vec::new(),
        erased: 0,
        held: 0,
    };
    let mut after = 0;
    loop {
        let page = storage.privacy.due(prospects, former, after, PAGE).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        let (held, free): (Vec<&DuePerson>, Vec<&DuePerson>) =
            page.iter().partition(|p| !p.legal_hold.is_empty());
        report.held += held.len();
        if !dry_run {
            let ids: Vec<i64> = free.iter().map(|p| p.id).collect();
            for chunk in ids.chunks(ERASE_AT_ONCE) {
                let outcomes = storage
                    .privacy
                    .erase(chunk, ErasureReason::Retention, started_by)
                    .await?;
                for outcome in outcomes {
                    match outcome {
                        Erased::Done => report.erased += 1,
                        // Put on hold since the page was read.
                        Erased::Held(_) => report.held += 1,
                        Erased::Already(_) | Erased::Missing => {}
                    }
                }
            }
        }
        report.due.extend(page);
        storage
            .privacy
            .record_run(
                run_id,
                report.due.len() as i64,
                report.erased as i64,
                report.held as i64,
                false,
            )
            .await?;
        progress(report.due.len());
    }
    storage
        .privacy
        .record_run(
            run_id,
            report.due.len() as i64,
            report.erased as i64,
            report.held as i64,
            true,
        )
        .await?;
    Ok(report)
}
