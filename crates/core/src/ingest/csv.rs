//! CSV: encoding detection and transcoding, delimiter sniffing, and a
//! strict row reader. polars' own CSV reader only takes UTF-8 and would
//! either fail the whole file or silently pad a ragged row, so rows are
//! parsed here with the `csv` crate and each bad row is kept as
//! [`Malformed`] with its number.

use std::borrow::Cow;
use std::path::Path;

use encoding_rs::Encoding;

use super::{
    cell_problem, check_headers, clean_headers, Batch, ColumnsBuilder, Format, Malformed, Parsed,
    Sink, SourceInfo, MAX_CELL_BYTES,
};
use crate::error::{Error, Result};

const CANDIDATE_DELIMITERS: [u8; 4] = [b';', b',', b'\t', b'|'];

/// Reads a CSV file's bytes into `sink`, `batch_rows` records at a time:
/// while the sink takes one batch, at most one more waits for it and the
/// next is being split, so the cells of the whole file are never held at
/// once.
pub(super) fn read(
    path: &Path,
    bytes: &[u8],
    batch_rows: usize,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    let (text, encoding) = decode(path, bytes)?;
    let (text, delimiter) = layout(path, &text)?;
    let first_line = text.lines().next().map_or(64, str::len);
    split(
        path,
        text.as_bytes(),
        Shape {
            delimiter,
            encoding,
            len: text.len(),
            first_line,
        },
        batch_rows,
        sink,
        &|start| Ok(Cow::Borrowed(&text[start.min(text.len())..])),
    )
}

/// The text after a `sep=` line, and the delimiter (named by that line, or
/// sniffed); an empty file is an error.
fn layout<'t>(path: &Path, text: &'t str) -> Result<(&'t str, u8)> {
    if text.trim().is_empty() {
        return Err(Error::input(path, "empty file: no header row"));
    }
    // Excel's `sep=;` first line names the delimiter; it is not the header.
    let (text, delimiter) = match excel_sep_line(text) {
        Some((d, rest)) => (rest, d),
        None => (text, sniff_delimiter(text)),
    };
    if text.trim().is_empty() {
        return Err(Error::input(
            path,
            "empty file: no header row after the `sep=` line",
        ));
    }
    Ok((text, delimiter))
}

/// How a file's records are laid out, for [`split`].
pub(super) struct Shape {
    delimiter: u8,
    encoding: String,
    /// Bytes of the records' text, and of its first line (a capacity guess).
    len: usize,
    first_line: usize,
}

/// Bytes read from the start of a file to tell whether it can be read as a
/// stream ([`stream_plan`]), and to sniff it.
pub(super) const PREFIX: usize = 1 << 20;

/// Where a big UTF-8 CSV file's records start and how they are laid out,
/// read from its first [`PREFIX`] bytes; `None` when the file must be read
/// whole instead (another encoding, or a start the prefix cannot settle:
/// fewer lines than the sniffer reads, a blank start), so that both ways
/// read every file the same. The whole file's UTF-8 is checked again as it
/// is split ([`Utf8Checked`]).
pub(super) fn stream_plan(path: &Path, prefix: &[u8]) -> Result<Option<(u64, Shape)>> {
    let (bom, body) = match Encoding::for_bom(prefix) {
        Some((enc, n)) if enc == encoding_rs::UTF_8 => (n, &prefix[n..]),
        Some(_) => return Ok(None),
        None => (0, prefix),
    };
    if bom == 0 && (utf16_without_bom(body).is_some() || looks_binary(body)) {
        return Ok(None);
    }
    // The prefix cut at its last line end: whole UTF-8 characters.
    let Some(end) = body.iter().rposition(|&b| b == b'\n') else {
        return Ok(None);
    };
    let Ok(text) = std::str::from_utf8(&body[..=end]) else {
        return Ok(None);
    };
    // A blank start is the whole-file reader's to refuse, with its message.
    let Ok((records, delimiter)) = layout(path, text) else {
        return Ok(None);
    };
    // The sniffer reads the first 50 logical lines: the prefix must hold
    // them and more, or the whole file could sniff otherwise.
    if logical_lines(records, 51).len() <= 50 {
        return Ok(None);
    }
    let encoding = if bom > 0 { "UTF-8 (BOM)" } else { "UTF-8" };
    let start = (bom + text.len() - records.len()) as u64;
    Ok(Some((
        start,
        Shape {
            delimiter,
            encoding: encoding.to_owned(),
            len: 0,
            first_line: records.lines().next().map_or(64, str::len),
        },
    )))
}

/// Reads a big UTF-8 CSV file as a stream into `sink` (see [`stream_plan`]):
/// never more than a batch of it in memory.
pub(super) fn read_stream(
    path: &Path,
    start: u64,
    mut shape: Shape,
    batch_rows: usize,
    sink: &mut dyn Sink,
) -> Result<Parsed> {
    use std::io::Read as _;
    let file = open_at(path, start)?;
    shape.len = file
        .metadata()
        .map_err(|e| Error::io(path, e))?
        .len()
        .saturating_sub(start) as usize;
    let tail = |at: usize| -> Result<Cow<'static, str>> {
        let mut bytes = Vec::new();
        open_at(path, start + at as u64)?
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|_| changed(path))
    };
    split(path, Utf8Checked::new(file), shape, batch_rows, sink, &tail)
}

/// Whether the file is UTF-8 from byte `start` to its end (read through,
/// nothing kept): a file that is not is read whole and decoded.
pub(super) fn utf8_from(path: &Path, start: u64) -> Result<bool> {
    let f = open_at(path, start)?;
    let mut checked = Utf8Checked::new(std::io::BufReader::with_capacity(1 << 20, f));
    match std::io::copy(&mut checked, &mut std::io::sink()) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The file, read from byte `at`.
fn open_at(path: &Path, at: u64) -> Result<std::fs::File> {
    use std::io::{Seek as _, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    f.seek(SeekFrom::Start(at))
        .map_err(|e| Error::io(path, e))?;
    Ok(f)
}

/// The error of a file whose bytes changed while it was read.
pub(super) fn changed(path: &Path) -> Error {
    Error::input(
        path,
        "the file changed while it was being read: run again once it is complete",
    )
}

/// A reader that hands on only whole, valid UTF-8 (a character split
/// between two reads waits for the rest): the CSV split below relies on
/// its input being text. Invalid bytes are an error: the file was checked
/// to be UTF-8 when it was opened, so it changed since.
struct Utf8Checked<R> {
    inner: R,
    /// The start of a character the last read cut.
    carry: [u8; 3],
    carry_len: usize,
}

impl<R: std::io::Read> Utf8Checked<R> {
    fn new(inner: R) -> Self {
        Utf8Checked {
            inner,
            carry: [0; 3],
            carry_len: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Utf8Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidData, "invalid UTF-8");
        if buf.len() < 4 {
            // A character and a carry may not fit: the csv crate reads into
            // a buffer of 64 KiB, so this is never asked.
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a read buffer under 4 bytes",
            ));
        }
        loop {
            let c = self.carry_len;
            buf[..c].copy_from_slice(&self.carry[..c]);
            let n = self.inner.read(&mut buf[c..])?;
            let have = c + n;
            if n == 0 {
                // End of the file: a cut character stays cut.
                return if c == 0 { Ok(0) } else { Err(invalid()) };
            }
            match std::str::from_utf8(&buf[..have]) {
                Ok(_) => {
                    self.carry_len = 0;
                    return Ok(have);
                }
                Err(e) if e.error_len().is_some() => return Err(invalid()),
                Err(e) => {
                    let valid = e.valid_up_to();
                    let rest = have - valid;
                    self.carry[..rest].copy_from_slice(&buf[valid..have]);
                    self.carry_len = rest;
                    if valid > 0 {
                        return Ok(valid);
                    }
                }
            }
        }
    }
}

/// Splits the records of `input` (text after any BOM and `sep=` line) into
/// `sink`. `tail(at)` is the text from byte `at` of `input` to its end,
/// read again to check the last record for a quote left open.
fn split<'t, R: std::io::Read + Send>(
    path: &Path,
    input: R,
    shape: Shape,
    batch_rows: usize,
    sink: &mut dyn Sink,
    tail: &dyn Fn(usize) -> Result<Cow<'t, str>>,
) -> Result<Parsed> {
    let Shape {
        delimiter,
        encoding,
        len,
        first_line,
    } = shape;
    // Fields are read as UTF-8 without a check below: that holds because
    // every byte the csv crate splits on or drops is ASCII.
    assert!(delimiter.is_ascii(), "delimiters are ASCII");
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);

    let header = match reader.byte_records().next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(Error::input(path, format!("header row: {e}"))),
        None => return Err(Error::input(path, "empty file: no header row")),
    };
    let headers = clean_headers(
        header
            .iter()
            .map(|f| unquote_spaced(&String::from_utf8_lossy(f)).into_owned()),
    );
    check_headers(path, &headers)?;
    sink.header(&headers)?;

    // A rough capacity guess avoids regrowing the builders on big files.
    let estimate = len / (first_line.max(16) * 2).max(1);
    let rows = Rows {
        path,
        headers: &headers,
        delimiter,
        batch_rows,
        capacity: estimate.min(batch_rows),
        last_start: header.position().map_or(0, |p| p.byte() as usize),
    };
    // Splitting runs on its own thread, ahead of the sink by the one batch
    // the channel holds and the one being split: the
    // split is sequential, and while the sink normalised a batch on both
    // cores nothing split the next one, and while the next was split one
    // core idled (a third of each core's time in the import of a
    // million-row file). The sink sees the same batches in the same order.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
    let (split, sunk) = std::thread::scope(|scope| {
        let splitter = scope.spawn(move || rows.split(reader, |b| tx.send(b).is_ok()));
        let mut sunk = Ok(());
        while let Ok(b) = rx.recv() {
            sunk = sink.batch(b);
            if sunk.is_err() {
                break;
            }
        }
        // Dropped, a failed sink stops the splitter at its next batch.
        drop(rx);
        (splitter.join(), sunk)
    });
    // The sink's error first: it is of rows before any the splitter reached.
    sunk?;
    let Some(Split {
        cols,
        start,
        row,
        malformed,
        last_start,
    }) = split.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?
    else {
        unreachable!("only a failed sink stops the splitter early")
    };

    if let Some(field) = unclosed_quote(&tail(last_start)?, delimiter) {
        // A quote opened and never closed swallows every later line into
        // one cell: those rows would be lost without a trace. Refuse the
        // file, naming where the quote opened.
        let column = headers
            .get(field)
            .cloned()
            .unwrap_or_else(|| format!("column_{}", field + 1));
        let message = "unterminated quote: it opens here and is never closed, so every later line would be read as part of this cell";
        if row == 0 {
            return Err(Error::input(
                path,
                format!("header row: column {column:?}: {message}"),
            ));
        }
        return Err(Error::Cell {
            path: path.to_owned(),
            row,
            column,
            message: message.to_owned(),
        });
    }

    if cols.rows > 0 || start == 0 {
        sink.batch(Batch {
            start,
            frame: cols.finish(),
        })?;
    }
    Ok(Parsed {
        info: SourceInfo {
            format: Format::Csv,
            encoding: Some(encoding),
            delimiter: Some(delimiter_name(delimiter).to_owned()),
            sheet: None,
        },
        headers,
        rows: row,
        malformed,
    })
}

/// What splitting needs besides the reader.
struct Rows<'a> {
    path: &'a Path,
    headers: &'a [String],
    delimiter: u8,
    batch_rows: usize,
    capacity: usize,
    /// Where the header row starts.
    last_start: usize,
}

/// Where splitting ended: the rows not yet handed over, and what the file
/// held.
struct Split {
    cols: ColumnsBuilder,
    /// Rows handed over before `cols`.
    start: usize,
    /// Records read.
    row: usize,
    malformed: Vec<Malformed>,
    /// Where the last record starts.
    last_start: usize,
}

impl Rows<'_> {
    /// Splits the records after the header into batches of `batch_rows`,
    /// each given to `emit`; `None` when `emit` refused one (the sink
    /// failed). The last, partial batch is returned, not emitted: the
    /// file's end is checked first.
    fn split<R: std::io::Read>(
        self,
        mut reader: ::csv::Reader<R>,
        mut emit: impl FnMut(Batch) -> bool,
    ) -> Result<Option<Split>> {
        let Rows {
            path,
            headers,
            delimiter,
            batch_rows,
            capacity,
            mut last_start,
        } = self;
        let width = headers.len();
        let mut cols = ColumnsBuilder::new(width, capacity);
        // Rows handed to the sink so far.
        let mut start = 0usize;
        let mut malformed = Vec::new();
        let mut record = ::csv::ByteRecord::new();
        let mut row = 0usize;
        // The csv crate reads an unclosed quote to EOF without an error, so
        // the last record is checked afterwards, from where it starts.
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    row += 1;
                    last_start = record.position().map_or(last_start, |p| p.byte() as usize);
                    let fields: Vec<std::borrow::Cow<str>> = record
                        .iter()
                        .map(|f| {
                            // SAFETY: the input is a `str` or comes through
                            // `Utf8Checked`, and the csv crate makes a
                            // field of the input's bytes minus quoting bytes, all
                            // ASCII (the delimiter, `"`, line ends): cutting or
                            // removing ASCII bytes leaves every multi-byte
                            // sequence whole, so a field is valid UTF-8. Checking
                            // it again was a tenth of the import.
                            unquote_spaced(unsafe { std::str::from_utf8_unchecked(f) })
                        })
                        .collect();
                    let fields: Vec<&str> = fields.iter().map(|f| f.as_ref()).collect();
                    // The record's fields, end to end, asked once: nearly
                    // every record has no line end, no NUL and no big cell,
                    // and then none of its fields needs asking (unquoting
                    // only removes quotes).
                    let bytes = record.as_slice();
                    let multiline = memchr::memchr2(b'\n', b'\r', bytes).is_some();
                    let suspect =
                        bytes.len() > MAX_CELL_BYTES || memchr::memchr(0, bytes).is_some();
                    if let Some(col) = multiline
                        .then(|| swallowed_rows(&fields, width, delimiter))
                        .flatten()
                    {
                        // A stray quote closed by another one further down:
                        // the lines between would vanish into one cell.
                        return Err(Error::Cell {
                            path: path.to_owned(),
                            row,
                            column: headers.get(col).cloned().unwrap_or_default(),
                            message: "unterminated quote: this quoted cell runs over lines that look like whole rows (as many delimiters as the header), so a quote was left open here".into(),
                        });
                    }
                    if fields.len() != width {
                        malformed.push(Malformed {
                            source_row: row,
                            message: format!(
                                "ragged row: {} fields where the header has {}",
                                fields.len(),
                                width
                            ),
                        });
                        cols.push_nulls();
                    } else if let Some(message) = suspect
                        .then(|| cell_problem(headers, fields.iter().copied()))
                        .flatten()
                    {
                        malformed.push(Malformed {
                            source_row: row,
                            message,
                        });
                        cols.push_nulls();
                    } else {
                        cols.push(fields.into_iter().map(Some));
                    }
                    if cols.rows == batch_rows {
                        let full =
                            std::mem::replace(&mut cols, ColumnsBuilder::new(width, capacity));
                        let batch = Batch {
                            start,
                            frame: full.finish(),
                        };
                        if !emit(batch) {
                            return Ok(None);
                        }
                        start = row;
                    }
                }
                Err(e) if matches!(e.kind(), ::csv::ErrorKind::Io(_)) => {
                    return Err(match e.into_kind() {
                        ::csv::ErrorKind::Io(io)
                            if io.kind() == std::io::ErrorKind::InvalidData =>
                        {
                            changed(path)
                        }
                        ::csv::ErrorKind::Io(io) => Error::io(path, io),
                        _ => unreachable!("matched as an I/O error"),
                    });
                }
                Err(e) => {
                    // An unterminated quote or similar: the rest cannot be split
                    // reliably. Report it as an input error with the row.
                    return Err(Error::Cell {
                        path: path.to_owned(),
                        row: row + 1,
                        column: String::new(),
                        message: format!("cannot parse CSV: {e}"),
                    });
                }
            }
        }
        Ok(Some(Split {
            cols,
            start,
            row,
            malformed,
            last_start,
        }))
    }
}

/// Decodes the file to UTF-8. A BOM or valid UTF-8 wins; otherwise chardetng
/// guesses (told the data is French) and encoding_rs transcodes. A file that
/// looks binary, or that the guessed encoding cannot decode, is an error.
///
/// Valid UTF-8 is borrowed, not copied: a list of ten million rows is
/// gigabytes, and a copy would double what the import holds.
pub(super) fn decode<'a>(path: &Path, bytes: &'a [u8]) -> Result<(Cow<'a, str>, String)> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(Error::input(
                path,
                format!("undecodable: invalid {} after its BOM", enc.name()),
            ));
        }
        let name = if enc == encoding_rs::UTF_8 {
            "UTF-8 (BOM)"
        } else {
            enc.name()
        };
        return Ok((text, name.to_owned()));
    }
    if let Some(enc) = utf16_without_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok((text, format!("{} (no BOM)", enc.name())));
        }
    }
    if looks_binary(bytes) {
        return Err(Error::input(
            path,
            format!(
                "undecodable: this looks like a binary file ({}), not text (expected CSV in UTF-8, UTF-16 or Windows-1252)",
                what_binary(bytes)
            ),
        ));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), "UTF-8".to_owned()));
    }
    if mostly_utf8(bytes) {
        let (text, label) = decode_mixed(bytes);
        return Ok((Cow::Owned(text), label));
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(&bytes[..bytes.len().min(1 << 20)], bytes.len() <= 1 << 20);
    let enc = det.guess(Some(b"fr"), chardetng::Utf8Detection::Allow);
    let (text, _, had_errors) = enc.decode(bytes);
    if had_errors {
        return Err(Error::input(
            path,
            format!(
                "undecodable: not UTF-8, and not valid {} either",
                enc.name()
            ),
        ));
    }
    Ok((text, enc.name().to_owned()))
}

/// UTF-16 text written without a BOM (some Windows exports): in the first
/// 4 KiB, nearly every other byte is zero, on the same side.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096) & !1];
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let zero_at = |k: usize| head.iter().skip(k).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 9 && even * 10 < pairs {
        Some(encoding_rs::UTF_16LE)
    } else if even * 10 >= pairs * 9 && odd * 10 < pairs {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// What a binary file probably is, from its first bytes.
fn what_binary(bytes: &[u8]) -> &'static str {
    match bytes {
        [0x1f, 0x8b, ..] => "gzip",
        [b'P', b'K', 3, 4, ..] => "a zip archive or a workbook with another extension",
        [0xD0, 0xCF, 0x11, 0xE0, ..] => "an old Excel .xls or another OLE document",
        [b'%', b'P', b'D', b'F', ..] => "a PDF",
        [b'P', b'A', b'R', b'1', ..] => "Parquet with another extension",
        [0xFD, b'7', b'z', b'X', b'Z', 0, ..] => "xz",
        [b'7', b'z', 0xBC, 0xAF, ..] => "7-Zip",
        _ => "of an unknown kind",
    }
}

/// Whether more lines hold valid multi-byte UTF-8 characters than lines
/// are invalid UTF-8. A Windows-1252 file rarely forms a UTF-8 sequence (`é`
/// is one byte there, followed by a letter), so a file like that is UTF-8
/// with a few lines pasted in from elsewhere; a file with many bad lines and
/// a stray sequence stays a Windows-1252 file.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut utf8, mut bad) = (0usize, 0usize);
    for line in bytes.split(|&b| b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(s) if !s.is_ascii() => utf8 += 1,
            Ok(_) => {}
            Err(_) => bad += 1,
        }
    }
    utf8 > bad
}

/// A mostly UTF-8 file with some Windows-1252 lines: decoding it whole as
/// Windows-1252 would garble every accented header and name (`PrÃ©nom`),
/// so each line is decoded on its own, UTF-8 first. The encoding label
/// names the lines that were not UTF-8, for the summary and `inspect`.
fn decode_mixed(bytes: &[u8]) -> (String, String) {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    let mut odd = Vec::new();
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        match std::str::from_utf8(line) {
            Ok(s) => text.push_str(s),
            Err(_) => {
                odd.push(i + 1);
                text.push_str(
                    &encoding_rs::WINDOWS_1252
                        .decode_without_bom_handling(line)
                        .0,
                );
            }
        }
    }
    let shown: Vec<String> = odd.iter().take(10).map(usize::to_string).collect();
    let more = if odd.len() > 10 { ", ..." } else { "" };
    let label = format!(
        "UTF-8, with {} line(s) in windows-1252 (file line {}{more})",
        odd.len(),
        shown.join(", ")
    );
    (text, label)
}

/// `"Moreau" ; "Nom"`: a space around a quoted field makes the csv crate
/// read the quotes as text (RFC 4180 quotes only open a field). A field that
/// is, once trimmed, one quoted string loses its quotes, `""` read as `"`.
/// A field without surrounding space was already unquoted by the parser.
fn unquote_spaced(field: &str) -> std::borrow::Cow<'_, str> {
    let t = field.trim();
    let quoted = t.len() >= 2 && t.starts_with('"') && t.ends_with('"');
    if !quoted || t.len() == field.len() {
        return field.into();
    }
    let inner = &t[1..t.len() - 1];
    // A lone quote inside means this was not one quoted string.
    if inner.replace("\"\"", "").contains('"') {
        return field.into();
    }
    inner.replace("\"\"", "\"").into()
}

/// The index of a cell holding, after its first line, a line with as many
/// delimiters as a whole row: rows swallowed by an unbalanced quote. Only
/// for three columns or more, where a real multi-line cell (an address)
/// does not look like that.
fn swallowed_rows(fields: &[&str], width: usize, delimiter: u8) -> Option<usize> {
    if width < 3 {
        return None;
    }
    fields.iter().position(|f| {
        // Bytes, not chars: every field of every row is asked.
        f.bytes().any(|b| b == b'\n' || b == b'\r')
            && f.lines()
                .skip(1)
                .any(|l| count_outside_quotes(l, delimiter) + 1 >= width)
    })
}

/// Excel writes `sep=X` as the first line of a CSV to name its delimiter.
/// Returns the delimiter and the text after that line.
fn excel_sep_line(text: &str) -> Option<(u8, &str)> {
    let end = text.find('\n').unwrap_or(text.len());
    let line = text[..end].trim_end_matches('\r');
    // Trim spaces only: the delimiter itself may be a tab.
    let d = match line.trim_matches(' ').strip_prefix("sep=")?.as_bytes() {
        [b','] => b',',
        [b';'] => b';',
        [b'|'] => b'|',
        [b'\t'] => b'\t',
        _ => return None,
    };
    Some((d, &text[(end + 1).min(text.len())..]))
}

/// Replays the csv crate's quoting rules (a quote opens only at the start
/// of a field, `""` is an escaped quote) over one record's text and, when a
/// quote is still open at the end, returns the index of the field where it
/// opened.
fn unclosed_quote(record: &str, delimiter: u8) -> Option<usize> {
    #[derive(PartialEq)]
    enum St {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut st = St::Start;
    let mut field = 0usize;
    for &b in record.as_bytes() {
        st = match st {
            St::Start | St::Unquoted if b == delimiter => {
                field += 1;
                St::Start
            }
            St::Start | St::Unquoted if b == b'\n' || b == b'\r' => return None,
            St::Start if b == b'"' => St::Quoted,
            St::Start | St::Unquoted => St::Unquoted,
            St::Quoted if b == b'"' => St::QuoteInQuoted,
            St::Quoted => St::Quoted,
            St::QuoteInQuoted if b == b'"' => St::Quoted,
            St::QuoteInQuoted if b == delimiter => {
                field += 1;
                St::Start
            }
            St::QuoteInQuoted if b == b'\n' || b == b'\r' => return None,
            St::QuoteInQuoted => St::Unquoted,
        };
    }
    (st == St::Quoted).then_some(field)
}

/// More than 5% control bytes (other than tab, CR, LF) in the first 64 KB:
/// not a text file. A single NUL in one row stays a malformed row.
fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(65536)];
    if sample.is_empty() {
        return false;
    }
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f)
        .count();
    controls * 20 > sample.len()
}

/// Picks the delimiter that splits the first lines into the same, largest
/// number of fields. Quotes are honoured so that `"Dupont; fils"` does not
/// vote for `;`.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
    let lines = logical_lines(text, 50);
    let mut best = (b',', 0usize, 0usize); // delimiter, consistent lines, fields
    for &d in &CANDIDATE_DELIMITERS {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&header) = counts.first() else {
            continue;
        };
        if header == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == header).count();
        if (consistent, header) > (best.1, best.2) {
            best = (d, consistent, header);
        }
    }
    best.0
}

/// Splits into lines, joining lines inside quoted fields.
fn logical_lines(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    for line in text.lines() {
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(line);
        in_quotes ^= line.bytes().filter(|&b| b == b'"').count() % 2 == 1;
        if !in_quotes {
            if !cur.trim().is_empty() {
                out.push(std::mem::take(&mut cur));
            } else {
                cur.clear();
            }
            if out.len() >= max {
                break;
            }
        }
    }
    if !cur.is_empty() && out.len() < max {
        out.push(cur);
    }
    out
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut n = 0;
    let mut q = false;
    for b in line.bytes() {
        if b == b'"' {
            q = !q;
        } else if b == d && !q {
            n += 1;
        }
    }
    n
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b';' => ";",
        b',' => ",",
        b'\t' => "tab",
        b'|' => "|",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{RawTable, Whole};
    use polars::prelude::DataFrame;

    /// The whole file in one batch.
    fn read(path: &Path, bytes: &[u8]) -> Result<RawTable> {
        read_in(path, bytes, usize::MAX).map(|(raw, _)| raw)
    }

    /// The file in batches of `rows`, joined, with each batch's first row.
    fn read_in(path: &Path, bytes: &[u8], rows: usize) -> Result<(RawTable, Vec<usize>)> {
        struct Batches(Vec<Batch>);
        impl Sink for Batches {
            fn header(&mut self, _: &[String]) -> Result<()> {
                Ok(())
            }
            fn batch(&mut self, batch: Batch) -> Result<()> {
                self.0.push(batch);
                Ok(())
            }
        }
        let mut batches = Batches(Vec::new());
        let parsed = super::read(path, bytes, rows, &mut batches)?;
        let starts = batches.0.iter().map(|b| b.start).collect();
        let mut whole = Whole::default();
        for b in batches.0 {
            whole.batch(b)?;
        }
        let frame: DataFrame = whole.frame.unwrap_or_default();
        assert_eq!(frame.height(), parsed.rows);
        Ok((
            RawTable {
                info: parsed.info,
                headers: parsed.headers,
                frame,
                malformed: parsed.malformed,
            },
            starts,
        ))
    }

    #[test]
    fn batches_hold_every_row_once_in_order_with_the_whole_file_s_row_numbers() {
        let text = "a;b\n1;2\n3\n\"x\ny\";\"4\0\"\n\"l1\nl2\";5\n6;7\n";
        let whole = read(Path::new("t.csv"), text.as_bytes()).unwrap();
        for rows in [1, 2, 3, 5, 6] {
            let (raw, starts) = read_in(Path::new("t.csv"), text.as_bytes(), rows).unwrap();
            let want: Vec<usize> = (0..5).step_by(rows).collect();
            assert_eq!(starts, want, "batches of {rows}");
            assert!(raw.frame.equals_missing(&whole.frame), "batches of {rows}");
            assert_eq!(raw.malformed, whole.malformed, "batches of {rows}");
        }
        // A header-only file is one empty batch.
        let (raw, starts) = read_in(Path::new("t.csv"), b"a;b\n", 2).unwrap();
        assert_eq!((raw.frame.height(), starts), (0, vec![0]));
        // An error past the first batch names the file's row, not the batch's.
        let text = "a,b,c\n1,2,3\n4,5,6\n7,8,\"x\n4,5,6\n7,8,9\"\n";
        match read_in(Path::new("t.csv"), text.as_bytes(), 2).unwrap_err() {
            Error::Cell { row, column, .. } => assert_eq!((row, column.as_str()), (3, "c")),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_failing_sink_stops_the_split_and_its_error_wins_over_a_later_rows() {
        // The sink fails on its second batch; the file is also broken
        // further down. The sink's error is of earlier rows: it is the one
        // reported, and no batch after it reaches the sink.
        struct FailSecond(usize);
        impl Sink for FailSecond {
            fn header(&mut self, _: &[String]) -> Result<()> {
                Ok(())
            }
            fn batch(&mut self, _: Batch) -> Result<()> {
                self.0 += 1;
                match self.0 {
                    2 => Err(Error::input("sink", "second batch refused")),
                    1 => Ok(()),
                    n => panic!("batch {n} after the sink failed"),
                }
            }
        }
        let mut text = String::from("a,b,c\n");
        for k in 0..50 {
            text.push_str(&format!("{k},x,y\n"));
        }
        text.push_str("7,8,\"x\n4,5,6\n7,8,9\"\n");
        let mut sink = FailSecond(0);
        let Err(e) = super::read(Path::new("t.csv"), text.as_bytes(), 2, &mut sink) else {
            panic!("the sink's error is lost");
        };
        assert!(e.to_string().contains("second batch refused"), "{e}");
        assert_eq!(sink.0, 2);
    }

    #[test]
    fn sniffs_each_delimiter() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n"), b'|');
    }

    #[test]
    fn quoted_delimiters_do_not_vote() {
        let t = "nom,ville\n\"Dupont; fils; et cie\",Paris\n\"A;B;C\",Lyon\n";
        assert_eq!(sniff_delimiter(t), b',');
    }

    #[test]
    fn comma_inside_french_fields_does_not_fool_it() {
        let t = "Nom;Adresse;Ville\nDupont;3, rue de la Paix;Paris\nMartin;12 bd Voltaire;Lyon\n";
        assert_eq!(sniff_delimiter(t), b';');
    }

    #[test]
    fn decodes_utf8_bom_and_windows_1252() {
        let (t, e) = decode(Path::new("x"), b"\xEF\xBB\xBFnom\nJos\xC3\xA9\n").unwrap();
        assert_eq!((&*t, e.as_str()), ("nom\nJosé\n", "UTF-8 (BOM)"));
        let (t, e) = decode(Path::new("x"), b"Pr\xE9nom;Nom\nH\xE9l\xE8ne;Dupr\xE9\n").unwrap();
        assert_eq!(t, "Prénom;Nom\nHélène;Dupré\n");
        assert_eq!(e, "windows-1252");
    }

    #[test]
    fn mostly_utf8_with_one_windows_1252_line_decodes_per_line() {
        let bytes = b"Pr\xC3\xA9nom;Nom\nH\xC3\xA9l\xC3\xA8ne;Dupr\xC3\xA9\nZo\xE9;L\x9Cuvre\n";
        let (t, e) = decode(Path::new("x"), bytes).unwrap();
        assert_eq!(t, "Prénom;Nom\nHélène;Dupré\nZoé;Lœuvre\n");
        assert!(e.contains("windows-1252") && e.contains("line 3"), "{e}");
    }

    #[test]
    fn windows_1252_with_a_stray_utf8_sequence_stays_windows_1252() {
        // `\xC3\xA9` in line 2 is valid UTF-8 by accident.
        let bytes = b"Pr\xE9nom;Nom\nA\xC3\xA9;B\nH\xE9l\xE8ne;Dupr\xE9\nZo\xE9;X\n";
        let (_, e) = decode(Path::new("x"), bytes).unwrap();
        assert_eq!(e, "windows-1252");
    }

    #[test]
    fn binary_is_undecodable() {
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i % 7) as u8).collect();
        let e = decode(Path::new("x.csv"), &bytes).unwrap_err().to_string();
        assert!(e.contains("x.csv") && e.contains("undecodable"), "{e}");
    }

    #[test]
    fn ragged_nul_and_embedded_newline_rows() {
        let text = "a;b\n1;2\n3\n\"x\ny\";\"4\0\"\n\"l1\nl2\";5\n";
        let raw = read(Path::new("t.csv"), text.as_bytes()).unwrap();
        assert_eq!(raw.frame.height(), 4);
        let rows: Vec<usize> = raw.malformed.iter().map(|m| m.source_row).collect();
        assert_eq!(rows, vec![2, 3]);
        assert!(raw.malformed[0].message.contains("ragged"));
        assert!(raw.malformed[1].message.contains("NUL"));
        let a = raw.frame.columns()[0].str().unwrap();
        assert_eq!(a.get(3), Some("l1\nl2"));
        assert_eq!(a.get(1), None);
    }

    #[test]
    fn unterminated_quote_is_an_error_naming_row_and_column() {
        // Quote opened in the last field of row 1: rows 2-3 would vanish.
        let text = "a,b,c\n1,2,\"x\n4,5,6\n7,8,9\n";
        let e = read(Path::new("t.csv"), text.as_bytes()).unwrap_err();
        match e {
            Error::Cell { row, column, .. } => assert_eq!((row, column.as_str()), (1, "c")),
            other => panic!("{other}"),
        }
        // Quote opening the first field of row 2.
        let text = "a,b,c\n1,2,3\n\"4,5\n7,8,9\n";
        let e = read(Path::new("t.csv"), text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 2") && e.contains("\"a\"") && e.contains("quote"),
            "{e}"
        );
        // Closed quotes, escaped quotes and quotes inside a field are fine.
        let text = "a,b\n\"x\"\"y\",2\nab\"c,3\n\"l1\nl2\",4\n";
        let raw = read(Path::new("t.csv"), text.as_bytes()).unwrap();
        assert_eq!(raw.frame.height(), 3);
        assert!(raw.malformed.is_empty());
        assert!(read(Path::new("t.csv"), b"a,\"b\n1,2\n").is_err());
        // A stray quote closed two rows later: rows 2-3 inside one cell.
        let text = "a,b,c\n1,2,\"x\n4,5,6\n7,8,9\"\n";
        let e = read(Path::new("t.csv"), text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("row 1") && e.contains("\"c\"") && e.contains("whole rows"),
            "{e}"
        );
        // A real multi-line address stays one cell.
        let text = "a,b,c\n1,\"3 rue X\nBat. B, esc. 2\",3\n";
        assert_eq!(
            read(Path::new("t.csv"), text.as_bytes())
                .unwrap()
                .frame
                .height(),
            1
        );
    }

    #[test]
    fn excel_sep_line_sets_the_delimiter_and_is_not_a_row() {
        let text = "sep=;\r\nE-mail;Nom;Date de collecte\r\na@gmail.com;Moreau;2026-01-10\r\nb@gmail.com;Martin, fils;2026-01-11\r\n";
        let raw = read(Path::new("s.csv"), text.as_bytes()).unwrap();
        assert_eq!(raw.headers, vec!["E-mail", "Nom", "Date de collecte"]);
        assert_eq!(raw.frame.height(), 2);
        assert!(raw.malformed.is_empty());
        assert_eq!(
            raw.frame.columns()[1].str().unwrap().get(1),
            Some("Martin, fils")
        );
        assert_eq!(raw.info.delimiter.as_deref(), Some(";"));
        let raw = read(Path::new("s.csv"), b"sep=\t\na\tb\n1\t2\n").unwrap();
        assert_eq!(raw.headers, vec!["a", "b"]);
        assert!(read(Path::new("s.csv"), b"sep=;\n").is_err());
        // Only a whole `sep=X` line counts.
        let raw = read(Path::new("s.csv"), b"sep=x,b\n1,2\n").unwrap();
        assert_eq!(raw.headers, vec!["sep=x", "b"]);
    }

    #[test]
    fn quotes_after_a_space_are_still_quotes() {
        let raw = read(
            Path::new("s.csv"),
            b"\"E-mail\" ; \"Nom\" \r\n\"a@gmail.com\" ; \"Moreau \"\"Jr\"\"\"\r\n",
        )
        .unwrap();
        assert_eq!(raw.headers, vec!["E-mail", "Nom"]);
        let nom = raw.frame.columns()[1].str().unwrap();
        assert_eq!(nom.get(0), Some("Moreau \"Jr\""));
        assert_eq!(
            raw.frame.columns()[0].str().unwrap().get(0),
            Some("a@gmail.com")
        );
        // Quotes inside an unquoted field stay.
        let raw = read(Path::new("s.csv"), b"a;b\nx \"y\" z; \"p\" \"q\" \n").unwrap();
        assert_eq!(
            raw.frame.columns()[0].str().unwrap().get(0),
            Some("x \"y\" z")
        );
        assert_eq!(
            raw.frame.columns()[1].str().unwrap().get(0),
            Some("\"p\" \"q\"")
        );
    }

    #[test]
    fn header_only_has_zero_rows_and_empty_is_an_error() {
        let raw = read(Path::new("t.csv"), b"email;phone\n").unwrap();
        assert_eq!(raw.frame.height(), 0);
        assert_eq!(raw.headers, vec!["email", "phone"]);
        assert!(read(Path::new("t.csv"), b"").is_err());
        assert!(read(Path::new("t.csv"), b"\n\n").is_err());
    }
}
