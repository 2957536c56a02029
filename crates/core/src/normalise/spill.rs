//! The list's normalised rows parked on disk while the client file is read
//! and the matcher runs. In: a [`Normalised`], what else of the same rows
//! only later stages read (the caller's, any serde value), and a new
//! scratch file of the run folder. Out: the same, read back once the
//! matcher is done ([`Parked::restore`]).
//!
//! Why: reading the client file and the link stage's exact and fuzzy steps
//! read only what was made of the list before ([`crate::link::ListLinks`],
//! [`crate::link::LinkInputs`]), yet their peaks (the client file's batches,
//! blocks, candidate pairs, the model's samples) sat on top of every
//! normalised row of the list, about 600 bytes a row, which only the
//! clusters, the rules and the outputs read afterwards. Parked, they cost a
//! write and a read of the file instead (page cache, most often).
//!
//! The file is bincode ([`bincode::serde`], its standard configuration) of
//! the columns as they are, in three parts (the text columns, the others,
//! the caller's) read back on two cores; it lives
//! in the run's staging folder as a scratch file and is never an output.
//! The cells read as unknown ([`Normalised::warnings`]) stay in memory.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::records::{Normalised, ValueWarning};
use super::{CompanyId, Dates, Email, Phone, Texts, YesNo};
use crate::error::{Error, Result};

/// The file's two parts, and the moves between them and a [`Normalised`],
/// from one list of its columns (a column added to [`Normalised`] and not
/// here does not compile). Two parts of about the same cost to read, read
/// on two cores: the text columns, then the others.
macro_rules! parts {
    (texts: [$($t:ident),* $(,)?], others: [$($o:ident: $ty:ty),* $(,)?] $(,)?) => {
        #[derive(Serialize, Deserialize)]
        struct TextColumns {
            $($t: Texts,)*
        }

        #[derive(Serialize, Deserialize)]
        struct OtherColumns {
            rows: usize,
            $($o: $ty,)*
        }

        fn split(norm: Normalised) -> (TextColumns, OtherColumns, Vec<ValueWarning>) {
            let Normalised { rows, warnings, $($t,)* $($o,)* } = norm;
            (TextColumns { $($t,)* }, OtherColumns { rows, $($o,)* }, warnings)
        }

        fn join(t: TextColumns, o: OtherColumns, warnings: Vec<ValueWarning>) -> Normalised {
            let TextColumns { $($t,)* } = t;
            let OtherColumns { rows, $($o,)* } = o;
            Normalised { rows, warnings, $($t,)* $($o,)* }
        }
    };
}

parts! {
    texts: [
        first_name, last_name, full_name, name_key, last_key, postcode, address_line1, city,
        country,
    ],
    others: [
        email: Vec<Option<Email>>,
        phone: Vec<Option<Phone>>,
        mobile: Vec<Option<Phone>>,
        fax: Vec<Option<Phone>>,
        siren: Vec<Option<CompanyId>>,
        siret: Vec<Option<CompanyId>>,
        address_complete: Vec<bool>,
        address_any: Vec<bool>,
        collected_at: Dates,
        last_contact_at: Dates,
        consent: [Vec<YesNo>; 6],
        consent_at: [Dates; 6],
        consent_partners: Vec<YesNo>,
        consent_proof: Vec<bool>,
    ],
}

/// Rows written to their scratch file and freed, with `X`, what else the
/// caller parked beside them.
#[derive(Debug)]
pub struct Parked<X> {
    path: PathBuf,
    file: File,
    rows: usize,
    /// Where the second part starts, and the caller's.
    second: u64,
    third: u64,
    warnings: Vec<ValueWarning>,
    also: std::marker::PhantomData<X>,
}

fn failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

/// Writes `norm` and `also` (columns of the same rows that only later
/// stages read) to `file` (new and empty) and frees them, a part at a time.
pub fn park<X: Serialize + serde::de::DeserializeOwned>(
    norm: Normalised,
    also: X,
    (path, file): (PathBuf, File),
) -> Result<Parked<X>> {
    let rows = norm.rows;
    let (texts, others, warnings) = split(norm);
    let (second, third) = written(&file, &path, |w| {
        let second = write_part(w, &texts, &path)?;
        drop(texts);
        let third = second + write_part(w, &others, &path)?;
        drop(others);
        write_part(w, &also, &path)?;
        drop(also);
        Ok((second, third))
    })?;
    Ok(Parked {
        path,
        file,
        rows,
        second,
        third,
        warnings,
        also: std::marker::PhantomData,
    })
}

/// A value written alone to its scratch file and freed ([`park_value`]).
#[derive(Debug)]
pub struct ParkedValue<X> {
    path: PathBuf,
    file: File,
    value: std::marker::PhantomData<X>,
}

/// Writes `value` to `file` (new and empty) and frees it.
pub fn park_value<X: Serialize>(value: X, (path, file): (PathBuf, File)) -> Result<ParkedValue<X>> {
    written(&file, &path, |w| {
        write_part(w, &value, &path)?;
        drop(value);
        Ok(())
    })?;
    Ok(ParkedValue {
        path,
        file,
        value: std::marker::PhantomData,
    })
}

impl<X: serde::de::DeserializeOwned> ParkedValue<X> {
    /// The value as it was parked.
    pub fn restore(self) -> Result<X> {
        read_part(&self.path, &self.file, 0)
    }
}

/// What `parts` writes to `file`, through one buffer, flushed.
fn written<T>(
    file: &File,
    path: &Path,
    parts: impl FnOnce(&mut BufWriter<&File>) -> Result<T>,
) -> Result<T> {
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let out = parts(&mut w)?;
    w.flush().map_err(|e| Error::io(path, e))?;
    Ok(out)
}

/// Appends `part` to `w`; its length in bytes.
fn write_part<T: Serialize>(w: &mut impl Write, part: &T, path: &Path) -> Result<u64> {
    bincode::serde::encode_into_std_write(part, w, bincode::config::standard())
        .map(|n| n as u64)
        .map_err(|e| failed(path, e))
}

/// Reads `file` from `pos` on, without moving its offset (so that two
/// readers share one open file).
struct At<'a> {
    file: &'a File,
    pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

fn read_part<T: serde::de::DeserializeOwned>(path: &Path, file: &File, pos: u64) -> Result<T> {
    let mut r = BufReader::with_capacity(1 << 20, At { file, pos });
    bincode::serde::decode_from_std_read(&mut r, bincode::config::standard())
        .map_err(|e| failed(path, e))
}

impl<X: serde::de::DeserializeOwned + Send> Parked<X> {
    /// The rows and the caller's columns as they were parked (the text
    /// columns on one core, the others on the second).
    pub fn restore(self) -> Result<(Normalised, X)> {
        let Parked {
            path,
            file,
            rows,
            second,
            third,
            warnings,
            ..
        } = self;
        let (texts, (others, also)) = rayon::join(
            || read_part::<TextColumns>(&path, &file, 0),
            || {
                (
                    read_part::<OtherColumns>(&path, &file, second),
                    read_part::<X>(&path, &file, third),
                )
            },
        );
        let (texts, others, also) = (texts?, others?, also?);
        if others.rows != rows {
            return Err(failed(
                &path,
                format!(
                    "the scratch copy holds {} rows, not the {rows} parked",
                    others.rows
                ),
            ));
        }
        Ok((join(texts, others, warnings), also))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    #[test]
    fn parked_rows_come_back_as_they_were() {
        // Every kind of column, values and gaps, long and short texts.
        let n = 300;
        let cells = |f: &dyn Fn(usize) -> Option<String>| -> Column {
            Column::new("".into(), (0..n).map(f).collect::<Vec<Option<String>>>())
        };
        let named = |name: &str, c: Column| c.with_name(name.into());
        let df = DataFrame::new(
            n,
            vec![
                named(
                    "first_name",
                    cells(&|i| (i % 5 != 0).then(|| format!("Élodie-{i}"))),
                ),
                named(
                    "last_name",
                    cells(&|i| (i % 7 != 0).then(|| "Martin".into())),
                ),
                named(
                    "email",
                    cells(&|i| (i % 3 != 0).then(|| format!("Jean.Dupont+{i}@Gmail.com"))),
                ),
                named(
                    "mobile",
                    cells(&|i| {
                        (i % 4 != 0).then(|| format!("06 12 34 {:02} {:02}", i % 100, i % 97))
                    }),
                ),
                named(
                    "phone",
                    cells(&|i| (i % 2 == 0).then(|| "01 45 67 89 10".into())),
                ),
                named(
                    "postcode",
                    cells(&|i| Some(format!("{:05}", 75000 + i % 20))),
                ),
                named(
                    "address_line1",
                    cells(&|i| Some(format!("{i} avenue de la République prolongée"))),
                ),
                named("city", cells(&|_| Some("Saint-Étienne".into()))),
                named(
                    "siret",
                    cells(&|i| (i % 6 == 0).then(|| "732 829 320 00074".into())),
                ),
                named(
                    "collected_at",
                    cells(&|i| (i % 2 == 1).then(|| "2025-03-14".into())),
                ),
                named(
                    "consent_email",
                    cells(&|i| Some(["yes", "no", "?"][i % 3].into())),
                ),
                named("consent_email_at", cells(&|_| Some("2024-02-29".into()))),
            ],
        )
        .unwrap();
        let norm = crate::normalise::records::normalise_batch(&df, 0);
        let dir = tempfile::tempdir().unwrap();
        // A new scratch file, as the run folder makes them.
        let scratch = |name: &str| {
            let path = dir.path().join(name);
            let file = crate::output::folder::create_new(&path, true).unwrap();
            (path, file)
        };
        let also: (Option<Vec<u32>>, Texts) = (
            Some((0..n as u32).collect()),
            (0..n)
                .map(|i| (i % 3 == 0).then(|| format!("Directrice {i}")))
                .collect(),
        );
        let parked = park(norm.clone(), also.clone(), scratch("rows")).unwrap();
        assert_eq!(parked.restore().unwrap(), (norm, also));
        let value = (vec![Some(7u64), None], "ok".to_owned());
        let parked = park_value(value.clone(), scratch("value")).unwrap();
        assert_eq!(parked.restore().unwrap(), value);
    }
}
