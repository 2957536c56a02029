//! Stage 6, outputs. In: the records, their decisions and the run's
//! metadata. Out: the run folder of SPEC §9 — `qualified.csv`,
//! `rejected.csv`, `decisions.csv`, `to_delete.csv`, `vendor-feedback.csv`,
//! `summary.json` (deterministic), `run.json` (what varies), and
//! `qualified.parquet` with `--parquet`; and the files for people and
//! buyers: `report.html` ([`report`], labels in [`i18n`]),
//! `processing-record.md`/`.json` and `notice.txt` ([`register`]),
//! `certificate.json` ([`certificate`]).
//!
//! Every file is written under a temporary name and renamed once all of
//! them are complete, `summary.json` last, so an interrupted run never
//! leaves a folder that looks whole. Cells a spreadsheet would execute are
//! neutralised here ([`neutralise`]); nothing else in the pipeline escapes.

pub mod certificate;
pub mod i18n;
pub mod mask;
pub mod matches;
pub mod register;
pub mod report;

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// Files staged in the output folder, renamed into place by [`Staging::commit`].
pub struct Staging {
    dir: PathBuf,
    staged: Vec<(PathBuf, PathBuf)>,
    excel: bool,
}

/// Removes the marks of a complete run (`summary.json`, and the certificate
/// and run record that go with it) from a reused output folder, before a
/// new run starts: if this one fails, the folder must not look complete
/// with the previous run's summary beside this run's half-written files.
pub fn retire_previous_run(dir: &Path) -> Result<()> {
    for name in ["summary.json", "certificate.json", "run.json"] {
        let p = dir.join(name);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&p, e)),
        }
    }
    Ok(())
}

impl Staging {
    pub fn new(dir: &Path, excel: bool) -> Result<Staging> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Staging {
            dir: dir.to_owned(),
            staged: Vec::new(),
            excel,
        })
    }

    fn temp_path(&mut self, name: &str) -> PathBuf {
        let final_path = self.dir.join(name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        self.staged.push((tmp.clone(), final_path));
        tmp
    }

    /// Writes a frame as CSV: `,` and no BOM, or `;` with a BOM for French
    /// Excel. String cells must already be neutralised.
    pub fn csv(&mut self, name: &str, df: &mut DataFrame) -> Result<()> {
        let path = self.temp_path(name);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        CsvWriter::new(&mut w)
            .include_header(true)
            .with_separator(if self.excel { b';' } else { b',' })
            .include_bom(self.excel)
            .finish(df)
            .map_err(|e| Error::input(&path, format!("cannot write CSV: {e}")))?;
        w.flush().map_err(|e| Error::io(&path, e))?;
        Ok(())
    }

    pub fn parquet(&mut self, name: &str, df: &mut DataFrame) -> Result<()> {
        let path = self.temp_path(name);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        ParquetWriter::new(file)
            .finish(df)
            .map_err(|e| Error::input(&path, format!("cannot write Parquet: {e}")))?;
        Ok(())
    }

    pub fn json(&mut self, name: &str, value: &serde_json::Value) -> Result<()> {
        self.bytes(name, &json_bytes(value))
    }

    /// Stages a file whose bytes are already made (report, certificate).
    pub fn bytes(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let path = self.temp_path(name);
        std::fs::write(&path, data).map_err(|e| Error::io(&path, e))
    }

    /// The files staged so far: (final file name, temporary path), in
    /// staging order. The certificate hashes them before they are renamed.
    pub fn staged(&self) -> Vec<(String, PathBuf)> {
        self.staged
            .iter()
            .map(|(tmp, fin)| {
                let name = fin
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (name, tmp.clone())
            })
            .collect()
    }

    /// Renames every staged file into place, in the order they were staged.
    pub fn commit(self) -> Result<Vec<PathBuf>> {
        let mut done = Vec::new();
        for (tmp, fin) in self.staged {
            std::fs::rename(&tmp, &fin).map_err(|e| Error::io(&fin, e))?;
            done.push(fin);
        }
        Ok(done)
    }

    /// Removes staged temporaries after a failure.
    pub fn abandon(self) {
        for (tmp, _) in self.staged {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The bytes [`Staging::json`] writes: pretty JSON and a final newline.
pub fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    text.push('\n');
    text.into_bytes()
}

/// Writes a new file (never an existing one, never through a link);
/// `private`: readable by its owner only (personal data, secret keys).
pub fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))
}

/// SPEC §9: a cell starting with `=`, `@`, tab or CR, or with `+`/`-`
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
