//! The list's cells as read, for the outputs: the canonical columns before
//! normalisation (qualified.csv prints a value as read when it did not
//! normalise) and the kept vendor columns.
//!
//! In: each batch's canonical frame and kept columns, as the list is read
//! ([`CellsBuilder`]). Out: `Raw` views of row ranges, batch by batch,
//! for the frames of [`super::frames`]. A run writes the cells straight to
//! a scratch Parquet file of the staging folder, batch by batch: they are
//! the biggest thing a run would hold, and nothing reads them between the
//! import and the outputs.

use std::fs::File;
use std::path::PathBuf;

use polars::prelude::*;

use crate::error::{Error, Result};
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
    /// Kept columns: the name the vendor wrote and where the column is
    /// stored ([`kept_name`]), in output order.
    kept: Vec<(String, usize)>,
    place: Place,
}

/// The frame's name of the `k`-th kept column (vendor headers may repeat).
fn kept_name(k: usize) -> String {
    format!("kept{k}")
}

/// The cells of one batch: the canonical columns of `canon` and the `kept`
/// columns (by index) of `batch` (no copy: the frames share their arrays).
fn cells_frame(canon: &DataFrame, batch: &DataFrame, kept: &[(String, usize)]) -> DataFrame {
    let mut cols: Vec<Column> = CANONICAL_COLUMNS
        .iter()
        .filter_map(|(name, _)| canon.column(name).ok().cloned())
        .collect();
    for (k, (_, i)) in kept.iter().enumerate() {
        cols.push(
            crate::ingest::column(batch, *i)
                .clone()
                .with_name(kept_name(k).into())
                .into_column(),
        );
    }
    let mut frame = DataFrame::new(canon.height(), cols)
        .expect("columns of one batch have one height and distinct names");
    // A Parquet row group per batch needs the columns' chunks aligned.
    frame.align_chunks();
    frame
}

/// Gathers [`ListCells`] batch by batch, in memory or straight into a
/// scratch file (then the list's cells are never all held at once).
pub struct CellsBuilder {
    kept: Vec<(String, usize)>,
    rows: usize,
    into: Into,
}

enum Into {
    Memory(Option<DataFrame>),
    /// Uncompressed Parquet, one row group per batch: the file lives
    /// minutes and is read once. `sync` is the same file, to flush it to
    /// disk at the end.
    File {
        path: PathBuf,
        sync: File,
        file: Option<File>,
        // Boxed: the writer is large, and there is one builder a run.
        writer: Option<Box<polars::io::parquet::write::BatchedWriter<File>>>,
    },
}

impl CellsBuilder {
    /// `kept`: the vendor columns the outputs may print (name, index in the
    /// file); `spill`: a new scratch file, or `None` to keep the cells in
    /// memory.
    pub fn new(kept: &[(String, usize)], spill: Option<(PathBuf, File)>) -> Result<CellsBuilder> {
        let into = match spill {
            None => Into::Memory(None),
            Some((path, file)) => Into::File {
                sync: file.try_clone().map_err(|e| Error::io(&path, e))?,
                path,
                file: Some(file),
                writer: None,
            },
        };
        Ok(CellsBuilder {
            kept: kept.to_vec(),
            rows: 0,
            into,
        })
    }

    /// The next batch's cells: its canonical frame and its columns as read.
    pub fn push(&mut self, canon: &DataFrame, batch: &DataFrame) -> Result<()> {
        let frame = cells_frame(canon, batch, &self.kept);
        self.rows += frame.height();
        match &mut self.into {
            Into::Memory(None) => self.into = Into::Memory(Some(frame)),
            Into::Memory(Some(all)) => {
                all.vstack_mut(&frame).map_err(Error::Polars)?;
            }
            Into::File {
                path, file, writer, ..
            } => {
                let cannot = |e: PolarsError| {
                    Error::input(&*path, format!("cannot write the scratch file: {e}"))
                };
                let w = match writer {
                    Some(w) => w,
                    None => writer.insert(Box::new(
                        ParquetWriter::new(file.take().expect("the file opens one writer"))
                            .with_compression(ParquetCompression::Uncompressed)
                            // Nothing filters the scratch file by value:
                            // it is read back by row ranges.
                            .with_statistics(StatisticsOptions::empty())
                            .batched(frame.schema())
                            .map_err(cannot)?,
                    )),
                };
                w.write_batch(&frame).map_err(cannot)?;
            }
        }
        Ok(())
    }

    /// The cells, without the kept columns named in `removed` (found
    /// sensitive by a later batch: never printed, though spilled).
    pub fn finish(self, removed: &[String]) -> Result<ListCells> {
        let place = match self.into {
            Into::Memory(frame) => Place::Memory(frame.unwrap_or_default()),
            Into::File {
                path, sync, writer, ..
            } => {
                if let Some(w) = writer {
                    w.finish().map_err(|e| {
                        Error::input(&path, format!("cannot write the scratch file: {e}"))
                    })?;
                }
                sync.sync_all().map_err(|e| Error::io(&path, e))?;
                Place::Spilled(path)
            }
        };
        Ok(ListCells {
            rows: self.rows,
            kept: self
                .kept
                .iter()
                .enumerate()
                .filter(|(_, (name, _))| !removed.contains(name))
                .map(|(k, (name, _))| (name.clone(), k))
                .collect(),
            place,
        })
    }
}

impl ListCells {
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
    fn new(frame: &DataFrame, offset: usize, kept: &[(String, usize)]) -> Raw {
        let texts = |name: &str| Texts::column(frame, name);
        Raw {
            offset,
            columns: CANONICAL_COLUMNS
                .iter()
                .map(|(name, _)| (*name, texts(name)))
                .collect(),
            kept: kept
                .iter()
                .map(|(name, k)| (name.clone(), texts(&kept_name(*k))))
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
    use std::path::Path;

    /// `rows` cells given in batches of `batch`, kept in memory or spilled.
    fn cells(rows: usize, batch: usize, spill: Option<&Path>) -> ListCells {
        let first: StringChunked = (0..rows)
            .map(|i| (i % 3 != 0).then(|| format!("Prénom {i}")))
            .collect();
        let note: StringChunked = (0..rows).map(|i| Some(format!("n{i}"))).collect();
        let secret: StringChunked = (0..rows).map(|i| Some(format!("s{i}"))).collect();
        let canon = DataFrame::new(
            rows,
            vec![first.with_name("first_name".into()).into_column()],
        )
        .unwrap();
        let frame = DataFrame::new(
            rows,
            vec![
                note.with_name("c0".into()).into_column(),
                secret.with_name("c1".into()).into_column(),
            ],
        )
        .unwrap();
        let spill = spill.map(|p| (p.to_owned(), File::create(p).unwrap()));
        let kept = [("Note".to_owned(), 0), ("Secret".to_owned(), 1)];
        let mut b = CellsBuilder::new(&kept, spill).unwrap();
        for start in (0..rows).step_by(batch) {
            let len = batch.min(rows - start);
            b.push(
                &canon.slice(start as i64, len),
                &frame.slice(start as i64, len),
            )
            .unwrap();
        }
        b.finish(&["Secret".to_owned()]).unwrap()
    }

    #[test]
    fn spilled_cells_read_back_the_same_in_batches_of_any_size() {
        let rows = READ_ROWS + 1_000;
        let memory = cells(rows, rows, None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cells.parquet");
        // Written in batches of 5,000 rows, a row group each.
        let spilled = cells(rows, 5_000, Some(&path));
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
                    let kept: Vec<_> = y.kept().collect();
                    assert_eq!(kept.len(), 1, "the removed column is not printed");
                    let (name, note) = kept[0];
                    assert_eq!(
                        (name, note.get(i)),
                        ("Note", Some(format!("n{i}").as_str()))
                    );
                }
            }
        }
    }
}
