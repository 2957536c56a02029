//! Data-subject requests. `qualify request objection|erasure` writes a
//! person's objection into the company's opposition file, as hashes
//! ([`append`]); `qualify find` answers an access request: the runs and
//! files that hold a person, with the decisions and reasons ([`find`]).
//!
//! A person is named by their email and phone numbers, normalised as the
//! pipeline normalises them, then hashed (SHA-256 of the trimmed lowercased
//! email, of the E.164 number with its `+`): the form hashed opposition
//! lists are read in (docs/pipeline.md#inputs) and the hashes of
//! people.csv. Neither command prints anyone else's data, nor the
//! identifiers it was given.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::output::changes::for_each_row;
use crate::output::people::sha256;
use crate::schema::{Channel, CHANNELS};

/// A person as a request names them: the hex SHA-256 of each identifier.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub hashes: Vec<String>,
}

impl Person {
    /// Normalises and hashes the identifiers; one that is not an email
    /// address or a phone number is a usage error (a typo would otherwise
    /// record an objection nobody's record can match).
    pub fn new(email: Option<&str>, phones: &[String]) -> Result<Person> {
        let mut hashes = Vec::new();
        if let Some(raw) = email {
            let e = crate::normalise::normalise_email(raw)
                .filter(|e| e.class != crate::normalise::EmailClass::Invalid)
                .ok_or_else(|| Error::Usage("--email: not an email address".into()))?;
            hashes.push(hex::encode(sha256(e.key())));
        }
        for raw in phones {
            // Every E.164 the digits may stand for (a `0692...` number is
            // Réunion's +262692..., and the metropolitan plan's +33692...),
            // as the opposition reader matches a plain number.
            let variants = crate::normalise::suppression_variants(raw);
            if variants.is_empty() {
                return Err(Error::Usage(
                    "--phone: not a valid phone number (French, or international with +)".into(),
                ));
            }
            hashes.extend(variants.iter().map(|p| hex::encode(sha256(p))));
        }
        if hashes.is_empty() {
            return Err(Error::Usage(
                "name the person with --email and/or --phone".into(),
            ));
        }
        let mut seen = HashSet::new();
        hashes.retain(|h| seen.insert(h.clone()));
        Ok(Person { hashes })
    }
}

/// What [`append`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Appended {
    pub added: usize,
    /// Identifiers the file already opposed on this channel (or on all).
    pub already: usize,
}

/// Appends `person`'s hashes, opposed on `channel` (`all` or a channel),
/// to the opposition file `into` (created when absent, with the columns
/// `sha256, channel, date, reference`). Columns the file lacks are added
/// (its other rows leave them empty); a hash the file already opposes on
/// this channel or on all is not added twice. The new file is written
/// beside the old one and renamed over it, under a lock: a concurrent
/// request waits, a crash leaves the old file whole.
pub fn append(
    into: &Path,
    person: &Person,
    channel: &str,
    date: NaiveDate,
    reference: &str,
) -> Result<Appended> {
    if std::fs::symlink_metadata(into).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::input(
            into,
            "is a symbolic link: give the opposition file itself",
        ));
    }
    if into
        .extension()
        .is_some_and(|e| !e.eq_ignore_ascii_case("csv"))
    {
        return Err(Error::input(
            into,
            "requests are written to a CSV opposition file",
        ));
    }
    let dir = into
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = into
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lock_path = dir.join(format!(".{name}.lock"));
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;

    let mut table = match std::fs::read(into) {
        Ok(bytes) => OppositionCsv::parse(into, &bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => OppositionCsv::new(),
        Err(e) => return Err(Error::io(into, e)),
    };
    let col = |t: &mut OppositionCsv, c: &str| t.column(c);
    let (sha, ch, day, refc) = (
        col(&mut table, "sha256"),
        col(&mut table, "channel"),
        col(&mut table, "date"),
        col(&mut table, "reference"),
    );
    // (hash, channels) already opposed. A
    // cell the reader would refuse is refused here too.
    let mut opposed: HashSet<(String, crate::link::ChannelMask)> = HashSet::new();
    for (i, r) in table.rows.iter().enumerate() {
        let h = r[sha].trim().to_ascii_lowercase();
        if h.is_empty() {
            continue;
        }
        let c = crate::link::suppression::channel_cell(&r[ch]).ok_or_else(|| Error::Cell {
            path: into.to_owned(),
            row: i + 1,
            column: table.header[ch].clone(),
            message: "unknown channel: expected all, email, sms, phone, autocall, fax or post"
                .into(),
        })?;
        opposed.insert((h, c));
    }
    let wanted = crate::link::suppression::channel_cell(channel)
        .ok_or_else(|| Error::Usage(format!("--channel: unknown channel {channel}")))?;
    let mut result = Appended {
        added: 0,
        already: 0,
    };
    for h in &person.hashes {
        if opposed.contains(&(h.clone(), crate::link::ALL_CHANNELS))
            || opposed.contains(&(h.clone(), wanted))
        {
            result.already += 1;
            continue;
        }
        opposed.insert((h.clone(), wanted));
        let mut row = vec![String::new(); table.header.len()];
        row[sha] = h.clone();
        row[ch] = channel.to_owned();
        row[day] = date.to_string();
        row[refc] = reference.to_owned();
        table.rows.push(row);
        result.added += 1;
    }
    if result.added > 0 {
        table.write(into, dir)?;
    }
    drop(lock);
    Ok(result)
}

/// An opposition CSV file, whole, as it will be written back.
struct OppositionCsv {
    bom: bool,
    delimiter: u8,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl OppositionCsv {
    fn new() -> OppositionCsv {
        OppositionCsv {
            bom: false,
            delimiter: b',',
            header: Vec::new(),
            rows: Vec::new(),
        }
    }

    fn parse(path: &Path, bytes: &[u8]) -> Result<OppositionCsv> {
        let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (true, rest),
            None => (false, bytes),
        };
        let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
        let count = |c: u8| first.iter().filter(|&&b| b == c).count();
        // Written back as it was read: only the two delimiters this writer
        // keeps exactly (the reader also takes tab, `|` and Excel's `sep=`
        // line, which a rewrite would turn into a header).
        if first.len() >= 4 && first[..4].eq_ignore_ascii_case(b"sep=") {
            return Err(Error::input(
                path,
                "starts with a `sep=` line: requests are added to plain `,` or `;` CSV files only (save it without that line, or give a new file)",
            ));
        }
        if count(b'\t') > count(b',').max(count(b';')) || count(b'|') > count(b',').max(count(b';'))
        {
            return Err(Error::input(
                path,
                "is tab- or |-separated: requests are added to `,` or `;` CSV files only",
            ));
        }
        let delimiter = if count(b';') > count(b',') {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(body);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| Error::input(path, format!("cannot read the CSV header: {e}")))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut rows = Vec::new();
        for (i, r) in reader.records().enumerate() {
            let r = r.map_err(|e| Error::input(path, format!("row {}: {e}", i + 1)))?;
            let mut row: Vec<String> = r.iter().map(str::to_owned).collect();
            row.resize(header.len().max(row.len()), String::new());
            rows.push(row);
        }
        Ok(OppositionCsv {
            bom,
            delimiter,
            header,
            rows,
        })
    }

    /// The index of column `name` (a header the opposition reader maps to
    /// it: `SHA-256`, `Canal`, ...), added when the file has none.
    fn column(&mut self, name: &str) -> usize {
        let map = crate::ingest::mapping::map_headers(
            &self.header,
            &crate::ingest::mapping::Mapping::default(),
            crate::ingest::mapping::TableKind::Opposition,
            Path::new(""),
        );
        if let Some(&i) = map.ok().as_ref().and_then(|m| m.canonical.get(name)) {
            return i;
        }
        if let Some(i) = self
            .header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
        {
            return i;
        }
        self.header.push(name.to_owned());
        for r in &mut self.rows {
            r.resize(self.header.len(), String::new());
        }
        self.header.len() - 1
    }

    fn write(&self, path: &Path, dir: &Path) -> Result<()> {
        let mut tmp = tempfile::Builder::new()
            .prefix(".qualify-request-")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        {
            let f = tmp.as_file_mut();
            if self.bom {
                f.write_all(b"\xEF\xBB\xBF")
                    .map_err(|e| Error::io(path, e))?;
            }
            let mut w = csv::WriterBuilder::new()
                .delimiter(self.delimiter)
                .flexible(true)
                .from_writer(&mut *f);
            let io = |e: csv::Error| Error::input(path, format!("cannot write: {e}"));
            w.write_record(&self.header).map_err(io)?;
            for r in &self.rows {
                w.write_record(r).map_err(io)?;
            }
            w.flush().map_err(|e| Error::io(path, e))?;
        }
        // The file keeps its permissions (a new file: the temporary's 0600).
        if let Ok(m) = std::fs::metadata(path) {
            std::fs::set_permissions(tmp.path(), m.permissions())
                .map_err(|e| Error::io(path, e))?;
        }
        tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
        Ok(())
    }
}

/// The channel of a request: `all` or one of the six.
pub fn parse_channel(s: &str) -> Result<String> {
    let c = s.trim().to_lowercase();
    if c == "all" || Channel::parse(&c).is_some() {
        Ok(c)
    } else {
        Err(Error::Usage(format!(
            "--channel: expected all, {}",
            CHANNELS.map(|c| c.as_str()).join(", ")
        )))
    }
}

/// The run folders under `dirs`: each one that holds a summary.json, and
/// those below one that does not (a folder of nightly runs, a state
/// folder's `last/`), three levels deep at most, in name order.
pub fn run_folders(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    fn walk(d: &Path, depth: usize, runs: &mut Vec<PathBuf>) -> Result<()> {
        if d.join("summary.json").is_file() {
            runs.push(d.to_owned());
            return Ok(());
        }
        if depth == 0 {
            return Ok(());
        }
        let mut subs: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| Error::io(d, e))?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        subs.sort();
        for s in subs {
            walk(&s, depth - 1, runs)?;
        }
        Ok(())
    }
    let mut runs = Vec::new();
    for d in dirs {
        let before = runs.len();
        walk(d, 3, &mut runs)?;
        if runs.len() == before {
            return Err(Error::input(
                d,
                "not a run folder (no summary.json), nor a folder of run folders",
            ));
        }
    }
    Ok(runs)
}

/// Where a person is in one run folder.
#[derive(Debug, Default)]
pub struct Found {
    pub run: PathBuf,
    pub as_of: String,
    pub list: String,
    /// No people.csv: a run of an earlier qualify, not searchable.
    pub unsearchable: bool,
    pub records: Vec<FoundRecord>,
    /// Files that hold a row of the person, with the number of rows.
    pub files: Vec<(String, usize)>,
}

/// One record of the person in a run.
#[derive(Debug, Default)]
pub struct FoundRecord {
    pub record_id: String,
    pub source_row: usize,
    /// Per channel (decisions.csv's order): `allowed`, or `denied: ` and the reasons.
    pub channels: Vec<(String, String)>,
}

/// Looks `person` up in every run folder under `dirs`.
pub fn find(person: &Person, dirs: &[PathBuf]) -> Result<Vec<Found>> {
    let wanted: HashSet<&str> = person.hashes.iter().map(String::as_str).collect();
    run_folders(dirs)?
        .into_iter()
        .map(|run| find_in(&wanted, run))
        .collect()
}

fn find_in(wanted: &HashSet<&str>, run: PathBuf) -> Result<Found> {
    let summary_path = run.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).map_err(|e| Error::io(&summary_path, e))?;
    let summary: crate::summary::Summary = serde_json::from_str(&text)
        .map_err(|e| Error::input(&summary_path, format!("not a qualify summary: {e}")))?;
    let mut found = Found {
        as_of: summary.as_of,
        list: summary.inputs.list.path,
        ..Found::default()
    };
    let people = run.join("people.csv");
    if !people.is_file() {
        found.unsearchable = true;
        found.run = run;
        return Ok(found);
    }
    let mut ids: BTreeMap<usize, String> = BTreeMap::new();
    let mut keys: HashSet<String> = HashSet::new();
    for_each_row(
        &people,
        &[
            "record_id",
            "source_row",
            "person_key",
            "email_sha256",
            "phone_sha256",
            "mobile_sha256",
        ],
        |row, c| {
            if c[2..].iter().any(|h| !h.is_empty() && wanted.contains(h)) {
                ids.insert(c[1].parse().unwrap_or(row), c[0].to_owned());
                if !c[2].is_empty() {
                    keys.insert(c[2].to_owned());
                }
            }
            Ok(())
        },
    )?;
    if ids.is_empty() {
        found.run = run;
        return Ok(found);
    }
    let id_set: HashSet<&str> = ids.values().map(String::as_str).collect();
    let mut decisions: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for name in crate::output::folder::KNOWN_FILES {
        let path = run.join(name);
        if !name.ends_with(".csv") || !path.is_file() {
            continue;
        }
        let header = csv_header(&path)?;
        let id_cols: Vec<&str> = header
            .iter()
            .map(String::as_str)
            .filter(|h| *h == "record_id" || h.ends_with("_record_id") || *h == "person_key")
            .collect();
        if id_cols.is_empty() {
            continue;
        }
        let mut columns = id_cols.clone();
        let is_decisions = *name == "decisions.csv";
        if is_decisions {
            columns.extend(["channel", "allowed", "reason"]);
        }
        let n = id_cols.len();
        let mut rows = 0;
        for_each_row(&path, &columns, |_, c| {
            let hit = c[..n]
                .iter()
                .position(|v| id_set.contains(v) || keys.contains(*v));
            if let Some(k) = hit {
                rows += 1;
                if is_decisions {
                    let verdict = if c[n + 1] == "true" {
                        "allowed".to_owned()
                    } else {
                        format!("denied: {}", c[n + 2])
                    };
                    decisions
                        .entry(c[k].to_owned())
                        .or_default()
                        .push((c[n].to_owned(), verdict));
                }
            }
            Ok(())
        })?;
        if rows > 0 {
            found.files.push(((*name).to_owned(), rows));
        }
    }
    // The files that are not tables: the Parquet copy of qualified.csv,
    // and the documents that name borderline pairs or examples by record id.
    if let Some(&(_, rows)) = found.files.iter().find(|(n, _)| n == "qualified.csv") {
        if run.join("qualified.parquet").is_file() {
            found.files.push(("qualified.parquet".into(), rows));
        }
    }
    for name in ["summary.json", "report.html"] {
        let Ok(text) = std::fs::read_to_string(run.join(name)) else {
            continue;
        };
        // A record id ends at a quote or a non-digit: `-1` is not `-12`.
        let hits: usize = id_set
            .iter()
            .map(|id| {
                text.match_indices(id)
                    .filter(|(i, _)| {
                        !text[i + id.len()..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_digit())
                    })
                    .count()
            })
            .sum();
        if hits > 0 {
            found.files.push((name.to_owned(), hits));
        }
    }
    found.records = ids
        .into_iter()
        .map(|(source_row, record_id)| FoundRecord {
            channels: decisions.remove(&record_id).unwrap_or_default(),
            record_id,
            source_row,
        })
        .collect();
    found.run = run;
    Ok(found)
}

/// The header of a run folder's CSV file (the reader reads ahead a buffer,
/// not the file).
fn csv_header(path: &Path) -> Result<Vec<String>> {
    let mut r = crate::output::changes::run_csv(path)?;
    Ok(r.headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default())
}

/// `find`'s answer for people: per run, the records, their decisions and
/// the files that hold them.
pub fn render(found: &[Found]) -> String {
    let mut o = String::new();
    let hits = found.iter().filter(|f| !f.records.is_empty()).count();
    let _ = writeln!(
        o,
        "{} run folder(s) searched; the person is in {hits}",
        found.len()
    );
    for f in found {
        let _ = write!(
            o,
            "\n{} (as of {}, list {}): ",
            f.run.display(),
            f.as_of,
            f.list
        );
        if f.unsearchable {
            let _ = writeln!(
                o,
                "not searchable (no people.csv: a run of an earlier qualify)"
            );
            continue;
        }
        if f.records.is_empty() {
            let _ = writeln!(o, "not found");
            continue;
        }
        let _ = writeln!(o, "{} record(s)", f.records.len());
        for r in &f.records {
            let _ = writeln!(o, "  record {} (source row {})", r.record_id, r.source_row);
            for (ch, verdict) in &r.channels {
                let _ = writeln!(o, "    {ch:<9} {verdict}");
            }
        }
        let files: Vec<String> = f
            .files
            .iter()
            .map(|(n, k)| {
                let unit = if n.ends_with(".csv") || n.ends_with(".parquet") {
                    "row"
                } else {
                    "mention"
                };
                format!("{n} ({k} {unit}{})", if *k == 1 { "" } else { "s" })
            })
            .collect();
        let _ = writeln!(o, "  files: {}", files.join(", "));
    }
    o
}
