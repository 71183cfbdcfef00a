//! The managers' dashboard: the figures of a pipeline for a period (open
//! value, weighted forecast, won, win rate, average deal, cycle time), and
//! charts drawn by Accord as SVG, each with its table for screen readers.
//! Everything is rendered on the server. The figures sit in a small island
//! that follows the live stream: when a deal changes it asks the server for
//! the figures' HTML again and morphs the page into it (bars keep their
//! elements, so they grow or shrink in place), so no drawing code ships
//! in the WASM.

use crate::api::dashboard::{SetTarget, TARGET_FORM, dashboard_address};
#[cfg(feature = "hydrate")]
use crate::api::dashboard_figures;
use crate::api::load_dashboard;
use crate::components::live_status::{LiveStatusDot, live_status};
use crate::domain::dashboard::{Amount, Dashboard, DashboardQuery, Period};
use crate::domain::format_amount;
use crate::i18n::{Catalogue, use_t};
use crate::pages::form_outcome::form_outcome;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

/// Seconds a pipeline stays on screen in TV mode before the next.
const TV_ROTATE_SECONDS: u32 = 30;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    // TV mode: full screen and large type, for a screen on the wall; with
    // several pipelines the page moves to the next one every half minute
    // (a plain refresh: it works without JavaScript too).
    let tv = query.with_untracked(|q| q.get("tv").is_some_and(|v| v == "1"));
    let dashboard = Resource::new(
        move || {
            query.with(|q| DashboardQuery {
                period: q.get("period"),
                from: q.get("from"),
                to: q.get("to"),
                pipeline: q.get("pipeline").and_then(|v| v.parse().ok()),
                team: q.get("team").and_then(|v| v.parse().ok()),
            })
        },
        load_dashboard,
    );
    view! {
        <Title text=t.nav_dashboard/>
        <div class="dashboard" class:tv-mode=tv>
        <h1>{t.nav_dashboard}</h1>
        <p class="lede">{t.dashboard_intro}</p>
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(d) => {
                        let custom = d.period == Period::Custom;
                        let query = DashboardQuery {
                            period: Some(d.period.key().to_string()),
                            from: custom.then(|| d.from.clone()),
                            to: custom.then(|| d.to.clone()),
                            pipeline: Some(d.pipeline_id),
                            team: d.team_id,
                        };
                        let events_from = d.events_from;
                        let extras = (!tv).then(|| {
                            let target = d.may_set_target.then(|| view! {
                                <TargetForm dashboard=d.clone() back=query.clone()/>
                            });
                            view! { <Reports query=query.clone()/> {target} }
                        });
                        let rotate = tv.then(|| next_pipeline_address(&d)).flatten();
                        let current = d.pipelines.iter().find(|(id, _)| *id == d.pipeline_id)
                            .map(|(_, name)| name.clone()).unwrap_or_default();
                        Either::Left(view! {
                            {rotate.map(|to| view! {
                                <Meta http_equiv="refresh" content=format!("{TV_ROTATE_SECONDS};url={to}")/>
                            })}
                            {if tv {
                                Either::Left(view! {
                                    <p class="tv-bar">
                                        <strong class="tv-pipeline">{current}</strong>
                                        <a href=format!("/dashboard?pipeline={}&{}", d.pipeline_id, period_part(&d))>{t.dashboard_tv_leave}</a>
                                    </p>
                                })
                            } else {
                                Either::Right(view! {
                                    <Filters dashboard=d.clone()/>
                                    <p><a href=format!("/dashboard?tv=1&pipeline={}&{}{}", d.pipeline_id, period_part(&d),
                                        d.team_id.map(|t| format!("&team={t}")).unwrap_or_default())>{t.dashboard_tv}</a></p>
                                })
                            }}
                            <LiveFigures events_from query>
                                <FiguresView dashboard=d/>
                            </LiveFigures>
                            {extras}
                        })
                    }
                    Err(e) => Either::Right(view! { <p class="error" role="alert">{e.message(t)}</p> }),
                }
            })}
        </Transition>
        </div>
    }
}

/// In TV mode, the address of the next pipeline's dashboard (the first
/// after the last); none when there is only one.
fn next_pipeline_address(d: &Dashboard) -> Option<String> {
    if d.pipelines.len() < 2 {
        return None;
    }
    let at = d
        .pipelines
        .iter()
        .position(|(id, _)| *id == d.pipeline_id)
        .unwrap_or(0);
    let (next, _) = &d.pipelines[(at + 1) % d.pipelines.len()];
    let team = d.team_id.map(|t| format!("&team={t}")).unwrap_or_default();
    Some(format!(
        "/dashboard?tv=1&pipeline={next}&{}{team}",
        period_part(d)
    ))
}

/// The period as a query string part: its key, and for a custom period
/// its dates (links to another view of the same period keep them).
fn period_part(d: &Dashboard) -> String {
    match d.period {
        Period::Custom => format!("period=custom&from={}&to={}", d.from, d.to),
        p => format!("period={}", p.key()),
    }
}

/// A plain GET form: works without JavaScript, and the address keeps it.
#[component]
fn Filters(dashboard: Dashboard) -> impl IntoView {
    let t = use_t();
    view! {
        <form class="filters" method="get" action="/dashboard" role="search" aria-label=t.dashboard_filters>
            <div class="field">
                <label for="dashboard-period">{t.dashboard_period}</label>
                <select id="dashboard-period" name="period">
                    {Period::ALL.into_iter().map(|p| view! {
                        <option value=p.key() selected=p == dashboard.period>{(t.dashboard_period_name)(p)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="dashboard-from">{t.dashboard_from}</label>
                <input id="dashboard-from" name="from" type="date" value=dashboard.from.clone() aria-describedby="dashboard-dates-hint"/>
            </div>
            <div class="field">
                <label for="dashboard-to">{t.dashboard_to}</label>
                <input id="dashboard-to" name="to" type="date" value=dashboard.to.clone() aria-describedby="dashboard-dates-hint"/>
                <small id="dashboard-dates-hint" class="hint">{t.dashboard_custom_hint}</small>
            </div>
            <div class="field">
                <label for="dashboard-pipeline">{t.dashboard_pipeline}</label>
                <select id="dashboard-pipeline" name="pipeline">
                    {dashboard.pipelines.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=*id == dashboard.pipeline_id>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="dashboard-team">{t.dashboard_team}</label>
                <select id="dashboard-team" name="team">
                    <option value="">{t.dashboard_all_teams}</option>
                    {dashboard.teams.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=Some(*id) == dashboard.team_id>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="actions"><button type="submit">{t.dashboard_apply}</button></div>
        </form>
    }
}

/// Links to the same figures as CSV files, per rep and per source (plain
/// downloads, served by `accord` itself).
#[component]
fn Reports(query: DashboardQuery) -> impl IntoView {
    let t = use_t();
    let address = dashboard_address(&query);
    let link = |by: &str| {
        let q = address
            .split_once('?')
            .map(|(_, q)| format!("&{q}"))
            .unwrap_or_default();
        format!("/dashboard/report.csv?by={by}{q}")
    };
    view! {
        <section class="reports" aria-labelledby="reports-title">
            <h2 id="reports-title">{t.report_title}</h2>
            <p class="meta">{t.report_intro}</p>
            <ul>
                <li><a href=link("rep") download="">{t.report_by_rep}</a></li>
                <li><a href=link("source") download="">{t.report_by_source}</a></li>
            </ul>
        </section>
    }
}

/// Sets the monthly target of the pipeline and team shown (a plain form:
/// works without JavaScript, and comes back to the same view).
#[component]
fn TargetForm(dashboard: Dashboard, back: DashboardQuery) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(TARGET_FORM);
    let d = dashboard;
    let pipeline = d
        .pipelines
        .iter()
        .find(|(id, _)| *id == d.pipeline_id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    let team = d
        .team_id
        .and_then(|id| d.teams.iter().find(|(t, _)| *t == id))
        .map(|(_, n)| n.clone());
    let month = d.from.get(..7).unwrap_or_default().to_string();
    let currency = d
        .target
        .first()
        .map(|a| a.currency.clone())
        .unwrap_or_else(|| d.currency.clone());
    let error = |field: &str| outcome.field_message(t, field);
    let (month_error, amount_error, currency_error) =
        (error("month"), error("amount"), error("currency"));
    let general = outcome.general_error().map(|e| e.message(t));
    let described = |id: &'static str, has: bool| has.then_some(id);
    view! {
        <section class="target-form" aria-labelledby="target-title">
            <h2 id="target-title">{t.target_form_title}</h2>
            <p class="meta">{(t.target_scope)(&pipeline, team.as_deref())}</p>
            {outcome.saved.then(|| view! { <p class="notice" role="status">{t.target_saved}</p> })}
            {general.map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <form method="post" action=SetTarget::PATH class="inline-form" aria-labelledby="target-title">
                <input type="hidden" name="pipeline_id" value=d.pipeline_id.to_string()/>
                <input type="hidden" name="team_id" value=d.team_id.map(|t| t.to_string()).unwrap_or_default()/>
                <input type="hidden" name="back[period]" value=back.period.clone().unwrap_or_default()/>
                <input type="hidden" name="back[from]" value=back.from.clone().unwrap_or_default()/>
                <input type="hidden" name="back[to]" value=back.to.clone().unwrap_or_default()/>
                <input type="hidden" name="back[pipeline]" value=d.pipeline_id.to_string()/>
                {d.team_id.map(|t| view! { <input type="hidden" name="back[team]" value=t.to_string()/> })}
                <div class="field">
                    <label for="target-month">{t.target_month}</label>
                    <input id="target-month" name="month" type="month" required value=month
                        aria-invalid=month_error.is_some().then_some("true") aria-describedby=described("target-month-error", month_error.is_some())/>
                    {month_error.map(|m| view! { <p id="target-month-error" class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for="target-amount">{t.target_amount}</label>
                    <input id="target-amount" name="amount" type="text" inputmode="decimal" value=outcome.value.clone().unwrap_or_default()
                        aria-invalid=amount_error.is_some().then_some("true") aria-describedby=described("target-amount-error", amount_error.is_some())/>
                    {amount_error.map(|m| view! { <p id="target-amount-error" class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for="target-currency">{t.target_currency}</label>
                    <input id="target-currency" name="currency" type="text" required maxlength="3" size="4" value=currency
                        aria-invalid=currency_error.is_some().then_some("true") aria-describedby=described("target-currency-error", currency_error.is_some())/>
                    {currency_error.map(|m| view! { <p id="target-currency-error" class="field-error">{m}</p> })}
                </div>
                <div class="actions"><button type="submit">{t.target_save}</button></div>
            </form>
        </section>
    }
}

fn amounts(list: &[Amount], t: &'static Catalogue) -> String {
    if list.is_empty() {
        return t.kpi_none.to_string();
    }
    list.iter()
        .map(|a| format_amount(a.cents, &a.currency))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Follows the live stream and brings the figures (its children, rendered
/// by the server) up to date, debounced, when a deal changes.
#[island]
fn LiveFigures(events_from: i64, query: DashboardQuery, children: Children) -> impl IntoView {
    let status = live_status(events_from);
    #[cfg(feature = "hydrate")]
    {
        let scheduled = StoredValue::new(false);
        let query = StoredValue::new(query);
        let refresh = move || {
            if scheduled.get_value() {
                return;
            }
            scheduled.set_value(true);
            let query = query.get_value();
            // Many changes in a burst (a column archived, a busy team)
            // cost one fetch.
            set_timeout(
                move || {
                    scheduled.set_value(false);
                    leptos::task::spawn_local(async move {
                        if let Ok(html) = dashboard_figures(query).await {
                            crate::morph::morph_into("dashboard-figures", &html);
                        }
                    });
                },
                std::time::Duration::from_millis(250),
            );
        };
        crate::live::on_deal(move |_| refresh());
        crate::live::on_reload(refresh);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = query;
    view! {
        <LiveStatusDot status/>
        <div id="dashboard-figures">{children()}</div>
    }
}

/// The figures and charts of `dashboard`, rendered on the server (the
/// island above brings them up to date by asking for them again).
#[component]
pub fn FiguresView(dashboard: Dashboard) -> impl IntoView {
    let t = use_t();
    let d = dashboard;
    let kpi = |label: &'static str, value: String, detail: String, id: &'static str| {
        view! {
            <div class="kpi" data-kpi=id>
                <dt>{label}</dt>
                <dd><span class="kpi-value">{value}</span><span class="kpi-detail">{detail}</span></dd>
            </div>
        }
    };
    let none = || t.kpi_none.to_string();
    let sources = d
        .leads_by_source
        .iter()
        .map(|(source, n)| {
            let name = crate::domain::Source::parse(source)
                .map(|s| (t.person_source_name)(s).to_string())
                .unwrap_or_else(|_| source.clone());
            (name, vec![*n])
        })
        .collect();
    view! {
        <p class="meta">{(t.dashboard_range)(&d.from, &d.to)}</p>
        <dl class="kpis">
            {kpi(t.kpi_open_value, amounts(&d.open_value, t), String::new(), "open")}
            {kpi(t.kpi_weighted, amounts(&d.weighted_forecast, t), String::new(), "weighted")}
            {kpi(t.kpi_won, amounts(&d.won_value, t), (t.kpi_won_count)(d.won_count), "won")}
            {kpi(t.kpi_win_rate, d.win_rate_percent.map_or_else(none, |p| format!("{p} %")),
                (t.kpi_win_rate_detail)(d.won_count, d.lost_count), "win_rate")}
            {kpi(t.kpi_average_deal, amounts(&d.average_won, t), String::new(), "average")}
            {kpi(t.kpi_cycle, d.average_cycle_days.map_or_else(none, |n| (t.kpi_days)(n)), String::new(), "cycle")}
            {kpi(t.kpi_target, d.target_percent.map_or_else(|| t.kpi_no_target.to_string(), |p| format!("{p} %")),
                if d.target.is_empty() { String::new() } else { (t.kpi_target_detail)(&amounts(&d.target, t)) }, "target")}
        </dl>
        <div class="charts">
            <BarChart
                id="forecast"
                caption=(t.chart_forecast)(&d.currency)
                label_heading=t.chart_month
                series=vec![(t.chart_weighted, "weighted"), (t.chart_best_case, "best")]
                rows=d.forecast.iter().map(|m| (m.month.clone(), vec![m.weighted_cents, m.best_case_cents])).collect()
                currency=d.currency.clone()
            />
            <BarChart
                id="funnel"
                caption=t.chart_funnel.to_string()
                label_heading=t.chart_stage
                series=vec![(t.chart_deals, "deals")]
                rows=d.funnel.iter().map(|s| (s.stage.clone(), vec![s.reached])).collect()
                currency=String::new()
            />
            <BarChart
                id="outcomes"
                caption=t.chart_outcomes.to_string()
                label_heading=t.chart_month
                series=vec![(t.chart_won, "won"), (t.chart_lost, "lost")]
                rows=d.outcomes.iter().map(|m| (m.month.clone(), vec![m.won, m.lost])).collect()
                currency=String::new()
            />
            <BarChart
                id="activity"
                caption=t.chart_activity.to_string()
                label_heading=t.chart_rep
                series=vec![(t.chart_calls, "calls"), (t.chart_meetings, "meetings")]
                rows=d.activity.iter().map(|a| (a.name.clone(), vec![a.calls, a.meetings])).collect()
                currency=String::new()
            />
            <BarChart
                id="leads"
                caption=t.chart_leads.to_string()
                label_heading=t.chart_source
                series=vec![(t.chart_leads_count, "leads")]
                rows=sources
                currency=String::new()
            />
        </div>
    }
}

/// Width and height of a chart's drawing, in SVG units.
const CHART_W: f64 = 480.0;
const CHART_H: f64 = 200.0;

/// A bar chart drawn as SVG (hidden from screen readers) with the same
/// figures as a table. `currency`: shows values as amounts in cents in
/// it; empty for counts. Its shape never depends on the figures (the
/// "nothing to show" line is hidden, not removed), so that an update
/// morphs it in place and its bars grow.
#[component]
fn BarChart(
    id: &'static str,
    caption: String,
    label_heading: &'static str,
    series: Vec<(&'static str, &'static str)>,
    rows: Vec<(String, Vec<i64>)>,
    currency: String,
) -> impl IntoView {
    let t = use_t();
    let show = |v: i64| {
        if currency.is_empty() {
            v.to_string()
        } else {
            format_amount(v, &currency)
        }
    };
    let caption_id = format!("chart-{id}");
    let labelled_by = caption_id.clone();
    let max = rows
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0);
    let band = CHART_W / rows.len().max(1) as f64;
    let bar = (band * 0.8) / series.len() as f64;
    let groups = rows
        .iter()
        .enumerate()
        .map(|(i, (label, values))| {
            let bars = values
                .iter()
                .zip(&series)
                .enumerate()
                .map(|(s, (v, (_, class)))| {
                    let height = (*v as f64 / max.max(1) as f64) * CHART_H;
                    let x = band * i as f64 + band * 0.1 + bar * s as f64;
                    view! {
                        <rect class=format!("bar {class}") x=x width=bar
                            style:y=format!("{}px", CHART_H - height)
                            style:height=format!("{height}px")/>
                    }
                })
                .collect_view();
            view! {
                <g>
                    {bars}
                    <text x=band * i as f64 + band / 2.0 y=CHART_H + 16.0 text-anchor="middle" class="chart-label">{label.clone()}</text>
                </g>
            }
        })
        .collect_view();
    let table_rows = rows
        .iter()
        .map(|(label, values)| {
            view! {
                <tr>
                    <th scope="row">{label.clone()}</th>
                    {values.iter().map(|v| view! { <td>{show(*v)}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" data-chart=id aria-labelledby=labelled_by>
            <figcaption id=caption_id>{caption}</figcaption>
            <ul class="chart-legend" aria-hidden="true">
                {series.iter().map(|(name, class)| view! { <li class=format!("key {class}")>{*name}</li> }).collect_view()}
            </ul>
            <p class="chart-empty" hidden={max > 0}>{t.chart_empty}</p>
            <svg viewBox=format!("0 0 {CHART_W} {}", CHART_H + 24.0) aria-hidden="true" focusable="false" class="chart-drawing">
                {groups}
            </svg>
            <table class="chart-table visually-hidden">
                <thead>
                    <tr>
                        <th scope="col">{label_heading}</th>
                        {series.iter().map(|(name, _)| view! { <th scope="col">{*name}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{table_rows}</tbody>
            </table>
        </figure>
    }
}
