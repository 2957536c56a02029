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

    let all: Vec<&[Data]> = range.rows().collect();
    let start = header_index(&all).ok_or_else(|| {
        Error::input(
            path,
            format!("empty file: sheet {name:?} has no header row"),
        )
    })?;
    let header = all[start];
    let headers = clean_headers(header.iter().map(cell_text));
    let width = headers.len();
    let mut cols = ColumnsBuilder::new(width, range.height());
    let mut malformed = Vec::new();
    // Entirely empty rows are skipped and not counted, as blank CSV lines
    // are: `source_row` is the data record number in every format.
    let records = all[start + 1..].iter().filter(|r| filled(r) > 0);
    for (i, row) in records.enumerate() {
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

/// Non-empty cells in a row.
fn filled(row: &[Data]) -> usize {
    row.iter()
        .filter(|c| !cell_text(c).trim().is_empty())
        .count()
}

/// The header row: the first non-empty row, except that a row with a single
/// filled cell above a wider one (within the first 20 rows) is a title
/// (`Export prospects du 12/03/2026`), not the header.
fn header_index(rows: &[&[Data]]) -> Option<usize> {
    let counts: Vec<usize> = rows.iter().take(20).map(|r| filled(r)).collect();
    let widest = counts.iter().copied().max().unwrap_or(0);
    if widest == 0 {
        return rows.iter().position(|r| filled(r) > 0);
    }
    counts.iter().position(|&n| n > 0 && (n > 1 || widest == 1))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Data {
        Data::String(v.into())
    }

    #[test]
    fn title_rows_above_the_header_are_skipped() {
        let title = [
            s("Export prospects du 12/03/2026"),
            Data::Empty,
            Data::Empty,
        ];
        let blank = [Data::Empty, Data::Empty, Data::Empty];
        let header = [s("Prénom"), s("Nom"), s("E-mail")];
        let rows: Vec<&[Data]> = vec![&title, &blank, &header];
        assert_eq!(header_index(&rows), Some(2));
        let one = [s("email")];
        let data = [s("a@x.fr")];
        let rows: Vec<&[Data]> = vec![&one, &data];
        assert_eq!(header_index(&rows), Some(0));
        let rows: Vec<&[Data]> = vec![&blank];
        assert_eq!(header_index(&rows), None);
    }
}
