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
        let cannot = |e: PolarsError| {
            Error::input(
                path,
                format!("column {:?}: cannot read as text: {e}", col.name()),
            )
        };
        let text: StringChunked = match col.dtype() {
            // polars' own cast writes `612345678.0`: see `float_text`.
            DataType::Float32 | DataType::Float64 => {
                let f = col.cast(&DataType::Float64).map_err(cannot)?;
                f.f64()
                    .map_err(Error::Polars)?
                    .iter()
                    .map(|v| v.map(super::float_text))
                    .collect()
            }
            // polars built without time zone support refuses to format a
            // zoned timestamp; the stored value is a UTC instant, so write
            // it as one.
            DataType::Datetime(unit, Some(_)) => {
                let unit = *unit;
                let raw = col.cast(&DataType::Int64).map_err(cannot)?;
                raw.i64()
                    .map_err(Error::Polars)?
                    .iter()
                    .map(|v| v.and_then(|v| utc_text(v, unit)))
                    .collect()
            }
            _ => col
                .cast(&DataType::String)
                .map_err(cannot)?
                .str()
                .map_err(Error::Polars)?
                .clone(),
        };
        strings.push(text);
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

/// A UTC instant stored as `value` units since the epoch, as ISO 8601 with
/// `Z` (seconds precision: consent dates need no more).
fn utc_text(value: i64, unit: TimeUnit) -> Option<String> {
    let dt = match unit {
        TimeUnit::Nanoseconds => Some(chrono::DateTime::from_timestamp_nanos(value)),
        TimeUnit::Microseconds => chrono::DateTime::from_timestamp_micros(value),
        TimeUnit::Milliseconds => chrono::DateTime::from_timestamp_millis(value),
    }?;
    Some(dt.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parquet_bytes(mut df: DataFrame) -> Vec<u8> {
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).finish(&mut df).unwrap();
        buf
    }

    fn texts(raw: &RawTable, i: usize) -> Vec<Option<String>> {
        raw.frame.columns()[i]
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_owned))
            .collect()
    }

    #[test]
    fn float_columns_read_as_integers() {
        let mobile = Column::new("mobile".into(), [Some(612345678.0f64), None, Some(1.5)]);
        let cp = Column::new("postcode".into(), [Some(75001.0f64), Some(1000.0), None]);
        let df = DataFrame::new(3, vec![mobile, cp]).unwrap();
        let raw = read(Path::new("t.parquet"), &parquet_bytes(df)).unwrap();
        assert_eq!(
            texts(&raw, 0),
            vec![Some("612345678".into()), None, Some("1.5".into())]
        );
        assert_eq!(
            texts(&raw, 1),
            vec![Some("75001".into()), Some("1000".into()), None]
        );
    }

    #[test]
    fn zoned_timestamps_read_as_utc() {
        // pyarrow: timestamp[us, tz=Europe/Paris], 2026-01-10 11:15 Paris.
        let bytes = include_bytes!("../../../../tests/data/ingest/tz.parquet");
        let raw = read(Path::new("tz.parquet"), bytes).unwrap();
        assert_eq!(texts(&raw, 1), vec![Some("2026-01-10T10:15:00Z".into())]);
    }
}
