//! XLSX (and the other workbook formats calamine reads): the first sheet, or
//! the one named by `--sheet`; the first row is the header. Numbers that are
//! whole are written without `.0` (a phone typed as a number stays digits),
//! dates become ISO 8601.
//!
//! Hostile workbooks are bounded before they cost memory (documented in
//! the README): an `.xlsx` part (a sheet, the shared strings) may inflate
//! to at most [`MAX_PART_BYTES`], and a large part at most
//! [`MAX_RATIO`] times its compressed size (real sheets compress 5-20
//! times, bombs a thousand); `.xlsx` sheets are read as a stream of cells,
//! kept sparse, so one cell at `XFD1048576` costs one cell, not a dense
//! grid of 17 billion; a data cell right of the header's last column makes
//! the row ragged (`malformed_row`), as in a CSV file.

use std::path::Path;

use calamine::{open_workbook, open_workbook_auto, Data, Reader, Xlsx};

use super::{cell_problem, clean_headers, ColumnsBuilder, Format, Malformed, RawTable, SourceInfo};
use crate::error::{Error, Result};

/// The most a part of an `.xlsx` file may inflate to (1 GiB).
pub const MAX_PART_BYTES: u64 = 1 << 30;
/// The largest compression ratio of a part over 16 MiB.
pub const MAX_RATIO: u64 = 200;
/// Excel's own grid: 1,048,576 rows, 16,384 columns.
const MAX_ROWS: u32 = 1 << 20;
const MAX_COLS: u32 = 1 << 14;

fn is_zip(path: &Path) -> bool {
    use std::io::Read as _;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04"
}

/// Checks the declared sizes of every part of a zip-based workbook.
fn check_parts(path: &Path) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| Error::input(path, format!("not a readable workbook (zip): {e}")))?;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| Error::input(path, format!("not a readable workbook (zip): {e}")))?;
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        let (size, packed) = (part.size(), part.compressed_size().max(1));
        if size > MAX_PART_BYTES {
            return Err(Error::input(
                path,
                format!(
                    "workbook part {name} inflates to {size} bytes, over the limit of {MAX_PART_BYTES} (1 GiB): save the sheet as CSV, which has no such limit"
                ),
            ));
        }
        if size > 16 << 20 && size / packed > MAX_RATIO {
            return Err(Error::input(
                path,
                format!(
                    "workbook part {name} inflates {} times ({packed} to {size} bytes), over the limit of {MAX_RATIO}: this is how a compression bomb looks; save the sheet as CSV if it is genuine",
                    size / packed
                ),
            ));
        }
    }
    Ok(())
}

/// A row's non-empty cells: (column, value), left to right.
type SparseRow = Vec<(u32, Data)>;

/// The non-empty cells of an `.xlsx` sheet, by row, read as a stream.
fn sparse_rows(path: &Path, sheet: Option<&str>) -> Result<(String, Vec<SparseRow>)> {
    check_parts(path)?;
    let mut wb: Xlsx<_> = open_workbook(path)
        .map_err(|e| Error::input(path, format!("cannot open workbook: {e}")))?;
    let name = pick_sheet(path, &wb.sheet_names(), sheet)?;
    let mut cells = wb
        .worksheet_cells_reader(&name)
        .map_err(|e| Error::input(path, format!("sheet {name:?}: {e}")))?;
    let mut rows: Vec<(u32, SparseRow)> = Vec::new();
    let mut ordered = true;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| Error::input(path, format!("sheet {name:?}: {e}")))?
    {
        let (r, c) = cell.get_position();
        if r >= MAX_ROWS || c >= MAX_COLS {
            return Err(Error::input(
                path,
                format!(
                    "sheet {name:?}: a cell at row {}, column {} is outside Excel's grid (1,048,576 rows, 16,384 columns)",
                    u64::from(r) + 1,
                    u64::from(c) + 1
                ),
            ));
        }
        let v: Data = cell.get_value().clone().into();
        if cell_text(&v).trim().is_empty() {
            continue;
        }
        match rows.last_mut() {
            Some((last, row)) if *last == r => row.push((c, v)),
            last => {
                ordered &= last.is_none_or(|(l, _)| *l < r);
                rows.push((r, vec![(c, v)]));
            }
        }
    }
    if !ordered {
        // Rows out of order (allowed by the format, rare): merge by row.
        rows.sort_by_key(|(r, _)| *r);
        let mut merged: Vec<(u32, SparseRow)> = Vec::new();
        for (r, cells) in rows {
            match merged.last_mut() {
                Some((l, row)) if *l == r => row.extend(cells),
                _ => merged.push((r, cells)),
            }
        }
        rows = merged;
    }
    Ok((name, rows.into_iter().map(|(_, r)| r).collect()))
}

/// A sparse row as `width` cells; the cells right of it are returned apart.
fn dense(row: &[(u32, Data)], width: usize) -> (Vec<Data>, usize) {
    let mut v = vec![Data::Empty; width];
    let mut beyond = 0;
    for (c, d) in row {
        match v.get_mut(*c as usize) {
            Some(slot) => *slot = d.clone(),
            None => beyond += 1,
        }
    }
    (v, beyond)
}

fn pick_sheet(path: &Path, names: &[String], sheet: Option<&str>) -> Result<String> {
    match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                Error::input(
                    path,
                    format!("no sheet named {s:?} (sheets: {})", names.join(", ")),
                )
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::input(path, "workbook has no sheet")),
    }
}

pub(super) fn read(path: &Path, sheet: Option<&str>) -> Result<RawTable> {
    let is_xlsx = is_zip(path) && open_workbook::<Xlsx<_>, _>(path).is_ok();
    if is_xlsx {
        // calamine's cell-reference parser overflows on references beyond
        // any grid (`ZZZZZZZ1`): a panic in a debug build, a wrapped column
        // in a release one. Either way the file is refused or bounded,
        // never a crash.
        let read = std::panic::catch_unwind(|| sparse_rows(path, sheet)).map_err(|_| {
            Error::input(
                path,
                "the sheet's XML holds a cell reference no spreadsheet can have: the workbook is damaged or forged",
            )
        })?;
        let (name, rows) = read?;
        return table_from_rows(path, name, &rows);
    }
    // .xls, .xlsb, .ods: calamine's dense range (no streaming reader).
    if is_zip(path) {
        check_parts(path)?;
    }
    let mut wb = open_workbook_auto(path)
        .map_err(|e| Error::input(path, format!("cannot open workbook: {e}")))?;
    let name = pick_sheet(path, &wb.sheet_names(), sheet)?;
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| Error::input(path, format!("sheet {name:?}: {e}")))?;
    let rows: Vec<SparseRow> = range
        .rows()
        .map(|r| {
            r.iter()
                .enumerate()
                .filter(|(_, d)| !cell_text(d).trim().is_empty())
                .map(|(c, d)| (c as u32, d.clone()))
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect();
    table_from_rows(path, name, &rows)
}

/// The table from a sheet's non-empty rows (sparse, in sheet order).
fn table_from_rows(path: &Path, name: String, rows: &[SparseRow]) -> Result<RawTable> {
    let head: Vec<Vec<Data>> = rows
        .iter()
        .take(20)
        .map(|r| {
            let w = r.iter().map(|(c, _)| *c as usize + 1).max().unwrap_or(0);
            dense(r, w).0
        })
        .collect();
    let head_refs: Vec<&[Data]> = head.iter().map(Vec::as_slice).collect();
    let start = header_index(&head_refs).ok_or_else(|| {
        Error::input(
            path,
            format!("empty file: sheet {name:?} has no header row"),
        )
    })?;
    let headers = clean_headers(head[start].iter().map(cell_text));
    let width = headers.len();
    let mut cols = ColumnsBuilder::new(width, rows.len());
    let mut malformed = Vec::new();
    // Entirely empty rows are not in `rows`: they are skipped and not
    // counted, as blank CSV lines are (`source_row` is the data record
    // number in every format).
    for (i, sparse) in rows[start + 1..].iter().enumerate() {
        let (row, beyond) = dense(sparse, width);
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        let source_row = i + 1;
        if beyond > 0 {
            malformed.push(Malformed {
                source_row,
                message: format!(
                    "{beyond} filled cell(s) right of the header's last column ({width} columns)"
                ),
            });
            cols.push_nulls();
        } else if let Some(bad) = row.iter().position(|c| matches!(c, Data::Error(_))) {
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
    use std::io::Write as _;

    /// A minimal workbook around one sheet's XML, stored `deflate`.
    fn workbook(dir: &Path, sheet_xml: &[u8]) -> std::path::PathBuf {
        let path = dir.join("w.xlsx");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let parts: [(&str, &[u8]); 4] = [
            ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
            ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ];
        for (name, bytes) in parts {
            z.start_file(name, o).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
        z.write_all(sheet_xml).unwrap();
        z.finish().unwrap();
        path
    }

    fn sheet(rows: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
        )
        .into_bytes()
    }

    const HEADER: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c><c r="B1" t="inlineStr"><is><t>city</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>a@x.fr</t></is></c><c r="B2" t="inlineStr"><is><t>Lyon</t></is></c></row>"#;

    #[test]
    fn one_cell_at_the_grid_s_far_corner_costs_one_cell_and_makes_its_row_ragged() {
        let dir = tempfile::tempdir().unwrap();
        let far = r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#;
        let path = workbook(dir.path(), &sheet(&format!("{HEADER}{far}")));
        let t = read(&path, None).unwrap();
        assert_eq!(t.headers, ["email", "city"]);
        assert_eq!(t.frame.height(), 2);
        assert_eq!(t.malformed.len(), 1);
        assert_eq!(t.malformed[0].source_row, 2);
        assert!(
            t.malformed[0].message.contains("right of the header"),
            "{:?}",
            t.malformed
        );
    }

    #[test]
    fn a_reference_outside_the_grid_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bogus = r#"<row r="3"><c r="ZZZZZZZ1" t="inlineStr"><is><t>x</t></is></c></row>"#;
        let path = workbook(dir.path(), &sheet(&format!("{HEADER}{bogus}")));
        match read(&path, None) {
            Err(e) => assert!(e.to_string().contains("w.xlsx"), "{e}"),
            // A release build wraps the column: the stray cell lands
            // somewhere in or out of the grid, and the header stays whole.
            Ok(t) => assert_eq!(t.headers, ["email", "city"]),
        }
    }

    #[test]
    fn a_compression_bomb_is_refused_before_it_is_inflated() {
        let dir = tempfile::tempdir().unwrap();
        // 24 MiB of one repeated empty row: compresses about 1000 times.
        let filler = "<row/>".repeat(4 << 20);
        let path = workbook(dir.path(), &sheet(&format!("{HEADER}{filler}")));
        assert!(std::fs::metadata(&path).unwrap().len() < 1 << 20);
        let e = read(&path, None).unwrap_err().to_string();
        assert!(
            e.contains("compression bomb") && e.contains("w.xlsx"),
            "{e}"
        );
    }

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
