//! `qualify review`: the borderline pairs of a finished run, side by side,
//! for a person to answer. In: a run folder. Out: a CSV with one row per
//! pair the model left undecided (`review`: between `review_probability`
//! and the decision), closest to the decision first: both records'
//! normalised fields, the match probability, the waterfall, and an empty
//! `label` column to fill with `match` or `no_match`. The filled file is
//! the `--labels` of the next run.
//!
//! Like `explain`, it replays the run (inputs unchanged, the run's own
//! model.json) and never changes the run folder.

use std::path::Path;

use crate::error::{Error, Result};
use crate::job::compute;
use crate::link::fuzzy::compare::FIELDS;
use crate::link::fuzzy::{model, Decision, PairKind, ScoredPair};
use crate::normalise::records::Normalised;
use crate::output::neutralise;
use crate::terminal::Terminal;

/// The fields shown for both records, in order.
const SHOWN: [&str; 8] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "address_line1",
    "postcode",
    "city",
];

fn values(n: &Normalised, i: usize) -> [String; 8] {
    let s = |v: &crate::normalise::Texts| v.get(i).unwrap_or_default().to_owned();
    let phone = |p: &Option<crate::normalise::Phone>| {
        p.as_ref()
            .and_then(|p| p.e164.map(|e| e.to_string()))
            .unwrap_or_default()
    };
    let first = match (n.first_name.get(i), n.full_name.get(i)) {
        (Some(f), _) => f.to_owned(),
        (None, Some(full)) if n.last_name.is_none(i) => full.to_owned(),
        _ => String::new(),
    };
    [
        first,
        s(&n.last_name),
        n.email[i]
            .as_ref()
            .map(|e| e.key().to_owned())
            .unwrap_or_default(),
        phone(&n.phone[i]),
        phone(&n.mobile[i]),
        s(&n.address_line1),
        s(&n.postcode),
        s(&n.city),
    ]
}

/// `prior -14.2 | first_name exact +6.4 | ...`: the pair's waterfall.
pub fn waterfall_text(p: &ScoredPair) -> String {
    let mut parts = vec![format!("prior {:+.2}", p.score.prior)];
    for f in FIELDS {
        let l = p.gamma.get(f) as usize;
        if l == 0 {
            continue;
        }
        parts.push(format!(
            "{} {} {:+.2}",
            f.as_str(),
            f.levels()[l],
            p.score.fields[f as usize]
        ));
    }
    if p.gamma.swapped {
        parts.push("names swapped".into());
    }
    parts.push(format!("total {:+.2}", p.score.weight));
    parts.join(" | ")
}

/// Writes the review file of the run in `run_dir` to `to`; returns how
/// many pairs it holds (at most `limit`).
pub fn review(run_dir: &Path, to: &Path, limit: usize) -> Result<usize> {
    let (config, state) = crate::explain::config_of_run(run_dir)?;
    let c = compute(&config, &state, Terminal::hidden())?;
    let ids = crate::output::ids::RecordIds::new(&c.list.table.sha256, c.list.table.rows());
    let id = |row: usize| ids.get(row).to_string();
    let f = &config.fuzzy;
    let threshold = |kind: PairKind| {
        model::weight_of(if kind == PairKind::Duplicate {
            f.match_probability
        } else {
            f.client_probability
        })
    };
    // Postal objections are not reviewed: a close one binds (fail closed).
    let mut pairs: Vec<&ScoredPair> = c
        .links
        .fuzzy
        .pairs
        .iter()
        .filter(|p| p.decision == Decision::Review && p.kind != PairKind::Opposition)
        .collect();
    pairs.sort_by(|a, b| {
        let da = (a.score.weight - threshold(a.kind)).abs();
        let db = (b.score.weight - threshold(b.kind)).abs();
        da.total_cmp(&db)
            .then((a.row, a.other).cmp(&(b.row, b.other)))
    });
    pairs.truncate(limit);

    let mut header: Vec<String> = [
        "kind",
        "record_id",
        "matched_record_id",
        "matched_client_id",
        "match_probability",
        "label",
        "waterfall",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for f in SHOWN {
        header.push(format!("a_{f}"));
        header.push(format!("b_{f}"));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::input(to, format!("cannot write: {e}"));
    w.write_record(&header).map_err(csv_err)?;
    for p in &pairs {
        let a = values(&c.list.norm, p.row);
        let (kind, other_record, other_client, b) = match p.kind {
            PairKind::Duplicate => (
                "duplicate",
                id(p.other),
                String::new(),
                values(&c.list.norm, p.other),
            ),
            _ => {
                let cl = c.clients.as_ref().expect("a client pair has a client file");
                (
                    "client",
                    String::new(),
                    cl.fields.client_id[p.other]
                        .clone()
                        .unwrap_or_else(|| format!("clients row {}", p.other + 1)),
                    values(&cl.norm, p.other),
                )
            }
        };
        let mut row: Vec<String> = vec![
            kind.into(),
            id(p.row),
            other_record,
            other_client,
            format!("{:.4}", p.probability()),
            String::new(),
            waterfall_text(p),
        ];
        for k in 0..SHOWN.len() {
            row.push(a[k].clone());
            row.push(b[k].clone());
        }
        w.write_record(row.iter().map(|v| neutralise(v).into_owned()))
            .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::input(to, format!("cannot write: {e}")))?;
    write_private(to, &bytes)?;
    Ok(pairs.len())
}

/// Writes personal data readable by its owner only: an earlier review file
/// is replaced, not rewritten in place (it would keep its old mode).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    crate::output::write_new(path, bytes, true)
}
