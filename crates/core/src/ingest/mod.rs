//! Stage 1, import. In: a path (CSV in any of the four usual delimiters,
//! UTF-8 or Windows-1252; XLSX; Parquet; JSON or NDJSON). Out: the rows,
//! every cell a string (or null), handed to a [`Sink`] batch by batch
//! ([`read_batches`]; [`read_table`] keeps them all as one [`Table`]), and
//! the file's description: headers, hash, and the rows that could not be
//! read ([`Malformed`]). Row `i` is always `source_row = i + 1`: a bad row
//! stays as a row of nulls so that nothing is dropped and row numbers never
//! shift. A big UTF-8 CSV is read as a stream (never whole in memory); the
//! other formats are read whole, then handed over in batches.
//!
//! This stage never interprets values (that is `normalise`) and never drops
//! a row. Whole-file problems (missing, empty, undecodable) are errors;
//! row problems are [`Malformed`] entries.

mod csv;
mod json;
pub mod mapping;
mod parquet;
mod xlsx;

use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A cell larger than this is a malformed row (docs/outputs.md#run-outputs).
pub const MAX_CELL_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
    Json,
    Ndjson,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Parquet => "parquet",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
        };
        f.write_str(s)
    }
}

/// A row that could not be read as a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Malformed {
    pub source_row: usize,
    pub message: String,
}

/// How a file was read, for `inspect`, the summary and error messages.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceInfo {
    pub format: Format,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
}

/// A file read into string columns, in the file's own column order.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub sha256: String,
    pub info: SourceInfo,
    /// Header names as written in the file (trimmed).
    pub headers: Vec<String>,
    /// One string column per header, named `c0`, `c1`, ... (vendor headers
    /// may repeat or be empty, polars names may not). Emptied by
    /// [`Table::release_cells`] once the run has taken what it needs.
    pub frame: DataFrame,
    /// Data rows (the frame's height until its cells are released).
    pub rows: usize,
    pub malformed: Vec<Malformed>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Frees the cells (the run keeps what the outputs print elsewhere);
    /// the file's description (headers, hash, malformed rows) stays.
    pub fn release_cells(&mut self) {
        self.frame = DataFrame::empty();
    }
    pub fn column(&self, index: usize) -> &StringChunked {
        column(&self.frame, index)
    }
}

/// Column `index` of a table's (or a batch's) frame.
pub fn column(frame: &DataFrame, index: usize) -> &StringChunked {
    frame.columns()[index]
        .str()
        .expect("ingest builds string columns only")
}

/// Reads a reference file (the client file, an opposition or Bloctel list)
/// and maps its headers with the built-in names. Unlike the list, a
/// reference file may not lose a row: a row we cannot read may carry an
/// objection, so the first malformed one is an error naming file and row.
pub fn read_reference(
    path: &Path,
    kind: mapping::TableKind,
) -> Result<(Table, mapping::ColumnMap)> {
    let table = read_table(path, None)?;
    refuse_malformed(&table)?;
    let map = mapping::map_headers(&table.headers, &mapping::Mapping::default(), kind, path)?;
    Ok((table, map))
}

/// Rows of a table as read: rows `start..start + frame.height()` (0-based,
/// so the first is `source_row = start + 1`), one string column per header
/// (`c0`, `c1`, ...), malformed rows as rows of nulls.
#[derive(Debug)]
pub struct Batch {
    pub start: usize,
    pub frame: DataFrame,
}

/// What a table is read into, batch by batch ([`read_batches`]): the header
/// row first, then every row in exactly one batch, in order, at least one
/// batch (empty for a header-only file).
pub trait Sink: Send {
    fn header(&mut self, headers: &[String]) -> Result<()>;
    fn batch(&mut self, batch: Batch) -> Result<()>;
}

/// A reference file's first malformed row, as the error it is there.
pub fn refuse_malformed(table: &Table) -> Result<()> {
    match table.malformed.first() {
        Some(m) => Err(Error::Cell {
            path: table.path.clone(),
            row: m.source_row,
            column: String::new(),
            message: m.message.clone(),
        }),
        None => Ok(()),
    }
}

/// Reads any supported file. `sheet` picks an XLSX sheet by name.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let mut whole = Whole::default();
    let mut table = read_batches(path, sheet, usize::MAX, &mut whole)?;
    table.frame = whole.frame.unwrap_or_default();
    Ok(table)
}

/// Keeps every batch, for [`read_table`].
#[derive(Default)]
struct Whole {
    frame: Option<DataFrame>,
}

impl Sink for Whole {
    fn header(&mut self, _: &[String]) -> Result<()> {
        Ok(())
    }
    fn batch(&mut self, batch: Batch) -> Result<()> {
        match &mut self.frame {
            Some(f) => {
                f.vstack_mut(&batch.frame).map_err(Error::Polars)?;
            }
            None => self.frame = Some(batch.frame),
        }
        Ok(())
    }
}

/// Reads a file into `sink`, `batch_rows` rows at a time, and describes it
/// (its frame is empty: the rows went to the sink). A CSV is split into
/// records batch by batch, so the whole file's cells are never held at
/// once; the other formats are read whole, then handed over in batches.
pub fn read_batches(
    path: &Path,
    sheet: Option<&str>,
    batch_rows: usize,
    sink: &mut dyn Sink,
) -> Result<Table> {
    assert!(batch_rows > 0, "a batch holds at least one row");
    if let Some(table) = read_stream(path, batch_rows, sink, csv::PREFIX)? {
        return Ok(table);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    // The SHA-256 is of the file as delivered (compressed or not), made on
    // the other core while this one parses.
    let (sha256, parsed) = rayon::join(
        || hex::encode(Sha256::digest(&bytes)),
        || parse(path, sheet, &bytes, batch_rows, sink),
    );
    Ok(parsed?.into_table(path, sha256))
}

/// A big uncompressed UTF-8 CSV file read as a stream, batch by batch,
/// without its bytes in memory ([`csv::stream_plan`]); `None` for any other
/// file, which is read whole. The SHA-256 is made from a second read of
/// the file, on the other core; a file whose size or time of change moves
/// while it is read is refused, since the hash and the rows could then be
/// of two different files.
/// `prefix` is the bytes read first ([`csv::PREFIX`]; smaller in tests).
fn read_stream(
    path: &Path,
    batch_rows: usize,
    sink: &mut dyn Sink,
    prefix: usize,
) -> Result<Option<Table>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let stamp = |f: &std::fs::File| -> Result<(u64, Option<std::time::SystemTime>)> {
        let m = f.metadata().map_err(|e| Error::io(path, e))?;
        Ok((m.len(), m.modified().ok()))
    };
    let before = stamp(&file)?;
    if before.0 <= prefix as u64 {
        return Ok(None);
    }
    let limit = prefix;
    let mut prefix = Vec::with_capacity(limit);
    (&file)
        .take(limit as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| Error::io(path, e))?;
    if prefix.starts_with(&[0x1f, 0x8b]) || detect_format(path, &prefix) != Format::Csv {
        return Ok(None);
    }
    let Some((start, shape)) = csv::stream_plan(path, &prefix)? else {
        return Ok(None);
    };
    drop(prefix);
    if !csv::utf8_from(path, start)? {
        return Ok(None);
    }
    let (sha256, parsed) = rayon::join(
        || sha256_file(path),
        || csv::read_stream(path, start, shape, batch_rows, sink),
    );
    let parsed = parsed?;
    let sha256 = sha256?;
    if stamp(&file)? != before {
        return Err(csv::changed(path));
    }
    Ok(Some(parsed.into_table(path, sha256)))
}

/// A NUL in a header is a corrupt or binary header row, and the column
/// could never be mapped or kept by name.
fn check_headers(path: &Path, headers: &[String]) -> Result<()> {
    match headers.iter().enumerate().find(|(_, h)| h.contains('\0')) {
        Some((i, h)) => Err(Error::input(
            path,
            format!(
                "header row: column {} ({:?}) contains a NUL byte",
                i + 1,
                h.replace('\0', "")
            ),
        )),
        None => Ok(()),
    }
}

/// A file as its reader described it, its rows handed to the sink.
struct Parsed {
    info: SourceInfo,
    headers: Vec<String>,
    rows: usize,
    malformed: Vec<Malformed>,
}

impl Parsed {
    /// The file's description, its rows gone to the sink.
    fn into_table(self, path: &Path, sha256: String) -> Table {
        Table {
            path: path.to_owned(),
            sha256,
            info: self.info,
            headers: self.headers,
            rows: self.rows,
            frame: DataFrame::empty(),
            malformed: self.malformed,
        }
    }
}

/// Hands a table read whole to `sink`, `batch_rows` rows at a time (slices:
/// no copy).
fn hand_over(path: &Path, raw: RawTable, batch_rows: usize, sink: &mut dyn Sink) -> Result<Parsed> {
    check_headers(path, &raw.headers)?;
    sink.header(&raw.headers)?;
    let rows = raw.frame.height();
    let mut start = 0;
    loop {
        let len = batch_rows.min(rows - start);
        sink.batch(Batch {
            start,
            frame: raw.frame.slice(start as i64, len),
        })?;
        start += len;
        if start == rows {
            break;
        }
    }
    Ok(Parsed {
        info: raw.info,
        headers: raw.headers,
        rows,
        malformed: raw.malformed,
    })
}

/// The table in a file's bytes, whatever its format (gzip-compressed or
/// not).
fn parse(
    path: &Path,
    sheet: Option<&str>,
    bytes: &[u8],
    batch_rows: usize,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let gzipped = bytes.starts_with(&[0x1f, 0x8b]);
    let inflated;
    let (bytes, inner) = if gzipped {
        inflated = gunzip(path, bytes)?;
        (inflated.as_slice(), path.with_extension(""))
    } else {
        (bytes, path.to_owned())
    };
    let format = detect_format(&inner, bytes);
    let raw = match format {
        Format::Csv => return csv::read(path, bytes, batch_rows, sink),
        Format::Xlsx if gzipped => Err(Error::input(
            path,
            "a gzip-compressed workbook: uncompress it first (gunzip), or export the sheet as CSV",
        )),
        Format::Xlsx => xlsx::read(path, sheet),
        Format::Parquet => parquet::read(path, bytes),
        Format::Json | Format::Ndjson => json::read(path, bytes, format),
    }?;
    hand_over(path, raw, batch_rows, sink)
}

/// The most a gzip-compressed input may inflate to (8 GiB): a list bigger
/// than that is better sent uncompressed, and a bomb is stopped there.
pub const MAX_GUNZIP_BYTES: u64 = 8 << 30;

/// Inflates a gzip file (every member, as `zcat` does).
fn gunzip(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_GUNZIP_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::input(path, format!("gzip file that cannot be inflated: {e}")))?;
    if out.len() as u64 > MAX_GUNZIP_BYTES {
        return Err(Error::input(
            path,
            format!(
                "gzip file inflating past {MAX_GUNZIP_BYTES} bytes (8 GiB): send it uncompressed"
            ),
        ));
    }
    Ok(out)
}

/// Hex SHA-256 of a file, as recorded in the summary and certificate.
/// Streamed through the hasher: an output of a 10M-row run is gigabytes,
/// which reading whole would add to the run's peak memory.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
    Ok(hex::encode(hasher.finalize()))
}

/// What a format that is read whole hands back.
#[derive(Debug)]
struct RawTable {
    info: SourceInfo,
    headers: Vec<String>,
    frame: DataFrame,
    malformed: Vec<Malformed>,
}

/// Extension first, then magic bytes: vendors send `.txt` CSVs and
/// extension-less exports.
fn detect_format(path: &Path, bytes: &[u8]) -> Format {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => return Format::Xlsx,
        "parquet" | "pq" => return Format::Parquet,
        "ndjson" | "jsonl" => return Format::Ndjson,
        "json" => return json_flavour(bytes),
        "csv" | "tsv" | "txt" => return Format::Csv,
        _ => {}
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Format::Xlsx
    } else if bytes.starts_with(b"PAR1") {
        Format::Parquet
    } else if matches!(first_non_space(bytes), Some(b'[') | Some(b'{')) {
        json_flavour(bytes)
    } else {
        Format::Csv
    }
}

fn first_non_space(bytes: &[u8]) -> Option<u8> {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

fn json_flavour(bytes: &[u8]) -> Format {
    match first_non_space(bytes) {
        Some(b'[') => Format::Json,
        _ => Format::Ndjson,
    }
}

/// Builds string columns row by row; a malformed row becomes a row of nulls
/// so that row `i` stays `source_row = i + 1`.
struct ColumnsBuilder {
    builders: Vec<StringChunkedBuilder>,
    rows: usize,
}

impl ColumnsBuilder {
    fn new(width: usize, capacity: usize) -> Self {
        ColumnsBuilder {
            builders: (0..width)
                .map(|i| StringChunkedBuilder::new(format!("c{i}").into(), capacity))
                .collect(),
            rows: 0,
        }
    }

    /// Appends one row; empty (after trimming) cells become nulls.
    fn push<'a>(&mut self, cells: impl IntoIterator<Item = Option<&'a str>>) {
        let mut n = 0;
        for (b, cell) in self.builders.iter_mut().zip(cells) {
            match cell.map(str::trim) {
                Some(s) if !s.is_empty() => b.append_value(s),
                _ => b.append_null(),
            }
            n += 1;
        }
        for b in &mut self.builders[n..] {
            b.append_null();
        }
        self.rows += 1;
    }

    fn push_nulls(&mut self) {
        self.push(std::iter::empty());
    }

    fn finish(self) -> DataFrame {
        let cols: Vec<Column> = self
            .builders
            .into_iter()
            .map(|b| b.finish().into_column())
            .collect();
        DataFrame::new(self.rows, cols).expect("columns built with equal lengths")
    }
}

/// Trims header names, strips a BOM and names empty headers by position.
fn clean_headers(raw: impl IntoIterator<Item = String>) -> Vec<String> {
    raw.into_iter()
        .enumerate()
        .map(|(i, h)| {
            let h = h.trim_start_matches('\u{feff}').trim().to_owned();
            if h.is_empty() {
                format!("column_{}", i + 1)
            } else {
                h
            }
        })
        .collect()
}

/// A float as a cell: whole values without `.0`. Parquet, JSON and
/// spreadsheets store phone numbers, postcodes and SIRETs as floats when the
/// exporter saw a gap in an integer column (pandas does); `612345678.0`
/// would be an invalid phone and `1000.0` a wrong postcode. Below 1e15 a
/// whole f64 is exact, so the integer text is the value that was meant.
fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// Checks a row's cells for what docs/outputs.md#run-outputs calls malformed: a NUL byte or a
/// cell over 1 MB. Returns the message naming the column.
fn cell_problem<'a>(
    headers: &[String],
    cells: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    for (i, c) in cells.into_iter().enumerate() {
        let name = headers.get(i).map(String::as_str).unwrap_or("?");
        if c.contains('\0') {
            return Some(format!("column {name:?}: NUL byte in cell"));
        }
        if c.len() > MAX_CELL_BYTES {
            return Some(format!(
                "column {name:?}: cell of {} bytes exceeds 1 MB",
                c.len()
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_and_utf16_without_bom_are_read_and_other_binaries_named() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let text = "email;ville\nzoé@example.fr;Besançon\n";
        let gz = dir.path().join("list.csv.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, e.finish().unwrap()).unwrap();
        let t = read_table(&gz, None).unwrap();
        assert_eq!(t.headers, ["email", "ville"]);
        assert_eq!(t.column(1).get(0), Some("Besançon"));

        let u16 = dir.path().join("list16.csv");
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        std::fs::write(&u16, bytes).unwrap();
        let t = read_table(&u16, None).unwrap();
        assert_eq!(t.column(0).get(0), Some("zoé@example.fr"));
        assert_eq!(t.info.encoding.as_deref(), Some("UTF-16LE (no BOM)"));

        let pdf = dir.path().join("list.csv");
        std::fs::write(&pdf, b"%PDF-1.7\n\x00\x01\x02\x03binary\x00\x00\x00").unwrap();
        let e = read_table(&pdf, None).unwrap_err().to_string();
        assert!(e.contains("a PDF"), "{e}");
    }

    /// Every batch, joined (as [`read_table`] keeps them).
    fn streamed(path: &Path, rows: usize, prefix: usize) -> Result<Option<Table>> {
        let mut whole = Whole::default();
        let table = read_stream(path, rows, &mut whole, prefix)?;
        Ok(table.map(|mut t| {
            t.frame = whole.frame.unwrap_or_default();
            t
        }))
    }

    #[test]
    fn a_big_csv_read_as_a_stream_is_read_as_if_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.csv");
        let line = |i: usize| match i {
            // A ragged row, a NUL, a quoted cell over two lines, and
            // characters of 2, 3 and 4 bytes everywhere (so that reads cut
            // some of them).
            70 => "Ragged\n".to_owned(),
            71 => "a\0b;Nom;x\n".to_owned(),
            72 => "\"Zoé\nBis\";Nom;x\n".to_owned(),
            _ => format!("Zoé{i};Lefèvre-€{i};note 🙂 {i}\n"),
        };
        let body: String = (0..3000).map(line).collect();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("plain", format!("prénom;nom;note\n{body}").into_bytes()),
            (
                "bom and sep",
                format!("\u{feff}sep=;\r\nprénom;nom;note\r\n{body}").into_bytes(),
            ),
            (
                "unclosed quote at the end",
                format!("prénom;nom;note\n{body}Jo;\"Nom;x\n").into_bytes(),
            ),
            (
                "quote swallowing rows",
                format!("prénom;nom;note\n{body}Jo;\"Nom;x\na;b;c\nd;e;f\"\n").into_bytes(),
            ),
            ("Windows-1252 past the prefix", {
                let mut b = format!("prénom;nom;note\n{body}").into_bytes();
                b.extend_from_slice(b"H\xE9l\xE8ne;Dupr\xE9;x\n");
                b
            }),
        ];
        for (name, bytes) in cases {
            std::fs::write(&p, &bytes).unwrap();
            let whole = read_table(&p, None);
            let mut hashes = None;
            for rows in [1, 7, 1000, usize::MAX] {
                let got = streamed(&p, rows, 2048);
                match (&whole, got) {
                    (Ok(w), Ok(Some(s))) => {
                        assert_eq!(
                            (&s.headers, s.rows, &s.malformed, &s.sha256),
                            (&w.headers, w.rows, &w.malformed, &w.sha256),
                            "{name}, batches of {rows}"
                        );
                        assert_eq!(s.info.encoding, w.info.encoding, "{name}");
                        assert!(
                            s.frame.equals_missing(&w.frame),
                            "{name}, batches of {rows}"
                        );
                        hashes = Some(s.sha256);
                    }
                    (Ok(_), Ok(None)) => assert_eq!(name, "Windows-1252 past the prefix"),
                    (Err(w), Err(s)) => assert_eq!(w.to_string(), s.to_string(), "{name}"),
                    (w, s) => panic!(
                        "{name}: whole {:?} streamed {:?}",
                        w.as_ref().err(),
                        s.err()
                    ),
                }
            }
            if name == "plain" {
                assert_eq!(hashes.unwrap(), hex::encode(Sha256::digest(&bytes)));
            }
        }
        // Too few lines in the prefix to sniff as the whole file would: read whole.
        std::fs::write(&p, format!("a;b\n{}", "x;y\n".repeat(2000))).unwrap();
        assert!(streamed(&p, 7, 40).unwrap().is_none());
        assert!(streamed(&p, 7, 1024).unwrap().is_some());
    }

    #[test]
    fn formats_by_extension_and_magic() {
        assert_eq!(detect_format(Path::new("a.CSV"), b"x"), Format::Csv);
        assert_eq!(detect_format(Path::new("a.json"), b" [ {}]"), Format::Json);
        assert_eq!(
            detect_format(Path::new("a.json"), b"{}\n{}"),
            Format::Ndjson
        );
        assert_eq!(detect_format(Path::new("a"), b"PAR1...."), Format::Parquet);
        assert_eq!(
            detect_format(Path::new("a.dat"), b"PK\x03\x04"),
            Format::Xlsx
        );
        assert_eq!(
            detect_format(Path::new("a.dat"), b"nom;prenom"),
            Format::Csv
        );
    }

    #[test]
    fn nul_in_a_header_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("n.csv");
        std::fs::write(&p, b"email;no\0m\na@x.fr;Dupont\n").unwrap();
        let e = read_table(&p, None).unwrap_err().to_string();
        assert!(
            e.contains("n.csv") && e.contains("column 2") && e.contains("NUL"),
            "{e}"
        );
    }

    #[test]
    fn whole_floats_lose_their_fraction() {
        assert_eq!(float_text(612345678.0), "612345678");
        assert_eq!(float_text(73282932000009.0), "73282932000009");
        assert_eq!(float_text(1000.0), "1000");
        assert_eq!(float_text(-3.0), "-3");
        assert_eq!(float_text(1.5), "1.5");
        assert_eq!(float_text(f64::NAN), "NaN");
    }

    #[test]
    fn builder_pads_short_rows_and_nulls_blanks() {
        let mut b = ColumnsBuilder::new(3, 2);
        b.push([Some("a"), Some("  "), Some("c")]);
        b.push_nulls();
        let df = b.finish();
        assert_eq!(df.height(), 2);
        let c1 = df.columns()[1].str().unwrap();
        assert_eq!(c1.get(0), None);
        assert_eq!(df.columns()[0].str().unwrap().get(1), None);
    }
}
