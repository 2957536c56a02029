//! Fuzzy matching, after the exact keys. In: the normalised list (and client
//! file), the union-find the exact keys built, and [`FuzzySettings`]. Out:
//! more unions in that union-find (fuzzy duplicates), fuzzy client matches,
//! every scored pair at or above the review probability with its decision
//! and its waterfall, for `matches.csv` and the summary, and the
//! [`model::Model`] that scored them, for `model.json`.
//!
//! Four steps, each parallel over whole columns: [`block`] (candidate
//! pairs sharing a blocking key, so cost grows about linearly),
//! [`model::train`] (a Fellegi-Sunter model learnt from this run's data,
//! unless one is given), [`compare`] and [`model::Scorer`] (per-field
//! agreement levels, weights, match probability), then clustering here:
//! pairs at or above `match_probability` are joined strongest first, with a
//! guard against chaining (see [`FuzzySettings::max_cluster`] and
//! `link_within`). Pairs between `review_probability` and the match
//! probability are not merged: they are listed for a person to review.
//!
//! This module never drops a row and decides nothing about contactability.

pub mod block;
pub mod compare;
pub mod folded;
pub mod households;
pub mod labels;
pub mod model;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use super::phonetic::french_phonetic;
use super::UnionFind;
use crate::normalise::records::Normalised;
use crate::normalise::{fold_key, EmailClass, PhoneKind};
pub use compare::{Field, Gamma};
pub use folded::{Dicts, Folded, Rec, View};
pub use labels::{Label, LabelFile, LabelStats};
pub use model::{Model, PairSide, Score, Scorer, Training};

/// Where the model comes from (config key `matcher`, or `--model FILE`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// Learnt from this run's list and client file (the default).
    Trained,
    /// The built-in parameters of `schemas/model.md`, nothing learnt.
    Fixed,
    /// Read from a model.json (`--model`), nothing learnt; with the SHA-256
    /// of the bytes that were read (the certificate names the file).
    File {
        path: std::path::PathBuf,
        sha256: String,
    },
}

/// The first-name guard's setting (config key `fuzzy_first_name_guard`:
/// `"auto"`, `true` or `false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum FirstNameGuard {
    /// Applied when the run's data show households ([`households`]); with
    /// `--model`, as the model file says.
    #[default]
    Auto,
    /// Never match two records whose first names clearly differ.
    #[cfg_attr(feature = "cli", value(name = "true"))]
    On,
    /// The model's weights decide alone.
    #[cfg_attr(feature = "cli", value(name = "false"))]
    Off,
}

impl FirstNameGuard {
    /// Whether the guard applies. `Auto` is resolved from the data before
    /// any decision ([`link_fuzzy`]); a caller that decides without that
    /// step (the unit tests) gets the guard.
    pub fn applies(self) -> bool {
        self != FirstNameGuard::Off
    }
}

/// Written as the config file spells it: `"auto"`, `true` or `false`.
impl Serialize for FirstNameGuard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FirstNameGuard::Auto => s.serialize_str("auto"),
            FirstNameGuard::On => s.serialize_bool(true),
            FirstNameGuard::Off => s.serialize_bool(false),
        }
    }
}

impl<'de> serde::Deserialize<'de> for FirstNameGuard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Spelt {
            Bool(bool),
            Text(String),
        }
        match Spelt::deserialize(d)? {
            Spelt::Bool(true) => Ok(FirstNameGuard::On),
            Spelt::Bool(false) => Ok(FirstNameGuard::Off),
            Spelt::Text(t) => match t.as_str() {
                "auto" => Ok(FirstNameGuard::Auto),
                "true" => Ok(FirstNameGuard::On),
                "false" => Ok(FirstNameGuard::Off),
                other => Err(serde::de::Error::custom(format!(
                    "fuzzy_first_name_guard is \"auto\", true or false, not {other:?}"
                ))),
            },
        }
    }
}

/// How fuzzy matching runs (config keys `fuzzy`, `matcher`, `model`,
/// `match_probability`, `client_probability`, `review_probability`,
/// `fuzzy_max_block`, `fuzzy_window`, `fuzzy_max_cluster`, `match_seed`).
#[derive(Debug, Clone, Serialize)]
pub struct FuzzySettings {
    pub enabled: bool,
    /// A pair of list records at or above this probability is one person.
    pub match_probability: f64,
    /// A list record and a client at or above this probability are one
    /// person. Lower than `match_probability` on purpose: missing a client
    /// (who may have objected) is worse than rejecting one prospect.
    pub client_probability: f64,
    /// A pair at or above this (and below the match probability) is listed
    /// for review, not merged.
    pub review_probability: f64,
    /// Blocks with more records than this are scanned with a window (see
    /// [`block`]).
    pub max_block: usize,
    /// Each record of an oversized block meets this many neighbours.
    pub window: usize,
    /// Each record meets this many neighbours in each sorted pass (by last
    /// name, first name, street; 0 turns the passes off).
    pub sorted_window: usize,
    /// A fuzzy link never makes a cluster larger than this: one person is
    /// rarely on a list more than a few times, and a long chain of fuzzy
    /// links is how unrelated records end up merged.
    pub max_cluster: usize,
    /// Whether two records whose first names clearly differ may be matched
    /// (a relative at the same address shares the last name, the address
    /// and the landline: the model's independence assumption overcounts
    /// that); by default decided from the run's data ([`households`]).
    pub first_name_guard: FirstNameGuard,
    pub source: ModelSource,
    /// The model read from `--model` (validated when the settings are).
    #[serde(skip)]
    pub model: Option<Model>,
    pub training: Training,
    /// A person's answers about pairs (`--labels`), applied as overrides.
    #[serde(skip)]
    pub labels: Option<LabelFile>,
    /// Where the pairs/s bar goes (hidden by default; the CLI sets it).
    #[serde(skip)]
    pub progress: crate::progress::Progress,
    /// Print the time of each fuzzy step on stderr (the binary sets it from
    /// `QUALIFY_FUZZY_TIMING`; the core reads no environment).
    #[serde(skip)]
    pub timing: bool,
}

impl Default for FuzzySettings {
    fn default() -> Self {
        FuzzySettings {
            enabled: true,
            match_probability: 0.9,
            client_probability: 0.8,
            review_probability: 0.2,
            max_block: 50,
            window: 5,
            sorted_window: 0,
            max_cluster: 8,
            first_name_guard: FirstNameGuard::Auto,
            source: ModelSource::Trained,
            model: None,
            training: Training::default(),
            labels: None,
            progress: crate::progress::Progress::hidden(),
            timing: false,
        }
    }
}

/// The comparable form of one record: folded, with street types expanded.
/// Empty strings are missing values. Scoring reads the dictionary-encoded
/// form of it ([`folded`]).
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub first: String,
    pub last: String,
    pub first_ph: String,
    pub last_ph: String,
    pub email: String,
    /// Local part without dots or `+tag`, for "same person, other provider".
    pub email_local: String,
    pub mobile: Vec<String>,
    pub landline: Vec<String>,
    pub street_no: String,
    pub street: String,
    pub postcode: String,
    /// The folded city without arrondissement or CEDEX, saints written out
    /// (`Paris 11e` -> `paris`, `St Denis CEDEX` -> `saint denis`).
    pub city_key: String,
    pub siren: String,
}

/// Street types as vendors abbreviate them, to their full form.
const STREET_TYPES: &[(&str, &str)] = &[
    ("av", "avenue"),
    ("ave", "avenue"),
    ("avn", "avenue"),
    ("bd", "boulevard"),
    ("bld", "boulevard"),
    ("blvd", "boulevard"),
    ("boul", "boulevard"),
    ("bvd", "boulevard"),
    ("r", "rue"),
    ("pl", "place"),
    ("ch", "chemin"),
    ("chem", "chemin"),
    ("imp", "impasse"),
    ("all", "allee"),
    ("rte", "route"),
    ("fg", "faubourg"),
    ("fbg", "faubourg"),
    ("sq", "square"),
    ("qu", "quai"),
    ("crs", "cours"),
    ("res", "residence"),
    ("lot", "lotissement"),
    ("st", "saint"),
    ("ste", "sainte"),
    ("pass", "passage"),
    ("prom", "promenade"),
];

/// Splits a folded street line into its house number (with `bis`/`ter`)
/// and its name with the street types written out.
/// `"12 bis av. du Gal Leclerc"` -> (`"12b"`, `"avenue du gal leclerc"`).
pub fn street_parts(line: &str) -> (String, String) {
    let folded = fold_key(line);
    let mut words = folded.split(' ').filter(|w| !w.is_empty()).peekable();
    let mut number = String::new();
    if let Some(w) = words.peek() {
        if w.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
            number.push_str(w);
            words.next();
            if let Some(&s) = words.peek() {
                if matches!(s, "bis" | "ter" | "b" | "t" | "quater") {
                    number.push_str(&s[..1]);
                    words.next();
                }
            }
        }
    }
    let mut name = String::with_capacity(folded.len() + 8);
    for (k, w) in words.enumerate() {
        if k > 0 {
            name.push(' ');
        }
        let full = if k == 0 {
            STREET_TYPES
                .iter()
                .find(|(a, _)| *a == w)
                .map_or(w, |(_, f)| f)
        } else {
            w
        };
        name.push_str(full);
    }
    (number, name)
}

/// Builds a [`Person`] from raw parts (tests and benches; the pipeline uses
/// [`people`]). Phones are E.164; `+336`/`+337` are mobiles.
pub fn person_from_parts(
    first: &str,
    last: &str,
    street: &str,
    postcode: &str,
    email: &str,
    city: &str,
    phones: &[&str],
) -> Person {
    let mut p = Person {
        first: fold_key(first),
        last: fold_key(last),
        postcode: postcode.to_owned(),
        city_key: city_key(city),
        ..Person::default()
    };
    (p.street_no, p.street) = street_parts(street);
    set_email(&mut p, &email.trim().to_lowercase());
    for ph in phones {
        if ph.starts_with("+336") || ph.starts_with("+337") {
            p.mobile.push((*ph).to_owned());
        } else {
            p.landline.push((*ph).to_owned());
        }
    }
    finish(&mut p);
    p
}

fn set_email(p: &mut Person, key: &str) {
    if key.is_empty() {
        return;
    }
    p.email = key.to_owned();
    p.email_local = email_local(key).collect();
}

/// See [`Person::email_local`]: the local part of an email key without
/// its `+tag` and anything but letters and digits.
pub(crate) fn email_local(key: &str) -> impl Iterator<Item = char> + '_ {
    let local = key.split('@').next().unwrap_or("");
    let local = local.split('+').next().unwrap_or("");
    local.chars().filter(|c| c.is_ascii_alphanumeric())
}

/// See [`Person::city_key`].
pub fn city_key(city: &str) -> String {
    let folded = fold_key(city);
    let mut out = String::with_capacity(folded.len());
    for w in folded.split(' ') {
        let w = match w {
            "st" => "saint",
            "ste" => "sainte",
            "cedex" | "e" | "er" | "eme" | "arrondissement" | "arr" | "" => continue,
            w if w.bytes().next().is_some_and(|b| b.is_ascii_digit()) => continue,
            w => w,
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

fn finish(p: &mut Person) {
    p.first_ph = french_phonetic(&p.first);
    p.last_ph = french_phonetic(&p.last);
}

/// The comparable form of every record of `n`, in parallel.
pub fn people(n: &Normalised) -> Vec<Person> {
    (0..n.rows)
        .into_par_iter()
        .map(|i| person_of(n, i))
        .collect()
}

/// The sides fuzzy matching compares, encoded as they are read: the list
/// whole, then the client file batch by batch ([`crate::link::LinkInputs`]).
pub struct Sides(folded::Encoding);

impl Sides {
    pub fn new(list: &Normalised) -> Sides {
        let mut encoding = folded::Encoding::default();
        encoding.add(0, &Rows(list));
        Sides(encoding)
    }

    /// The next batch of the client file.
    pub fn add_clients(&mut self, batch: &Normalised) {
        self.0.add(1, &Rows(batch));
    }
}

/// A normalised file as a [`folded::Source`]: its cells, read as
/// [`person_of`] reads them (the encoder folds them).
struct Rows<'a>(&'a Normalised);

impl Rows<'_> {
    /// The first-name, last-name and full-name cells of a row.
    fn name_cells(&self, row: usize) -> (Option<&str>, Option<&str>, Option<&str>) {
        let n = self.0;
        (
            n.first_name.get(row),
            n.last_name.get(row),
            n.full_name.get(row),
        )
    }
}

impl folded::Source for Rows<'_> {
    fn len(&self) -> usize {
        self.0.rows
    }
    fn names(&self, row: usize) -> folded::Names<'_> {
        let (first, last, full) = self.name_cells(row);
        folded::Names::Cells(first, last, full)
    }
    fn email(&self, row: usize) -> folded::Email<'_> {
        // A role address (`contact@`) is shared: not evidence of a person.
        folded::Email::Key(match &self.0.email[row] {
            Some(e) if !matches!(e.class, EmailClass::Invalid | EmailClass::Role) => e.key(),
            _ => "",
        })
    }
    fn street(&self, row: usize) -> folded::Street<'_> {
        folded::Street::Line(self.0.address_line1.get(row))
    }
    fn postcode(&self, row: usize) -> &str {
        self.0.postcode.get(row).unwrap_or("")
    }
    fn city(&self, row: usize) -> folded::City<'_> {
        folded::City::Cell(self.0.city.get(row))
    }
    fn siren(&self, row: usize) -> &str {
        match &self.0.siren[row] {
            Some(s) if s.valid => &s.digits,
            _ => "",
        }
    }
    fn phones(&self, row: usize) -> [&str; 4] {
        let (mut mobiles, mut landlines) = (0, 2);
        let mut out = [""; 4];
        for ph in [&self.0.mobile[row], &self.0.phone[row]]
            .into_iter()
            .flatten()
        {
            if let Some(e164) = &ph.e164 {
                match ph.kind {
                    PhoneKind::Mobile => {
                        out[mobiles] = e164.as_str();
                        mobiles += 1;
                    }
                    PhoneKind::Invalid => {}
                    _ => {
                        out[landlines] = e164.as_str();
                        landlines += 1;
                    }
                }
            }
        }
        out
    }
}

/// A folded full name ("Jean Dupont" in one cell) as its first words and
/// its last word, the last name. A first-name cell, when there is one,
/// wins over the first words.
pub(crate) fn full_name_parts(folded: &str) -> (&str, &str) {
    folded.rsplit_once(' ').unwrap_or(("", folded))
}

/// Row `i` of a normalised file as a comparable record.
pub fn person_of(n: &Normalised, i: usize) -> Person {
    let mut p = Person::default();
    // Every field as the encoder reads it (one reading of a row).
    let cells = Rows(n);
    let (first, last, full) = cells.name_cells(i);
    match (first, last, full) {
        (f, Some(l), _) => {
            p.first = f.map(fold_key).unwrap_or_default();
            p.last = fold_key(l);
        }
        (f, None, Some(full)) => {
            let k = fold_key(full);
            let (rest, last) = full_name_parts(&k);
            p.last = last.to_owned();
            p.first = f.map_or_else(|| rest.to_owned(), fold_key);
        }
        (Some(f), None, None) => p.first = fold_key(f),
        (None, None, None) => {}
    }
    if let folded::Email::Key(key) = folded::Source::email(&cells, i) {
        set_email(&mut p, key);
    }
    let phones = folded::Source::phones(&cells, i);
    p.mobile = phones[..2]
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| (*v).to_owned())
        .collect();
    p.landline = phones[2..]
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| (*v).to_owned())
        .collect();
    if let Some(line) = n.address_line1.get(i) {
        (p.street_no, p.street) = street_parts(line);
    }
    p.postcode = folded::Source::postcode(&cells, i).to_owned();
    p.city_key = n.city.get(i).map(city_key).unwrap_or_default();
    p.siren = folded::Source::siren(&cells, i).to_owned();
    finish(&mut p);
    p
}

/// What was decided about a scored pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Merged (or linked to the client).
    Match,
    /// Between the two thresholds: listed for review, not merged.
    Review,
    /// Scored as a match, but joining would chain unrelated records (the
    /// cluster would exceed `max_cluster`, or the two clusters' first
    /// records do not reach the review threshold together).
    RefusedChain,
    /// A match with a client, but another client scored higher.
    NotBest,
    /// A person answered `no_match` for this pair (`--labels`).
    LabelledNoMatch,
    /// Scored as a match, but the first names clearly differ (see
    /// [`FuzzySettings::first_name_guard`]).
    RefusedFirstName,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Match => "match",
            Decision::Review => "review",
            Decision::RefusedChain => "refused_chain",
            Decision::NotBest => "not_best",
            Decision::LabelledNoMatch => "no_match_labelled",
            Decision::RefusedFirstName => "refused_first_names",
        }
    }
}

/// Duplicate inside the list, or list row against a client row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    Duplicate,
    Client,
    /// A list row against a postal objection (an opposition entry with a
    /// name and an address).
    Opposition,
}

/// One scored pair at or above the review probability.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    pub kind: PairKind,
    /// List row.
    pub row: usize,
    /// The other list row (`Duplicate`), the client row (`Client`) or the
    /// objection entry (`Opposition`).
    pub other: usize,
    pub gamma: Gamma,
    pub score: Score,
    pub decision: Decision,
    /// The person's answer, when `--labels` gave one.
    pub label: Option<bool>,
}

impl ScoredPair {
    pub fn probability(&self) -> f64 {
        self.score.probability()
    }
}

/// Counts for the summary and the benches.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FuzzyStats {
    pub candidate_pairs_within: usize,
    pub candidate_pairs_across: usize,
    /// Blocks too big to compare whole, scanned with a window instead.
    pub windowed_blocks: usize,
    /// Records in at least one windowed block (each still meets its
    /// neighbours there, and everyone through its other keys).
    pub windowed_records: usize,
    pub duplicate_links: usize,
    pub client_links: usize,
    pub opposition_links: usize,
    pub review_pairs: usize,
    pub refused_chain: usize,
    /// Pairs at or above the decision refused because the first names differ.
    pub refused_first_names: usize,
}

/// The fuzzy stage's result.
#[derive(Debug, Default)]
pub struct FuzzyLinks {
    /// Sorted by list row, then kind, then the other row.
    pub pairs: Vec<ScoredPair>,
    pub stats: FuzzyStats,
    /// The model that scored the pairs (none when fuzzy matching is off).
    pub model: Option<Model>,
    /// The answers of `--labels` against the model's decisions.
    pub labels: Option<LabelStats>,
}

/// Weight thresholds (log2 odds) of the settings' probabilities.
#[derive(Debug, Clone, Copy)]
struct Thresholds {
    matched: f32,
    client: f32,
    review: f32,
}

impl Thresholds {
    fn of(s: &FuzzySettings) -> Thresholds {
        Thresholds {
            matched: model::weight_of(s.match_probability),
            client: model::weight_of(s.client_probability),
            review: model::weight_of(s.review_probability),
        }
    }
}

/// How many pairs ahead [`score_blocked`] asks for the record it will
/// read: enough to cover a memory access at a few tens of nanoseconds per
/// pair.
pub(super) const PREFETCH_AHEAD: usize = 8;

/// How many rows ahead [`score_blocked`] asks for the blocks it will read.
const ROWS_AHEAD: u32 = 2;

/// Asks the processor to bring `r` into the cache (a hint: nothing is read,
/// nothing can fail; elsewhere than x86-64, nothing is done). The next
/// cache line is asked for too when the value runs into it (a [`Rec`] is
/// one aligned line and never does).
#[inline(always)]
pub(super) fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = (r as *const T).cast::<i8>();
        // SAFETY: a prefetch is a hint that never faults and reads nothing
        // into the program; `p` comes from a reference, so it is valid
        // (and `wrapping_add` makes no claim on the address after it).
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(p);
            if (p as usize) % 64 + std::mem::size_of::<T>() > 64 {
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64));
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// A scored pair kept: list row, other row, levels, score.
type Kept = (u32, u32, Gamma, Score);

/// Scores every candidate pair of one side of `blocks` (inside the list,
/// or across to the other file), list row by list row
/// ([`block::Blocking::candidates_of`]), keeping those at or above
/// `review`; returns them in pair order and the number of candidate pairs. `keep` drops the pairs with nothing to learn (already joined).
fn score_blocked(
    blocks: &block::Blocking,
    across: bool,
    scorer: &Scorer,
    review: f32,
    (d, left, right): (&Dicts, &[Rec], &[Rec]),
    keep: &(impl Fn(u32, u32) -> bool + Sync),
    (bar, timing): (&dyn crate::progress::Bar, bool),
) -> (Vec<Kept>, usize) {
    let side = if across {
        PairSide::Across
    } else {
        PairSide::Within
    };
    let t = std::time::Instant::now();
    let mut scored = Vec::new();
    let (mut candidates, mut raw_all) = (0, 0);
    let n = blocks.list_len() as u32;
    // Row by row, in row order, so the pairs come out sorted; a group of
    // rows at a time, so the progress bar moves.
    const GROUP: u32 = 1 << 16;
    const CHUNK: u32 = 1 << 10;
    for lo in (0..n).step_by(GROUP as usize) {
        let hi = (lo + GROUP).min(n);
        let parts: Vec<(Vec<Kept>, usize, u64)> = (lo..hi)
            .step_by(CHUNK as usize)
            .collect::<Vec<u32>>()
            .into_par_iter()
            .map_init(compare::Memo::new, |memo, from| {
                let mut out = Vec::new();
                let (mut unique, mut raw) = (0, 0);
                let mut others = Vec::new();
                for i in from..(from + CHUNK).min(hi) {
                    // The blocks of a row a little ahead are asked for now
                    // (they are scattered), then this row's first records.
                    for place in blocks.places_of(i + ROWS_AHEAD) {
                        prefetch(place);
                    }
                    raw += blocks.candidates_of(i, across, &mut others);
                    unique += others.len();
                    // Filtered in a loop of its own: `keep` reads a random
                    // row's cluster, and a loop of independent reads waits
                    // for them all at once instead of one per comparison.
                    others.retain(|&j| keep(i, j));
                    for &j in others.iter().take(PREFETCH_AHEAD) {
                        prefetch(&right[j as usize]);
                    }
                    let a = &left[i as usize];
                    for (at, &j) in others.iter().enumerate() {
                        // The record a few pairs ahead is asked for now:
                        // it is a random one of millions, and waiting for
                        // it was most of a comparison.
                        if let Some(&ahead) = others.get(at + PREFETCH_AHEAD) {
                            prefetch(&right[ahead as usize]);
                        }
                        let b = &right[j as usize];
                        // Most pairs are ruled out before all their texts
                        // are read.
                        let Some(g) = compare::compare_while(d.view(a), d.view(b), memo, |sets| {
                            scorer.may_reach(sets, side, review)
                        }) else {
                            continue;
                        };
                        let s = scorer.score(&g, d.view(b), side);
                        if s.weight >= review {
                            out.push((i, j, g, s));
                        }
                    }
                }
                (out, unique, raw)
            })
            .collect();
        let mut raw_group = 0;
        for (out, unique, raw) in parts {
            scored.extend(out);
            candidates += unique;
            raw_group += raw;
        }
        raw_all += raw_group;
        bar.inc(raw_group);
    }
    if timing {
        eprintln!(
            "fuzzy pairs (across {across}): {:.2} s ({raw_all} raw, {candidates} unique, {} kept)",
            t.elapsed().as_secs_f64(),
            scored.len()
        );
    }
    (scored, candidates)
}

/// The model of this run: given, fixed, or trained on the run's records,
/// with the first-name guard it applies: as set, or decided from the
/// pairs at one address ([`households`]; with `--model` and `auto`, as
/// that model was, and nothing is counted).
fn model_for(settings: &FuzzySettings, d: &Dicts, list: &[Rec], clients: &[Rec]) -> Model {
    let evidence = || households::Evidence::of(d, &[list, clients]);
    let decided = |given: Option<&model::GuardUse>| match (settings.first_name_guard, given) {
        (FirstNameGuard::On, _) => model::GuardUse::set(true, evidence()),
        (FirstNameGuard::Off, _) => model::GuardUse::set(false, evidence()),
        (FirstNameGuard::Auto, Some(g)) => g.clone(),
        (FirstNameGuard::Auto, None) => model::GuardUse::from_data(evidence()),
    };
    match (&settings.source, &settings.model) {
        (ModelSource::File { .. }, Some(m)) => Model {
            first_name_guard: decided(Some(&m.first_name_guard)),
            ..m.clone()
        },
        (ModelSource::Fixed, _) => Model {
            first_name_guard: decided(None),
            ..Model::default()
        },
        _ => {
            let guard = decided(None);
            model::train(
                d,
                list,
                clients,
                &Training {
                    timing: settings.timing,
                    first_name_guard: guard.applied,
                    ..settings.training.clone()
                },
            )
            .with_guard(guard)
        }
    }
}

/// Links the list inside itself and to the client file. `uf` holds the
/// exact-key clusters; fuzzy duplicates are joined into it. `exact_client`
/// is the client each row already matched exactly (those rows are not
/// linked again); `postal` the opposition entries that carry a name.
/// `labels` are a person's answers, resolved to rows: they override the
/// model's decision on their pairs. Returns the client each row matched
/// fuzzily and the channels postal objections matched fuzzily deny.
pub(crate) fn link_fuzzy(
    settings: &FuzzySettings,
    n: usize,
    sides: Option<Sides>,
    uf: &mut UnionFind,
    exact_client: &[Option<usize>],
    postal: &[(Person, super::ChannelMask)],
    labels: &[Label],
) -> (FuzzyLinks, Vec<Option<usize>>, Vec<super::ChannelMask>) {
    let mut fuzzy_client = vec![None; n];
    // No sides: fuzzy matching is off (`LinkInputs` encodes them when on).
    let Some(Sides(mut encoding)) = sides else {
        return (FuzzyLinks::default(), fuzzy_client, vec![0; n]);
    };
    let timing = settings.timing;
    let mut t0 = std::time::Instant::now();
    let mut lap = |what: &str| {
        if timing {
            eprintln!("fuzzy {what}: {:.2} s", t0.elapsed().as_secs_f64());
            t0 = std::time::Instant::now();
        }
    };
    // The list and the client file were encoded as they were read (no
    // client side when there is no client file: it has no records); the
    // postal objections come last.
    encoding.add(2, &postal);
    let folded = encoding.finish();
    let d = &folded.dicts;
    let (lp, cp, op) = (&folded.sides[0], &folded.sides[1], &folded.sides[2]);
    lap("encoding");
    let model = model_for(settings, d, lp, cp);
    // From here the guard is what the model applies, never `Auto`.
    let settings = &FuzzySettings {
        first_name_guard: match model.first_name_guard.applied {
            true => FirstNameGuard::On,
            false => FirstNameGuard::Off,
        },
        ..settings.clone()
    };
    let scorer = Scorer::new(&model, lp.len(), cp.len());
    let th = Thresholds::of(settings);
    lap("model");
    let blocks = block::blocking(
        d,
        lp,
        cp,
        settings.max_block,
        settings.window,
        settings.sorted_window,
    );
    if timing {
        eprintln!("fuzzy blocks: {}", blocks.describe());
    }
    lap("blocking");
    let mut stats = FuzzyStats {
        windowed_blocks: blocks.windowed_blocks,
        windowed_records: blocks.windowed_records,
        ..FuzzyStats::default()
    };
    let bar = settings.progress.pairs("fuzzy", blocks.raw_pairs);

    // Inside the list: pairs the exact keys already joined add nothing.
    // As `u32` (rows are, see `block`): the check reads a random row's
    // root for every candidate pair, and half the bytes stay in cache.
    let roots: Vec<u32> = (0..n).map(|i| uf.find(i) as u32).collect();
    let (mut scored, within) = score_blocked(
        &blocks,
        false,
        &scorer,
        th.review,
        (d, lp, lp),
        &|i, j| roots[i as usize] != roots[j as usize],
        (bar.as_ref(), timing),
    );
    stats.candidate_pairs_within = within;
    // Labelled pairs are decided whatever their score or their blocks.
    let label_of = |kind: PairKind| -> HashMap<(u32, u32), bool> {
        labels
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| {
                let (a, b) = (l.row as u32, l.other as u32);
                let key = if kind == PairKind::Duplicate {
                    (a.min(b), a.max(b))
                } else {
                    (a, b)
                };
                (key, l.is_match)
            })
            .collect()
    };
    let dup_labels = label_of(PairKind::Duplicate);
    add_labelled(
        &mut scored,
        &dup_labels,
        |i, j| roots[i as usize] != roots[j as usize],
        |i, j| {
            let (a, b) = (&lp[i as usize], &lp[j as usize]);
            let g = compare::compare(d.view(a), d.view(b));
            (g, scorer.score(&g, d.view(b), PairSide::Within))
        },
    );
    lap("scoring within");
    let mut pairs = link_within(settings, &scorer, d, lp, uf, scored, &dup_labels);
    lap("clustering");

    // Against the client file: the best client at or above the threshold.
    let (mut scored, across) = score_blocked(
        &blocks,
        true,
        &scorer,
        th.review,
        (d, lp, cp),
        &|i, _| exact_client[i as usize].is_none(),
        (bar.as_ref(), timing),
    );
    drop(blocks);
    stats.candidate_pairs_across = across;
    let client_labels = label_of(PairKind::Client);
    add_labelled(
        &mut scored,
        &client_labels,
        |i, _| exact_client[i as usize].is_none(),
        |i, j| {
            let (a, b) = (&lp[i as usize], &cp[j as usize]);
            let g = compare::compare(d.view(a), d.view(b));
            (g, scorer.score(&g, d.view(b), PairSide::Across))
        },
    );
    lap("scoring across");
    // `scored` is sorted by list row (the candidates were).
    let mut start = 0;
    while start < scored.len() {
        let row = scored[start].0;
        let end = start + scored[start..].partition_point(|x| x.0 == row);
        let group = &scored[start..end];
        let label = |x: &(u32, u32, Gamma, Score)| client_labels.get(&(x.0, x.1)).copied();
        let guarded = |x: &(u32, u32, Gamma, Score)| {
            settings.first_name_guard.applies() && compare::first_names_differ(&x.2)
        };
        let strongest = |a: &&(u32, u32, Gamma, Score), b: &&(u32, u32, Gamma, Score)| {
            a.3.weight.total_cmp(&b.3.weight).then(b.1.cmp(&a.1))
        };
        // A client a person confirmed wins; one they refused never does.
        let best = group
            .iter()
            .filter(|x| label(x) == Some(true))
            .max_by(strongest)
            .or_else(|| {
                group
                    .iter()
                    .filter(|x| x.3.weight >= th.client && label(x).is_none() && !guarded(x))
                    .max_by(strongest)
            })
            .map(|x| x.1);
        for x in group {
            let &(i, j, g, s) = x;
            let decision = if label(x) == Some(false) {
                Decision::LabelledNoMatch
            } else if Some(j) == best {
                Decision::Match
            } else if s.weight < th.client {
                Decision::Review
            } else if guarded(x) {
                Decision::RefusedFirstName
            } else {
                Decision::NotBest
            };
            pairs.push(ScoredPair {
                kind: PairKind::Client,
                row: i as usize,
                other: j as usize,
                gamma: g,
                score: s,
                decision,
                label: label(x),
            });
        }
        if let Some(b) = best {
            fuzzy_client[row as usize] = Some(b as usize);
        }
        start = end;
    }

    bar.finish_and_clear();
    lap("best client");

    // Postal objections: every entry at or above the client threshold
    // binds the row (fail closed: no "best" among objections).
    let mut opposed = vec![0; n];
    if !postal.is_empty() {
        let blocks = block::blocking(
            d,
            lp,
            op,
            settings.max_block,
            settings.window,
            settings.sorted_window,
        );
        // An objection is one person in a file of its own: the prior is
        // that of a client.
        let scorer = Scorer::new(&model, lp.len(), cp.len().max(op.len()));
        let (scored, across) = score_blocked(
            &blocks,
            true,
            &scorer,
            th.review,
            (d, lp, op),
            &|_, _| true,
            (
                crate::progress::Progress::hidden().pairs("", 0).as_ref(),
                timing,
            ),
        );
        stats.candidate_pairs_across += across;
        for (i, j, g, s) in scored {
            let decision = if s.weight < th.client {
                Decision::Review
            } else if settings.first_name_guard.applies() && compare::first_names_differ(&g) {
                Decision::RefusedFirstName
            } else {
                opposed[i as usize] |= postal[j as usize].1;
                Decision::Match
            };
            pairs.push(ScoredPair {
                kind: PairKind::Opposition,
                row: i as usize,
                other: j as usize,
                gamma: g,
                score: s,
                decision,
                label: None,
            });
        }
    }

    lap("postal objections");
    pairs.sort_by_key(|p| (p.row, p.kind as u8, p.other));
    for p in &pairs {
        match (p.kind, p.decision) {
            (PairKind::Duplicate, Decision::Match) => stats.duplicate_links += 1,
            (PairKind::Client, Decision::Match) => stats.client_links += 1,
            (PairKind::Opposition, Decision::Match) => stats.opposition_links += 1,
            (_, Decision::Review) => stats.review_pairs += 1,
            (_, Decision::RefusedChain) => stats.refused_chain += 1,
            (_, Decision::RefusedFirstName) => stats.refused_first_names += 1,
            _ => {}
        }
    }
    let label_stats = settings.labels.as_ref().map(|file| {
        let mut ls = LabelStats::of(file);
        for p in pairs.iter().filter(|p| p.label.is_some()) {
            let is_match = p.label == Some(true);
            ls.applicable += 1;
            if is_match {
                ls.labelled_match += 1;
            } else {
                ls.labelled_no_match += 1;
            }
            let floor = if p.kind == PairKind::Duplicate {
                th.matched
            } else {
                th.client
            };
            if p.score.weight >= floor {
                ls.model_matches += 1;
                ls.model_correct += usize::from(is_match);
            }
        }
        ls.finish();
        ls
    });
    lap("sort and count");
    (
        FuzzyLinks {
            pairs,
            stats,
            model: Some(model),
            labels: label_stats,
        },
        fuzzy_client,
        opposed,
    )
}

/// Joins the matching pairs strongest first, with the chaining guard: a
/// fuzzy link may not make a cluster larger than `max_cluster`, and when it
/// would join two clusters that already have several records, their first
/// records must reach the review probability against each other (so A~B
/// and B~C do not merge A with an unrelated C through B alone).
pub(crate) fn link_within(
    settings: &FuzzySettings,
    scorer: &Scorer,
    d: &Dicts,
    people: &[Rec],
    uf: &mut UnionFind,
    mut scored: Vec<(u32, u32, Gamma, Score)>,
    labels: &HashMap<(u32, u32), bool>,
) -> Vec<ScoredPair> {
    let th = Thresholds::of(settings);
    scored.sort_by(|a, b| {
        b.3.weight
            .total_cmp(&a.3.weight)
            .then((a.0, a.1).cmp(&(b.0, b.1)))
    });
    let mut first_of: HashMap<usize, usize> = HashMap::new();
    // Members of the clusters a fuzzy link touched, by root.
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    // The lowest row of each multi-record cluster, by root (a singleton is
    // its own first record).
    fn first(uf: &mut UnionFind, first_of: &mut HashMap<usize, usize>, x: usize) -> usize {
        let r = uf.find(x);
        *first_of.entry(r).or_insert(x)
    }
    let mut out = Vec::with_capacity(scored.len());
    for (i, j, g, s) in scored {
        let label = labels.get(&(i.min(j), i.max(j))).copied();
        let (i, j) = (i as usize, j as usize);
        let decision = if label == Some(false) {
            Decision::LabelledNoMatch
        } else if label == Some(true) {
            // A person said so: joined whatever the score and the guards.
            let (ri, rj) = (uf.find(i), uf.find(j));
            if ri != rj {
                let mut joined = members.remove(&ri).unwrap_or_else(|| vec![i]);
                joined.extend(members.remove(&rj).unwrap_or_else(|| vec![j]));
                let lowest = first(uf, &mut first_of, i).min(first(uf, &mut first_of, j));
                uf.union(i, j);
                let r = uf.find(i);
                members.insert(r, joined);
                first_of.insert(r, lowest);
            }
            Decision::Match
        } else if s.weight < th.matched {
            Decision::Review
        } else if settings.first_name_guard.applies() && compare::first_names_differ(&g) {
            Decision::RefusedFirstName
        } else {
            let (ri, rj) = (uf.find(i), uf.find(j));
            if ri == rj {
                Decision::Match
            } else if (uf.size[ri] + uf.size[rj]) as usize > settings.max_cluster {
                Decision::RefusedChain
            } else {
                let (fi, fj) = (first(uf, &mut first_of, i), first(uf, &mut first_of, j));
                let anchors_agree = uf.size[ri] == 1 || uf.size[rj] == 1 || {
                    let (a, b) = (&people[fi], &people[fj]);
                    scorer
                        .score(
                            &compare::compare(d.view(a), d.view(b)),
                            d.view(b),
                            PairSide::Within,
                        )
                        .weight
                        >= th.review
                };
                if anchors_agree
                    && !(settings.first_name_guard.applies()
                        && first_names_conflict(uf, &mut members, i, j, d, people))
                {
                    let mut joined = members.remove(&ri).unwrap_or_else(|| vec![i]);
                    joined.extend(members.remove(&rj).unwrap_or_else(|| vec![j]));
                    uf.union(i, j);
                    members.insert(uf.find(i), joined);
                    let r = uf.find(i);
                    let lowest = fi.min(fj);
                    first_of.insert(r, lowest);
                    Decision::Match
                } else {
                    Decision::RefusedChain
                }
            }
        };
        out.push(ScoredPair {
            kind: PairKind::Duplicate,
            row: i,
            other: j,
            gamma: g,
            score: s,
            decision,
            label,
        });
    }
    out
}

/// Adds the labelled pairs that scoring left out (below the review
/// probability, or in no shared block) and that `keep` accepts, scored by
/// `score`, keeping `scored` sorted by row then other row.
fn add_labelled(
    scored: &mut Vec<(u32, u32, Gamma, Score)>,
    labels: &HashMap<(u32, u32), bool>,
    keep: impl Fn(u32, u32) -> bool,
    score: impl Fn(u32, u32) -> (Gamma, Score),
) {
    if labels.is_empty() {
        return;
    }
    let present: HashSet<(u32, u32)> = scored.iter().map(|x| (x.0, x.1)).collect();
    let mut missing: Vec<(u32, u32)> = labels
        .keys()
        .copied()
        .filter(|k| !present.contains(k) && keep(k.0, k.1))
        .collect();
    missing.sort_unstable();
    for (i, j) in missing {
        let (g, s) = score(i, j);
        scored.push((i, j, g, s));
    }
    scored.sort_by_key(|x| (x.0, x.1));
}

/// Whether joining the clusters of `i` and `j` would put two clearly
/// different first names in one cluster (straight or swapped, initials
/// allowed). A household shares a last name, an address and a landline;
/// a record without a first name would otherwise chain its members.
/// Exact-key clusters the fuzzy stage has not touched yet are seen only
/// through `i` and `j` themselves.
fn first_names_conflict(
    uf: &mut UnionFind,
    members: &mut HashMap<usize, Vec<usize>>,
    i: usize,
    j: usize,
    d: &Dicts,
    people: &[Rec],
) -> bool {
    const DIFFER: u8 = 5;
    let level = |a: &str, b: &str, x: &str, y: &str| compare::first_name_level(a, b, x, y);
    let (ri, rj) = (uf.find(i), uf.find(j));
    let a = members.get(&ri).cloned().unwrap_or_else(|| vec![i]);
    let b = members.get(&rj).cloned().unwrap_or_else(|| vec![j]);
    a.iter().any(|&x| {
        b.iter().any(|&y| {
            let (p, q) = (d.view(&people[x]), d.view(&people[y]));
            let straight = level(p.first(), q.first(), p.first_ph(), q.first_ph()) == DIFFER;
            let swapped = level(p.first(), q.last(), p.first_ph(), q.last_ph()) != DIFFER
                && level(p.last(), q.first(), p.last_ph(), q.first_ph()) != DIFFER
                && p.r.first != 0
                && q.r.last != 0;
            straight && !swapped
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encoding a normalised file's cells (folded once per distinct cell)
    /// gives the codes, dictionaries and rarities of encoding its
    /// [`Person`]s, on both sides, with repeated, full-name-only,
    /// first-name-only, role-address and two-phone records.
    #[test]
    fn cells_encode_as_their_people_do() {
        use polars::prelude::*;
        let list = df!(
            "first_name" => [Some("Jean"), Some("JEAN"), None, Some("Marie-Hélène"), Some("Léa"), None, Some("Jean"), Some("Pierre")],
            "last_name" => [Some("Dupont"), Some("Dupont"), None, Some("Martin"), None, None, Some("Jean"), None],
            "full_name" => [None, None, Some("Paul de la Tour"), None, None, Some("Zoé"), None, Some("Paul Durand")],
            "email" => [Some("j.dupont+news@x.fr"), Some("contact@dupont.fr"), None, Some("mh@x.fr"), Some("not an email"), None, Some("J.Dupont@X.fr"), None],
            "mobile" => [Some("06 12 34 56 78"), None, Some("0712345678"), None, None, None, Some("06 12 34 56 78"), None],
            "phone" => [Some("01 45 67 89 01"), Some("06 98 76 54 32"), None, Some("12"), None, None, None, None],
            "address_line1" => [Some("12 bis av. du Gal Leclerc"), Some("12 bis av. du Gal Leclerc"), Some("r. de la Gare"), None, Some("3 BD Voltaire"), None, Some("12 Bis Av du Gal Leclerc"), Some("5 rue R")],
            "postcode" => [Some("75002"), Some("75002"), None, Some("93200"), Some("69003"), None, Some("75002"), Some("13001")],
            "city" => [Some("Paris 2e"), Some("PARIS"), None, Some("St Denis CEDEX"), Some("Lyon"), Some("Paris 2e"), Some("Paris"), None],
            "siren" => [Some("552 081 317"), None, Some("123456789"), None, None, None, Some("552081317"), None],
        )
        .unwrap();
        let clients = list.slice(2, 5);
        let (list, clients) = (
            crate::normalise::records::normalise_frame(&list),
            crate::normalise::records::normalise_frame(&clients),
        );
        let cells = Folded::encode(&[&Rows(&list), &Rows(&clients)]);
        let people = Folded::new(&[&people(&list), &people(&clients)]);
        assert_eq!(cells.sides, people.sides);
        let texts = |d: &folded::Dict| {
            (0..d.len() as u32)
                .map(|c| d.get(c).to_owned())
                .collect::<Vec<_>>()
        };
        let all = |f: &Folded| {
            let d = &f.dicts;
            [
                &d.name,
                &d.phonetic,
                &d.email,
                &d.email_local,
                &d.number,
                &d.street,
                &d.postcode,
                &d.city,
                &d.siren,
                &d.phone,
            ]
            .map(texts)
        };
        assert_eq!(all(&cells), all(&people));
        // The cases are there: a full name split, a role address dropped,
        // two phones of one record.
        assert!(all(&cells)[0].contains(&"tour".to_owned()));
        assert_eq!(cells.view(0, 7).first(), "pierre");
        assert_eq!(cells.view(0, 7).last(), "durand");
        assert_eq!(cells.sides[0][1].email, 0);
        assert_ne!(cells.sides[0][0].landline[0], 0);
        assert_ne!(cells.sides[0][0].mobile[0], 0);
    }

    #[test]
    fn street_types_are_written_out_and_numbers_split() {
        assert_eq!(
            street_parts("12 bis av. du Gal Leclerc"),
            ("12b".into(), "avenue du gal leclerc".into())
        );
        assert_eq!(
            street_parts("3 BD Voltaire"),
            ("3".into(), "boulevard voltaire".into())
        );
        assert_eq!(
            street_parts("r. de la Gare"),
            ("".into(), "rue de la gare".into())
        );
        // Only the first word is a street type: "rue du r" keeps its "r".
        assert_eq!(street_parts("5 rue R"), ("5".into(), "rue r".into()));
        assert_eq!(street_parts("Avenue Foch").1, street_parts("av Foch").1);
    }

    #[test]
    fn cities_fold_without_arrondissement_or_cedex() {
        assert_eq!(city_key("PARIS 11e arrondissement"), "paris");
        assert_eq!(city_key("Lyon 3ème"), "lyon");
        assert_eq!(city_key("St-Denis CEDEX 2"), "saint denis");
        assert_eq!(city_key("Ste Foy"), "sainte foy");
    }

    #[test]
    fn accents_case_and_email_dots_fold() {
        let a = person_from_parts(
            "Élodie",
            "LEFÈVRE",
            "",
            "",
            "E.Lefevre+promo@Gmail.com",
            "",
            &[],
        );
        assert_eq!(a.first, "elodie");
        assert_eq!(a.last, "lefevre");
        assert_eq!(a.email_local, "elefevre");
    }

    fn uf_for(n: usize) -> UnionFind {
        UnionFind::new(n)
    }

    /// A scored pair of weight `w` (the levels do not matter here).
    fn sc(i: u32, j: u32, w: f32) -> (u32, u32, Gamma, Score) {
        let s = Score {
            weight: w,
            prior: 0.0,
            fields: [0.0; compare::NF],
            tf: [0.0; compare::NF],
        };
        (i, j, Gamma::default(), s)
    }

    /// [`link_within`] over [`Person`]s, encoded for the test.
    fn within(
        s: &FuzzySettings,
        scorer: &Scorer,
        people: &[Person],
        uf: &mut UnionFind,
        scored: Vec<(u32, u32, Gamma, Score)>,
        labels: &HashMap<(u32, u32), bool>,
    ) -> Vec<ScoredPair> {
        let f = Folded::new(&[people]);
        link_within(s, scorer, &f.dicts, &f.sides[0], uf, scored, labels)
    }

    fn scorer(n: usize) -> Scorer {
        Scorer::new(&Model::default(), n, 0)
    }

    #[test]
    fn a_bad_link_does_not_chain_two_clusters() {
        let s = FuzzySettings::default();
        // Two people, two records each; one bad pair (1, 2) links them.
        let people = vec![
            person_from_parts("Jean", "Dupont", "12 rue de la Paix", "75002", "", "", &[]),
            person_from_parts("Jean", "Dupont", "12 r de la Paix", "75002", "", "", &[]),
            person_from_parts("Claire", "Morel", "4 place Bellecour", "69002", "", "", &[]),
            person_from_parts("Claire", "Morel", "4 pl Bellecour", "69002", "", "", &[]),
        ];
        let mut uf = uf_for(4);
        let scored = vec![sc(0, 1, 14.0), sc(2, 3, 14.0), sc(1, 2, 9.5)];
        let out = within(&s, &scorer(4), &people, &mut uf, scored, &HashMap::new());
        let bad = out.iter().find(|p| (p.row, p.other) == (1, 2)).unwrap();
        assert_eq!(bad.decision, Decision::RefusedChain);
        assert_eq!(uf.find(0), uf.find(1));
        assert_ne!(uf.find(1), uf.find(2));
    }

    #[test]
    fn a_record_without_first_name_does_not_join_two_relatives() {
        let s = FuzzySettings::default();
        let people = vec![
            person_from_parts("Hélène", "Riy", "218 chemin Greac", "73670", "", "", &[]),
            person_from_parts("", "Riy", "218 ch Greac", "73670", "", "", &[]),
            person_from_parts("Noémie", "Riy", "218 chemin Greac", "73670", "", "", &[]),
        ];
        let mut uf = uf_for(3);
        let out = within(
            &s,
            &scorer(3),
            &people,
            &mut uf,
            vec![sc(0, 1, 11.0), sc(1, 2, 10.5)],
            &HashMap::new(),
        );
        assert_eq!(out[0].decision, Decision::Match);
        assert_eq!(out[1].decision, Decision::RefusedChain);
        assert_ne!(uf.find(0), uf.find(2));
    }

    #[test]
    fn clusters_stop_at_max_cluster() {
        let s = FuzzySettings {
            max_cluster: 2,
            ..FuzzySettings::default()
        };
        let people = vec![person_from_parts("Jean", "Dupont", "", "75002", "", "", &[]); 3];
        let mut uf = uf_for(3);
        let out = within(
            &s,
            &scorer(3),
            &people,
            &mut uf,
            vec![sc(0, 1, 12.0), sc(1, 2, 11.0)],
            &HashMap::new(),
        );
        assert_eq!(out[0].decision, Decision::Match);
        assert_eq!(out[1].decision, Decision::RefusedChain);
    }

    #[test]
    fn pairs_between_thresholds_are_listed_not_merged() {
        let s = FuzzySettings::default();
        let people = vec![person_from_parts("Jean", "Dupont", "", "75002", "", "", &[]); 2];
        let mut uf = uf_for(2);
        // Probability 2/3: above the review probability, below the match one.
        let out = within(
            &s,
            &scorer(2),
            &people,
            &mut uf,
            vec![sc(0, 1, 1.0)],
            &HashMap::new(),
        );
        assert_eq!(out[0].decision, Decision::Review);
        assert_ne!(uf.find(0), uf.find(1));
    }

    #[test]
    fn labels_override_the_model_both_ways() {
        let s = FuzzySettings::default();
        let people = vec![person_from_parts("Jean", "Dupont", "", "75002", "", "", &[]); 4];
        let mut uf = uf_for(4);
        let labels: HashMap<(u32, u32), bool> = [((0, 1), false), ((2, 3), true)].into();
        let out = within(
            &s,
            &scorer(4),
            &people,
            &mut uf,
            vec![sc(0, 1, 20.0), sc(2, 3, -5.0)],
            &labels,
        );
        assert_eq!(out[0].decision, Decision::LabelledNoMatch);
        assert_eq!(out[0].label, Some(false));
        assert_ne!(uf.find(0), uf.find(1));
        assert_eq!(out[1].decision, Decision::Match);
        assert_eq!(uf.find(2), uf.find(3));
    }
}
