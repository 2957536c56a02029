//! What changed since the previous run (`--previous DIR`). In: the previous
//! run folder (its summary.json, people.csv and decisions.csv) and this
//! run's people ([`super::people::people_of_run`]). Out: `changes.csv`, one
//! row per person and channel whose decision changed — `person_key,
//! channel, before, after, reasons`, where before and after are `allowed`,
//! `denied` or `absent` (not in that run's list) and reasons are tonight's
//! when denied — and the summary's `changes` counts.
//!
//! Rows come newly denied first (allowed -> denied), then no longer listed
//! (allowed -> absent): the two a campaign tool must act on today, since
//! it may still hold those people as contactable. Then newly allowed (from
//! denied or absent), new and denied, and denied people no longer listed.
//! Inside a group, by person key, then channel.
//!
//! A previous folder that does not exist, has no people.csv (a run of an
//! earlier qualify), or was decided with another rule pack or version is
//! not compared: the summary says why, and every person of tonight is new.

/// Maps keyed by person key or record id: foldhash, not SipHash (millions
/// of keys; nothing here depends on their order).
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::io::Read as _;
use std::path::Path;

use indexmap::IndexMap;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::people::{Key, PersonState};
use crate::error::{Error, Result};
use crate::output::{hex_column, owned_string_column};
use crate::schema::CHANNELS;

/// A person's decision on one channel in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Allowed,
    Denied,
    Absent,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Allowed => "allowed",
            State::Denied => "denied",
            State::Absent => "absent",
        }
    }
}

/// The counts of one channel (or of all), by transition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Transitions {
    /// allowed -> denied.
    pub newly_denied: u64,
    /// allowed -> absent.
    pub no_longer_listed: u64,
    /// denied -> allowed.
    pub newly_allowed: u64,
    /// absent -> allowed.
    pub new_allowed: u64,
    /// absent -> denied.
    pub new_denied: u64,
    /// denied -> absent.
    pub gone_denied: u64,
}

impl Transitions {
    fn add(&mut self, before: State, after: State) {
        use State::*;
        let slot = match (before, after) {
            (Allowed, Denied) => &mut self.newly_denied,
            (Allowed, Absent) => &mut self.no_longer_listed,
            (Denied, Allowed) => &mut self.newly_allowed,
            (Absent, Allowed) => &mut self.new_allowed,
            (Absent, Denied) => &mut self.new_denied,
            (Denied, Absent) => &mut self.gone_denied,
            _ => return,
        };
        *slot += 1;
    }
}

/// The summary's `changes`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Changes {
    /// The previous folder, as given.
    pub previous: String,
    /// false: not compared (see `note`); every person counts as new.
    pub compared: bool,
    pub note: Option<String>,
    pub previous_as_of: Option<String>,
    pub previous_list_sha256: Option<String>,
    /// People (distinct person keys) tonight and in the previous run.
    pub people: u64,
    pub previous_people: u64,
    pub new_people: u64,
    pub gone_people: u64,
    /// Records with no person key (no email, phone, nor name and postcode):
    /// not followed from run to run.
    pub records_without_key: u64,
    /// Rows of changes.csv.
    pub rows: u64,
    pub total: Transitions,
    pub channels: IndexMap<String, Transitions>,
}

/// The previous run as changes.csv compares it.
pub struct Previous {
    pub summary: Changes,
    /// Per person key, the channels allowed (bit per channel).
    pub people: FastMap<Key, u8>,
}

/// Reads the previous run folder. A folder that cannot be compared is not
/// an error (the first night has none); a folder whose files are broken is.
/// `name` is how the summary names it (see [`previous_name`]).
pub fn load_previous(
    dir: &Path,
    name: String,
    pack_name: &str,
    pack_version: &str,
) -> Result<Previous> {
    let mut summary = Changes {
        previous: name,
        ..Changes::default()
    };
    let not_compared = |mut summary: Changes, note: String| Previous {
        summary: {
            summary.note = Some(note);
            summary
        },
        people: FastMap::default(),
    };
    let summary_path = dir.join("summary.json");
    if !dir.is_dir() {
        return Ok(not_compared(
            summary,
            "the previous run folder does not exist: every person is new".into(),
        ));
    }
    let text = match std::fs::read_to_string(&summary_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(not_compared(
            summary,
            "the previous folder holds no summary.json (not a finished run): every person is new"
                .into(),
        )),
        Err(e) => return Err(Error::io(&summary_path, e)),
    };
    let before: crate::summary::Summary = serde_json::from_str(&text)
        .map_err(|e| Error::input(&summary_path, format!("not a qualify summary: {e}")))?;
    summary.previous_as_of = Some(before.as_of.clone());
    summary.previous_list_sha256 = Some(before.inputs.list.sha256.clone());
    if before.rule_pack.name != pack_name || before.rule_pack.version != pack_version {
        return Ok(not_compared(
            summary,
            format!(
                "the previous run was decided with rule pack {} {}, this one with {pack_name} {pack_version}: not compared, every person is new",
                before.rule_pack.name, before.rule_pack.version
            ),
        ));
    }
    let people_path = dir.join("people.csv");
    if !people_path.exists() {
        return Ok(not_compared(
            summary,
            "the previous folder holds no people.csv (a run of an earlier qualify): every person is new".into(),
        ));
    }
    // record_id -> person key, then the decisions of each record.
    let mut keys: FastMap<String, Key> = FastMap::default();
    for_each_row(&people_path, &["record_id", "person_key"], |row, cells| {
        if cells[1].is_empty() {
            return Ok(());
        }
        let key = parse_key(cells[1]).ok_or_else(|| Error::Cell {
            path: people_path.clone(),
            row,
            column: "person_key".into(),
            message: "not a SHA-256 hex digest".into(),
        })?;
        keys.insert(cells[0].to_owned(), key);
        Ok(())
    })?;
    let decisions_path = dir.join("decisions.csv");
    let mut people: FastMap<Key, u8> = FastMap::default();
    for_each_row(
        &decisions_path,
        &["record_id", "channel", "allowed"],
        |row, cells| {
            let Some(key) = keys.get(cells[0]) else {
                return Ok(());
            };
            let bad = |column: &str, message: String| Error::Cell {
                path: decisions_path.clone(),
                row,
                column: column.into(),
                message,
            };
            let channel = CHANNELS
                .iter()
                .position(|c| c.as_str() == cells[1])
                .ok_or_else(|| bad("channel", "not a channel".into()))?;
            let allowed = match cells[2] {
                "true" => true,
                "false" => false,
                _ => return Err(bad("allowed", "expected true or false".into())),
            };
            let mask = people.entry(*key).or_default();
            if allowed {
                *mask |= 1 << channel;
            }
            Ok(())
        },
    )?;
    summary.compared = true;
    summary.previous_people = people.len() as u64;
    Ok(Previous { summary, people })
}

/// A folder's name, as the summary names inputs: the bytes do not depend on
/// where the runs are kept.
pub fn previous_name(dir: &Path) -> String {
    dir.file_name().map_or_else(
        || dir.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn parse_key(hex: &str) -> Option<Key> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(hex, &mut key).ok()?;
    Some(key)
}

/// A CSV file of a run folder, for reading: `,`, or `;` after the BOM
/// `--excel` writes (the BOM itself skipped).
pub fn run_csv(path: &Path) -> Result<csv::Reader<impl std::io::Read>> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bom = [0u8; 3];
    let mut got = 0;
    while got < 3 {
        match file.read(&mut bom[got..]).map_err(|e| Error::io(path, e))? {
            0 => break,
            k => got += k,
        }
    }
    let excel = got == 3 && bom == [0xEF, 0xBB, 0xBF];
    let head = if excel {
        Vec::new()
    } else {
        bom[..got].to_vec()
    };
    let reader = std::io::BufReader::new(std::io::Cursor::new(head).chain(file));
    Ok(csv::ReaderBuilder::new()
        .delimiter(if excel { b';' } else { b',' })
        .from_reader(reader))
}

/// The most columns [`for_each_row`] hands over per row.
pub const MAX_COLUMNS: usize = 8;

/// Reads a CSV file of a run folder (`,`, or `;` with a BOM as `--excel`
/// writes them) and calls `f` with the data row number (1 = the first) and
/// the cells of `columns`, in that order. A missing column is an error.
pub fn for_each_row(
    path: &Path,
    columns: &[&str],
    mut f: impl FnMut(usize, &[&str]) -> Result<()>,
) -> Result<()> {
    let mut csv = run_csv(path)?;
    let headers = csv
        .headers()
        .map_err(|e| Error::input(path, format!("cannot read the CSV header: {e}")))?
        .clone();
    assert!(
        columns.len() <= MAX_COLUMNS,
        "for_each_row reads at most {MAX_COLUMNS} columns"
    );
    let idx: Vec<usize> = columns
        .iter()
        .map(|c| {
            headers.iter().position(|h| h == *c).ok_or_else(|| {
                Error::input(
                    path,
                    format!("no column {c:?} (a qualify run file has one)"),
                )
            })
        })
        .collect::<Result<_>>()?;
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(Error::input(
                    path,
                    format!("row {}: cannot read: {e}", row + 1),
                ))
            }
        }
        row += 1;
        // A fixed array, not a Vec per row: decisions.csv has six rows per
        // record.
        let mut cells = [""; MAX_COLUMNS];
        for (cell, &i) in cells.iter_mut().zip(&idx) {
            *cell = record.get(i).unwrap_or("");
        }
        f(row, &cells[..idx.len()])?;
    }
    Ok(())
}

/// One row of changes.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub key: Key,
    pub channel: usize,
    pub before: State,
    pub after: State,
    /// Tonight's reasons when denied.
    pub reasons: String,
}

impl Change {
    /// Where the row goes in the file (see the module's doc).
    fn group(&self) -> u8 {
        use State::*;
        match (self.before, self.after) {
            (Allowed, Denied) => 0,
            (Allowed, Absent) => 1,
            (_, Allowed) => 2,
            (Absent, Denied) => 3,
            _ => 4,
        }
    }
}

/// Compares tonight's people with the previous run's: the rows of
/// changes.csv in file order, and the counts (into `summary`).
pub fn compare(
    tonight: &IndexMap<Key, PersonState>,
    previous: &FastMap<Key, u8>,
    summary: &mut Changes,
) -> Vec<Change> {
    let mut rows = Vec::new();
    let mut channels: Vec<Transitions> = vec![Transitions::default(); CHANNELS.len()];
    let state_of = |mask: u8, c: usize| {
        if mask & (1 << c) != 0 {
            State::Allowed
        } else {
            State::Denied
        }
    };
    for (key, person) in tonight {
        let before = previous.get(key);
        for (c, counts) in channels.iter_mut().enumerate() {
            let before = before.map_or(State::Absent, |&m| state_of(m, c));
            let after = state_of(person.allowed, c);
            if before != after {
                counts.add(before, after);
                rows.push(Change {
                    key: *key,
                    channel: c,
                    before,
                    after,
                    reasons: match after {
                        State::Denied => person.reasons[c].clone(),
                        _ => String::new(),
                    },
                });
            }
        }
    }
    let mut gone = 0;
    for (key, &mask) in previous {
        if tonight.contains_key(key) {
            continue;
        }
        gone += 1;
        for (c, t) in channels.iter_mut().enumerate() {
            let before = state_of(mask, c);
            t.add(before, State::Absent);
            rows.push(Change {
                key: *key,
                channel: c,
                before,
                after: State::Absent,
                reasons: String::new(),
            });
        }
    }
    rows.sort_by_key(|a| (a.group(), a.key, a.channel));
    summary.people = tonight.len() as u64;
    summary.new_people = tonight
        .keys()
        .filter(|k| !previous.contains_key(*k))
        .count() as u64;
    summary.gone_people = gone;
    summary.rows = rows.len() as u64;
    let mut total = Transitions::default();
    for t in &channels {
        total.newly_denied += t.newly_denied;
        total.no_longer_listed += t.no_longer_listed;
        total.newly_allowed += t.newly_allowed;
        total.new_allowed += t.new_allowed;
        total.new_denied += t.new_denied;
        total.gone_denied += t.gone_denied;
    }
    summary.total = total;
    summary.channels = CHANNELS
        .iter()
        .zip(channels)
        .map(|(ch, t)| (ch.as_str().to_owned(), t))
        .collect();
    rows
}

/// changes.csv for `rows`.
pub(crate) fn changes_frame(rows: &[Change]) -> Result<DataFrame> {
    let cols = vec![
        hex_column("person_key", rows.iter().map(|r| Some(r.key))),
        owned_string_column(
            "channel",
            rows.iter()
                .map(|r| Some(CHANNELS[r.channel].as_str().to_owned()))
                .collect(),
        ),
        owned_string_column(
            "before",
            rows.iter()
                .map(|r| Some(r.before.as_str().to_owned()))
                .collect(),
        ),
        owned_string_column(
            "after",
            rows.iter()
                .map(|r| Some(r.after.as_str().to_owned()))
                .collect(),
        ),
        owned_string_column(
            "reasons",
            rows.iter().map(|r| Some(r.reasons.clone())).collect(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(allowed: u8) -> PersonState {
        PersonState {
            allowed,
            reasons: std::array::from_fn(|c| {
                if allowed & (1 << c) != 0 {
                    String::new()
                } else {
                    "opposed".into()
                }
            }),
            source_row: 1,
        }
    }

    #[test]
    fn newly_denied_come_first_and_every_transition_is_counted() {
        let (a, b, c, d) = ([1u8; 32], [2u8; 32], [3u8; 32], [4u8; 32]);
        // a: email allowed -> denied; b: new, post allowed; c: gone while
        // allowed on email; d: unchanged.
        let mut tonight = IndexMap::new();
        tonight.insert(b, person(0b10_0000));
        tonight.insert(a, person(0));
        tonight.insert(d, person(0b1));
        let previous: FastMap<Key, u8> = [(a, 0b1), (c, 0b1), (d, 0b1)].into_iter().collect();
        let mut s = Changes::default();
        let rows = compare(&tonight, &previous, &mut s);
        let first = &rows[0];
        assert_eq!((first.key, first.channel), (a, 0));
        assert_eq!((first.before, first.after), (State::Allowed, State::Denied));
        assert_eq!(first.reasons, "opposed");
        assert_eq!(
            (rows[1].key, rows[1].before, rows[1].after),
            (c, State::Allowed, State::Absent)
        );
        assert_eq!(s.total.newly_denied, 1);
        assert_eq!(s.total.no_longer_listed, 1);
        assert_eq!(s.total.gone_denied, 5);
        assert_eq!(s.total.new_allowed, 1);
        assert_eq!(s.total.new_denied, 5);
        assert_eq!((s.people, s.new_people, s.gone_people), (3, 1, 1));
        assert_eq!(s.rows as usize, rows.len());
        assert_eq!(rows.len(), 1 + 1 + 5 + 1 + 5);
        // d changed nothing: no row.
        assert!(rows.iter().all(|r| r.key != d));
        let groups: Vec<u8> = rows.iter().map(Change::group).collect();
        assert!(groups.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn excel_files_are_read_like_plain_ones() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("p.csv");
        let excel = dir.path().join("e.csv");
        std::fs::write(&plain, "a,b\n1,x\n2,y\n").unwrap();
        std::fs::write(&excel, "\u{feff}a;b\n1;x\n2;y\n").unwrap();
        for p in [&plain, &excel] {
            let mut got = Vec::new();
            for_each_row(p, &["b", "a"], |row, c| {
                got.push((row, c[0].to_owned(), c[1].to_owned()));
                Ok(())
            })
            .unwrap();
            assert_eq!(
                got,
                vec![(1, "x".into(), "1".into()), (2, "y".into(), "2".into())]
            );
        }
        assert!(for_each_row(&plain, &["zz"], |_, _| Ok(())).is_err());
    }
}
