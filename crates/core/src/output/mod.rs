//! Stage 6, outputs. In: the records, their decisions and the run's
//! metadata. Out: the run folder of docs/outputs.md#run-outputs — `qualified.csv`,
//! `rejected.csv`, `decisions.csv`, `to_delete.csv`, `vendor-feedback.csv`,
//! `summary.json` (deterministic), `run.json` (what varies), and
//! `qualified.parquet` with `--parquet`, `people.csv` ([`people`]),
//! `repermission.csv`, and `changes.csv` with `--previous` ([`changes`]); and the files for people and
//! buyers: `report.html` ([`report`], labels in [`i18n`]),
//! `processing-record.md`/`.json` and `notice.txt` ([`register`]),
//! `certificate.json` ([`certificate`]).
//!
//! Every file is written into a private staging folder that replaces the
//! previous run folder whole once everything is written, the certificate
//! last ([`folder`]): a failed or killed run never leaves a folder that
//! mixes two runs. Cells a spreadsheet would execute are
//! neutralised here ([`neutralise`]); nothing else in the pipeline escapes.

pub mod cells;
pub mod certificate;
pub mod changes;
pub mod folder;
pub mod frames;
pub mod i18n;
pub mod ids;
pub mod mask;
pub mod matches;
pub mod people;
pub mod register;
pub mod report;
pub mod tables;

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

pub use folder::RunFolder;

impl RunFolder {
    /// Writes a frame as CSV: `,` and no BOM, or `;` with a BOM for French
    /// Excel. String cells must already be neutralised.
    pub fn csv(&mut self, name: &str, df: &mut DataFrame, excel: bool) -> Result<()> {
        let mut sink = self.csv_sink(name, excel)?;
        sink.write(df)?;
        self.finish_csv(sink)
    }

    /// A CSV file to write batch by batch ([`CsvSink::write`]), closed by
    /// [`RunFolder::finish_csv`].
    pub fn csv_sink(&mut self, name: &str, excel: bool) -> Result<CsvSink> {
        Ok(CsvSink {
            w: self.create(name)?,
            name: name.to_owned(),
            excel,
            started: false,
        })
    }

    /// Flushes and syncs a CSV file. One that was never written to gets
    /// no header either, which is a bug of the caller: every output file
    /// has its header, rows or not.
    pub fn finish_csv(&self, sink: CsvSink) -> Result<()> {
        debug_assert!(sink.started, "{}: no batch was written", sink.name);
        self.finish(&sink.name, sink.w)
    }
}

/// One CSV output written in batches: the header, and the BOM for Excel,
/// come with the first batch only, so the file has the same bytes as one
/// written from a single frame.
pub struct CsvSink {
    w: crate::output::folder::Output,
    name: String,
    excel: bool,
    started: bool,
}

impl CsvSink {
    /// Appends the rows of `df` (the first call also writes the header).
    pub fn write(&mut self, df: &mut DataFrame) -> Result<()> {
        let first = !self.started;
        self.started = true;
        CsvWriter::new(&mut self.w)
            .include_header(first)
            .with_separator(if self.excel { b';' } else { b',' })
            .include_bom(self.excel && first)
            .finish(df)
            .map_err(|e| Error::input(&self.name, format!("cannot write CSV: {e}")))
    }
}

/// `rows` in slices of at most `size`, and one empty slice when there are
/// no rows, so that a file written batch by batch always gets its header.
pub fn batches<T>(rows: &[T], size: usize) -> impl Iterator<Item = &[T]> {
    let size = size.max(1);
    let empty: &[T] = &[];
    rows.chunks(size).chain(rows.is_empty().then_some(empty))
}

impl RunFolder {
    pub fn json(&mut self, name: &str, value: &serde_json::Value) -> Result<()> {
        self.bytes(name, &json_bytes(value))
    }
}

/// The bytes [`RunFolder::json`] writes: pretty JSON and a final newline.
pub fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    text.push('\n');
    text.into_bytes()
}

/// Writes a new file (never an existing one, never through a link);
/// `private`: readable by its owner only (personal data, secret keys).
pub fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    let mut f = folder::create_new(path, private)?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))
}

/// docs/outputs.md#run-outputs: a cell starting with `=`, `@`, tab or CR, or with `+`/`-`
/// followed by anything other than a number, gets a leading `'` so that a
/// spreadsheet shows it instead of running it. E.164 phones (`+33612...`)
/// and signed numbers stay as they are.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    let mut chars = s.chars();
    let dangerous = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => {
            let rest = chars.as_str();
            !rest.is_empty() && !is_plain_number(rest)
        }
        _ => false,
    };
    if dangerous {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

fn is_plain_number(s: &str) -> bool {
    let mut seen_sep = false;
    let mut digits = 0;
    for c in s.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' | ',' if !seen_sep && digits > 0 => seen_sep = true,
            _ => return false,
        }
    }
    digits > 0 && !s.ends_with(['.', ','])
}

/// A string column whose cells are neutralised; `None` stays null.
pub fn string_column<'a>(name: &str, cells: impl Iterator<Item = Option<&'a str>>) -> Column {
    let ca: StringChunked = cells
        .map(|c| c.filter(|s| !s.is_empty()).map(neutralise))
        .collect();
    ca.with_name(name.into()).into_column()
}

pub fn owned_string_column(name: &str, cells: Vec<Option<String>>) -> Column {
    let ca: StringChunked = cells
        .into_iter()
        .map(|c| {
            c.filter(|s| !s.is_empty()).map(|s| match neutralise(&s) {
                Cow::Borrowed(_) => s,
                Cow::Owned(o) => o,
            })
        })
        .collect();
    ca.with_name(name.into()).into_column()
}

/// A column of SHA-256 digests in lowercase hex. Each cell is encoded into
/// a stack buffer and copied into the column: no `String` per cell
/// (people.csv has four hashes a record), and no formula guard, since hex
/// never starts with one of the characters it guards against.
pub fn hex_column(
    name: &str,
    digests: impl ExactSizeIterator<Item = Option<crate::output::people::Key>>,
) -> Column {
    let mut b = StringChunkedBuilder::new(name.into(), digests.len());
    let mut buf = [0u8; 64];
    for d in digests {
        match d {
            Some(d) => {
                hex::encode_to_slice(d, &mut buf).expect("64 bytes hold 32 in hex");
                b.append_value(std::str::from_utf8(&buf).expect("hex is ASCII"));
            }
            None => b.append_null(),
        }
    }
    b.finish().into_column()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_spared() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\rx"), "'\rx");
        assert_eq!(neutralise("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("+33612345678"), "+33612345678");
        assert_eq!(neutralise("-12.5"), "-12.5");
        assert_eq!(neutralise("-"), "-");
        assert_eq!(neutralise("Dupont"), "Dupont");
        assert_eq!(neutralise(""), "");
        assert_eq!(neutralise("a=b"), "a=b");
    }
}
