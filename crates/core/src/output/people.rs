//! Who a record is, from one run to the next. In: the normalised records
//! and the decisions. Out: `people.csv` (one row per record: its person key
//! and the hashes `qualify find` looks a person up by), and the per-person
//! view of the decisions that [`super::changes`] compares between runs.
//!
//! A `record_id` changes with the file (it starts with the file's SHA-256);
//! a person key does not. It is the SHA-256 of the record's normalised
//! email when the address is valid and personal (not a role mailbox), else of its E.164 mobile, else of its
//! E.164 phone, else of `name:` + the folded name + `|` + the postcode;
//! a record with none of these has no key and is not followed from run to
//! run. The email and phone hashes are those of vendor-feedback.csv and of
//! hashed opposition lists (docs/pipeline.md#inputs), so that a person's
//! request is found with the identifiers they give.

use polars::prelude::*;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::normalise::email::EmailClass;
use crate::normalise::records::Normalised;
use crate::output::{hex_column, owned_string_column};
use crate::rules::{Decision, Reasons};
use crate::schema::{Reason, CHANNELS};

/// A SHA-256 digest.
pub type Key = [u8; 32];

pub fn sha256(text: &str) -> Key {
    Sha256::digest(text.as_bytes()).into()
}

/// The identifiers of one record, hashed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordKeys {
    pub person: Option<Key>,
    /// The email's lookup form (trimmed, lowercased), valid or not.
    pub email: Option<Key>,
    /// The E.164 of the phone and of the mobile column.
    pub phone: Option<Key>,
    pub mobile: Option<Key>,
}

/// Record `i`'s keys.
pub fn record_keys(norm: &Normalised, i: usize) -> RecordKeys {
    let email = norm.email[i].as_ref();
    fn e164(p: &Option<crate::normalise::Phone>) -> Option<&str> {
        p.as_ref().and_then(|p| p.e164.as_deref())
    }
    let (fixed, mobile) = (e164(&norm.phone[i]), e164(&norm.mobile[i]));
    let phone = mobile.or(fixed);
    let name = norm.name_key.get(i).filter(|s| !s.is_empty());
    let postcode = norm.postcode.get(i).filter(|s| !s.is_empty());
    // An address that cannot receive mail (`n/a`, `-`) or a role mailbox
    // (`contact@acme.fr`) is shared by many people: it cannot say who
    // someone is.
    let person = match (
        email.filter(|e| !matches!(e.class, EmailClass::Invalid | EmailClass::Role)),
        phone,
    ) {
        (Some(e), _) => Some(sha256(e.key())),
        (None, Some(p)) => Some(sha256(p)),
        (None, None) => match (name, postcode) {
            (Some(n), Some(p)) => Some(sha256(&format!("name:{n}|{p}"))),
            _ => None,
        },
    };
    RecordKeys {
        person,
        email: email.map(|e| sha256(e.key())),
        phone: fixed.map(sha256),
        mobile: mobile.map(sha256),
    }
}

/// people.csv for the records `rows`: `record_id, source_row, person_key,
/// email_sha256, phone_sha256, mobile_sha256`.
pub(crate) fn people_frame(
    norm: &Normalised,
    ids: &super::ids::RecordIds,
    rows: &[usize],
) -> Result<DataFrame> {
    // Four SHA-256 per record: on both cores (the order is kept).
    let keys: Vec<RecordKeys> = rows.par_iter().map(|&i| record_keys(norm, i)).collect();
    let hex_of = |f: fn(&RecordKeys) -> Option<Key>| keys.iter().map(f);
    let cols = vec![
        owned_string_column(
            "record_id",
            rows.iter().map(|&i| Some(ids.get(i).to_string())).collect(),
        ),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        hex_column("person_key", hex_of(|k| k.person)),
        hex_column("email_sha256", hex_of(|k| k.email)),
        hex_column("phone_sha256", hex_of(|k| k.phone)),
        hex_column("mobile_sha256", hex_of(|k| k.mobile)),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// One person's decisions in a run: per channel, allowed or the reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonState {
    /// Bit `c` set: some record of the person is allowed on channel `c`.
    pub allowed: u8,
    /// Per channel, the reasons that deny it (codes joined by `;`), from the
    /// person's lead record: its first record that is not a duplicate of
    /// another (whose decision is the survivor's), else its first record.
    pub reasons: [String; 6],
    /// The lead record's source_row.
    pub source_row: usize,
}

impl PersonState {
    pub fn is_allowed(&self, channel: usize) -> bool {
        self.allowed & (1 << channel) != 0
    }
}

/// The people of this run, in the order of their first record, and the
/// number of records with no person key.
pub fn people_of_run(
    norm: &Normalised,
    decisions: &[Decision],
) -> (indexmap::IndexMap<Key, PersonState>, usize) {
    let mut people: indexmap::IndexMap<Key, (u8, usize, bool)> = indexmap::IndexMap::new();
    let mut without_key = 0;
    for (i, d) in decisions.iter().enumerate() {
        let Some(key) = record_keys(norm, i).person else {
            without_key += 1;
            continue;
        };
        let allowed = CHANNELS
            .iter()
            .enumerate()
            .filter(|(_, ch)| d.allowed(**ch))
            .fold(0u8, |m, (c, _)| m | 1 << c);
        let duplicate = d.all_reasons().contains(Reason::Duplicate);
        let e = people.entry(key).or_insert((0, i, duplicate));
        e.0 |= allowed;
        if e.2 && !duplicate {
            e.1 = i;
            e.2 = false;
        }
    }
    let people = people
        .into_iter()
        .map(|(k, (allowed, lead, _))| {
            let reasons: [String; 6] = std::array::from_fn(|c| {
                let r: Reasons = decisions[lead].denied[c];
                r.codes()
            });
            (
                k,
                PersonState {
                    allowed,
                    reasons,
                    source_row: lead + 1,
                },
            )
        })
        .collect();
    (people, without_key)
}
