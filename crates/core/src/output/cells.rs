//! The list's cells as read, for the outputs: the canonical columns before
//! normalisation (qualified.csv prints a value as read when it did not
//! normalise) and the kept vendor columns.
//!
//! In: the canonical frame, the table and the kept columns, at the end of
//! the import. Out: [`Raw`] views of row ranges, batch by batch, for the
//! frames of [`super::frames`]. Between the two the cells can be spilled
//! to a scratch Parquet file of the staging folder ([`ListCells::spill`]):
//! they are the biggest thing a run holds and linking, its most
//! memory-hungry stage, does not read them.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::Table;
use crate::normalise::Texts;
use crate::schema::CANONICAL_COLUMNS;

/// Where the cells are.
enum Place {
    Memory(DataFrame),
    Spilled(PathBuf),
}

/// The list's cells the outputs print as read.
pub struct ListCells {
    rows: usize,
    /// Kept columns' names as the vendor wrote them, in output order.
    kept: Vec<String>,
    place: Place,
}

/// The frame's name of the `k`-th kept column (vendor headers may repeat).
fn kept_name(k: usize) -> String {
    format!("kept{k}")
}

impl ListCells {
    /// The canonical columns of `canon` and the `kept` columns of `table`
    /// (no copy: the frames share their arrays).
    pub fn new(canon: &DataFrame, table: &Table, kept: &[(String, usize)]) -> ListCells {
        let mut cols: Vec<Column> = CANONICAL_COLUMNS
            .iter()
            .filter_map(|(name, _)| canon.column(name).ok().cloned())
            .collect();
        for (k, (_, i)) in kept.iter().enumerate() {
            cols.push(
                table
                    .column(*i)
                    .clone()
                    .with_name(kept_name(k).into())
                    .into_column(),
            );
        }
        let frame = DataFrame::new(canon.height(), cols)
            .expect("columns of one table have one height and distinct names");
        ListCells {
            rows: canon.height(),
            kept: kept.iter().map(|(name, _)| name.clone()).collect(),
            place: Place::Memory(frame),
        }
    }

    /// Writes the cells to `file` (a new file at `path`) as Parquet and
    /// frees them. Uncompressed: the file lives minutes and is read once.
    pub fn spill(&mut self, path: &Path, file: File) -> Result<()> {
        let Place::Memory(frame) = &mut self.place else {
            return Ok(());
        };
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        ParquetWriter::new(&mut w)
            .with_compression(ParquetCompression::Uncompressed)
            .with_row_group_size(Some(READ_ROWS))
            .finish(frame)
            .map_err(|e| Error::input(path, format!("cannot write the scratch file: {e}")))?;
        w.into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?
            .sync_all()
            .map_err(|e| Error::io(path, e))?;
        self.place = Place::Spilled(path.to_owned());
        Ok(())
    }

    /// A reader of the cells in row order ([`Cursor::raw_for`]).
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        Cursor {
            cells: self,
            loaded: None,
        }
    }

    /// Rows `start..start + len`.
    fn read(&self, start: usize, len: usize) -> Result<DataFrame> {
        match &self.place {
            Place::Memory(frame) => Ok(frame.slice(start as i64, len)),
            Place::Spilled(path) => {
                let file = File::open(path).map_err(|e| Error::io(path, e))?;
                ParquetReader::new(file)
                    .with_slice(Some((start, len)))
                    .finish()
                    .map_err(|e| Error::input(path, format!("cannot read the scratch file: {e}")))
            }
        }
    }
}

/// Rows read from a spilled file at a time (and its row groups): the
/// batches of a file are read in row order, each a few rows or many, and
/// the file is read once whatever their size.
const READ_ROWS: usize = 65_536;

/// Reads [`ListCells`] forward, a stretch of at least [`READ_ROWS`] rows
/// at a time, for batches of ascending rows.
pub(crate) struct Cursor<'a> {
    cells: &'a ListCells,
    /// The stretch in memory: its first row and its cells.
    loaded: Option<(usize, DataFrame)>,
}

impl Cursor<'_> {
    /// The cells of the rows `rows[0]..=rows[last]` (`rows` ascending), as
    /// a view indexed by row number.
    pub(crate) fn raw_for(&mut self, rows: &[usize]) -> Result<Raw> {
        let (start, len) = match (rows.first(), rows.last()) {
            (Some(&a), Some(&b)) => (a, b + 1 - a),
            _ => (0, 0),
        };
        debug_assert!(start + len <= self.cells.rows);
        if len == 0 {
            // An empty batch (no qualified record, or the Parquet schema)
            // reads nothing.
            return Ok(Raw::new(&DataFrame::empty(), 0, &self.cells.kept));
        }
        let covered = |(lo, f): &(usize, DataFrame)| start >= *lo && start + len <= lo + f.height();
        if !self.loaded.as_ref().is_some_and(covered) {
            let want = len.max(READ_ROWS).min(self.cells.rows - start);
            self.loaded = Some((start, self.cells.read(start, want)?));
        }
        let (lo, frame) = self.loaded.as_ref().expect("loaded above");
        let frame = frame.slice((start - lo) as i64, len);
        Ok(Raw::new(&frame, start, &self.cells.kept))
    }
}

/// The cells of a range of rows, by row number of the whole list.
pub(crate) struct Raw {
    offset: usize,
    columns: Vec<(&'static str, Texts)>,
    /// Kept columns: the vendor's name and the cells.
    pub(crate) kept: Vec<(String, Texts)>,
    nulls: Texts,
}

impl Raw {
    fn new(frame: &DataFrame, offset: usize, kept: &[String]) -> Raw {
        let texts = |name: &str| Texts::column(frame, name);
        Raw {
            offset,
            columns: CANONICAL_COLUMNS
                .iter()
                .map(|(name, _)| (*name, texts(name)))
                .collect(),
            kept: kept
                .iter()
                .enumerate()
                .map(|(k, name)| (name.clone(), texts(&kept_name(k))))
                .collect(),
            nulls: Texts::nulls(frame.height()),
        }
    }

    /// A canonical column of the range (all empty when the list has none).
    pub(crate) fn column(&self, name: &str) -> RawColumn<'_> {
        let texts = self
            .columns
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&self.nulls, |(_, t)| t);
        RawColumn {
            texts,
            offset: self.offset,
        }
    }

    pub(crate) fn kept(&self) -> impl Iterator<Item = (&str, RawColumn<'_>)> {
        self.kept.iter().map(|(name, texts)| {
            (
                name.as_str(),
                RawColumn {
                    texts,
                    offset: self.offset,
                },
            )
        })
    }
}

/// One column of a [`Raw`] range.
#[derive(Clone, Copy)]
pub(crate) struct RawColumn<'a> {
    texts: &'a Texts,
    offset: usize,
}

impl<'a> RawColumn<'a> {
    /// The cell of row `i` of the list (inside the range).
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        self.texts.get(i - self.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(rows: usize) -> ListCells {
        let first: StringChunked = (0..rows)
            .map(|i| (i % 3 != 0).then(|| format!("Prénom {i}")))
            .collect();
        let note: StringChunked = (0..rows).map(|i| Some(format!("n{i}"))).collect();
        let canon = DataFrame::new(
            rows,
            vec![first.with_name("first_name".into()).into_column()],
        )
        .unwrap();
        let frame = DataFrame::new(rows, vec![note.with_name("c0".into()).into_column()]).unwrap();
        let table = Table {
            path: "t.csv".into(),
            sha256: String::new(),
            info: crate::ingest::SourceInfo {
                format: crate::ingest::Format::Csv,
                encoding: None,
                delimiter: None,
                sheet: None,
            },
            headers: vec!["Note".into()],
            frame,
            rows,
            malformed: vec![],
        };
        ListCells::new(&canon, &table, &[("Note".into(), 0)])
    }

    #[test]
    fn spilled_cells_read_back_the_same_in_batches_of_any_size() {
        let rows = READ_ROWS + 1_000;
        let memory = cells(rows);
        let mut spilled = cells(rows);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.parquet");
        spilled.spill(&path, File::create(&path).unwrap()).unwrap();
        assert!(matches!(spilled.place, Place::Spilled(_)));
        // Every third row, in batches of 1, 7 and 40,000 rows.
        let wanted: Vec<usize> = (0..rows).step_by(3).collect();
        for size in [1, 7, 40_000] {
            let (mut a, mut b) = (memory.cursor(), spilled.cursor());
            for batch in wanted.chunks(size) {
                let (x, y) = (a.raw_for(batch).unwrap(), b.raw_for(batch).unwrap());
                for &i in batch {
                    let want = (i % 3 != 0).then(|| format!("Prénom {i}"));
                    assert_eq!(x.column("first_name").get(i), want.as_deref());
                    assert_eq!(y.column("first_name").get(i), want.as_deref());
                    assert_eq!(y.column("email").get(i), None, "absent column: empty");
                    let (name, note) = y.kept().next().unwrap();
                    assert_eq!(
                        (name, note.get(i)),
                        ("Note", Some(format!("n{i}").as_str()))
                    );
                }
            }
        }
    }
}
