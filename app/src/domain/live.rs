//! What the live stream (`/api/events`, Server-Sent Events) carries, and how
//! an open board takes in a change someone else made.

use super::pipeline::{BoardColumn, BoardQuery, DealCard, count_card, find_card};
use serde::{Deserialize, Serialize};

/// The SSE event name of a deal's change.
pub const DEAL_EVENT: &str = "deal";
/// The SSE event name of an entry logged on (or ticked off) a timeline.
pub const TIMELINE_EVENT: &str = "timeline";
/// The SSE event name that tells a client it missed too much to be
/// replayed: it reloads its data.
pub const RELOAD_EVENT: &str = "reload";

/// A deal changed (created, moved, edited). `card` is the deal as it is now
/// for a reader who may see it; `None` when the reader may no longer see
/// it (it went to another team or owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealEvent {
    pub deal_id: i64,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub card: Option<DealCard>,
}

/// An entry was logged on, or ticked off, the timeline of a person or a
/// company the reader may see: the ids only; an open timeline asks for its
/// entries again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub person_id: Option<i64>,
    pub company_id: Option<i64>,
}

impl BoardQuery {
    /// Whether a deal with this owner, team and card passes the board's
    /// filters, as the server's filter decides (title words, close range).
    pub fn admits(&self, owner_id: Option<i64>, team_id: Option<i64>, card: &DealCard) -> bool {
        let owner_ok = self.owner.is_none() || self.owner == owner_id;
        let team_ok = self.team.is_none() || self.team == team_id;
        // `YYYY-MM-DD` compares as text in date order.
        let close = card.expected_close.as_deref();
        let from_ok = self
            .close_from
            .as_deref()
            .is_none_or(|from| close.is_some_and(|c| c >= from));
        let to_ok = self
            .close_to
            .as_deref()
            .is_none_or(|to| close.is_some_and(|c| c <= to));
        let title = card.title.to_lowercase();
        let words_ok = self.q.as_deref().is_none_or(|q| {
            q.split_whitespace()
                .all(|w| title.contains(&w.to_lowercase()))
        });
        owner_ok && team_ok && from_ok && to_ok && words_ok
    }
}

/// Takes a change made elsewhere into the reader's copy of the board: the
/// card leaves the column it was in and, when it still belongs on this
/// board (`card` present, its stage a column here, admitted by the
/// filters), goes into its new column at its rank; counts and totals
/// follow. A change older than the card shown (by version) is ignored.
/// Returns whether the board changed.
///
/// A column shows its first cards only: a card ranked after the last one
/// loaded while more remain to load is counted but not shown (scrolling
/// will bring it).
pub fn apply_deal_event(
    columns: &mut [BoardColumn],
    query: &BoardQuery,
    event: &DealEvent,
) -> bool {
    let shown = find_card(columns, event.deal_id);
    if let (Some((i, at)), Some(card)) = (shown, &event.card)
        && columns[i].cards[at].version >= card.version
    {
        return false;
    }
    let mut changed = false;
    if let Some((i, at)) = shown {
        let old = columns[i].cards.remove(at);
        count_card(&mut columns[i], &old, -1);
        changed = true;
    }
    let Some(card) = &event.card else {
        return changed;
    };
    let Some(target) = columns.iter().position(|c| c.stage.id == card.stage_id) else {
        return changed;
    };
    if !query.admits(event.owner_id, event.team_id, card) {
        return changed;
    }
    let column = &mut columns[target];
    count_card(column, card, 1);
    let at = column
        .cards
        .iter()
        .position(|d| (d.rank.as_str(), d.id) > (card.rank.as_str(), card.id))
        .unwrap_or(column.cards.len());
    let all_loaded = column.cards.len() as i64 >= column.count - 1;
    if at < column.cards.len() || all_loaded {
        column.cards.insert(at, card.clone());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ColumnTotal, Stage, StageKind, weighted_cents};

    fn card(id: i64, stage: i64, rank: &str, amount: i64, version: i64) -> DealCard {
        DealCard {
            id,
            title: format!("Deal {id}"),
            amount_cents: amount,
            currency: "EUR".into(),
            probability: 50,
            stage_id: stage,
            rank: rank.into(),
            owner_name: String::new(),
            person_name: None,
            company_name: None,
            expected_close: Some("2027-03-01".into()),
            version,
        }
    }

    fn column(stage: i64, cards: Vec<DealCard>, count: i64) -> BoardColumn {
        let amount: i64 = cards.iter().map(|c| c.amount_cents).sum();
        BoardColumn {
            stage: Stage {
                id: stage,
                name: format!("S{stage}"),
                probability: 50,
                kind: StageKind::Open,
                archived: false,
            },
            count,
            totals: vec![ColumnTotal {
                currency: "EUR".into(),
                amount_cents: amount,
                weighted_cents: weighted_cents(amount, 50),
            }],
            cards,
        }
    }

    fn event(card: Option<DealCard>, deal_id: i64) -> DealEvent {
        DealEvent {
            deal_id,
            owner_id: Some(7),
            team_id: None,
            card,
        }
    }

    #[test]
    fn a_card_moved_elsewhere_goes_to_its_rank_and_the_totals_follow() {
        let mut board = vec![
            column(
                1,
                vec![card(1, 1, "a", 1_000, 1), card(2, 1, "b", 2_000, 1)],
                2,
            ),
            column(2, vec![card(3, 2, "a", 500, 1), card(4, 2, "c", 500, 1)], 2),
        ];
        let moved = card(2, 2, "b", 2_000, 2);
        assert!(apply_deal_event(
            &mut board,
            &BoardQuery::default(),
            &event(Some(moved), 2)
        ));
        let ids = |c: &BoardColumn| c.cards.iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(ids(&board[0]), vec![1]);
        assert_eq!(ids(&board[1]), vec![3, 2, 4]);
        assert_eq!((board[0].count, board[1].count), (1, 3));
        assert_eq!(board[0].totals[0].amount_cents, 1_000);
        assert_eq!(board[1].totals[0].amount_cents, 3_000);
        assert_eq!(board[1].totals[0].weighted_cents, 1_500);
    }

    #[test]
    fn an_older_change_is_ignored_and_a_lost_reader_sees_the_card_go() {
        let mut board = vec![column(1, vec![card(1, 1, "a", 1_000, 3)], 1)];
        let stale = card(1, 1, "z", 9_000, 2);
        assert!(!apply_deal_event(
            &mut board,
            &BoardQuery::default(),
            &event(Some(stale), 1)
        ));
        assert_eq!(board[0].cards[0].rank, "a");
        // Given to another team: the reader receives no card.
        assert!(apply_deal_event(
            &mut board,
            &BoardQuery::default(),
            &event(None, 1)
        ));
        assert!(board[0].cards.is_empty());
        assert_eq!(board[0].count, 0);
        assert!(board[0].totals.is_empty());
    }

    #[test]
    fn filters_and_unloaded_pages_are_respected() {
        let mut board = vec![column(1, vec![card(1, 1, "a", 100, 1)], 60)];
        // Filtered out by owner: not added.
        let other_owner = BoardQuery {
            owner: Some(8),
            ..BoardQuery::default()
        };
        assert!(!apply_deal_event(
            &mut board,
            &other_owner,
            &event(Some(card(9, 1, "0", 100, 1)), 9)
        ));
        // Ranked after the last card loaded while 59 more remain: counted, not shown.
        assert!(apply_deal_event(
            &mut board,
            &BoardQuery::default(),
            &event(Some(card(9, 1, "z", 100, 1)), 9)
        ));
        assert_eq!(board[0].cards.len(), 1);
        assert_eq!(board[0].count, 61);
        // Ranked before it: shown.
        assert!(apply_deal_event(
            &mut board,
            &BoardQuery::default(),
            &event(Some(card(10, 1, "0", 100, 1)), 10)
        ));
        assert_eq!(board[0].cards[0].id, 10);
        let words = BoardQuery {
            q: Some("DEAL 11".into()),
            close_to: Some("2027-12-31".into()),
            ..BoardQuery::default()
        };
        assert!(words.admits(None, None, &card(11, 1, "a", 1, 1)));
        assert!(!words.admits(None, None, &card(12, 1, "a", 1, 1)));
    }
}
