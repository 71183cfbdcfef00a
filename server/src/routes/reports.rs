//! `GET /dashboard/report.csv`: the dashboard's figures for a period,
//! pipeline and team, broken down per rep (with their calls and meetings)
//! or per source (with the new leads), as a CSV file for a spreadsheet.
//!
//! The same checks as the dashboard: a session, the role's right to see
//! deals, and only the deals and reps the caller may see. Headers are in
//! the reader's language; amounts are plain decimals (`1234.50`) so that
//! a spreadsheet reads them as numbers; every export is in the access log.

use super::plain;
use crate::state::AppState;
use app::domain::Source;
use app::domain::dashboard::{DashboardQuery, ReportBy, ReportRow, report};
use app::i18n::{Catalogue, Locale, locale_from_headers};
use app::server::auth::session::SessionUser;
use app::server::context::ClientAddr;
use app::server::dashboard::{Scope, activity, deal_facts, leads_by_source, scope};
use app::server::policy::{Action, allows};
use app::server::storage::AccessLogRecord;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    by: Option<String>,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    pipeline: Option<String>,
    team: Option<String>,
}

/// A number from the query: absent or empty is none, anything else must
/// parse.
fn id(value: Option<&str>) -> Result<Option<i64>, ()> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| ()),
    }
}

#[tracing::instrument(skip_all, fields(user_id))]
pub async fn report_csv(
    State(state): State<AppState>,
    user: Option<Extension<SessionUser>>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    Query(query): Query<ReportQuery>,
) -> Response {
    let client = client.map_or_else(|| "unknown".to_string(), |Extension(c)| c.0);
    let locale = locale_from_headers(&headers);
    let t = locale.t();
    let Some(Extension(user)) = user else {
        return plain(StatusCode::UNAUTHORIZED, t.err_unauthenticated);
    };
    tracing::Span::current().record("user_id", user.user_id);
    if user.must_enroll_second_factor || !allows(user.role, Action::ViewDeals) {
        return plain(StatusCode::FORBIDDEN, t.err_forbidden);
    }
    let by = match query.by.as_deref().and_then(ReportBy::from_key) {
        Some(by) => by,
        None => {
            return plain(
                StatusCode::BAD_REQUEST,
                &app::domain::Problem::UnknownChoice.message(t),
            );
        }
    };
    let (Ok(pipeline), Ok(team)) = (id(query.pipeline.as_deref()), id(query.team.as_deref()))
    else {
        return plain(
            StatusCode::BAD_REQUEST,
            &app::domain::Problem::UnknownChoice.message(t),
        );
    };
    let asked = DashboardQuery {
        period: query.period,
        from: query.from,
        to: query.to,
        pipeline,
        team,
    };
    match build(&state, &user, locale, client, &asked, by).await {
        Ok((name, body)) => {
            let disposition = format!("attachment; filename=\"{name}\"");
            let mut response =
                ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => plain(
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &error.message(t),
        ),
    }
}

/// The file's name and bytes.
async fn build(
    state: &AppState,
    user: &SessionUser,
    locale: Locale,
    client: String,
    asked: &DashboardQuery,
    by: ReportBy,
) -> Result<(String, Vec<u8>), app::error::AppError> {
    let storage = &state.storage;
    let t = locale.t();
    let today = chrono::Utc::now().date_naive();
    let scope = scope(storage, locale, asked, today).await?;
    let facts = deal_facts(storage, user, &scope).await?;
    let rows = report(&facts, by, scope.start, scope.end, today);
    let lines = match by {
        ReportBy::Rep => {
            let activity = activity(storage, user, &scope).await?;
            let users = storage
                .users
                .list()
                .await
                .map_err(|e| app::server::context::internal("users.list", e))?;
            let names: HashMap<i64, String> =
                users.into_iter().map(|u| (u.id, u.display_name)).collect();
            by_rep(t, &scope, &rows, &activity, &names)
        }
        ReportBy::Source => {
            let leads = leads_by_source(storage, &scope).await?;
            by_source(t, &scope, &rows, &leads)
        }
    };
    storage
        .access_log
        .append(&AccessLogRecord {
            id: 0,
            at: chrono::Utc::now(),
            user_id: Some(user.user_id),
            user_email: user.email.to_string(),
            action: "export".into(),
            record_type: "report".into(),
            record_id: by.key().into(),
            allowed: true,
            client_addr: client,
        })
        .await
        .map_err(|e| app::server::context::internal("access_log.append", e))?;
    let name = format!(
        "accord-{}-{}-{}.csv",
        by.key(),
        scope.from_text(),
        scope.to_text()
    );
    Ok((name, write_csv(&lines)))
}

/// `1234.50`: cents as a decimal a spreadsheet reads as a number.
fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, (cents % 100).abs())
}

fn optional(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The columns every report shares, after the group's name.
fn figure_headers(t: &Catalogue) -> Vec<String> {
    [
        t.report_col_currency,
        t.report_col_open_count,
        t.kpi_open_value,
        t.kpi_weighted,
        t.report_col_won_count,
        t.kpi_won,
        t.report_col_lost_count,
        t.report_col_win_rate,
        t.kpi_average_deal,
        t.report_col_cycle,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn figure_cells(row: Option<&ReportRow>) -> Vec<String> {
    match row {
        Some(r) => vec![
            r.currency.clone(),
            r.open_count.to_string(),
            decimal(r.open_cents),
            decimal(r.weighted_cents),
            r.won_count.to_string(),
            decimal(r.won_cents),
            r.lost_count.to_string(),
            optional(r.win_rate_percent),
            optional(r.average_won_cents.map(decimal)),
            optional(r.average_cycle_days),
        ],
        None => vec![
            String::new(),
            "0".into(),
            decimal(0),
            decimal(0),
            "0".into(),
            decimal(0),
            "0".into(),
            String::new(),
            String::new(),
            String::new(),
        ],
    }
}

fn head(t: &Catalogue, group: &str) -> Vec<String> {
    vec![
        t.report_col_from.to_string(),
        t.report_col_to.to_string(),
        t.report_col_pipeline.to_string(),
        group.to_string(),
    ]
}

fn lead(scope: &Scope, group: String) -> Vec<String> {
    vec![
        scope.from_text(),
        scope.to_text(),
        scope.pipeline.name.clone(),
        group,
    ]
}

/// One line per rep and currency; a rep with calls or meetings and no
/// deal gets a line too.
fn by_rep(
    t: &Catalogue,
    scope: &Scope,
    rows: &[ReportRow],
    activity: &[app::domain::dashboard::RepActivity],
    names: &HashMap<i64, String>,
) -> Vec<Vec<String>> {
    let mut header = head(t, t.chart_rep);
    header.extend(figure_headers(t));
    header.extend([t.chart_calls.to_string(), t.chart_meetings.to_string()]);
    let counts: HashMap<i64, (i64, i64)> = activity
        .iter()
        .map(|a| (a.user_id, (a.calls, a.meetings)))
        .collect();
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    let mut with_deals = std::collections::HashSet::new();
    for row in rows {
        let user: i64 = row.group.parse().unwrap_or_default();
        with_deals.insert(user);
        let name = names
            .get(&user)
            .cloned()
            .unwrap_or_else(|| row.group.clone());
        let (calls, meetings) = counts.get(&user).copied().unwrap_or_default();
        let mut line = lead(scope, name.clone());
        line.extend(figure_cells(Some(row)));
        line.extend([calls.to_string(), meetings.to_string()]);
        lines.push((name, line));
    }
    for a in activity.iter().filter(|a| !with_deals.contains(&a.user_id)) {
        let mut line = lead(scope, a.name.clone());
        line.extend(figure_cells(None));
        line.extend([a.calls.to_string(), a.meetings.to_string()]);
        lines.push((a.name.clone(), line));
    }
    // By name, then as computed (currency order within a rep).
    lines.sort_by_key(|a| a.0.to_lowercase());
    std::iter::once(header)
        .chain(lines.into_iter().map(|(_, l)| l))
        .collect()
}

/// One line per source and currency, with the leads that source brought
/// in the period; a source with leads and no deal gets a line too.
fn by_source(
    t: &Catalogue,
    scope: &Scope,
    rows: &[ReportRow],
    leads: &[(String, i64)],
) -> Vec<Vec<String>> {
    let mut header = head(t, t.chart_source);
    header.extend(figure_headers(t));
    header.push(t.report_col_leads.to_string());
    let name = |key: &str| {
        if key.is_empty() {
            t.report_no_source.to_string()
        } else {
            Source::parse(key)
                .map(|s| (t.person_source_name)(s).to_string())
                .unwrap_or_else(|_| key.to_string())
        }
    };
    let lead_count: HashMap<&str, i64> = leads.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    let mut lines = vec![header];
    let mut counted = std::collections::HashSet::new();
    for row in rows {
        let mut line = lead(scope, name(&row.group));
        line.extend(figure_cells(Some(row)));
        // The leads once per source, on its first line.
        let leads = if counted.insert(row.group.clone()) {
            lead_count.get(row.group.as_str()).copied().unwrap_or(0)
        } else {
            0
        };
        line.push(leads.to_string());
        lines.push(line);
    }
    for (source, n) in leads.iter().filter(|(s, _)| !counted.contains(s)) {
        let mut line = lead(scope, name(source));
        line.extend(figure_cells(None));
        line.push(n.to_string());
        lines.push(line);
    }
    lines
}

/// The CSV bytes: a UTF-8 byte order mark (spreadsheets then read accents
/// right), quoting where needed, and text cells that a spreadsheet would
/// run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first)
/// prefixed with an apostrophe.
fn write_csv(lines: &[Vec<String>]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    for line in lines {
        let cells: Vec<String> = line.iter().map(|c| defuse(c)).collect();
        // Writing to memory cannot fail.
        let _ = out.write_record(&cells);
    }
    out.into_inner().unwrap_or_default()
}

fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(decimal(123_450), "1234.50");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(0), "0.00");
    }

    #[test]
    fn cells_that_would_run_as_formulas_are_defused() {
        let bytes = write_csv(&[vec![
            "=HYPERLINK(\"x\")".into(),
            "Zoë, \"Z\"".into(),
            "12.00".into(),
        ]]);
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}\"'=HYPERLINK(\"\"x\"\")\",\"Zoë, \"\"Z\"\"\",12.00\n"
        );
    }
}
