//! Pipelines, their stages and the deals on the board: the values both the
//! browser (to move a card at once) and the server (to decide) agree on.

use super::problem::{Problem, single_line};
use serde::{Deserialize, Serialize};

/// The longest pipeline or stage name: a column header.
pub const STAGE_NAME_MAX: usize = 60;

/// The largest deal: ten billion in cents, so that a column's weighted
/// total (Σ amount × probability) cannot overflow 64 bits.
pub const DEAL_AMOUNT_MAX_CENTS: i64 = 1_000_000_000_000;

/// How many cards a column shows before "more".
pub const COLUMN_PAGE: u32 = 50;

choice!(
    /// What reaching a stage means for a deal.
    StageKind {
        Open => "open",
        Won => "won",
        Lost => "lost",
    }
);

/// The win probability and kind of the stages Accord proposes for a first
/// pipeline; their names are the catalogue's `default_stage_names`.
pub const DEFAULT_STAGES: [(u8, StageKind); 10] = [
    (10, StageKind::Open),
    (20, StageKind::Open),
    (30, StageKind::Open),
    (40, StageKind::Open),
    (50, StageKind::Open),
    (60, StageKind::Open),
    (75, StageKind::Open),
    (90, StageKind::Open),
    (100, StageKind::Won),
    (0, StageKind::Lost),
];

/// A pipeline's or a stage's name: one line of at most `STAGE_NAME_MAX`.
pub fn stage_name(raw: &str) -> Result<String, Problem> {
    single_line(raw, STAGE_NAME_MAX)
}

/// A win probability in percent, as typed (`40`, `40 %`).
pub fn probability(raw: &str) -> Result<u8, Problem> {
    let digits = raw.trim().trim_end_matches('%').trim();
    match digits.parse::<u8>() {
        Ok(p) if p <= 100 => Ok(p),
        _ if digits.is_empty() => Err(Problem::Required),
        _ => Err(Problem::InvalidNumber),
    }
}

/// Σ amount × probability, in cents: what a column is expected to bring.
pub fn weighted_cents(amount_cents: i64, probability: u8) -> i64 {
    // Rounded to the cent; i128 so a 13-digit amount times 100 cannot
    // overflow on the way.
    ((i128::from(amount_cents) * i128::from(probability) + 50) / 100) as i64
}

/// Card order inside a column: fractional rank keys. A key sorts by its
/// bytes (`COLLATE "C"` on PostgreSQL), and between any two keys there is
/// another, so a move rewrites the moved deal only.
pub mod rank {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    const BASE: u8 = 36;

    fn value(b: u8) -> Option<u8> {
        DIGITS.iter().position(|d| *d == b).map(|p| p as u8)
    }

    /// Whether `key` is a rank key: digits and lower-case letters, not
    /// ending with `0` (there would be no key just before it), at most 200
    /// characters.
    pub fn is_valid(key: &str) -> bool {
        !key.is_empty()
            && key.len() <= 200
            && key.bytes().all(|b| value(b).is_some())
            && !key.ends_with('0')
    }

    /// A key strictly between `before` and `after` (either may be absent:
    /// the start or the end of the column). `None` when the two are not
    /// valid keys in order.
    pub fn between(before: Option<&str>, after: Option<&str>) -> Option<String> {
        let a: Vec<u8> = match before {
            Some(k) if is_valid(k) => k.bytes().filter_map(value).collect(),
            Some(_) => return None,
            None => Vec::new(),
        };
        let b: Option<Vec<u8>> = match after {
            Some(k) if is_valid(k) => Some(k.bytes().filter_map(value).collect()),
            Some(_) => return None,
            None => None,
        };
        if let Some(b) = &b
            && a.as_slice() >= b.as_slice()
        {
            return None;
        }
        let digits = midpoint(&a, b.as_deref());
        Some(digits.iter().map(|d| DIGITS[*d as usize] as char).collect())
    }

    /// Digits strictly between `a` (possibly empty: zero) and `b` (none:
    /// one past the last key), `a < b`, neither ending with zero.
    fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
        if let Some(b) = b {
            // Skip the common prefix (`a` padded with zeros).
            let n = b
                .iter()
                .enumerate()
                .take_while(|(i, d)| a.get(*i).copied().unwrap_or(0) == **d)
                .count();
            if n > 0 {
                let mut key = b[..n].to_vec();
                key.extend(midpoint(a.get(n..).unwrap_or(&[]), Some(&b[n..])));
                return key;
            }
        }
        let da = a.first().copied().unwrap_or(0);
        let db = b.map(|b| b[0]).unwrap_or(BASE);
        if db - da > 1 {
            return vec![(da + db) / 2];
        }
        // Consecutive first digits: `b`'s first digit alone sorts between
        // when `b` is longer, else go one digit deeper after `a`'s.
        if let Some(b) = b
            && b.len() > 1
        {
            return vec![b[0]];
        }
        let mut key = vec![da];
        key.extend(midpoint(a.get(1..).unwrap_or(&[]), None));
        key
    }

    /// `n` keys in order, evenly spread: a column filled at once (a seed,
    /// an import, a stage's deals moved elsewhere).
    pub fn spread(n: usize) -> Vec<String> {
        let mut width = 1;
        while (BASE as u64).pow(width) < (n as u64 + 1) * 4 {
            width += 1;
        }
        let space = (BASE as u64).pow(width);
        let step = space / (n as u64 + 1);
        (1..=n as u64)
            .map(|i| {
                let mut v = i * step;
                if v.is_multiple_of(BASE as u64) {
                    // A key may not end with zero; step ≥ 4 keeps order.
                    v += 1;
                }
                let mut digits = vec![0u8; width as usize];
                for d in digits.iter_mut().rev() {
                    *d = DIGITS[(v % BASE as u64) as usize];
                    v /= BASE as u64;
                }
                String::from_utf8(digits).expect("ascii digits")
            })
            .collect()
    }
}

/// A stage as the board and the settings show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub id: i64,
    pub name: String,
    pub probability: u8,
    pub kind: StageKind,
    pub archived: bool,
}

/// A pipeline and its stages in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub archived: bool,
    pub stages: Vec<Stage>,
}

/// A deal on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealCard {
    pub id: i64,
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
    pub probability: u8,
    pub stage_id: i64,
    pub rank: String,
    pub owner_name: String,
    pub person_name: Option<String>,
    pub company_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    pub version: i64,
}

/// A deal as listed on the page of its person or company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDeal {
    pub id: i64,
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
    /// Its stage's name and kind; none while the deal is on no board.
    pub stage: Option<(String, StageKind)>,
    /// `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    pub owner_name: String,
}

/// A column's totals in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnTotal {
    pub currency: String,
    pub amount_cents: i64,
    pub weighted_cents: i64,
}

/// One column of the board: the stage, its totals over every deal the
/// reader may see (not only the cards shown), and its first cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardColumn {
    pub stage: Stage,
    pub count: i64,
    pub totals: Vec<ColumnTotal>,
    pub cards: Vec<DealCard>,
}

/// Where a card is dropped: the stage, and the cards it lands between as
/// the reader saw them (`after` absent: the top of the column; both
/// absent: its end, as a move made with a form, or a drop into an empty
/// column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealMove {
    pub deal_id: i64,
    /// The version the reader saw; a move of a deal changed since fails.
    pub version: i64,
    pub to_stage_id: i64,
    pub after_deal_id: Option<i64>,
    pub before_deal_id: Option<i64>,
    /// Required when the stage is a lost one.
    pub lost_reason: Option<String>,
    /// `YYYY-MM-DD`, for a won stage (today when absent).
    pub closed_on: Option<String>,
}

/// What the board shows: the pipeline and the filters, as typed (the page's
/// query string). Empty strings mean "no filter".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardQuery {
    pub pipeline: Option<i64>,
    pub owner: Option<i64>,
    pub team: Option<i64>,
    /// `YYYY-MM-DD`.
    pub close_from: Option<String>,
    pub close_to: Option<String>,
    pub q: Option<String>,
}

impl BoardQuery {
    /// Whether nothing is chosen (the page opened bare: the reader's saved
    /// choice applies).
    pub fn is_empty(&self) -> bool {
        *self == BoardQuery::default()
    }
}

/// The board as the reader may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardView {
    /// Every pipeline not archived: `(id, name)`.
    pub pipelines: Vec<(i64, String)>,
    pub pipeline_id: i64,
    pub columns: Vec<BoardColumn>,
    /// The filters applied (saved ones when the page was opened bare).
    pub query: BoardQuery,
    /// The owners and teams the filter offers.
    pub owners: Vec<(i64, String)>,
    pub teams: Vec<(i64, String)>,
    pub may_move: bool,
    /// `YYYY-MM-DD` on the server: a won deal's close date by default.
    pub today: String,
    /// The live stream's last event id when the board was read: the
    /// browser follows the changes after it.
    pub events_from: i64,
}

/// What a move changed: the card's new place, version and probability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealMoved {
    pub stage_id: i64,
    pub rank: String,
    pub version: i64,
    pub probability: u8,
}

/// What the pipelines' settings page shows: every pipeline with its
/// stages, and how many deals each stage holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineSettings {
    pub pipelines: Vec<Pipeline>,
    /// `(stage id, deals)`, stages without deals left out.
    pub deal_counts: Vec<(i64, i64)>,
}

impl PipelineSettings {
    pub fn deals_in(&self, stage_id: i64) -> i64 {
        self.deal_counts
            .iter()
            .find(|(id, _)| *id == stage_id)
            .map_or(0, |(_, n)| *n)
    }
}

/// A deal as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealDetail {
    pub id: i64,
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
    /// The deal's own probability: its stage's default unless overridden.
    pub probability: u8,
    pub pipeline: Option<(i64, String)>,
    /// The deal's stage, with its default probability.
    pub stage: Option<Stage>,
    /// `YYYY-MM-DD`.
    pub expected_close: Option<String>,
    /// `YYYY-MM-DD`, once won or lost.
    pub closed_on: Option<String>,
    pub lost_reason: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub person: Option<(i64, String)>,
    pub company: Option<(i64, String)>,
    pub source: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub version: i64,
    /// Every change of stage, oldest first.
    pub history: Vec<StageStep>,
    /// The stages it can be moved to (its pipeline's, not archived).
    pub stages: Vec<Stage>,
    pub may_edit: bool,
}

/// One change of stage, as the deal page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageStep {
    /// `None` for the stage the deal started in.
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub by: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: chrono::DateTime<chrono::Utc>,
}

/// What the deal's edit form offers to choose from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealFormChoices {
    pub owners: Vec<(i64, String)>,
    pub teams: Vec<(i64, String)>,
}

/// Moves a card on the reader's copy of the board: out of its column and
/// into `to_stage` at `index` (clamped), counts and totals following, its
/// probability the new stage's when the stage changes. This is the
/// optimistic half of a move; the server decides the other. Returns the
/// cards it now sits between, to send with the move, or `None` when the
/// card or the stage is not on the board.
pub fn place_card(
    columns: &mut [BoardColumn],
    deal_id: i64,
    to_stage: i64,
    index: usize,
) -> Option<(Option<i64>, Option<i64>)> {
    let target = columns.iter().position(|c| c.stage.id == to_stage)?;
    let (from, at) = find_card(columns, deal_id)?;
    let mut card = columns[from].cards.remove(at);
    if from != target {
        count_card(&mut columns[from], &card, -1);
        card.probability = columns[target].stage.probability;
        card.stage_id = to_stage;
        count_card(&mut columns[target], &card, 1);
    }
    let cards = &mut columns[target].cards;
    let index = index.min(cards.len());
    cards.insert(index, card);
    let after = index.checked_sub(1).map(|i| cards[i].id);
    let before = cards.get(index + 1).map(|c| c.id);
    Some((after, before))
}

/// Where deal `deal_id` is shown: its column's index and its place there.
pub fn find_card(columns: &[BoardColumn], deal_id: i64) -> Option<(usize, usize)> {
    columns.iter().enumerate().find_map(|(i, c)| {
        c.cards
            .iter()
            .position(|d| d.id == deal_id)
            .map(|at| (i, at))
    })
}

/// Counts `card` into (`sign` 1) or out of (`sign` -1) a column's count
/// and totals, at its amount and probability.
pub(crate) fn count_card(column: &mut BoardColumn, card: &DealCard, sign: i64) {
    column.count += sign;
    adjust(
        &mut column.totals,
        &card.currency,
        sign * card.amount_cents,
        sign * weighted_cents(card.amount_cents, card.probability),
    );
}

/// Adds to a column's total in `currency` (creating or dropping it).
fn adjust(totals: &mut Vec<ColumnTotal>, currency: &str, amount: i64, weighted: i64) {
    match totals.iter_mut().position(|t| t.currency == currency) {
        Some(i) => {
            totals[i].amount_cents += amount;
            totals[i].weighted_cents += weighted;
            if totals[i].amount_cents == 0 && totals[i].weighted_cents == 0 {
                totals.remove(i);
            }
        }
        None => {
            totals.push(ColumnTotal {
                currency: currency.to_string(),
                amount_cents: amount,
                weighted_cents: weighted,
            });
            totals.sort_by(|a, b| a.currency.cmp(&b.currency));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rank::*;
    use super::*;

    #[test]
    fn a_key_fits_between_any_two() {
        let mut keys = spread(8);
        for w in keys.windows(2) {
            assert!(w[0] < w[1]);
        }
        // Forty drops at the same place, at the top and at the bottom.
        for _ in 0..40 {
            let k = between(Some(&keys[2]), Some(&keys[3])).unwrap();
            assert!(keys[2] < k && k < keys[3], "{} {k} {}", keys[2], keys[3]);
            assert!(is_valid(&k));
            keys.insert(3, k);
            let first = between(None, Some(&keys[0])).unwrap();
            assert!(first < keys[0] && is_valid(&first));
            keys.insert(0, first);
            let last = between(keys.last().map(String::as_str), None).unwrap();
            assert!(&last > keys.last().unwrap() && is_valid(&last));
            keys.push(last);
        }
        for w in keys.windows(2) {
            assert!(w[0] < w[1]);
        }
        assert_eq!(between(None, None).as_deref(), Some("i"));
    }

    #[test]
    fn keys_out_of_order_or_malformed_are_refused() {
        assert_eq!(between(Some("b"), Some("a")), None);
        assert_eq!(between(Some("a"), Some("a")), None);
        assert_eq!(between(Some("A"), None), None);
        assert_eq!(between(None, Some("a0")), None);
        assert!(!is_valid(""));
    }

    #[test]
    fn a_spread_of_ten_thousand_is_in_order() {
        let keys = spread(10_000);
        assert_eq!(keys.len(), 10_000);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().all(|k| is_valid(k)));
    }

    fn column(id: i64, probability: u8, cards: &[(i64, i64)]) -> BoardColumn {
        BoardColumn {
            stage: Stage {
                id,
                name: format!("S{id}"),
                probability,
                kind: StageKind::Open,
                archived: false,
            },
            count: cards.len() as i64,
            totals: if cards.is_empty() {
                vec![]
            } else {
                vec![ColumnTotal {
                    currency: "EUR".into(),
                    amount_cents: cards.iter().map(|c| c.1).sum(),
                    weighted_cents: cards.iter().map(|c| weighted_cents(c.1, probability)).sum(),
                }]
            },
            cards: cards
                .iter()
                .map(|(id, amount)| DealCard {
                    id: *id,
                    title: format!("D{id}"),
                    amount_cents: *amount,
                    currency: "EUR".into(),
                    probability,
                    stage_id: 0,
                    rank: "i".into(),
                    owner_name: String::new(),
                    person_name: None,
                    company_name: None,
                    expected_close: None,
                    version: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn a_card_placed_elsewhere_carries_its_totals() {
        let mut board = vec![
            column(1, 10, &[(11, 1_000), (12, 2_000)]),
            column(2, 50, &[(21, 4_000)]),
        ];
        assert_eq!(place_card(&mut board, 12, 2, 0), Some((None, Some(21))));
        assert_eq!(board[0].count, 1);
        assert_eq!(board[0].totals[0].amount_cents, 1_000);
        assert_eq!(board[0].totals[0].weighted_cents, 100);
        assert_eq!(board[1].count, 2);
        assert_eq!(board[1].totals[0].amount_cents, 6_000);
        assert_eq!(board[1].totals[0].weighted_cents, 3_000);
        assert_eq!(board[1].cards[0].probability, 50);
        // Within a column: order only.
        assert_eq!(place_card(&mut board, 12, 2, 9), Some((Some(21), None)));
        assert_eq!(board[1].totals[0].amount_cents, 6_000);
        // The last card out: the column's total goes.
        assert_eq!(place_card(&mut board, 11, 2, 1), Some((Some(21), Some(12))));
        assert!(board[0].totals.is_empty());
        assert_eq!(place_card(&mut board, 99, 2, 0), None);
        assert_eq!(place_card(&mut board, 11, 7, 0), None);
    }

    #[test]
    fn probabilities_and_weights() {
        assert_eq!(probability("40 %"), Ok(40));
        assert_eq!(probability("101"), Err(Problem::InvalidNumber));
        assert_eq!(probability(""), Err(Problem::Required));
        assert_eq!(weighted_cents(100_000, 25), 25_000);
        assert_eq!(weighted_cents(1, 50), 1);
        assert_eq!(StageKind::parse("won"), Ok(StageKind::Won));
    }
}
