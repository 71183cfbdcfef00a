//! The deals of a person or a company, on their page: where each stands,
//! for how much, and when it should close.

use crate::domain::{RecordDeal, StageKind, format_amount};
use crate::i18n::use_t;
use leptos::prelude::*;

#[component]
pub fn RecordDeals(deals: Vec<RecordDeal>) -> impl IntoView {
    let t = use_t();
    let body = if deals.is_empty() {
        view! { <p class="notice">{t.record_no_deals}</p> }.into_any()
    } else {
        view! {
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">{t.deal_title_label}</th>
                        <th scope="col">{t.deal_stage_label}</th>
                        <th scope="col" class="number">{t.deal_amount_label}</th>
                        <th scope="col">{t.deal_expected}</th>
                        <th scope="col">{t.person_owner}</th>
                    </tr>
                </thead>
                <tbody>
                    {deals.into_iter().map(|d| {
                        let closed = d.stage.as_ref().is_some_and(|(_, k)| *k != StageKind::Open);
                        let stage = d
                            .stage
                            .map(|(name, _)| name)
                            .unwrap_or_else(|| t.deal_on_no_board.to_string());
                        view! {
                            <tr class:closed=closed>
                                <td class="name"><a href=format!("/deals/{}", d.id)>{d.title}</a></td>
                                <td>{stage}</td>
                                <td class="number">{format_amount(d.amount_cents, &d.currency)}</td>
                                <td>{d.expected_close.unwrap_or_else(|| "—".into())}</td>
                                <td>{d.owner_name}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card wide" aria-labelledby="record-deals">
            <h2 id="record-deals">{t.record_deals}</h2>
            {body}
        </section>
    }
}
