//! Comparison vectors. In: two [`Person`]s. Out: a [`Gamma`], the agreement
//! level of every compared field, the input of the Fellegi-Sunter model
//! ([`super::model`]). No weight is decided here: what a level is worth is
//! learnt from each run's data (or read from a saved model).
//!
//! Level 0 of every field is "missing on either side": it is neither for
//! nor against a match (its weight is 0, as in Splink and fastLink). The
//! other levels go from the strongest agreement to `differ`, so that a
//! comparison is a handful of small integers: pairs with the same vector
//! are counted once during estimation (fastLink's trick), and a vector
//! packs into a `u16`.
//!
//! Postcode and city are one field, `locality`, with joint levels: they
//! carry the same evidence, and the model assumes fields independent given
//! the match status, so two separate fields would count a shared town
//! twice.

use serde::{Deserialize, Serialize};

use super::folded::{Dicts, Folded, Rec, View, ONE_LETTER, WORDS};
use super::Person;

/// The compared fields, in audit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FirstName,
    LastName,
    Email,
    Phone,
    Street,
    Locality,
    Siren,
}

/// Number of compared fields.
pub const NF: usize = 7;

pub const FIELDS: [Field; NF] = [
    Field::FirstName,
    Field::LastName,
    Field::Email,
    Field::Phone,
    Field::Street,
    Field::Locality,
    Field::Siren,
];

/// Most levels of a field, `missing` included.
pub const MAX_LEVELS: usize = 6;

/// Levels of a name (first or last), by index.
const NAME_LEVELS: &[&str] = &["missing", "exact", "close", "fuzzy", "initial", "differ"];
/// A name's levels `exact` and `differ` (indices of [`NAME_LEVELS`]).
pub const NAME_EXACT: u8 = 1;
pub const NAME_DIFFER: u8 = 5;

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Street => "street",
            Field::Locality => "locality",
            Field::Siren => "siren",
        }
    }

    /// The level names of this field, index 0 (`missing`) first. What each
    /// means is documented in `schemas/model.md`.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::FirstName | Field::LastName => NAME_LEVELS,
            Field::Email => &["missing", "exact", "same_local_part", "differ"],
            Field::Phone => &["missing", "mobile", "landline", "differ"],
            Field::Street => &[
                "missing",
                "exact",
                "close",
                "close_no_number",
                "fuzzy_same_number",
                "differ",
            ],
            Field::Locality => &[
                "missing",
                "postcode",
                "postcode_typo_same_city",
                "city",
                "department",
                "differ",
            ],
            Field::Siren => &["missing", "exact", "differ"],
        }
    }

    /// The level whose weight gets a term-frequency adjustment (the exact
    /// agreement on a value), if this field has one.
    pub fn tf_level(self) -> Option<u8> {
        match self {
            Field::FirstName | Field::LastName | Field::Locality => Some(1),
            _ => None,
        }
    }
}

/// The agreement level of every field, plus whether the names agreed once
/// first and last were swapped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Gamma {
    pub level: [u8; NF],
    pub swapped: bool,
}

impl Gamma {
    pub fn get(&self, f: Field) -> u8 {
        self.level[f as usize]
    }

    /// The vector as one number (mixed radix), for counting patterns.
    pub fn pack(&self) -> u16 {
        let mut k: u32 = 0;
        for f in FIELDS {
            k = k * f.levels().len() as u32 + u32::from(self.level[f as usize]);
        }
        k as u16
    }

    pub fn unpack(mut k: u16) -> Gamma {
        let mut g = Gamma::default();
        for f in FIELDS.iter().rev() {
            let n = f.levels().len() as u16;
            g.level[*f as usize] = (k % n) as u8;
            k /= n;
        }
        g
    }

    /// `last_name;first_name~initial;locality`: the fields that agreed, with
    /// the level when not the strongest.
    pub fn agreed(&self) -> String {
        let mut out = Vec::new();
        for f in FIELDS {
            let l = self.get(f) as usize;
            let names = f.levels();
            if l == 0 || l == names.len() - 1 {
                continue;
            }
            if l == 1 {
                out.push(f.as_str().to_owned());
            } else {
                out.push(format!("{}~{}", f.as_str(), names[l]));
            }
        }
        if self.swapped {
            out.push("names_swapped".into());
        }
        out.join(";")
    }

    pub fn disagreed(&self) -> String {
        FIELDS
            .iter()
            .filter(|f| self.get(**f) as usize == f.levels().len() - 1)
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Jaro-Winkler at or above this is a close spelling (one or two typos in
/// a name of six letters or more; `martin`/`martine` is 0.97, `martin`/
/// `marin` 0.96).
const CLOSE: f64 = 0.92;
/// ... and at or above this a distant one (`dupont`/`dupuis` 0.82,
/// `martin`/`morel` 0.6): worth something only if the data says so.
const FUZZY: f64 = 0.80;

fn is_initial(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() == 1 && long.as_bytes()[0] == short.as_bytes()[0]
}

/// Whether `short` is the initials of the words of the compound `long`:
/// `t o` or `to` for `theo olivier`, `jp` for `jean pierre`. Called for
/// most pairs of different names, so it allocates nothing and gives up as
/// soon as `long` has one word or `short` cannot be initials.
fn initials_of(short: &str, long: &str) -> bool {
    let (s, l) = (short.as_bytes(), long.as_bytes());
    if !l.contains(&b' ') {
        return false;
    }
    // The letters of `short`: one-letter words (`t o`), or one word of at
    // most three letters (`to`).
    let spaced = s.contains(&b' ');
    let letters_ok = if spaced {
        short.split(' ').all(|w| w.len() == 1)
    } else {
        s.len() <= 3
    };
    if !letters_ok {
        return false;
    }
    let mut letters = s.iter().copied().filter(|c| *c != b' ');
    let mut words = long.split(' ').filter(|w| !w.is_empty());
    let mut n = 0;
    loop {
        match (letters.next(), words.next()) {
            // A compound: two words or more.
            (None, None) => return n >= 2,
            (Some(c), Some(w)) if w.as_bytes()[0] == c => n += 1,
            _ => return false,
        }
    }
}

/// Whether one name is the other with a masculine or feminine ending
/// added (`louis` / `louise`, `jean` / `jeanne`, `julie` / `julien`,
/// `pierre` / `pierrette`, `daniel` / `danielle`, `mael` / `maelle`).
fn gendered_forms(a: &str, b: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "e", "n", "ne", "le", "lle", "te", "tte", "ette", "ine", "nne", "enne", "ienne",
    ];
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 3
        && !short.contains(' ')
        && long.starts_with(short)
        && ENDINGS.contains(&&long[short.len()..])
}

fn first_word(s: &str) -> &str {
    s.split(' ').next().unwrap_or("")
}

/// Whether the two names share a word of three letters or more (a
/// hyphenated or married name against one of its parts).
fn share_a_word(a: &str, b: &str) -> bool {
    (a.contains(' ') || b.contains(' '))
        && a.split(' ')
            .filter(|w| w.len() >= 3)
            .any(|w| b.split(' ').any(|v| v == w))
}

/// Name levels: 1 exact, 2 close, 3 fuzzy, 4 initial, 5 differ; 0 missing.
pub fn name_level(a: &str, b: &str, a_ph: &str, b_ph: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a == b {
        return 1;
    }
    if a.len() == 1 || b.len() == 1 {
        return if is_initial(a, b) { 4 } else { 5 };
    }
    // Compounds are rare: whether either name has a space is asked once,
    // and the rules for compounds are skipped when neither has.
    let (sa, sb) = (a.as_bytes().contains(&b' '), b.as_bytes().contains(&b' '));
    if (sb && initials_of(a, b)) || (sa && initials_of(b, a)) {
        return 4;
    }
    // A compound first name against its first part (`jean pierre` /
    // `jean`) is close; two compounds that share only the first part
    // (`noel stephane` / `noel patrick`) are siblings as often as not.
    if (sa || sb) && first_word(a) == first_word(b) {
        return if sa && sb { 3 } else { 2 };
    }
    // One edit in a name of four letters or more is a typo; Jaro-Winkler
    // misses some of them in short names (`krez` / `kerez` is 0.87).
    if a.len().min(b.len()) >= 4 && within_one_edit(a, b) {
        return 2;
    }
    match jaro_winkler_at_least(a, b, FUZZY) {
        Some(jw) if jw >= CLOSE => 2,
        Some(_) => 3,
        None if (!a_ph.is_empty() && a_ph == b_ph) || ((sa || sb) && share_a_word(a, b)) => 3,
        None => 5,
    }
}

/// [`name_level`] for two first names: their masculine and feminine forms
/// are two people (`julien` / `julie`, `jean` / `jeanne`, `michel` /
/// `michelle`), not a typo. (Surnames have no gender: `martin` /
/// `martine` stays close.)
pub fn first_name_level(a: &str, b: &str, a_ph: &str, b_ph: &str) -> u8 {
    if !a.is_empty() && !b.is_empty() && gendered_forms(a, b) {
        5
    } else {
        name_level(a, b, a_ph, b_ph)
    }
}

/// How good a name level is, for choosing the straight or swapped reading
/// without weights (0 best).
fn name_rank(l: u8) -> u8 {
    match l {
        1 => 0,
        2 => 1,
        3 => 2,
        4 => 3,
        _ => 4,
    }
}

/// Whether both records have a street number and it is the same door:
/// the same digits (`12` and `12b` are one door), from the codes.
fn same_door(a: View, b: View) -> bool {
    let (x, y) = (a.r, b.r);
    x.street_no != 0
        && y.street_no != 0
        && a.d.number_base(x.street_no) == a.d.number_base(y.street_no)
}

/// Street levels: 1 the same street and number, 2 the number and a close
/// name, 3 a close name and a number on one side only, 4 the number and a
/// distant name, 5 differ; 0 missing.
pub fn street_level(a: View, b: View, memo: &mut Memo) -> u8 {
    let (x, y) = (a.r, b.r);
    if x.street == 0 || y.street == 0 {
        return 0;
    }
    let same_no = same_door(a, b);
    let no_missing = x.street_no == 0 || y.street_no == 0;
    if x.street == y.street {
        return if same_no {
            1
        } else if no_missing {
            3
        } else {
            5
        };
    }
    // Two different numbers: another door, whatever the names.
    if !same_no && !no_missing {
        return 5;
    }
    // How close the two names are: 0 below the floor, 1 above it, 2 at
    // 0.88 or more (the floor is 0.88 when the numbers do not agree).
    let (floor, tag) = if same_no {
        (0.70, Memoed::StreetNear)
    } else {
        (0.88, Memoed::StreetClose)
    };
    let close = memo.level(tag, x.street, y.street, || {
        match jaro_winkler_at_least(a.street(), b.street(), floor) {
            None => 0,
            Some(jw) if jw >= 0.88 => 2,
            Some(_) => 1,
        }
    });
    match (close, same_no) {
        (0, _) => 5,
        (2, true) => 2,
        (2, false) => 3,
        (_, true) => 4,
        (_, false) => 5,
    }
}

fn postcode_typo(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let diff: Vec<usize> = (0..x.len()).filter(|&i| x[i] != y[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && x[*i] == y[*j] && x[*j] == y[*i],
        _ => false,
    }
}

/// Locality levels: 1 the same postcode, 2 a postcode one typo apart in the
/// same city, 3 the same city, 4 the same department (first two digits),
/// 5 differ; 0 when neither postcode nor city can be compared.
pub fn locality_level(a: View, b: View, memo: &mut Memo) -> u8 {
    let (x, y) = (a.r, b.r);
    let pcs = x.postcode != 0 && y.postcode != 0;
    let cities = x.city != 0 && y.city != 0;
    if !pcs && !cities {
        return 0;
    }
    if pcs && x.postcode == y.postcode {
        return 1;
    }
    let (pa, pb) = (a.postcode(), b.postcode());
    let same_city = cities
        && (x.city == y.city
            || memo.level(Memoed::City, x.city, y.city, || {
                u8::from(jaro_winkler_at_least(a.city(), b.city(), 0.92).is_some())
            }) == 1);
    if same_city {
        return if pcs && postcode_typo(pa, pb) { 2 } else { 3 };
    }
    if pcs && pa.len() >= 2 && pa.get(..2) == pb.get(..2) {
        return 4;
    }
    5
}

/// Whether an email local part (letters and digits only) is just the
/// person's names: `jeandupont`, `dupontjean`, `jdupont`, `dupontj`,
/// `jean`, `dupont`.
fn made_of_names(local: &str, p: View) -> bool {
    let squash = |s: &str| -> String { s.chars().filter(|c| c.is_ascii_alphanumeric()).collect() };
    let (f, l) = (squash(p.first()), squash(p.last()));
    if l.is_empty() {
        return !f.is_empty() && local == f;
    }
    let i = f.get(..1).unwrap_or("");
    [
        format!("{f}{l}"),
        format!("{l}{f}"),
        format!("{i}{l}"),
        format!("{l}{i}"),
        l.clone(),
        f.clone(),
    ]
    .iter()
    .any(|c| !c.is_empty() && c == local)
}

/// Whether the two records' first names clearly differ: both present,
/// level `differ`, and the swapped reading does not agree either (a
/// relative at the same address, a namesake of the family).
pub fn first_names_differ(g: &Gamma) -> bool {
    g.get(Field::FirstName) == NAME_DIFFER
}

/// Which name of a record.
#[derive(Clone, Copy)]
enum Part {
    First,
    Last,
}

/// A name's code, and (only asked when codes differ) its text and
/// phonetic code.
fn code(v: View, p: Part) -> u32 {
    match p {
        Part::First => v.r.first,
        Part::Last => v.r.last,
    }
}

fn text<'a>(v: View<'a>, p: Part) -> (&'a str, &'a str) {
    match p {
        Part::First => (v.first(), v.first_ph()),
        Part::Last => (v.last(), v.last_ph()),
    }
}

/// A name level from the codes first (an equal code is the same text),
/// the text only when the codes differ: most compared names are equal or
/// missing, and looking a text up is not free at tens of millions of pairs.
fn coded_level(
    (level, tag): NameComparison,
    (a, pa): (View, Part),
    (b, pb): (View, Part),
    memo: &mut Memo,
) -> u8 {
    let (ca, cb) = (code(a, pa), code(b, pb));
    if ca == 0 || cb == 0 {
        0
    } else if ca == cb {
        1
    } else {
        // First and last names share one dictionary: the codes and the
        // level function say it all.
        memo.level(tag, ca, cb, || {
            let ((ta, pha), (tb, phb)) = (text(a, pa), text(b, pb));
            level(ta, tb, pha, phb)
        })
    }
}

/// A name level function (texts and phonetic codes), and where its
/// outcomes are memoised.
type NameComparison = (fn(&str, &str, &str, &str) -> u8, Memoed);

const FIRST: NameComparison = (first_name_level, Memoed::FirstName);
const LAST: NameComparison = (name_level, Memoed::Name);

/// The comparisons of two values [`Memo`] keeps.
#[derive(Clone, Copy)]
enum Memoed {
    FirstName,
    Name,
    /// Street names when the numbers agree (floor 0.70).
    StreetNear,
    /// Street names when a number is missing (floor 0.88).
    StreetClose,
    City,
}

/// How many kinds [`Memo`] keeps: one table each.
const MEMOED: usize = Memoed::City as usize + 1;

/// The outcome of comparing two dictionary values (two names, streets,
/// cities), by their codes: the same two values come back in pair after
/// pair (`marie` / `maria`, the streets of one town), and each costs a
/// Jaro-Winkler. A small table per kind, each slot holding the last pair
/// that hashed there: a miss compares again, so the levels are those of
/// comparing every time. One per worker ([`Memo::new`]); [`Memo::off`]
/// keeps nothing (a one-off comparison).
pub struct Memo {
    slots: Vec<(u64, u8)>,
    bits: u32,
}

impl Memo {
    /// 4,096 slots per kind: 320 KiB, in a core's L2 cache.
    pub fn new() -> Memo {
        Memo::with_bits(12)
    }

    /// `1 << bits` slots per kind.
    fn with_bits(bits: u32) -> Memo {
        Memo {
            slots: vec![(0, 0); MEMOED << bits],
            bits,
        }
    }

    pub fn off() -> Memo {
        Memo {
            slots: Vec::new(),
            bits: 0,
        }
    }

    /// `compare()` for the codes `a` and `b` (neither 0: a missing value
    /// is never compared, so the key 0 marks an empty slot).
    fn level(&mut self, kind: Memoed, a: u32, b: u32, compare: impl FnOnce() -> u8) -> u8 {
        if self.slots.is_empty() {
            return compare();
        }
        let key = (u64::from(a) << 32) | u64::from(b);
        let at = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize;
        let slot = &mut self.slots[(kind as usize) << self.bits | at];
        if slot.0 != key {
            *slot = (key, compare());
        }
        slot.1
    }
}

impl Default for Memo {
    fn default() -> Memo {
        Memo::new()
    }
}

/// Compares two records.
pub fn compare(a: View, b: View) -> Gamma {
    compare_with(a, b, &mut Memo::off())
}

/// [`compare`], remembering value comparisons in `memo` (many pairs).
pub fn compare_with(a: View, b: View, memo: &mut Memo) -> Gamma {
    compare_while(a, b, memo, |_| true).expect("a comparison that is never stopped ends")
}

/// [`compare`], the fields whose level needs no text first: `go_on` is
/// shown the sets of levels still possible (as [`possible`] gives them)
/// first from the codes alone, then after each field that reads texts
/// (street, locality, first name, last name), and stops the comparison
/// (`None`) by answering `false`. Run to the end, the levels are
/// [`compare`]'s: it is this function with a `go_on` that never stops.
pub fn compare_while(
    a: View,
    b: View,
    memo: &mut Memo,
    mut go_on: impl FnMut(&[u8; NF]) -> bool,
) -> Option<Gamma> {
    let (x, y) = (a.r, b.r);
    let mut sets = possible(a, b);
    if !go_on(&sets) {
        return None;
    }
    let mut g = Gamma::default();
    let fix = |g: &mut Gamma, sets: &mut [u8; NF], f: Field, l: u8| {
        g.level[f as usize] = l;
        sets[f as usize] = 1 << l;
    };
    // Phones and SIREN compare by code only: `possible` gave their level.
    for f in [Field::Phone, Field::Siren] {
        g.level[f as usize] = sets[f as usize].trailing_zeros() as u8;
    }
    fix(&mut g, &mut sets, Field::Email, email_level(a, b));
    fix(&mut g, &mut sets, Field::Street, street_level(a, b, memo));
    if !go_on(&sets) {
        return None;
    }
    fix(
        &mut g,
        &mut sets,
        Field::Locality,
        locality_level(a, b, memo),
    );
    if !go_on(&sets) {
        return None;
    }
    let f1 = coded_level(FIRST, (a, Part::First), (b, Part::First), memo);
    // Until the last name is known, the swapped reading may still win.
    let (swap_first, swap_last) = swapped_sets(a, b);
    sets[Field::FirstName as usize] = 1 << f1 | swap_first;
    if !go_on(&sets) {
        return None;
    }
    let l1 = coded_level(LAST, (a, Part::Last), (b, Part::Last), memo);
    let (mut first, mut last) = (f1, l1);
    // Vendors swap the columns: the swapped reading wins when it is
    // strictly better on both names together.
    let all = x.first != 0 && x.last != 0 && y.first != 0 && y.last != 0;
    if all && name_rank(f1) + name_rank(l1) > 1 {
        sets[Field::LastName as usize] = 1 << l1 | swap_last;
        if !go_on(&sets) {
            return None;
        }
        let f2 = coded_level(FIRST, (a, Part::First), (b, Part::Last), memo);
        if name_rank(f2) < 4 {
            let l2 = coded_level(LAST, (a, Part::Last), (b, Part::First), memo);
            if name_rank(f2) + name_rank(l2) < name_rank(f1) + name_rank(l1) {
                (first, last) = (f2, l2);
                g.swapped = true;
            }
        }
    }
    g.level[Field::FirstName as usize] = first;
    g.level[Field::LastName as usize] = last;
    Some(g)
}

fn email_level(a: View, b: View) -> u8 {
    let (x, y) = (a.r, b.r);
    if x.email == 0 || y.email == 0 {
        0
    } else if x.email == y.email {
        1
    } else if x.email_local == y.email_local && a.email_local().len() >= 4 {
        // `jean.dupont@` at two providers is what two namesakes have too:
        // a local part made of the names says nothing the names do not
        // (counting it would count the names twice), so it is neutral.
        if made_of_names(a.email_local(), a) {
            0
        } else {
            2
        }
    } else {
        3
    }
}

/// Phone levels: 1 a shared mobile, 2 a shared landline, 3 phones of one
/// kind on both sides and none shared; 0 otherwise. (A shared mobile is
/// nearly personal; a shared landline is the household's or the
/// switchboard's.)
fn phone_level(x: &Rec, y: &Rec) -> u8 {
    let shared = |p: [u32; 2], q: [u32; 2]| p.iter().any(|c| *c != 0 && q.contains(c));
    let some = |p: [u32; 2]| p[0] != 0 || p[1] != 0;
    if shared(x.mobile, y.mobile) {
        1
    } else if shared(x.landline, y.landline) {
        2
    } else if (some(x.mobile) && some(y.mobile)) || (some(x.landline) && some(y.landline)) {
        3
    } else {
        0
    }
}

fn siren_level(x: &Rec, y: &Rec) -> u8 {
    if x.siren == 0 || y.siren == 0 {
        0
    } else if x.siren == y.siren {
        1
    } else {
        2
    }
}

const fn bit(l: u8) -> u8 {
    1 << l
}

/// The levels two name codes can compare at (see [`name_level`]): equal
/// codes are exact, a one-letter name is an initial or differs, and only
/// names of several words can be initials of each other.
fn name_set(d: &Dicts, a: u32, b: u32) -> u8 {
    if a == 0 || b == 0 {
        bit(0)
    } else if a == b {
        bit(1)
    } else {
        let shape = d.name_shape(a) | d.name_shape(b);
        if shape & ONE_LETTER != 0 {
            bit(4) | bit(5)
        } else if shape & WORDS != 0 {
            bit(2) | bit(3) | bit(4) | bit(5)
        } else {
            bit(2) | bit(3) | bit(5)
        }
    }
}

/// The levels the swapped reading can give the first and the last name
/// (none when it cannot be taken: it needs all four names, and the
/// straight reading not exact on both).
fn swapped_sets(a: View, b: View) -> (u8, u8) {
    let (x, y, d) = (a.r, b.r, a.d);
    let all = x.first != 0 && x.last != 0 && y.first != 0 && y.last != 0;
    if all && !(x.first == y.first && x.last == y.last) {
        (name_set(d, x.first, y.last), name_set(d, x.last, y.first))
    } else {
        (0, 0)
    }
}

/// The levels [`compare`] can give each field of two records, as bit sets
/// (bit `l` for level `l`), from the records' codes and two small tables
/// of the dictionaries (names' shapes, street numbers' digits): no text is
/// read and no string compared. Whatever level `compare` gives a field is
/// in its set (a test checks it over every pair of a sample); a set can
/// hold levels that the texts would rule out. The scorer bounds a pair's
/// weight with it ([`compare_while`]) and stops comparing a pair that can
/// no longer reach the review threshold: most candidate pairs of a big
/// block share a postcode or a surname and little else.
pub fn possible(a: View, b: View) -> [u8; NF] {
    let (x, y, d) = (a.r, b.r, a.d);
    let mut out = [0u8; NF];
    let (swap_first, swap_last) = swapped_sets(a, b);
    out[Field::FirstName as usize] = name_set(d, x.first, y.first) | swap_first;
    out[Field::LastName as usize] = name_set(d, x.last, y.last) | swap_last;
    out[Field::Email as usize] = if x.email == 0 || y.email == 0 {
        bit(0)
    } else if x.email == y.email {
        bit(1)
    } else if x.email_local == y.email_local {
        // Neutral when made of the names, `differ` when too short.
        bit(0) | bit(2) | bit(3)
    } else {
        bit(3)
    };
    out[Field::Phone as usize] = bit(phone_level(x, y));
    let numbers = x.street_no != 0 && y.street_no != 0;
    let same_no = same_door(a, b);
    out[Field::Street as usize] = match (x.street == 0 || y.street == 0, x.street == y.street) {
        (true, _) => bit(0),
        (false, true) if !numbers => bit(3),
        (false, true) if same_no => bit(1),
        (false, true) => bit(5),
        (false, false) if !numbers => bit(3) | bit(5),
        (false, false) if same_no => bit(2) | bit(4) | bit(5),
        (false, false) => bit(5),
    };
    let pcs = x.postcode != 0 && y.postcode != 0;
    let cities = x.city != 0 && y.city != 0;
    out[Field::Locality as usize] = if !pcs && !cities {
        bit(0)
    } else if pcs && x.postcode == y.postcode {
        bit(1)
    } else {
        // The same city: possible when both have one, sure when it is one
        // code (two codes can still be one town, by Jaro-Winkler).
        let (same, other) = (cities, !(cities && x.city == y.city));
        let mut set = 0;
        if same {
            set |= if pcs { bit(2) | bit(3) } else { bit(3) };
        }
        if other {
            set |= if pcs { bit(4) | bit(5) } else { bit(5) };
        }
        set
    };
    out[Field::Siren as usize] = bit(siren_level(x, y));
    out
}

/// [`compare`] of two [`Person`]s, encoded for the occasion (tests,
/// benches, a one-off comparison; the pipeline encodes each side once).
pub fn compare_people(a: &Person, b: &Person) -> Gamma {
    let f = Folded::new(&[std::slice::from_ref(a), std::slice::from_ref(b)]);
    compare(f.view(0, 0), f.view(1, 0))
}

/// [`jaro_winkler`] when it is at least `floor`, else `None`; most pairs of
/// different values are ruled out without computing it, from an upper
/// bound: the Jaro similarity cannot exceed `(m/|a| + m/|b| + 1) / 3` with
/// `m` at most the letters the two strings have in common (counted per
/// letter, ignoring positions), and the Winkler boost is monotone in it.
pub fn jaro_winkler_at_least(a: &str, b: &str, floor: f64) -> Option<f64> {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    // The bound counts bytes: only ASCII strings (folded values nearly
    // always are) have as many bytes as letters.
    if !x.is_empty() && !y.is_empty() && a.is_ascii() && b.is_ascii() {
        let mut counts = [0i16; 64];
        for &c in x {
            counts[usize::from(c & 63)] += 1;
        }
        let mut common = 0usize;
        for &c in y {
            let k = &mut counts[usize::from(c & 63)];
            if *k > 0 {
                *k -= 1;
                common += 1;
            }
        }
        let m = common as f64;
        let jaro = if common == 0 {
            0.0
        } else {
            (m / x.len() as f64 + m / y.len() as f64 + 1.0) / 3.0
        };
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        let bound = if jaro > 0.7 {
            jaro + 0.1 * prefix as f64 * (1.0 - jaro)
        } else {
            jaro
        };
        if bound + 1e-9 < floor {
            return None;
        }
    }
    let jw = jaro_winkler(a, b);
    (jw >= floor).then_some(jw)
}

/// `strsim::jaro_winkler`, without its allocation and char decoding when
/// both strings are ASCII and at most 64 bytes (folded names and streets
/// nearly always are): the same algorithm, the same float operations in the
/// same order, so the same result to the bit (a test checks it).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > 64 || y.len() > 64 {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro_ascii(x, y);
    if sim > 0.7 {
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

fn jaro_ascii(a: &[u8], b: &[u8]) -> f64 {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let range = (a_len.max(b_len) / 2).saturating_sub(1);
    let (mut a_flags, mut b_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in a.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = b_len.min(i + range + 1);
        for (j, &d) in b.iter().enumerate().take(hi).skip(lo) {
            if b_flags & (1 << j) == 0 && d == c {
                a_flags |= 1 << i;
                b_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &c) in a.iter().enumerate() {
        if a_flags & (1 << i) != 0 {
            while b_flags & (1 << j) == 0 {
                j += 1;
            }
            if b[j] != c {
                transpositions += 1;
            }
            j += 1;
        }
    }
    transpositions /= 2;
    ((matches as f64 / a_len as f64)
        + (matches as f64 / b_len as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// Whether the Damerau-Levenshtein distance of `a` and `b` is at most one
/// (equal, or one letter changed, added, dropped, or two adjacent letters
/// swapped), without building the distance matrix.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return strsim::damerau_levenshtein(a, b) <= 1;
    }
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let Some(i) = short.iter().zip(long).position(|(p, q)| p != q) else {
        return true;
    };
    if short.len() == long.len() {
        short[i + 1..] == long[i + 1..]
            || (i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && short[i + 2..] == long[i + 2..])
    } else {
        short[i..] == long[i + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::fuzzy::person_from_parts;

    fn p(first: &str, last: &str, street: &str, pc: &str) -> Person {
        person_from_parts(first, last, street, pc, "", "", &[])
    }

    /// Names and streets (the first 30), and one-edit variants of the short
    /// ones (accented and long ones take the strsim path).
    fn samples() -> Vec<String> {
        let base = [
            "",
            "a",
            "ab",
            "martin",
            "martine",
            "marin",
            "matrin",
            "krez",
            "kerez",
            "jean",
            "jaen",
            "jean pierre",
            "dupont",
            "dupond",
            "lefevre",
            "lefebvre",
            "riy",
            "roy",
            "avenue du general leclerc",
            "avenue du gal leclerc",
            "rue de la paix",
            "rue de la pais",
            "élodie",
            "elodie",
            "aaaa",
            "aaab",
            "abab",
            "baba",
            "boulevard de la republique prolongee vers le rond point des anciens combattants",
            "boulevard de la republique prolongee vers le rond point des anciens combatants",
        ];
        let mut out: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
        for s in base.iter().filter(|s| s.len() < 30) {
            let c: Vec<char> = s.chars().collect();
            for k in 0..c.len() {
                let mut d = c.clone();
                d.remove(k);
                out.push(d.iter().collect());
                if k + 1 < c.len() {
                    let mut t = c.clone();
                    t.swap(k, k + 1);
                    out.push(t.iter().collect());
                }
                let mut r = c.clone();
                r[k] = 'x';
                out.push(r.iter().collect());
            }
        }
        out
    }

    #[test]
    fn fast_string_metrics_equal_strsim() {
        let s = samples();
        for (a, b) in s
            .iter()
            .flat_map(|a| s[..30].iter().flat_map(move |b| [(a, b), (b, a)]))
        {
            {
                let (fast, slow) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert_eq!(fast.to_bits(), slow.to_bits(), "{a:?} {b:?}");
                assert_eq!(
                    within_one_edit(a, b),
                    strsim::damerau_levenshtein(a, b) <= 1,
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn the_bound_never_rules_out_a_pair_above_the_floor() {
        let s = samples();
        for a in &s {
            for b in &s[..30] {
                for floor in [0.6, 0.7, 0.8, 0.88, 0.92] {
                    let jw = jaro_winkler(a, b);
                    assert_eq!(
                        jaro_winkler_at_least(a, b, floor),
                        (jw >= floor).then_some(jw),
                        "{a:?} {b:?} {floor}"
                    );
                }
            }
        }
    }

    /// Every level `compare` gives is in the set `possible` allows, over
    /// every pair of records drawn from values that reach each branch of
    /// the comparisons (initials, compounds, gendered and swapped names,
    /// street numbers with letters, city typos, shared email local parts).
    #[test]
    fn possible_levels_hold_every_compared_level() {
        use rand::{Rng, SeedableRng};
        let names = [
            "",
            "j",
            "jean",
            "jeanne",
            "jean pierre",
            "jp",
            "dupont",
            "dupond",
            "martin",
            "d",
        ];
        let streets = [
            "",
            "12 rue de la paix",
            "12b rue de la paix",
            "rue de la paix",
            "12 rue de la pais",
            "12 rue des lilas",
            "3 avenue foch",
        ];
        let postcodes = ["", "75001", "75010", "75100", "57100"];
        let cities = ["", "paris", "pariss", "metz"];
        let emails = [
            "",
            "jean.dupont@a.fr",
            "jean.dupont@b.fr",
            "jdx@a.fr",
            "jdx@c.fr",
            "xy@b.fr",
        ];
        let phones: [&[&str]; 4] = [
            &[],
            &["+33612345678"],
            &["+33145678901"],
            &["+33612345678", "+33145678902"],
        ];
        let sirens = ["", "123456789", "987654321"];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        fn pick<T: Copy>(rng: &mut rand_chacha::ChaCha8Rng, xs: &[T]) -> T {
            xs[rng.gen_range(0..xs.len())]
        }
        let people: Vec<Person> = (0..400)
            .map(|_| {
                let mut q = person_from_parts(
                    pick(&mut rng, &names),
                    pick(&mut rng, &names),
                    pick(&mut rng, &streets),
                    pick(&mut rng, &postcodes),
                    pick(&mut rng, &emails),
                    pick(&mut rng, &cities),
                    pick(&mut rng, &phones),
                );
                q.siren = pick(&mut rng, &sirens).to_owned();
                q
            })
            .collect();
        let f = Folded::new(&[&people]);
        let mut seen = [0u8; NF];
        // ... and the scorer's bound from those sets never rules out a pair
        // that scores at or above the floor.
        let model = super::super::model::Model::default();
        let scorer = super::super::model::Scorer::new(&model, 1000, 1000);
        let side = super::super::model::PairSide::Within;
        let floors = [-12.0f32, -2.0, 0.0, 6.0];
        let mut ruled_out = [0usize; 4];
        // One memo for every pair, so small that values evict each other:
        // what it remembers must be what comparing again gives.
        let mut memo = Memo::with_bits(3);
        for i in 0..people.len() {
            for j in 0..people.len() {
                let (a, b) = (f.view(0, i), f.view(0, j));
                let (g, sets) = (compare(a, b), possible(a, b));
                let weight = scorer.score(&g, b, side).weight;
                for (k, floor) in floors.iter().enumerate() {
                    let reach = |sets: &[u8; NF]| scorer.may_reach(sets, side, *floor);
                    let staged = compare_while(a, b, &mut memo, reach);
                    assert!(
                        staged == Some(g) || (staged.is_none() && weight < *floor),
                        "{weight} >= {floor} stopped, or another vector: {staged:?} {g:?}"
                    );
                    ruled_out[k] += usize::from(staged.is_none());
                }
                for fi in 0..NF {
                    assert!(
                        sets[fi] & (1 << g.level[fi]) != 0,
                        "{:?} level {} not in {:#b}: {:?} / {:?}",
                        FIELDS[fi],
                        g.level[fi],
                        sets[fi],
                        people[i],
                        people[j]
                    );
                    seen[fi] |= 1 << g.level[fi];
                }
            }
        }
        // The sample reaches every level of every field, and the bound
        // rules pairs out (more as the floor rises).
        for f in FIELDS {
            assert_eq!(
                seen[f as usize].count_ones() as usize,
                f.levels().len(),
                "{f:?} {:#b}",
                seen[f as usize]
            );
        }
        assert!(
            ruled_out[1] > 0 && ruled_out.windows(2).all(|w| w[0] <= w[1]),
            "{ruled_out:?}"
        );
    }

    #[test]
    fn initials_of_compounds_only() {
        assert!(initials_of("t o", "theo olivier"));
        assert!(initials_of("to", "theo olivier"));
        assert!(initials_of("jpm", "jean pierre marc"));
        assert!(!initials_of("jp", "jean"), "one word is no compound");
        assert!(!initials_of("j", "jean pierre"), "too few letters");
        assert!(!initials_of("jpm", "jean pierre"), "too many letters");
        assert!(!initials_of("jm", "jean pierre"));
        assert!(!initials_of("jean", "jean pierre"), "a word, not initials");
        assert!(!initials_of("t  o", "theo olivier"), "an empty word");
    }

    fn lv(a: &str, b: &str) -> u8 {
        let (x, y) = (
            person_from_parts(a, "", "", "", "", "", &[]),
            person_from_parts(b, "", "", "", "", "", &[]),
        );
        first_name_level(&x.first, &y.first, &x.first_ph, &y.first_ph)
    }

    #[test]
    fn names_compare_by_level() {
        assert_eq!(lv("martin", "martin"), 1);
        assert_eq!(lv("martin", "marin"), 2);
        assert_eq!(lv("krez", "kerez"), 2);
        assert_eq!(lv("jean pierre", "jean"), 2);
        assert_eq!(lv("michel", "michaud"), 3, "Jaro-Winkler 0.85");
        assert_eq!(lv("dupont", "dupuis"), 5, "Jaro-Winkler 0.67");
        assert_eq!(lv("lefebvre", "lefeuvre"), 2);
        assert_eq!(lv("dupont martin", "martin"), 3, "a married name");
        assert_eq!(lv("j", "jean"), 4);
        assert_eq!(lv("T.-O.", "Théo-Olivier"), 4);
        assert_eq!(lv("JP", "Jean-Pierre"), 4);
        assert_eq!(lv("JP", "Jean-Marc"), 5);
        assert_eq!(
            lv("Noël-Stéphane", "Noël-Patrick"),
            3,
            "siblings' compounds"
        );
        for (m, f) in [
            ("Julien", "Julie"),
            ("Jean", "Jeanne"),
            ("Louis", "Louise"),
            ("Michel", "Michelle"),
            ("Pierre", "Pierrette"),
            ("Maël", "Maëlle"),
        ] {
            assert_eq!(lv(m, f), 5, "{m} / {f}");
        }
        assert_eq!(lv("Julien", "Jullien"), 2, "a typo is still close");
        assert_eq!(
            name_level("martin", "martine", "", ""),
            2,
            "surnames have no gender"
        );
        assert_eq!(lv("p", "jean"), 5);
        assert_eq!(lv("riy", "roy"), 5);
        assert_eq!(lv("martin", "dupont"), 5);
        assert_eq!(lv("", "dupont"), 0);
    }

    #[test]
    fn every_vector_packs_and_unpacks() {
        let all: usize = FIELDS.iter().map(|f| f.levels().len()).product();
        assert!(all <= usize::from(u16::MAX) + 1);
        for k in (0..all).step_by(7).chain([all - 1]) {
            let g = Gamma::unpack(k as u16);
            for f in FIELDS {
                assert!((g.get(f) as usize) < f.levels().len());
            }
            assert_eq!(usize::from(g.pack()), k);
        }
    }

    #[test]
    fn swapped_names_compare_swapped() {
        let a = p("Jean", "Dupont", "12 rue de la Paix", "75002");
        let b = p("Dupont", "Jean", "12 r. de la Paix", "75002");
        let g = compare_people(&a, &b);
        assert!(g.swapped);
        assert_eq!(g.get(Field::FirstName), 1);
        assert_eq!(g.get(Field::LastName), 1);
        assert_eq!(g.get(Field::Street), 1, "street types are expanded");
        assert_eq!(g.get(Field::Locality), 1);
        assert_eq!(
            g.agreed(),
            "first_name;last_name;street;locality;names_swapped"
        );
    }

    #[test]
    fn streets_and_localities_have_graded_levels() {
        let a = p("Jean", "Dupont", "12 boulevard Voltaire", "75011");
        let pair = |a: &Person, b: &Person| {
            let f = Folded::new(&[std::slice::from_ref(a), std::slice::from_ref(b)]);
            (
                street_level(f.view(0, 0), f.view(1, 0), &mut Memo::off()),
                locality_level(f.view(0, 0), f.view(1, 0), &mut Memo::off()),
            )
        };
        let locality_level = |a: &Person, b: &Person| pair(a, b).1;
        let lvl = |b: &Person| pair(&a, b);
        assert_eq!(
            lvl(&p("", "", "14 bd Voltaire", "75011")),
            (5, 1),
            "a neighbour"
        );
        assert_eq!(lvl(&p("", "", "12 bd Voltaira", "75011")), (2, 1));
        assert_eq!(lvl(&p("", "", "bd Voltaire", "75101")).0, 3);
        let mut b = p("", "", "12 bis bd Voltaire", "75101");
        b.city_key = a.city_key.clone();
        assert_eq!(lvl(&b).0, 1, "bis is the same door");
        let c = person_from_parts("", "", "", "75101", "", "Paris 11e", &[]);
        let d = person_from_parts("", "", "", "75011", "", "PARIS", &[]);
        assert_eq!(
            locality_level(&c, &d),
            2,
            "a postcode typo in the same city"
        );
        let e = person_from_parts("", "", "", "", "", "Paris", &[]);
        assert_eq!(locality_level(&c, &e), 3);
        assert_eq!(locality_level(&a, &p("", "", "", "75020")), 4);
        assert_eq!(locality_level(&a, &p("", "", "", "69002")), 5);
        assert_eq!(locality_level(&a, &p("", "", "", "")), 0);
    }

    #[test]
    fn reformatted_phones_and_emails_agree() {
        let a = person_from_parts(
            "Jean",
            "Dupont",
            "",
            "",
            "jd.75@gmail.com",
            "",
            &["+33612345678"],
        );
        let b = person_from_parts(
            "Jean",
            "Dupond",
            "",
            "",
            "jd75@orange.fr",
            "",
            &["+33612345678"],
        );
        let g = compare_people(&a, &b);
        assert_eq!(g.get(Field::Phone), 1);
        assert_eq!(g.get(Field::Email), 2);
        assert_eq!(g.get(Field::LastName), 2);
        assert_eq!(
            g.agreed(),
            "first_name;last_name~close;email~same_local_part;phone"
        );
        // A local part made of the names is no evidence of its own.
        let c = person_from_parts("Jean", "Dupont", "", "", "jean.dupont@free.fr", "", &[]);
        let d = person_from_parts("Jean", "Dupont", "", "", "jeandupont@orange.fr", "", &[]);
        assert_eq!(compare_people(&c, &d).get(Field::Email), 0);
    }
}
