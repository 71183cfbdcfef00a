//! The managers' dashboard: its filters, the figures it shows, and how they
//! are computed from the deals' facts (the same code on every backend; the
//! storage only reads rows).

use super::Problem;
use super::pipeline::{Stage, StageKind, weighted_cents};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// How many months the forecast looks ahead and the won/lost chart back.
pub const CHART_MONTHS: u32 = 6;

/// The period the figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    #[default]
    Month,
    Quarter,
    Year,
    /// Any dates, both given.
    Custom,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Month, Period::Quarter, Period::Year, Period::Custom];

    pub fn key(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
            Period::Custom => "custom",
        }
    }

    pub fn from_key(key: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The calendar period containing `day`: its first day and the first
    /// day after (a custom period has no calendar: the month).
    pub fn around(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let first_month = match self {
            Period::Month | Period::Custom => day.month(),
            Period::Quarter => (day.month() - 1) / 3 * 3 + 1,
            Period::Year => 1,
        };
        let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).expect("a valid month");
        let months = match self {
            Period::Month | Period::Custom => 1,
            Period::Quarter => 3,
            Period::Year => 12,
        };
        (start, start + Months::new(months))
    }

    /// The days the figures cover, `[start, end)`: the calendar period
    /// around `today`, or for a custom period the dates given (`from` and
    /// `to`, `YYYY-MM-DD`, both included). Errors name the field.
    pub fn range(
        self,
        today: NaiveDate,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<(NaiveDate, NaiveDate), (&'static str, Problem)> {
        if self != Period::Custom {
            return Ok(self.around(today));
        }
        let parse = |field: &'static str, value: Option<&str>| match value.map(str::trim) {
            None | Some("") => Err((field, Problem::Required)),
            Some(d) => {
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| (field, Problem::InvalidDate))
            }
        };
        let start = parse("from", from)?;
        let last = parse("to", to)?;
        if last < start {
            return Err(("to", Problem::RangeReversed));
        }
        Ok((start, last + Days::new(1)))
    }
}

/// The months (`YYYY-MM`) that overlap `[start, end)`: the first and the
/// last. A period's target is the sum of these months' targets.
pub fn months_overlapping(start: NaiveDate, end: NaiveDate) -> (String, String) {
    (month_of(start), month_of(end - Days::new(1)))
}

/// What the dashboard is asked for (the page's query string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DashboardQuery {
    pub period: Option<String>,
    /// A custom period's first and last days, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    pub pipeline: Option<i64>,
    pub team: Option<i64>,
}

/// One deal as the dashboard counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealFact {
    pub owner_id: i64,
    /// Where the deal came from, as typed (may be empty).
    pub source: String,
    pub amount_cents: i64,
    pub currency: String,
    pub probability: u8,
    pub kind: StageKind,
    pub expected_close: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub created_on: NaiveDate,
}

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub currency: String,
    pub cents: i64,
}

/// One month of the forecast: open deals expected to close in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub weighted_cents: i64,
    pub best_case_cents: i64,
}

/// One rep's calls and meetings over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepActivity {
    pub user_id: i64,
    pub name: String,
    pub calls: i64,
    pub meetings: i64,
}

/// One month of outcomes: deals closed in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeMonth {
    pub month: String,
    pub won: i64,
    pub lost: i64,
}

/// How many deals reached a stage (or a later one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStep {
    pub stage: String,
    pub reached: i64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub period: Period,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
    pub pipelines: Vec<(i64, String)>,
    pub pipeline_id: i64,
    pub teams: Vec<(i64, String)>,
    pub team_id: Option<i64>,
    /// The charts' currency: the one most open value is in.
    pub currency: String,
    pub open_value: Vec<Amount>,
    pub weighted_forecast: Vec<Amount>,
    pub won_value: Vec<Amount>,
    pub won_count: i64,
    pub lost_count: i64,
    /// Won among those closed in the period, when any closed.
    pub win_rate_percent: Option<u8>,
    pub average_won: Vec<Amount>,
    pub average_cycle_days: Option<i64>,
    pub forecast: Vec<ForecastMonth>,
    pub outcomes: Vec<OutcomeMonth>,
    pub funnel: Vec<FunnelStep>,
    pub leads_by_source: Vec<(String, i64)>,
    /// The targets of the months the period overlaps, per currency.
    pub target: Vec<Amount>,
    /// Won against target, in the target's currency, when there is one.
    pub target_percent: Option<u32>,
    /// Calls and meetings logged in the period, per rep the reader sees.
    pub activity: Vec<RepActivity>,
    /// Whether the reader may set this pipeline's targets.
    pub may_set_target: bool,
    /// The live stream's last event id when the figures were read.
    pub events_from: i64,
}

fn add(amounts: &mut Vec<Amount>, currency: &str, cents: i64) {
    match amounts.iter_mut().find(|a| a.currency == currency) {
        Some(a) => a.cents += cents,
        None => {
            amounts.push(Amount {
                currency: currency.to_string(),
                cents,
            });
            amounts.sort_by(|a, b| a.currency.cmp(&b.currency));
        }
    }
}

fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// The figures that come from the deals: `(from, to)` is the period (end
/// exclusive), `today` places the charts' months.
pub struct Figures {
    pub currency: String,
    pub open_value: Vec<Amount>,
    pub weighted_forecast: Vec<Amount>,
    pub won_value: Vec<Amount>,
    pub won_count: i64,
    pub lost_count: i64,
    pub win_rate_percent: Option<u8>,
    pub average_won: Vec<Amount>,
    pub average_cycle_days: Option<i64>,
    pub forecast: Vec<ForecastMonth>,
    pub outcomes: Vec<OutcomeMonth>,
}

pub fn figures(deals: &[DealFact], from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Figures {
    let in_period = |d: Option<NaiveDate>| d.is_some_and(|d| d >= from && d < to);
    let mut open_value = Vec::new();
    let mut weighted_forecast = Vec::new();
    let mut won_value = Vec::new();
    let (mut won_count, mut lost_count) = (0, 0);
    let mut cycle_days = Vec::new();
    for d in deals {
        match d.kind {
            StageKind::Open => {
                add(&mut open_value, &d.currency, d.amount_cents);
                add(
                    &mut weighted_forecast,
                    &d.currency,
                    weighted_cents(d.amount_cents, d.probability),
                );
            }
            StageKind::Won if in_period(d.closed_on) => {
                won_count += 1;
                add(&mut won_value, &d.currency, d.amount_cents);
                if let Some(closed) = d.closed_on {
                    cycle_days.push((closed - d.created_on).num_days().max(0));
                }
            }
            StageKind::Lost if in_period(d.closed_on) => lost_count += 1,
            _ => {}
        }
    }
    let closed = won_count + lost_count;
    let win_rate_percent = (closed > 0).then(|| ((won_count * 100 + closed / 2) / closed) as u8);
    let mut average_won = won_value.clone();
    for a in &mut average_won {
        let count = deals
            .iter()
            .filter(|d| {
                d.kind == StageKind::Won && in_period(d.closed_on) && d.currency == a.currency
            })
            .count() as i64;
        a.cents = (a.cents + count / 2) / count.max(1);
    }
    let average_cycle_days = (!cycle_days.is_empty())
        .then(|| (cycle_days.iter().sum::<i64>() as f64 / cycle_days.len() as f64).round() as i64);
    let currency = open_value
        .iter()
        .max_by_key(|a| a.cents)
        .or(won_value.first())
        .map(|a| a.currency.clone())
        .unwrap_or_else(|| "EUR".to_string());

    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("a month");
    let forecast = (0..CHART_MONTHS)
        .map(|i| {
            let start = this_month + Months::new(i);
            let end = start + Months::new(1);
            let (mut weighted, mut best) = (0, 0);
            for d in deals.iter().filter(|d| {
                d.kind == StageKind::Open
                    && d.currency == currency
                    // Overdue open deals count in the current month.
                    && d.expected_close.is_some_and(|c| (c >= start || i == 0) && c < end)
            }) {
                weighted += weighted_cents(d.amount_cents, d.probability);
                best += d.amount_cents;
            }
            ForecastMonth {
                month: month_of(start),
                weighted_cents: weighted,
                best_case_cents: best,
            }
        })
        .collect();
    let outcomes = (0..CHART_MONTHS)
        .rev()
        .map(|i| {
            let start = this_month - Months::new(i);
            let end = start + Months::new(1);
            let closed_in = |kind: StageKind| {
                deals
                    .iter()
                    .filter(|d| {
                        d.kind == kind && d.closed_on.is_some_and(|c| c >= start && c < end)
                    })
                    .count() as i64
            };
            OutcomeMonth {
                month: month_of(start),
                won: closed_in(StageKind::Won),
                lost: closed_in(StageKind::Lost),
            }
        })
        .collect();
    Figures {
        currency,
        open_value,
        weighted_forecast,
        won_value,
        won_count,
        lost_count,
        win_rate_percent,
        average_won,
        average_cycle_days,
        forecast,
        outcomes,
    }
}

/// Won against target, in percent, in the currency of the (first)
/// target; none without a target.
pub fn target_percent(won: &[Amount], target: &[Amount]) -> Option<u32> {
    let target = target.iter().find(|t| t.cents > 0)?;
    let won = won
        .iter()
        .find(|w| w.currency == target.currency)
        .map_or(0, |w| w.cents);
    Some(
        ((won as i128 * 100 + target.cents as i128 / 2) / target.cents as i128)
            .min(u32::MAX as i128) as u32,
    )
}

/// One line of a report: the figures of one group's deals in one
/// currency (each figure is about exactly those deals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The group's key: the owner's user id or the deal's source.
    pub group: String,
    pub currency: String,
    pub open_count: i64,
    pub open_cents: i64,
    pub weighted_cents: i64,
    pub won_count: i64,
    pub won_cents: i64,
    pub lost_count: i64,
    pub win_rate_percent: Option<u8>,
    pub average_won_cents: Option<i64>,
    pub average_cycle_days: Option<i64>,
}

/// What a report is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportBy {
    Rep,
    Source,
}

impl ReportBy {
    pub fn from_key(key: &str) -> Option<ReportBy> {
        match key {
            "rep" => Some(ReportBy::Rep),
            "source" => Some(ReportBy::Source),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ReportBy::Rep => "rep",
            ReportBy::Source => "source",
        }
    }

    fn group(self, deal: &DealFact) -> String {
        match self {
            ReportBy::Rep => deal.owner_id.to_string(),
            ReportBy::Source => deal.source.trim().to_string(),
        }
    }
}

/// The dashboard's figures per rep or per source over `[from, to)`: one
/// row per group and currency, in group then currency order, computed by
/// [`figures`] over that group's deals, so that a report adds up to the
/// dashboard.
pub fn report(
    deals: &[DealFact],
    by: ReportBy,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Vec<ReportRow> {
    let mut groups: std::collections::BTreeMap<(String, String), Vec<DealFact>> =
        std::collections::BTreeMap::new();
    for d in deals {
        groups
            .entry((by.group(d), d.currency.clone()))
            .or_default()
            .push(d.clone());
    }
    groups
        .into_iter()
        .map(|((group, currency), deals)| {
            let f = figures(&deals, from, to, today);
            let cents = |list: &[Amount]| list.iter().map(|a| a.cents).sum::<i64>();
            ReportRow {
                group,
                currency,
                open_count: deals.iter().filter(|d| d.kind == StageKind::Open).count() as i64,
                open_cents: cents(&f.open_value),
                weighted_cents: cents(&f.weighted_forecast),
                won_count: f.won_count,
                won_cents: cents(&f.won_value),
                lost_count: f.lost_count,
                win_rate_percent: f.win_rate_percent,
                average_won_cents: f.average_won.first().map(|a| a.cents),
                average_cycle_days: f.average_cycle_days,
            }
        })
        .collect()
}

/// The conversion funnel: for each open stage in board order, then won,
/// how many deals got at least that far (a deal that reached a later stage
/// passed the earlier ones, even if it skipped them; a lost deal counts as
/// far as it got). `reached`: `(deal id, stage id)` from the history.
pub fn funnel(stages: &[Stage], reached: &[(i64, i64)]) -> Vec<FunnelStep> {
    let open: Vec<&Stage> = stages
        .iter()
        .filter(|s| s.kind == StageKind::Open && !s.archived)
        .collect();
    let won_name = stages
        .iter()
        .find(|s| s.kind == StageKind::Won)
        .map(|s| s.name.clone());
    let position = |stage: i64| -> Option<usize> {
        if let Some(i) = open.iter().position(|s| s.id == stage) {
            return Some(i);
        }
        stages
            .iter()
            .any(|s| s.id == stage && s.kind == StageKind::Won)
            .then_some(open.len())
    };
    let mut furthest: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (deal, stage) in reached {
        if let Some(p) = position(*stage) {
            let f = furthest.entry(*deal).or_insert(p);
            *f = (*f).max(p);
        }
    }
    let steps = open.len() + usize::from(won_name.is_some());
    (0..steps)
        .map(|i| FunnelStep {
            stage: open
                .get(i)
                .map(|s| s.name.clone())
                .or_else(|| won_name.clone())
                .unwrap_or_default(),
            reached: furthest.values().filter(|f| **f >= i).count() as i64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn deal(
        amount: i64,
        p: u8,
        kind: StageKind,
        expected: Option<&str>,
        closed: Option<&str>,
    ) -> DealFact {
        DealFact {
            owner_id: 1,
            source: String::new(),
            amount_cents: amount,
            currency: "EUR".into(),
            probability: p,
            kind,
            expected_close: expected.map(day),
            closed_on: closed.map(day),
            created_on: day("2026-10-01"),
        }
    }

    #[test]
    fn periods_start_and_end_where_the_calendar_says() {
        let d = day("2026-11-29");
        assert_eq!(
            Period::Month.around(d),
            (day("2026-11-01"), day("2026-12-01"))
        );
        assert_eq!(
            Period::Quarter.around(d),
            (day("2026-10-01"), day("2027-01-01"))
        );
        assert_eq!(
            Period::Year.around(d),
            (day("2026-01-01"), day("2027-01-01"))
        );
        assert_eq!(Period::from_key("quarter"), Some(Period::Quarter));
        assert_eq!(Period::from_key("week"), None);
    }

    #[test]
    fn the_figures_of_a_small_pipeline() {
        let deals = vec![
            deal(100_000, 50, StageKind::Open, Some("2026-12-15"), None),
            deal(40_000, 25, StageKind::Open, Some("2026-10-02"), None),
            deal(60_000, 10, StageKind::Open, Some("2027-02-01"), None),
            deal(30_000, 100, StageKind::Won, None, Some("2026-11-10")),
            deal(50_000, 100, StageKind::Won, None, Some("2026-11-20")),
            deal(70_000, 0, StageKind::Lost, None, Some("2026-11-21")),
            // Closed before the period: counted in the chart only.
            deal(90_000, 100, StageKind::Won, None, Some("2026-09-01")),
        ];
        let (from, to) = Period::Month.around(day("2026-11-29"));
        let f = figures(&deals, from, to, day("2026-11-29"));
        assert_eq!(f.open_value[0].cents, 200_000);
        assert_eq!(f.weighted_forecast[0].cents, 50_000 + 10_000 + 6_000);
        assert_eq!(f.won_value[0].cents, 80_000);
        assert_eq!((f.won_count, f.lost_count), (2, 1));
        assert_eq!(f.win_rate_percent, Some(67));
        assert_eq!(f.average_won[0].cents, 40_000);
        // Created 2026-10-01, closed 40 and 50 days later.
        assert_eq!(f.average_cycle_days, Some(45));
        assert_eq!(f.currency, "EUR");
        // Forecast: the overdue deal counts in November, then December, …
        assert_eq!(f.forecast[0].month, "2026-11");
        assert_eq!(f.forecast[0].best_case_cents, 40_000);
        assert_eq!(f.forecast[1].weighted_cents, 50_000);
        assert_eq!(f.forecast[3].best_case_cents, 60_000);
        assert_eq!(f.forecast.len(), CHART_MONTHS as usize);
        // Outcomes: six months back to November.
        assert_eq!(f.outcomes.last().unwrap().month, "2026-11");
        assert_eq!((f.outcomes[5].won, f.outcomes[5].lost), (2, 1));
        assert_eq!(f.outcomes[3].won, 1);
    }

    #[test]
    fn the_funnel_counts_how_far_each_deal_got() {
        let stage = |id: i64, kind: StageKind| Stage {
            id,
            name: format!("S{id}"),
            probability: 10,
            kind,
            archived: false,
        };
        let stages = vec![
            stage(1, StageKind::Open),
            stage(2, StageKind::Open),
            stage(3, StageKind::Open),
            stage(4, StageKind::Won),
            stage(5, StageKind::Lost),
        ];
        // Deal 10 went 1 → 2 → won; 11 went 1 → 3 (skipping 2) → lost;
        // 12 stayed in 1.
        let reached = [
            (10, 1),
            (10, 2),
            (10, 4),
            (11, 1),
            (11, 3),
            (11, 5),
            (12, 1),
        ];
        let f = funnel(&stages, &reached);
        let counts: Vec<i64> = f.iter().map(|s| s.reached).collect();
        assert_eq!(counts, vec![3, 2, 2, 1]);
        assert_eq!(f[3].stage, "S4");
    }

    #[test]
    fn nothing_closed_has_no_rate() {
        let f = figures(&[], day("2026-11-01"), day("2026-12-01"), day("2026-11-02"));
        assert_eq!(f.win_rate_percent, None);
        assert_eq!(f.average_cycle_days, None);
        assert!(f.open_value.is_empty());
    }

    #[test]
    fn a_custom_period_needs_two_dates_in_order() {
        let today = day("2026-11-29");
        assert_eq!(
            Period::Custom.range(today, Some("2026-01-15"), Some("2026-02-14")),
            Ok((day("2026-01-15"), day("2026-02-15")))
        );
        assert_eq!(
            Period::Custom.range(today, Some("2026-01-15"), None),
            Err(("to", Problem::Required))
        );
        assert_eq!(
            Period::Custom.range(today, Some("15/01/2026"), Some("2026-02-14")),
            Err(("from", Problem::InvalidDate))
        );
        assert_eq!(
            Period::Custom.range(today, Some("2026-03-01"), Some("2026-02-28")),
            Err(("to", Problem::RangeReversed))
        );
        // The calendar periods ignore the dates.
        assert_eq!(
            Period::Quarter.range(today, Some("x"), None),
            Ok((day("2026-10-01"), day("2027-01-01")))
        );
        assert_eq!(
            months_overlapping(day("2026-01-15"), day("2026-03-01")),
            ("2026-01".to_string(), "2026-02".to_string())
        );
    }

    #[test]
    fn won_against_target() {
        let eur = |cents| Amount {
            currency: "EUR".into(),
            cents,
        };
        assert_eq!(target_percent(&[eur(7_500)], &[eur(10_000)]), Some(75));
        assert_eq!(target_percent(&[], &[eur(10_000)]), Some(0));
        assert_eq!(target_percent(&[eur(12_000)], &[eur(10_000)]), Some(120));
        assert_eq!(target_percent(&[eur(5)], &[]), None);
        let usd = Amount {
            currency: "USD".into(),
            cents: 9_000,
        };
        assert_eq!(target_percent(&[usd], &[eur(10_000)]), Some(0));
    }

    #[test]
    fn a_report_adds_up_to_the_dashboard() {
        let (from, to, today) = (day("2026-11-01"), day("2026-12-01"), day("2026-11-29"));
        let mut deals = vec![
            deal(10_000, 50, StageKind::Open, None, None),
            deal(20_000, 100, StageKind::Won, None, Some("2026-11-10")),
            deal(5_000, 0, StageKind::Lost, None, Some("2026-11-11")),
            deal(8_000, 20, StageKind::Open, None, None),
        ];
        deals[1].owner_id = 2;
        deals[3].owner_id = 2;
        deals[3].source = "Trade fair".into();
        deals[2].currency = "USD".into();
        let by_rep = report(&deals, ReportBy::Rep, from, to, today);
        assert_eq!(
            by_rep
                .iter()
                .map(|r| (r.group.as_str(), r.currency.as_str()))
                .collect::<Vec<_>>(),
            [("1", "EUR"), ("1", "USD"), ("2", "EUR")]
        );
        let rep2 = &by_rep[2];
        assert_eq!(
            (rep2.open_count, rep2.open_cents, rep2.weighted_cents),
            (1, 8_000, 1_600)
        );
        assert_eq!(
            (rep2.won_count, rep2.won_cents, rep2.win_rate_percent),
            (1, 20_000, Some(100))
        );
        assert_eq!(rep2.average_won_cents, Some(20_000));
        assert_eq!(
            (by_rep[1].lost_count, by_rep[1].win_rate_percent),
            (1, Some(0))
        );
        // Every deal is in exactly one row: the totals are the dashboard's.
        let all = figures(&deals, from, to, today);
        let sum = |f: fn(&ReportRow) -> i64| by_rep.iter().map(f).sum::<i64>();
        assert_eq!(sum(|r| r.won_count), all.won_count);
        assert_eq!(sum(|r| r.lost_count), all.lost_count);
        assert_eq!(
            sum(|r| r.open_cents),
            all.open_value.iter().map(|a| a.cents).sum::<i64>()
        );
        let by_source = report(&deals, ReportBy::Source, from, to, today);
        assert_eq!(
            by_source
                .iter()
                .map(|r| (r.group.as_str(), r.currency.as_str()))
                .collect::<Vec<_>>(),
            [("", "EUR"), ("", "USD"), ("Trade fair", "EUR")]
        );
    }
}
