//! `matches.csv` and the summary's borderline list. In: the fuzzy stage's
//! scored pairs ([`crate::link::fuzzy::FuzzyLinks`]), the record ids and
//! the client ids and the opposition entries' `file:row`. Out: one row per
//! scored pair at or above the review probability (match probability and
//! weight, the fields that agreed and disagreed, the decision, and the
//! waterfall: the prior and each field's weight in bits), so a person can
//! check a merge; and the pairs between the two thresholds as JSON for
//! summary.json. Rows in list-row order, then duplicates before
//! client links, then the other row.

use polars::prelude::*;
use serde_json::{json, Value};

use super::{owned_string_column, string_column};
use crate::error::Result;
use crate::link::fuzzy::compare::FIELDS;
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
    ids: &super::ids::RecordIds,
    client_ids: Option<&Vec<Option<String>>>,
    opposition: &[String],
) -> (Option<String>, Option<String>, Option<String>) {
    match p.kind {
        PairKind::Duplicate => (Some(ids.get(p.other).to_string()), None, None),
        PairKind::Client => (None, Some(client_label(client_ids, p.other)), None),
        PairKind::Opposition => (None, None, opposition.get(p.other).cloned()),
    }
}

/// The rows of `matches.csv` for `pairs`, a batch of the fuzzy stage's
/// pairs in their order (a frame of every pair at once, a dozen texts a
/// pair, was the write stage's peak at 10M rows).
pub fn matches_frame(
    pairs: &[ScoredPair],
    ids: &super::ids::RecordIds,
    client_ids: Option<&Vec<Option<String>>>,
    opposition: &[String],
) -> Result<DataFrame> {
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
    let bits = |v: f32| Some(format!("{v:.2}"));
    let mut cols = vec![
        ids.column("record_id", pairs.iter().map(|p| p.row)),
        Column::new(
            "source_row".into(),
            pairs.iter().map(|p| (p.row + 1) as u64).collect::<Vec<_>>(),
        ),
        string_column("kind", pairs.iter().map(|p| Some(kind(p)))),
        owned_string_column("matched_record_id", matched_record),
        owned_string_column("matched_client_id", matched_client),
        owned_string_column("matched_opposition", matched_opposition),
        owned_string_column(
            "match_probability",
            pairs
                .iter()
                .map(|p| Some(format!("{:.4}", p.probability())))
                .collect(),
        ),
        owned_string_column(
            "match_weight",
            pairs.iter().map(|p| bits(p.score.weight)).collect(),
        ),
        string_column("decision", pairs.iter().map(|p| Some(p.decision.as_str()))),
        string_column(
            "label",
            pairs.iter().map(|p| match p.label {
                Some(true) => Some("match"),
                Some(false) => Some("no_match"),
                None => None,
            }),
        ),
        owned_string_column(
            "agreed",
            pairs.iter().map(|p| Some(p.gamma.agreed())).collect(),
        ),
        owned_string_column(
            "disagreed",
            pairs.iter().map(|p| Some(p.gamma.disagreed())).collect(),
        ),
        owned_string_column(
            "prior_weight",
            pairs.iter().map(|p| bits(p.score.prior)).collect(),
        ),
    ];
    for f in FIELDS {
        cols.push(owned_string_column(
            &format!("weight_{}", f.as_str()),
            pairs
                .iter()
                .map(|p| bits(p.score.fields[f as usize]))
                .collect(),
        ));
    }
    Ok(DataFrame::new(pairs.len(), cols)?)
}

/// The `fuzzy` object of summary.json: counts, and the borderline pairs.
pub fn summary(
    fuzzy: &FuzzyLinks,
    ids: &super::ids::RecordIds,
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
                "record_id": ids.get(p.row).as_str(),
                "matched_record_id": r,
                "matched_client_id": c,
                "matched_opposition": o,
                "match_probability": (p.probability() * 1e4).round() / 1e4,
                "agreed": p.gamma.agreed(),
                "disagreed": p.gamma.disagreed(),
            })
        })
        .collect();
    // Scored pairs per probability band, weakest first.
    const BANDS: [(f64, &str); 5] = [
        (0.5, "< 0.5"),
        (0.8, "0.5 – 0.8"),
        (0.9, "0.8 – 0.9"),
        (0.99, "0.9 – 0.99"),
        (f64::INFINITY, "≥ 0.99"),
    ];
    let mut counts = [0usize; 5];
    for p in &fuzzy.pairs {
        let pr = p.probability();
        counts[BANDS.iter().position(|(hi, _)| pr < *hi).unwrap_or(4)] += 1;
    }
    let bands: Vec<Value> = BANDS
        .iter()
        .zip(counts)
        .map(|((_, band), n)| json!({"band": band, "pairs": n}))
        .collect();
    json!({
        "model": fuzzy.model.as_ref().map(|m| json!({
            "source": m.provenance.source,
            "duplicates_per_record": m.prior.duplicates_per_record,
            "clients_per_record": m.prior.clients_per_record,
            "sessions_used": m.provenance.sessions.iter().filter(|s| s.used).count(),
            "first_name_guard": m.first_name_guard,
            "fields": m.fields.iter().map(|f| json!({
                "field": f.field,
                "levels": f.levels.iter().map(|l| json!({
                    "level": l.level,
                    "weight": (l.weight * 100.0).round() / 100.0,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })),
        "bands": bands,
        "stats": fuzzy.stats,
        "labels": fuzzy.labels,
        "borderline_pairs": fuzzy.stats.review_pairs,
        "borderline": borderline,
    })
}
