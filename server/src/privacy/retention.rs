//! A retention run: everyone whose clock ran out on a given day is
//! anonymised as by an erasure (or, in a dry run, listed with the reason),
//! except those under a legal hold, who are listed. Then everyone whose
//! clock runs out within the notice (60 days by default) is asked by mail
//! whether they still want to hear from the organisation, once per cycle
//! (a dry run lists them); "yes" starts their clock again. The run is logged in
//! `retention_runs` as it goes, with its counts. It reads the due people a
//! page at a time and erases them in transactions of
//! [`ERASE_AT_ONCE`], so the app keeps answering during a large run.

use crate::storage::privacy::ERASE_AT_ONCE;
use app::domain::retention::RetentionPolicy;
use app::i18n::Locale;
use app::server::auth::token::{hash_token, new_token};
use app::server::storage::{
    Approaching, DuePerson, Erased, ErasureReason, OutgoingMail, RepermissionAsk, Storage,
    StorageError,
};
use chrono::{NaiveDate, Utc};

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
    /// Everyone within the notice not asked yet this cycle (a dry run:
    /// who would be asked), in id order.
    pub asked: Vec<Approaching>,
}

/// Runs the policy as of `as_of`; `progress` is told how many people
/// were handled so far after each page. Re-permission links point at
/// `public_url`.
#[tracing::instrument(skip(storage, progress), err)]
pub async fn run(
    storage: &Storage,
    policy: RetentionPolicy,
    as_of: NaiveDate,
    dry_run: bool,
    started_by: Option<i64>,
    public_url: &str,
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
        asked: Vec::new(),
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
                report.asked.len() as i64,
                false,
            )
            .await?;
        progress(report.due.len());
    }
    ask(storage, policy, &mut report, public_url, &mut progress).await?;
    storage
        .privacy
        .record_run(
            run_id,
            report.due.len() as i64,
            report.erased as i64,
            report.held as i64,
            report.asked.len() as i64,
            true,
        )
        .await?;
    Ok(report)
}

/// The re-permission part of a run.
async fn ask(
    storage: &Storage,
    policy: RetentionPolicy,
    report: &mut RunReport,
    public_url: &str,
    progress: &mut (impl FnMut(usize) + Send),
) -> Result<(), StorageError> {
    let notice = policy.notice_day(report.as_of);
    let prospects = (
        policy.prospect_cutoff(report.as_of),
        policy.prospect_cutoff(notice),
    );
    let former = (
        policy.former_customer_cutoff(report.as_of),
        policy.former_customer_cutoff(notice),
    );
    let asked_before = policy.asked_before(report.as_of);
    let organisation = storage.organisation.get().await?.name.to_string();
    let mut after = 0;
    loop {
        let page = storage
            .privacy
            .approaching(prospects, former, asked_before, after, PAGE)
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        if report.dry_run {
            report.asked.extend(page);
        } else {
            for chunk in page.chunks(ERASE_AT_ONCE) {
                let asks: Vec<RepermissionAsk> = chunk
                    .iter()
                    .map(|person| mail(policy, person, &organisation, public_url))
                    .collect();
                let asked = storage
                    .privacy
                    .ask_repermission(&asks, asked_before, Utc::now())
                    .await?;
                report.asked.extend(
                    chunk
                        .iter()
                        .filter(|p| asked.binary_search(&p.id).is_ok())
                        .cloned(),
                );
            }
        }
        storage
            .privacy
            .record_run(
                report.run_id,
                report.due.len() as i64,
                report.erased as i64,
                report.held as i64,
                report.asked.len() as i64,
                false,
            )
            .await?;
        progress(report.due.len() + report.asked.len());
    }
    Ok(())
}

/// The mail asking `person`, in their language, with a link valid until
/// their limit.
fn mail(
    policy: RetentionPolicy,
    person: &Approaching,
    organisation: &str,
    public_url: &str,
) -> RepermissionAsk {
    let t = person.language.unwrap_or(Locale::En).t();
    let limit = policy.limit_of(person.rule, person.since);
    let token = new_token();
    let link = format!("{public_url}/r/{token}");
    let until = limit.format("%Y-%m-%d").to_string();
    RepermissionAsk {
        person_id: person.id,
        link_hash: hash_token(&token),
        expires_at: limit,
        mail: OutgoingMail {
            recipient: person.email.clone(),
            subject: (t.repermission_mail_subject)(organisation),
            body: (t.repermission_mail_body)(&person.name, organisation, &link, &until),
        },
    }
}
