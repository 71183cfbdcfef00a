//! The pipeline board: a column per stage with its count and totals, cards
//! moved with the mouse or a finger (pointer events) or the keyboard
//! (Space, arrows, Enter, Escape), optimistically: the card moves at once,
//! and goes back with a message if the server refuses. Without JavaScript
//! the board renders read-only, with its filters working.

use crate::api::pipeline::NEW_DEAL_FORM;
use crate::api::{CreateDeal, load_board, more_cards, move_deal};
use crate::components::live_status::{LiveStatusDot, live_status};
use crate::domain::live::{DealEvent, apply_deal_event};
use crate::domain::{
    BoardColumn, BoardQuery, BoardView, COLUMN_PAGE, DealCard, StageKind, find_card, format_amount,
    place_card,
};
use crate::error::AppError;
use crate::i18n::use_t;
use crate::pages::form_outcome::form_outcome;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The board's filters as the page's query string gives them.
fn query_of(map: &leptos_router::params::ParamsMap) -> BoardQuery {
    let text = |k: &str| {
        map.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let id = |k: &str| text(k).and_then(|v| v.parse::<i64>().ok());
    BoardQuery {
        pipeline: id("pipeline"),
        owner: id("owner"),
        team: id("team"),
        close_from: text("close_from"),
        close_to: text("close_to"),
        q: text("q"),
    }
}

#[component]
pub fn BoardPage() -> impl IntoView {
    let t = use_t();
    let query = use_query_map();
    let board = Resource::new(move || query.with(query_of), load_board);
    view! {
        <Title text=t.nav_pipeline/>
        <h1>{t.nav_pipeline}</h1>
        <p class="lede">{t.pipeline_intro}</p>
        {move || super::pipeline_settings::may_manage_pipelines().then(|| view! {
            <p><a href="/settings/pipelines">{t.pipelines_link}</a></p>
        })}
        <Transition fallback=move || view! { <p>{t.loading}</p> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(view) => Either::Left(view! {
                        <BoardFilters view=view.clone()/>
                        {view.may_move.then(|| view! { <NewDeal view=view.clone()/> })}
                        <Board view=view/>
                    }),
                    Err(e) => Either::Right(view! { <p class="error" role="alert">{e.message(t)}</p> }),
                }
            })}
        </Transition>
    }
}

/// The filter form: a plain GET form, so it works without JavaScript.
#[component]
fn BoardFilters(view: BoardView) -> impl IntoView {
    let t = use_t();
    let q = view.query.clone();
    let options = |items: &[(i64, String)], chosen: Option<i64>| {
        items
            .iter()
            .map(|(id, name)| {
                view! { <option value=id.to_string() selected=chosen == Some(*id)>{name.clone()}</option> }
            })
            .collect_view()
    };
    view! {
        <form class="board-filters" method="get" action="/pipeline" role="search" aria-label=t.board_filters>
            <label>{t.board_pipeline}
                <select name="pipeline">{options(&view.pipelines, Some(view.pipeline_id))}</select>
            </label>
            <label>{t.board_owner}
                <select name="owner">
                    <option value="">{t.board_anyone}</option>
                    {options(&view.owners, q.owner)}
                </select>
            </label>
            <label>{t.board_team}
                <select name="team">
                    <option value="">{t.board_anyone}</option>
                    {options(&view.teams, q.team)}
                </select>
            </label>
            <label>{t.board_close_from}
                <input type="date" name="close_from" value=q.close_from.clone().unwrap_or_default()/>
            </label>
            <label>{t.board_close_to}
                <input type="date" name="close_to" value=q.close_to.clone().unwrap_or_default()/>
            </label>
            <label>{t.board_search}
                <input type="search" name="q" value=q.q.clone().unwrap_or_default()/>
            </label>
            <button type="submit">{t.board_apply}</button>
        </form>
    }
}

/// Adding a deal at the end of a column: a plain form, with or without
/// JavaScript; the page comes back with the outcome.
#[component]
fn NewDeal(view: BoardView) -> impl IntoView {
    let t = use_t();
    let outcome = form_outcome(NEW_DEAL_FORM);
    let error = outcome.error.as_ref().map(|e| e.message(t));
    let open = error.is_some();
    let stages: Vec<(i64, String)> = view
        .columns
        .iter()
        .filter(|c| c.stage.kind == StageKind::Open)
        .map(|c| (c.stage.id, c.stage.name.clone()))
        .collect();
    view! {
        {outcome.saved.then(|| view! { <p class="ok" role="status">{t.deal_added}</p> })}
        <details class="new-deal" open=open>
            <summary>{t.board_new_deal}</summary>
            <form method="post" action=CreateDeal::PATH class="stack" aria-label=t.board_new_deal>
                {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <label>{t.deal_title_label}
                    <input name="title" required maxlength="200" value=outcome.value.clone().unwrap_or_default()/>
                </label>
                <label>{t.deal_amount_label}
                    <input name="amount" required inputmode="decimal"/>
                </label>
                <label>{t.deal_currency_label}
                    <input name="currency" value="EUR" maxlength="3" required/>
                </label>
                <label>{t.deal_stage_label}
                    <select name="stage_id">
                        {stages.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label>{t.deal_expected_close}
                    <input type="date" name="expected_close"/>
                </label>
                <button type="submit" class="primary">{t.deal_add}</button>
            </form>
        </details>
    }
}

/// A card being dragged with a pointer.
#[derive(Clone, Copy, PartialEq)]
struct Drag {
    deal_id: i64,
    pointer_id: i32,
    x: i32,
    y: i32,
    moving: bool,
}

/// A move waiting for what its outcome needs (a lost reason, a close
/// date) before it is sent.
#[derive(Clone, PartialEq)]
struct Pending {
    deal_id: i64,
    kind: StageKind,
}

/// The columns, their cards, and every way of moving them: the one part
/// of the board page that runs in the browser (an island; the filters and
/// the new-deal form around it are plain server-rendered forms). Its data
/// comes from the page as the island's props, so hydrating it fetches
/// nothing.
#[island]
fn Board(view: BoardView) -> impl IntoView {
    let t = use_t();
    let columns = RwSignal::new(view.columns.clone());
    let query = StoredValue::new(view.query.clone());
    let message = RwSignal::new(None::<String>);
    // The card that someone else's change just brought (highlighted).
    let arrived = RwSignal::new(None::<i64>);
    let status = live_status(view.events_from);
    // After a conflict the board shows the stored truth: the columns are
    // fetched again in place, so the message saying why stays.
    let refetch = move || {
        leptos::task::spawn_local(async move {
            match load_board(query.get_value()).await {
                Ok(fresh) => columns.set(fresh.columns),
                Err(e) => message.set(Some(e.message(t))),
            }
        });
    };
    // The board as it was before the move in progress, to go back to.
    let before_move: StoredValue<Option<Vec<BoardColumn>>> = StoredValue::new(None);
    let grabbed = RwSignal::new(None::<i64>);
    let drag = RwSignal::new(None::<Drag>);
    let pending = RwSignal::new(None::<Pending>);
    let announce = RwSignal::new(String::new());
    let may_move = view.may_move;
    let today = view.today.clone();

    let title_of = move |id: i64| {
        columns.with_untracked(|cs| {
            cs.iter()
                .flat_map(|c| c.cards.iter())
                .find(|c| c.id == id)
                .map(|c| c.title.clone())
                .unwrap_or_default()
        })
    };
    let where_is = move |id: i64| columns.with_untracked(|cs| find_card(cs, id));
    let focus_card = move |id: i64| {
        request_animation_frame(move || focus_card_element(id));
    };
    let put_back = move || {
        if let Some(snapshot) = before_move.get_value() {
            columns.set(snapshot);
        }
        before_move.set_value(None);
    };

    // Changes made by others, as the live stream brings them. While a move
    // of ours is under way they wait, so that the card in hand is not
    // yanked away; they are taken in once it has landed or gone back.
    let waiting: StoredValue<Vec<DealEvent>> = StoredValue::new(Vec::new());
    let take_in = move |event: DealEvent| {
        let q = query.get_value();
        let mut changed = false;
        columns.update(|cs| changed = apply_deal_event(cs, &q, &event));
        if let (true, Some(card)) = (changed, &event.card) {
            arrived.set(Some(card.id));
            let stage = columns.with_untracked(|cs| {
                cs.iter()
                    .find(|c| c.stage.id == card.stage_id)
                    .map(|c| c.stage.name.clone())
            });
            if let Some(stage) = stage {
                announce.set((t.board_remote_change)(&card.title, &stage));
            }
        }
    };
    let settle = move || {
        let busy = before_move.with_value(Option::is_some)
            || grabbed.get_untracked().is_some()
            || drag.get_untracked().is_some_and(|d| d.moving)
            || pending.get_untracked().is_some();
        if !busy {
            let events = waiting.try_update_value(std::mem::take).unwrap_or_default();
            events.into_iter().for_each(take_in);
        }
    };
    Effect::new(move |_| {
        grabbed.track();
        drag.track();
        pending.track();
        settle();
    });
    #[cfg(feature = "hydrate")]
    {
        crate::live::on_deal(move |event| {
            waiting.update_value(|w| w.push(event));
            settle();
        });
        crate::live::on_reload(refetch);
    }

    // Sends the move of `deal_id` as it now sits on the board.
    let send = move |deal_id: i64, lost_reason: Option<String>, closed_on: Option<String>| {
        let Some((column, at)) = where_is(deal_id) else {
            return;
        };
        let (card, stage, after, before) = columns.with_untracked(|cs| {
            let c = &cs[column];
            (
                c.cards[at].clone(),
                c.stage.clone(),
                at.checked_sub(1).map(|i| c.cards[i].id),
                c.cards.get(at + 1).map(|d| d.id),
            )
        });
        let origin = before_move.get_value();
        let unchanged = origin.as_ref().is_some_and(|o| {
            o.iter().any(|c| {
                c.stage.id == stage.id
                    && c.cards.iter().map(|d| d.id).collect::<Vec<_>>()
                        == columns.with_untracked(|cs| {
                            cs[column].cards.iter().map(|d| d.id).collect::<Vec<_>>()
                        })
            })
        });
        if unchanged {
            before_move.set_value(None);
            return;
        }
        announce.set((t.board_dropped)(&card.title, &stage.name));
        leptos::task::spawn_local(async move {
            let result = move_deal(
                deal_id,
                card.version,
                stage.id,
                after,
                before,
                lost_reason,
                closed_on,
            )
            .await;
            match result {
                Ok(moved) => {
                    columns.update(|cs| {
                        if let Some(d) = cs
                            .iter_mut()
                            .flat_map(|c| c.cards.iter_mut())
                            .find(|d| d.id == deal_id)
                        {
                            d.version = moved.version;
                            d.rank = moved.rank.clone();
                            d.probability = moved.probability;
                        }
                    });
                    before_move.set_value(None);
                    message.set(None);
                }
                Err(AppError::Conflict) => {
                    before_move.set_value(None);
                    message.set(Some(t.board_conflict.to_string()));
                    refetch();
                }
                Err(e) => {
                    put_back();
                    message.set(Some((t.board_refused)(&e.message(t))));
                }
            }
            settle();
        });
    };
    // Drops `deal_id` where it now is: asks first what a won or lost
    // stage needs.
    let drop_card = move |deal_id: i64| {
        let kind = where_is(deal_id).and_then(|(column, _)| {
            columns.with_untracked(|cs| {
                let c = &cs[column];
                let moved_here = before_move.with_value(|o| {
                    o.as_ref().is_some_and(|o| {
                        !o.iter().any(|oc| {
                            oc.stage.id == c.stage.id && oc.cards.iter().any(|d| d.id == deal_id)
                        })
                    })
                });
                (moved_here && c.stage.kind != StageKind::Open).then_some(c.stage.kind)
            })
        });
        match kind {
            Some(kind) => pending.set(Some(Pending { deal_id, kind })),
            None => send(deal_id, None, None),
        }
    };

    // Picking a card up is a key on the focused card.
    let on_key = move |ev: leptos::ev::KeyboardEvent, deal_id: i64| {
        if !may_move || pending.with_untracked(Option::is_some) || grabbed.get_untracked().is_some()
        {
            return;
        }
        // A key on the link inside the card is the link's.
        if ev.target() != ev.current_target() {
            return;
        }
        let key = ev.key();
        if key == " " || key == "Enter" {
            ev.prevent_default();
            // The window's listener below must not take this key as the drop.
            ev.stop_propagation();
            before_move.set_value(Some(columns.get_untracked()));
            grabbed.set(Some(deal_id));
            announce.set((t.board_picked)(&title_of(deal_id)));
        }
    };
    // The keys that move a card held are followed on the window: each move
    // rebuilds the card's element, and the focus comes back to it only on
    // the next frame; a key pressed in between would be lost.
    let on_held_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(deal_id) = grabbed.get_untracked() else {
            return;
        };
        if pending.with_untracked(Option::is_some) {
            return;
        }
        let key = ev.key();
        let Some((column, at)) = where_is(deal_id) else {
            return;
        };
        let count = columns.with_untracked(Vec::len);
        let target = match key.as_str() {
            "ArrowUp" => Some((column, at.saturating_sub(1))),
            "ArrowDown" => Some((column, at + 1)),
            "ArrowLeft" if column > 0 => Some((column - 1, at)),
            "ArrowRight" if column + 1 < count => Some((column + 1, at)),
            " " | "Enter" => {
                ev.prevent_default();
                grabbed.set(None);
                drop_card(deal_id);
                focus_card(deal_id);
                return;
            }
            "Escape" | "Tab" => {
                // Leaving the card with Tab also puts it back: the keys
                // would otherwise keep moving a card no longer in view.
                if key == "Escape" {
                    ev.prevent_default();
                }
                grabbed.set(None);
                put_back();
                announce.set((t.board_put_back)(&title_of(deal_id)));
                if key == "Escape" {
                    focus_card(deal_id);
                }
                return;
            }
            _ => None,
        };
        if let Some((to, index)) = target {
            ev.prevent_default();
            let stage = columns.with_untracked(|cs| cs[to].stage.id);
            columns.update(|cs| {
                place_card(cs, deal_id, stage, index);
            });
            if let Some((column, at)) = where_is(deal_id) {
                let (name, of) = columns
                    .with_untracked(|cs| (cs[column].stage.name.clone(), cs[column].cards.len()));
                announce.set((t.board_position)(&name, at + 1, of));
            }
            focus_card(deal_id);
        }
    };

    let on_pointer_down = move |ev: leptos::ev::PointerEvent, deal_id: i64| {
        if !may_move || ev.button() != 0 || pending.with_untracked(Option::is_some) {
            return;
        }
        drag.set(Some(Drag {
            deal_id,
            pointer_id: ev.pointer_id(),
            x: ev.client_x(),
            y: ev.client_y(),
            moving: false,
        }));
    };
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        let Some(mut d) = drag.get_untracked() else {
            return;
        };
        if d.pointer_id != ev.pointer_id() {
            return;
        }
        let (x, y) = (ev.client_x(), ev.client_y());
        if !d.moving && ((x - d.x).abs() + (y - d.y).abs()) < 6 {
            return;
        }
        if !d.moving {
            d.moving = true;
            before_move.set_value(Some(columns.get_untracked()));
            drag.set(Some(d));
        }
        if let Some((stage, index)) = drop_target(x, y) {
            let current = where_is(d.deal_id);
            let stage_index =
                columns.with_untracked(|cs| cs.iter().position(|c| c.stage.id == stage));
            // The index counted the dragged card itself when it sits above
            // the pointer in the same column.
            let index = match (current, stage_index) {
                (Some((column, at)), Some(target)) if column == target && at < index => index - 1,
                _ => index,
            };
            if current.map(|(c, a)| (Some(c), a)) != Some((stage_index, index)) {
                columns.update(|cs| {
                    place_card(cs, d.deal_id, stage, index);
                });
            }
        }
    };
    let on_pointer_up = move |ev: leptos::ev::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        if d.pointer_id != ev.pointer_id() {
            return;
        }
        drag.set(None);
        if d.moving {
            drop_card(d.deal_id);
        }
    };
    let on_pointer_cancel = move |_ev: leptos::ev::PointerEvent| {
        if drag.get_untracked().is_some_and(|d| d.moving) {
            put_back();
        }
        drag.set(None);
    };

    // The rest of a drag is followed on the window: the card's element is
    // rebuilt each time it changes column, and would lose the pointer.
    let listeners = [
        window_event_listener(leptos::ev::pointermove, on_pointer_move),
        window_event_listener(leptos::ev::pointerup, on_pointer_up),
        window_event_listener(leptos::ev::pointercancel, on_pointer_cancel),
        window_event_listener(leptos::ev::keydown, on_held_key),
    ];
    on_cleanup(move || listeners.into_iter().for_each(|l| l.remove()));

    let load_more = move |stage: i64| {
        let Some(last) = columns.with_untracked(|cs| {
            cs.iter()
                .find(|c| c.stage.id == stage)
                .and_then(|c| c.cards.last().cloned())
        }) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match more_cards(stage, last.rank.clone(), last.id, query.get_value()).await {
                Ok(more) => columns.update(|cs| {
                    if let Some(c) = cs.iter_mut().find(|c| c.stage.id == stage) {
                        c.cards.extend(more);
                    }
                }),
                Err(e) => message.set(Some(e.message(t))),
            }
        });
    };

    let stage_ids: Vec<i64> = view.columns.iter().map(|c| c.stage.id).collect();
    view! {
        <LiveStatusDot status/>
        <p class="board-help" id="board-help">{t.board_help}</p>
        <p class="error" role="alert">{move || message.get()}</p>
        <p class="visually-hidden" aria-live="assertive">{move || announce.get()}</p>
        <div class="board">
            {stage_ids.into_iter().map(|stage_id| {
                let column = move || columns.with(|cs| cs.iter().find(|c| c.stage.id == stage_id).cloned());
                let heading = format!("stage-{stage_id}");
                let labelled_by = heading.clone();
                view! {
                    <section class="board-column" data-stage=stage_id aria-labelledby=labelled_by>
                        {move || column().map(|c| view! {
                            <header>
                                <h2 id=heading.clone()>{c.stage.name.clone()}</h2>
                                <p class="column-count">{(t.board_count)(c.count)}</p>
                                <ul class="column-totals">
                                    {c.totals.iter().map(|total| view! {
                                        <li>
                                            <span class="total">{format_amount(total.amount_cents, &total.currency)}</span>
                                            " · "
                                            <span class="weighted">{t.board_weighted} " " {format_amount(total.weighted_cents, &total.currency)}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </header>
                        })}
                        <ol class="cards" aria-labelledby=format!("stage-{stage_id}")>
                            <For
                                each=move || column().map(|c| c.cards).unwrap_or_default()
                                key=|card| (card.id, card.stage_id)
                                let:card
                            >
                                <Card
                                    card=card
                                    arrived=arrived
                                    may_move=may_move
                                    grabbed=grabbed
                                    drag=drag
                                    on_key=on_key
                                    on_pointer_down=on_pointer_down
                                />
                            </For>
                        </ol>
                        {move || column().map(|c| {
                            if c.cards.is_empty() {
                                Either::Left(view! { <p class="column-empty">{t.board_empty_column}</p> })
                            } else {
                                Either::Right((c.count > c.cards.len() as i64 && c.cards.len() as u32 >= COLUMN_PAGE).then(|| view! {
                                    <button type="button" class="more" on:click=move |_| load_more(stage_id)>{t.board_more}</button>
                                }))
                            }
                        })}
                    </section>
                }
            }).collect_view()}
        </div>
        {move || pending.get().map(|p| {
            let reason = RwSignal::new(String::new());
            let today = RwSignal::new(today.clone());
            let cancel = move |_| {
                pending.set(None);
                put_back();
                announce.set((t.board_put_back)(&title_of(p.deal_id)));
                focus_card(p.deal_id);
            };
            let confirm = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                pending.set(None);
                match p.kind {
                    StageKind::Lost => send(p.deal_id, Some(reason.get_untracked()), None),
                    _ => send(p.deal_id, None, Some(today.get_untracked())),
                }
                focus_card(p.deal_id);
            };
            let lost = p.kind == StageKind::Lost;
            view! {
                <div class="dialog-backdrop">
                    <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="outcome-title" on:submit=confirm>
                        <h2 id="outcome-title">{if lost { t.board_lost_title } else { t.board_won_title }}</h2>
                        {if lost {
                            Either::Left(view! {
                                <label>{t.board_lost_reason}
                                    <input type="text" name="lost_reason" required maxlength="200" autofocus
                                        prop:value=move || reason.get()
                                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                                </label>
                            })
                        } else {
                            Either::Right(view! {
                                <label>{t.board_closed_on}
                                    <input type="date" name="closed_on" required autofocus
                                        prop:value=move || today.get()
                                        on:input=move |ev| today.set(event_target_value(&ev))/>
                                </label>
                            })
                        }}
                        <div class="actions">
                            <button type="submit" class="primary">{t.board_confirm}</button>
                            <button type="button" on:click=cancel>{t.board_cancel}</button>
                        </div>
                    </form>
                </div>
            }
        })}
    }
}

/// Keeps the focus on a card that moved (its element is new).
fn focus_card_element(id: i64) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(el) = document()
            .query_selector(&format!("[data-card='{id}']"))
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Where a pointer at (x, y) would drop a card: the column under it and
/// the index among that column's cards.
fn drop_target(x: i32, y: i32) -> Option<(i64, usize)> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let el = document().element_from_point(x as f32, y as f32)?;
        let column = el.closest("[data-stage]").ok().flatten()?;
        let stage: i64 = column.get_attribute("data-stage")?.parse().ok()?;
        let cards = column.query_selector_all("[data-card]").ok()?;
        let mut index = 0;
        for i in 0..cards.length() {
            let Some(card) = cards
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let r = card.get_bounding_client_rect();
            if f64::from(y) > r.top() + r.height() / 2.0 {
                index = i as usize + 1;
            }
        }
        Some((stage, index))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (x, y);
        None
    }
}

/// One deal on the board.
#[component]
#[allow(clippy::too_many_arguments)]
fn Card(
    card: DealCard,
    arrived: RwSignal<Option<i64>>,
    may_move: bool,
    grabbed: RwSignal<Option<i64>>,
    drag: RwSignal<Option<Drag>>,
    on_key: impl Fn(leptos::ev::KeyboardEvent, i64) + Copy + 'static,
    on_pointer_down: impl Fn(leptos::ev::PointerEvent, i64) + Copy + 'static,
) -> impl IntoView {
    let t = use_t();
    let id = card.id;
    let amount = format_amount(card.amount_cents, &card.currency);
    let label = (t.board_card_label)(&card.title, &amount);
    let who = [card.company_name.clone(), card.person_name.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li
            class="deal-card"
            class:grabbed=move || grabbed.get() == Some(id)
            class:arrived=move || arrived.get() == Some(id)
            class:dragging=move || drag.get().is_some_and(|d| d.moving && d.deal_id == id)
            data-card=id
            tabindex="0"
            aria-label=label
            aria-describedby=may_move.then_some("board-help")
            on:keydown=move |ev| on_key(ev, id)
            on:pointerdown=move |ev| on_pointer_down(ev, id)
        >
            // Not draggable itself: the browser's own drag of a link would
            // cancel the card's.
            <p class="deal-title"><a href=format!("/deals/{id}") draggable="false">{card.title.clone()}</a></p>
            <p class="deal-amount">{amount.clone()} " · " {(t.board_probability)(card.probability)}</p>
            <p class="deal-who">{who}</p>
            <p class="deal-meta">
                {card.owner_name.clone()}
                {card.expected_close.clone().map(|d| view! { " · " {(t.board_closes)(&d)} })}
            </p>
        </li>
    }
}
