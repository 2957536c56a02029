//! Suppression lists: the company's opposition lists (plain or hashed
//! emails and phones, and postal objections by name and postcode), and the
//! Bloctel file. Loaded into hash sets once; a record is checked by its
//! normalised email and E.164 numbers and, for hashed lists, by the SHA-256
//! and MD5 of those (docs/pipeline.md#inputs: trimmed lowercased email, E.164 with its `+`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::{ChannelMask, ALL_CHANNELS};
use crate::error::{Error, Result};
use crate::ingest::mapping::{canonical_frame, TableKind};
use crate::ingest::read_reference;
use crate::normalise::records::{normalise_frame, strs, Normalised};
use crate::normalise::{normalise_email, suppression_variants};
use crate::schema::Channel;

/// Entries to the channels they deny. foldhash, not SipHash: looked up
/// for every record, never iterated, keyed by the run's own data.
type Map<K> = HashMap<K, ChannelMask, foldhash::fast::FixedState>;

/// All opposition entries of a run, keyed for lookup.
#[derive(Debug, Default)]
pub struct Suppression {
    plain: Map<String>,
    /// Hashed entries as digests, not hex: a record is checked by the
    /// digests of its values, with no hex text made per value.
    sha256: Map<[u8; 32]>,
    md5: Map<[u8; 16]>,
    postal: Map<String>,
    /// Postal objections (entries with a name and a postcode or street) in
    /// comparable form, for the fuzzy matcher, with the channels they deny
    /// and where they come from (`file:row`, for matches.csv).
    pub postal_people: Vec<(super::fuzzy::Person, ChannelMask)>,
    pub postal_sources: Vec<String>,
    pub entries: usize,
    pub files: Vec<(std::path::PathBuf, String, usize)>,
}

const OPPOSITION_READ: &[&str] = &[
    "email",
    "phone",
    "mobile",
    "sha256",
    "md5",
    "channel",
    "date",
    "first_name",
    "last_name",
    "full_name",
    "address_line1",
    "postcode",
    "city",
    "country",
];

impl Suppression {
    /// Reads one opposition list (CSV or any supported format). A bad cell
    /// is an error naming file, row and column: an objection we cannot read
    /// is not one we may skip.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let (table, map) = read_reference(path, TableKind::Opposition)?;
        let usable = [
            "email",
            "phone",
            "mobile",
            "sha256",
            "md5",
            "last_name",
            "full_name",
        ];
        if !usable.iter().any(|c| map.canonical.contains_key(*c)) {
            return Err(Error::input(
                path,
                format!(
                    "an opposition list needs at least one of the columns email, phone, sha256, md5 (or a name and postcode); found: {}",
                    table.headers.join(", ")
                ),
            ));
        }
        let df = canonical_frame(&table.frame, &map, OPPOSITION_READ);
        // The cheap checks first, over the raw cells: a file invalid on its
        // first row is refused before the whole of it is normalised.
        let channel = strs(&df, "channel");
        let sha = strs(&df, "sha256");
        let md5 = strs(&df, "md5");
        let mut masks = Vec::with_capacity(df.height());
        let mut hashes: Vec<Digests> = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            let row = i + 1;
            let mask = match channel[i].map(|c| c.trim().to_lowercase()) {
                None => ALL_CHANNELS,
                Some(c) if c == "all" || c == "tous" || c.is_empty() => ALL_CHANNELS,
                Some(c) => match Channel::parse(&c).or_else(|| french_channel(&c)) {
                    Some(ch) => 1 << ch.index(),
                    None => {
                        return Err(Error::Cell {
                            path: path.to_owned(),
                            row,
                            column: "channel".into(),
                            message: format!(
                                "unknown channel {}: expected all, email, sms, phone, autocall, fax or post",
                                crate::output::mask::cell(&c)
                            ),
                        })
                    }
                },
            };
            masks.push(mask);
            // Kept as digests: validating a cell is decoding it.
            let bad = |col: &str, len: usize, h: &str| Error::Cell {
                path: path.to_owned(),
                row,
                column: col.into(),
                message: format!(
                    "not a {col} hex digest ({len} hex digits): {}",
                    crate::output::mask::cell(&h.trim().to_ascii_lowercase())
                ),
            };
            let pair = (
                sha[i]
                    .map(|h| digest::<32>(h).ok_or_else(|| bad("sha256", 64, h)))
                    .transpose()?,
                md5[i]
                    .map(|h| digest::<16>(h).ok_or_else(|| bad("md5", 32, h)))
                    .transpose()?,
            );
            hashes.push(pair);
        }
        let norm = normalise_frame(&df);
        let (raw_phone, raw_mobile) = (strs(&df, "phone"), strs(&df, "mobile"));
        let before = self.entries;
        let people = super::fuzzy::people(&norm);
        for i in 0..df.height() {
            let row = i + 1;
            let mask = masks[i];
            let mut any = false;
            if let Some(e) = &norm.email[i] {
                *self.plain.entry(e.key().to_owned()).or_default() |= mask;
                any = true;
            }
            for p in [&norm.phone[i], &norm.mobile[i]].into_iter().flatten() {
                if let Some(e164) = &p.e164 {
                    *self.plain.entry(e164.to_string()).or_default() |= mask;
                    any = true;
                }
            }
            // A national number with no postcode may be an overseas line:
            // list every form it stands for (see `suppression_variants`).
            if norm.postcode.is_none(i) {
                for cell in [raw_phone[i], raw_mobile[i]].into_iter().flatten() {
                    for e164 in suppression_variants(cell) {
                        *self.plain.entry(e164).or_default() |= mask;
                    }
                }
            }
            let (sha, md5) = hashes[i];
            if let Some(d) = sha {
                *self.sha256.entry(d).or_default() |= mask;
                any = true;
            }
            if let Some(d) = md5 {
                *self.md5.entry(d).or_default() |= mask;
                any = true;
            }
            if let Some(k) = postal_key(&norm, i) {
                *self.postal.entry(k).or_default() |= mask;
                any = true;
            }
            let p = &people[i];
            if !p.last.is_empty() && (!p.postcode.is_empty() || !p.street.is_empty()) {
                self.postal_people.push((p.clone(), mask));
                self.postal_sources
                    .push(format!("{}:{row}", path.display()));
                any = true;
            }
            if any {
                self.entries += 1;
            }
        }
        self.files
            .push((path.to_owned(), table.sha256.clone(), self.entries - before));
        Ok(())
    }

    /// Channels the record `i` is opposed on.
    pub fn opposed(&self, n: &Normalised, i: usize) -> ChannelMask {
        let mut mask = 0;
        let mut values: Vec<&str> = Vec::with_capacity(3);
        if let Some(e) = &n.email[i] {
            values.push(e.key());
        }
        for p in [&n.phone[i], &n.mobile[i], &n.fax[i]].into_iter().flatten() {
            if let Some(e) = &p.e164 {
                values.push(e);
            }
        }
        for v in &values {
            if let Some(m) = self.plain.get(*v) {
                mask |= m;
            }
            if !self.sha256.is_empty() {
                let d: [u8; 32] = Sha256::digest(v.as_bytes()).into();
                mask |= self.sha256.get(&d).copied().unwrap_or(0);
            }
            if !self.md5.is_empty() {
                let d: [u8; 16] = Md5::digest(v.as_bytes()).into();
                mask |= self.md5.get(&d).copied().unwrap_or(0);
            }
        }
        if !self.postal.is_empty() {
            if let Some(m) = postal_key(n, i).and_then(|k| self.postal.get(&k)) {
                mask |= m;
            }
        }
        mask
    }
}

/// An entry's SHA-256 and MD5 digests, when given.
type Digests = (Option<[u8; 32]>, Option<[u8; 16]>);

/// A hex digest cell (spaces around it and either case allowed) as its
/// `N` bytes; `None` when it is not `2 * N` hex digits.
fn digest<const N: usize>(cell: &str) -> Option<[u8; N]> {
    let mut d = [0u8; N];
    hex::decode_to_slice(cell.trim(), &mut d).ok()?;
    Some(d)
}

/// A postal objection names a person at a postcode.
fn postal_key(n: &Normalised, i: usize) -> Option<String> {
    Some(format!("{}|{}", n.name_key.get(i)?, n.postcode.get(i)?))
}

/// A channel cell of an opposition list as the reader takes it: `all` /
/// `tous` / empty (every channel), a channel or its French name; `None`
/// for anything else.
pub fn channel_cell(c: &str) -> Option<ChannelMask> {
    let c = c.trim().to_lowercase();
    if c.is_empty() || c == "all" || c == "tous" {
        return Some(ALL_CHANNELS);
    }
    Channel::parse(&c)
        .or_else(|| french_channel(&c))
        .map(|ch| 1 << ch.index())
}

fn french_channel(c: &str) -> Option<Channel> {
    match c {
        "courriel" | "mail" | "e-mail" => Some(Channel::Email),
        "telephone" | "téléphone" | "tel" | "tél" => Some(Channel::Phone),
        "automate" => Some(Channel::Autocall),
        "courrier" | "postal" => Some(Channel::Post),
        _ => None,
    }
}

/// The Bloctel file: one column `phone`, numbers normalised to E.164.
#[derive(Debug, Default)]
pub struct BloctelList {
    pub numbers: HashSet<String>,
    pub sha256: String,
}

impl BloctelList {
    pub fn load(path: &Path) -> Result<BloctelList> {
        // A row we cannot read is a number we would call: an error, as for
        // the other reference files.
        let (table, map) = read_reference(path, TableKind::Opposition)?;
        let Some(&col) = map.canonical.get("phone").or(map.canonical.get("mobile")) else {
            return Err(Error::input(path, "a Bloctel file needs a `phone` column"));
        };
        let mut numbers = HashSet::with_capacity(table.rows());
        for (i, cell) in table.column(col).iter().enumerate() {
            let Some(cell) = cell else { continue };
            let forms = suppression_variants(cell);
            match forms.is_empty() {
                false => numbers.extend(forms),
                true => {
                    return Err(Error::Cell {
                        path: path.to_owned(),
                        row: i + 1,
                        column: "phone".into(),
                        message: format!("not a phone number: {}", crate::output::mask::cell(cell)),
                    })
                }
            }
        }
        Ok(BloctelList {
            numbers,
            sha256: table.sha256,
        })
    }
}

/// Normalised email key, for callers that hash it (vendor feedback).
pub fn email_key(raw: &str) -> Option<String> {
    normalise_email(raw).map(|e| e.key().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_opposition_or_bloctel_cell_is_named_by_row_and_column_and_masked() {
        let dir = tempfile::tempdir().unwrap();
        let opp = dir.path().join("opposition.csv");
        std::fs::write(
            &opp,
            "email,channel\nmarc.petit@example.org,email\npaul@example.org,jeanne.martin@example.org\n",
        )
        .unwrap();
        let e = Suppression::default()
            .add_file(&opp)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2") && e.contains("\"channel\""), "{e}");
        assert!(e.contains("j***@example.org"), "{e}");
        assert!(!e.contains("jeanne.martin"), "{e}");

        let opp = dir.path().join("hashed.csv");
        std::fs::write(&opp, "sha256\nnot-a-digest-but-someone@example.org\n").unwrap();
        let e = Suppression::default()
            .add_file(&opp)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 1") && !e.contains("someone@"), "{e}");
        // A digest one digit short is refused, naming its column; one in
        // capitals with spaces around it is read.
        let good = hex::encode(Sha256::digest(b"jean@example.fr"));
        std::fs::write(&opp, format!("sha256,md5\n{},\n", &good[1..])).unwrap();
        let e = Suppression::default()
            .add_file(&opp)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 1") && e.contains("sha256"), "{e}");
        std::fs::write(&opp, format!("sha256,md5\n  {}  ,\n", good.to_uppercase())).unwrap();
        let mut s = Suppression::default();
        s.add_file(&opp).unwrap();
        let d: [u8; 32] = Sha256::digest(b"jean@example.fr").into();
        assert_eq!(
            (s.sha256.get(&d).copied(), s.md5.len()),
            (Some(ALL_CHANNELS), 0)
        );

        let bloctel = dir.path().join("bloctel.csv");
        std::fs::write(&bloctel, "phone\n0612345678\nJeanne Martin\n").unwrap();
        let e = BloctelList::load(&bloctel).unwrap_err().to_string();
        assert!(e.contains("row 2") && !e.contains("Jeanne Martin"), "{e}");
        assert!(e.contains("\"J***\" (13 characters)"), "{e}");

        // A row of the wrong width was dropped, not read: its number would
        // have been called.
        std::fs::write(&bloctel, "phone\n0612345678\n0698765432,extra\n").unwrap();
        let e = BloctelList::load(&bloctel).unwrap_err().to_string();
        assert!(e.contains("bloctel.csv") && e.contains("row 2"), "{e}");
    }
}
