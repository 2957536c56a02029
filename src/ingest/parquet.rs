//! Parquet: read with polars, every column cast to string so that the rest
//! of the pipeline sees the same shape as a CSV.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use super::{cell_problem, ColumnsBuilder, Format, Malformed, RawTable, SourceInfo};
use crate::error::{Error, Result};

pub(super) fn read(path: &Path, bytes: &[u8]) -> Result<RawTable> {
    let df = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::input(path, format!("cannot read Parquet: {e}")))?;
    let headers: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.trim().to_owned())
        .collect();
    let mut strings = Vec::with_capacity(df.width());
    for col in df.columns() {
        let s = col.cast(&DataType::String).map_err(|e| {
            Error::input(
                path,
                format!("column {:?}: cannot read as text: {e}", col.name()),
            )
        })?;
        strings.push(s.str().map_err(Error::Polars)?.clone());
    }
    // Rebuild through the row builder so trimming, nulls and the malformed
    // checks are the same as for every other format.
    let mut cols = ColumnsBuilder::new(headers.len(), df.height());
    let mut malformed = Vec::new();
    let mut cells: Vec<Option<&str>> = Vec::with_capacity(headers.len());
    let iters: Vec<_> = strings
        .iter()
        .map(|c| c.iter().collect::<Vec<_>>())
        .collect();
    for row in 0..df.height() {
        cells.clear();
        cells.extend(iters.iter().map(|c| c[row]));
        if let Some(message) = cell_problem(&headers, cells.iter().map(|c| c.unwrap_or(""))) {
            malformed.push(Malformed {
                source_row: row + 1,
                message,
            });
            cols.push_nulls();
        } else {
            cols.push(cells.iter().copied());
        }
    }
    Ok(RawTable {
        info: SourceInfo {
            format: Format::Parquet,
            encoding: None,
            delimiter: None,
            sheet: None,
        },
        headers,
        frame: cols.finish(),
        malformed,
    })
}
