//! `matches.csv` and the summary's borderline list. In: the fuzzy stage's
//! scored pairs ([`crate::link::fuzzy::FuzzyLinks`]), the record ids and
//! the client ids and the opposition entries' `file:row`. Out: one row per scored pair at or above the review
//! threshold (score, the fields that agreed and disagreed, the decision),
//! so a person can check a merge; and the pairs between the two thresholds
//! as JSON for summary.json. Rows in list-row order, then duplicates before
//! client links, then the other row.

use polars::prelude::*;
use serde_json::{json, Value};

use super::{owned_string_column, string_column};
use crate::error::Result;
use crate::link::fuzzy::{Decision, FuzzyLinks, PairKind, ScoredPair};

/// At most this many borderline pairs are written into summary.json (all of
/// them are in matches.csv); the count is always complete.
pub const SUMMARY_BORDERLINE_MAX: usize = 1000;

fn client_label(client_ids: Option<&Vec<Option<String>>>, ci: usize) -> String {
    client_ids
        .and_then(|c| c[ci].clone())
        .unwrap_or_else(|| format!("clients row {}", ci + 1))
}

/// (matched_record_id, matched_client_id, matched_opposition) of a pair.
fn other_ids(
    p: &ScoredPair,
    ids: &[String],
    client_ids: Option<&Vec<Option<String>>>,
    opposition: &[String],
) -> (Option<String>, Option<String>, Option<String>) {
    match p.kind {
        PairKind::Duplicate => (Some(ids[p.other].clone()), None, None),
        PairKind::Client => (None, Some(client_label(client_ids, p.other)), None),
        PairKind::Opposition => (None, None, opposition.get(p.other).cloned()),
    }
}

/// The frame of `matches.csv`.
pub fn matches_frame(
    fuzzy: &FuzzyLinks,
    ids: &[String],
    client_ids: Option<&Vec<Option<String>>>,
    opposition: &[String],
) -> Result<DataFrame> {
    let pairs = &fuzzy.pairs;
    let mut matched_record = Vec::with_capacity(pairs.len());
    let mut matched_client = Vec::with_capacity(pairs.len());
    let mut matched_opposition = Vec::with_capacity(pairs.len());
    for p in pairs {
        let (r, c, o) = other_ids(p, ids, client_ids, opposition);
        matched_record.push(r);
        matched_client.push(c);
        matched_opposition.push(o);
    }
    let kind = |p: &ScoredPair| match p.kind {
        PairKind::Duplicate => "duplicate",
        PairKind::Client => "client",
        PairKind::Opposition => "opposition",
    };
    let cols = vec![
        string_column("record_id", pairs.iter().map(|p| Some(ids[p.row].as_str()))),
        Column::new(
            "source_row".into(),
            pairs.iter().map(|p| (p.row + 1) as u64).collect::<Vec<_>>(),
        ),
        string_column("kind", pairs.iter().map(|p| Some(kind(p)))),
        owned_string_column("matched_record_id", matched_record),
        owned_string_column("matched_client_id", matched_client),
        owned_string_column("matched_opposition", matched_opposition),
        owned_string_column(
            "score",
            pairs
                .iter()
                .map(|p| Some(format!("{:.2}", p.score)))
                .collect(),
        ),
        string_column("decision", pairs.iter().map(|p| Some(p.decision.as_str()))),
        owned_string_column(
            "agreed",
            pairs.iter().map(|p| Some(p.levels.agreed())).collect(),
        ),
        owned_string_column(
            "disagreed",
            pairs.iter().map(|p| Some(p.levels.disagreed())).collect(),
        ),
    ];
    Ok(DataFrame::new(pairs.len(), cols)?)
}

/// The `fuzzy` object of summary.json: counts, and the borderline pairs.
pub fn summary(
    fuzzy: &FuzzyLinks,
    ids: &[String],
    client_ids: Option<&Vec<Option<String>>>,
    opposition: &[String],
) -> Value {
    let borderline: Vec<Value> = fuzzy
        .pairs
        .iter()
        .filter(|p| p.decision == Decision::Review)
        .take(SUMMARY_BORDERLINE_MAX)
        .map(|p| {
            let (r, c, o) = other_ids(p, ids, client_ids, opposition);
            json!({
                "record_id": ids[p.row],
                "matched_record_id": r,
                "matched_client_id": c,
                "matched_opposition": o,
                "score": (f64::from(p.score) * 100.0).round() / 100.0,
                "agreed": p.levels.agreed(),
                "disagreed": p.levels.disagreed(),
            })
        })
        .collect();
    json!({
        "stats": fuzzy.stats,
        "borderline_pairs": fuzzy.stats.review_pairs,
        "borderline": borderline,
    })
}
