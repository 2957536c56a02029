//! XLSX (and the other workbook formats calamine reads): the first sheet, or
//! the one named by `--sheet`; the first row is the header. Numbers that are
//! whole are written without `.0` (a phone typed as a number stays digits),
//! dates become ISO 8601.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use super::{cell_problem, clean_headers, ColumnsBuilder, Format, Malformed, RawTable, SourceInfo};
use crate::error::{Error, Result};

pub(super) fn read(path: &Path, sheet: Option<&str>) -> Result<RawTable> {
    let mut wb = open_workbook_auto(path)
        .map_err(|e| Error::input(path, format!("cannot open workbook: {e}")))?;
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                Error::input(
                    path,
                    format!("no sheet named {s:?} (sheets: {})", names.join(", ")),
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::input(path, "workbook has no sheet"))?,
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| Error::input(path, format!("sheet {name:?}: {e}")))?;

    let mut rows = range.rows();
    let header = rows.next().ok_or_else(|| {
        Error::input(
            path,
            format!("empty file: sheet {name:?} has no header row"),
        )
    })?;
    let headers = clean_headers(header.iter().map(cell_text));
    let width = headers.len();
    let mut cols = ColumnsBuilder::new(width, range.height());
    let mut malformed = Vec::new();
    for (i, row) in rows.enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        let source_row = i + 1;
        if let Some(bad) = row.iter().position(|c| matches!(c, Data::Error(_))) {
            malformed.push(Malformed {
                source_row,
                message: format!(
                    "column {:?}: spreadsheet error value {}",
                    headers.get(bad).map(String::as_str).unwrap_or("?"),
                    cells[bad]
                ),
            });
            cols.push_nulls();
        } else if let Some(message) = cell_problem(&headers, cells.iter().map(String::as_str)) {
            malformed.push(Malformed {
                source_row,
                message,
            });
            cols.push_nulls();
        } else {
            cols.push(cells.iter().map(|s| Some(s.as_str())));
        }
    }
    Ok(RawTable {
        info: SourceInfo {
            format: Format::Xlsx,
            encoding: None,
            delimiter: None,
            sheet: Some(name),
        },
        headers,
        frame: cols.finish(),
        malformed,
    })
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => super::float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Some(d) => d.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e:?}"),
    }
}
