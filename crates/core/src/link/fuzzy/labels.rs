//! The review loop's answers. In: a CSV a person filled (the file
//! `qualify review` writes, or any CSV with `record_id`, `matched_record_id`
//! or `matched_client_id`, and `label` = `match` / `no_match`). Out:
//! [`LabelFile`] at configuration time, then [`Label`]s resolved to rows of
//! this run's list and client file, which the fuzzy stage applies as
//! overrides; and [`LabelStats`], the model's precision and recall
//! estimated from those answers.
//!
//! A label names records by `record_id` (the list file's SHA-256 prefix and
//! row), so it applies to the file it was given for; labels of another file
//! are counted as not applicable, never guessed onto other rows.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::PairKind;
use crate::error::{Error, Result};

/// What the pair's other side is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Other {
    Record(String),
    Client(String),
}

/// One answer as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLabel {
    /// Line of the file (1 = the first data row).
    pub row: usize,
    pub record_id: String,
    pub other: Other,
    pub is_match: bool,
}

/// A labels file, read and checked once.
#[derive(Debug, Clone, Default)]
pub struct LabelFile {
    pub path: PathBuf,
    /// SHA-256 of the bytes that were parsed: the answers change decisions,
    /// so summary.json and the certificate name the file.
    pub sha256: String,
    pub labels: Vec<RawLabel>,
}

/// An answer resolved to rows: `row` of the list, `other` a list row
/// (duplicate) or a client row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub kind: PairKind,
    pub row: usize,
    pub other: usize,
    pub is_match: bool,
}

/// The answers against the model's own decisions (before the overrides).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LabelStats {
    /// The labels file, by name (as inputs are named in summary.json).
    pub file: String,
    /// Answers in the file, and those that name records of this run.
    pub given: usize,
    pub applicable: usize,
    pub labelled_match: usize,
    pub labelled_no_match: usize,
    /// Labelled pairs the model had decided as matches, and how many of
    /// those the labels confirm.
    pub model_matches: usize,
    pub model_correct: usize,
    /// `model_correct / model_matches`, and the share of `match` answers the
    /// model had matched; none when there is nothing to divide.
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

impl LabelStats {
    /// Empty statistics of a labels file.
    pub fn of(file: &LabelFile) -> LabelStats {
        LabelStats {
            file: file
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            given: file.labels.len(),
            ..LabelStats::default()
        }
    }

    pub fn finish(&mut self) {
        let ratio = |a: usize, b: usize| (b > 0).then(|| (a as f64 / b as f64 * 1e4).round() / 1e4);
        self.precision = ratio(self.model_correct, self.model_matches);
        self.recall = ratio(self.model_correct, self.labelled_match);
    }
}

fn parse_label(v: &str) -> Option<Option<bool>> {
    match v.trim().to_ascii_lowercase().as_str() {
        "" => Some(None),
        "match" | "yes" | "oui" | "same" => Some(Some(true)),
        "no_match" | "no" | "non" | "different" => Some(Some(false)),
        _ => None,
    }
}

impl LabelFile {
    /// Reads a labels CSV; rows with an empty label are skipped.
    pub fn load(path: &Path) -> Result<LabelFile> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::input(path, format!("cannot read the labels file: {e}")))?;
        let mut r = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(bytes.as_slice());
        let headers = r
            .headers()
            .map_err(|e| Error::input(path, format!("cannot read the labels file: {e}")))?
            .clone();
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(record), Some(label)) = (col("record_id"), col("label")) else {
            return Err(Error::input(
                path,
                format!(
                    "a labels file needs the columns record_id, label and matched_record_id or matched_client_id (the file `qualify review` writes); found: {}",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        let (other_record, other_client) = (col("matched_record_id"), col("matched_client_id"));
        if other_record.is_none() && other_client.is_none() {
            return Err(Error::input(
                path,
                "a labels file needs matched_record_id or matched_client_id",
            ));
        }
        let mut labels = Vec::new();
        for (k, rec) in r.records().enumerate() {
            let row = k + 1;
            let rec = rec.map_err(|e| Error::input(path, format!("row {row}: {e}")))?;
            let cell = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").trim();
            let Some(answer) = parse_label(cell(Some(label))) else {
                return Err(Error::Cell {
                    path: path.to_owned(),
                    row,
                    column: "label".into(),
                    message: "a label is match or no_match (or empty: not answered)".into(),
                });
            };
            let Some(is_match) = answer else { continue };
            let other =
                match (cell(other_record), cell(other_client)) {
                    (r, "") if !r.is_empty() => Other::Record(r.to_owned()),
                    ("", c) if !c.is_empty() => Other::Client(c.to_owned()),
                    _ => return Err(Error::Cell {
                        path: path.to_owned(),
                        row,
                        column: "matched_record_id".into(),
                        message:
                            "exactly one of matched_record_id and matched_client_id must be filled"
                                .into(),
                    }),
                };
            let record_id = cell(Some(record)).to_owned();
            if record_id.is_empty() {
                return Err(Error::Cell {
                    path: path.to_owned(),
                    row,
                    column: "record_id".into(),
                    message: "empty record_id".into(),
                });
            }
            labels.push(RawLabel {
                row,
                record_id,
                other,
                is_match,
            });
        }
        Ok(LabelFile {
            path: path.to_owned(),
            sha256: crate::output::certificate::sha256_hex(&bytes),
            labels,
        })
    }

    /// The answers that name records of this run: `record_ids` of the list,
    /// `client_ids` of the client file. The others are left out (counted by
    /// the caller as not applicable).
    pub fn resolve(
        &self,
        record_ids: &crate::output::ids::RecordIds,
        client_ids: Option<&[Option<String>]>,
    ) -> Vec<Label> {
        use std::collections::HashMap;
        let clients: HashMap<&str, usize> = client_ids
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter_map(|(i, id)| id.as_deref().map(|id| (id, i)))
            .collect();
        self.labels
            .iter()
            .filter_map(|l| {
                let row = record_ids.row_of(&l.record_id)?;
                let (kind, other) = match &l.other {
                    Other::Record(r) => (PairKind::Duplicate, record_ids.row_of(r)?),
                    Other::Client(c) => (PairKind::Client, *clients.get(c.as_str())?),
                };
                if kind == PairKind::Duplicate && other == row {
                    return None;
                }
                Some(Label {
                    kind,
                    row,
                    other,
                    is_match: l.is_match,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_read_checked_and_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        std::fs::write(
            &p,
            "kind,record_id,matched_record_id,matched_client_id,label\n\
duplicate,ab-1,ab-2,,match\n\
client,ab-3,,C9,no_match\n\
duplicate,ab-4,ab-5,,\n\
duplicate,zz-1,zz-2,,match\n",
        )
        .unwrap();
        let f = LabelFile::load(&p).unwrap();
        assert_eq!(f.labels.len(), 3, "the unanswered row is skipped");
        let ids = crate::output::ids::RecordIds::new("ab", 5);
        let clients = vec![Some("C1".to_owned()), Some("C9".to_owned())];
        let got = f.resolve(&ids, Some(&clients));
        assert_eq!(
            got,
            vec![
                Label {
                    kind: PairKind::Duplicate,
                    row: 0,
                    other: 1,
                    is_match: true
                },
                Label {
                    kind: PairKind::Client,
                    row: 2,
                    other: 1,
                    is_match: false
                },
            ],
            "the other file's label does not apply"
        );
        std::fs::write(&p, "record_id,matched_record_id,label\nab-1,ab-2,maybe\n").unwrap();
        let e = LabelFile::load(&p).unwrap_err().to_string();
        assert!(e.contains("row 1") && e.contains("label"), "{e}");
        std::fs::write(&p, "id,label\n").unwrap();
        assert!(LabelFile::load(&p)
            .unwrap_err()
            .to_string()
            .contains("record_id"));
    }
}
