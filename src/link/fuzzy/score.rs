//! Pair scoring. In: two [`Person`]s. Out: a score (a sum of log2 weights,
//! Fellegi-Sunter style: each field's agreement level adds its weight) and
//! the agreement level of every field, for the audit file.
//!
//! A field missing on either side is [`Level::Missing`] and adds nothing:
//! unknown is neither for nor against. First and last names are compared
//! straight and swapped, and the better reading wins (vendors swap the
//! columns). City only counts when a postcode is missing, because the two
//! carry the same evidence and counting both would count it twice.

use serde::{Deserialize, Serialize};

use super::Person;

/// How two values of one field compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    #[default]
    Missing,
    Exact,
    /// Close but not equal (a typo, a compound first name, the landline of
    /// a household, the same email local part at another provider).
    Close,
    /// One side is an initial of the other.
    Initial,
    Differ,
}

/// The compared fields, in audit order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    FirstName,
    LastName,
    Email,
    Phone,
    Street,
    Postcode,
    City,
    Siren,
}

pub const FIELDS: [Field; 8] = [
    Field::FirstName,
    Field::LastName,
    Field::Email,
    Field::Phone,
    Field::Street,
    Field::Postcode,
    Field::City,
    Field::Siren,
];

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Street => "street",
            Field::Postcode => "postcode",
            Field::City => "city",
            Field::Siren => "siren",
        }
    }
}

/// Agreement level per field, plus whether the names matched swapped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Levels {
    pub level: [Level; 8],
    pub swapped: bool,
}

impl Levels {
    pub fn get(&self, f: Field) -> Level {
        self.level[f as usize]
    }
    /// `last_name;first_name~initial;postcode`: the fields that agreed, a
    /// suffix saying how when not exactly.
    pub fn agreed(&self) -> String {
        let mut out = Vec::new();
        for f in FIELDS {
            let s = match self.get(f) {
                Level::Exact => f.as_str().to_owned(),
                Level::Close => format!("{}~close", f.as_str()),
                Level::Initial => format!("{}~initial", f.as_str()),
                _ => continue,
            };
            out.push(s);
        }
        if self.swapped {
            out.push("names_swapped".into());
        }
        out.join(";")
    }
    pub fn disagreed(&self) -> String {
        FIELDS
            .iter()
            .filter(|f| self.get(**f) == Level::Differ)
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Log2 weights of every agreement level (positive: evidence for a match,
/// negative: against). Defaults are set by hand from what the levels mean
/// in French lists (a mobile number is nearly personal, a landline is the
/// household's; a different first name at the same address is usually a
/// relative) and checked on the generator's ground truth (README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub first_exact: f32,
    pub first_close: f32,
    pub first_initial: f32,
    pub first_differ: f32,
    pub last_exact: f32,
    pub last_close: f32,
    pub last_initial: f32,
    pub last_differ: f32,
    pub names_swapped: f32,
    pub email_exact: f32,
    pub email_local: f32,
    pub email_differ: f32,
    pub mobile_exact: f32,
    pub landline_shared: f32,
    pub phone_differ: f32,
    pub street_exact: f32,
    pub street_close: f32,
    pub street_differ: f32,
    pub postcode_exact: f32,
    pub postcode_differ: f32,
    pub city_exact: f32,
    pub city_differ: f32,
    pub siren_exact: f32,
    pub siren_differ: f32,
    /// Largest term-frequency adjustment of an exact name agreement, either
    /// way; 0 (the default) turns term frequencies off: on the linkage
    /// generator's data they cost a little recall and gained no precision
    /// (README, "Fuzzy matching"). Try 1 or 2 on lists with very skewed names.
    pub tf_cap: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            first_exact: 3.0,
            first_close: 2.0,
            first_initial: 1.0,
            first_differ: -7.0,
            last_exact: 4.5,
            last_close: 2.5,
            last_initial: 0.5,
            last_differ: -5.0,
            names_swapped: -0.5,
            email_exact: 9.0,
            email_local: 2.5,
            email_differ: -0.5,
            mobile_exact: 8.0,
            landline_shared: 2.0,
            phone_differ: -1.0,
            street_exact: 4.0,
            street_close: 2.0,
            street_differ: -3.0,
            postcode_exact: 2.5,
            postcode_differ: -2.0,
            city_exact: 2.0,
            city_differ: -1.0,
            siren_exact: 1.0,
            siren_differ: -1.0,
            tf_cap: 0.0,
        }
    }
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

/// Jaro-Winkler at or above this is a close spelling (one or two typos in
/// a name of six letters or more; `martin`/`martine` is 0.97, `martin`/
/// `marin` 0.96, `martin`/`morel` 0.6).
const CLOSE: f64 = 0.88;

fn is_initial(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() == 1 && long.as_bytes()[0] == short.as_bytes()[0]
}

/// Compares two folded names (`""` is missing).
pub fn name_level(a: &str, b: &str) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a == b {
        return Level::Exact;
    }
    if a.len() == 1 || b.len() == 1 {
        return if is_initial(a, b) {
            Level::Initial
        } else {
            Level::Differ
        };
    }
    // A compound first name against its first part (`jean pierre` / `jean`),
    // or the same words in another order (`marie anne` / `anne marie`).
    fn first_word(s: &str) -> &str {
        s.split(' ').next().unwrap_or("")
    }
    if (a.contains(' ') || b.contains(' ')) && first_word(a) == first_word(b) {
        return Level::Close;
    }
    // One edit (a letter dropped, added, changed or two swapped) in a name
    // of four letters or more is a typo; Jaro-Winkler misses some of them
    // in short names (`krez` / `kerez` is 0.87).
    if jaro_winkler(a, b) >= CLOSE || (a.len().min(b.len()) >= 4 && within_one_edit(a, b)) {
        Level::Close
    } else {
        Level::Differ
    }
}

fn name_weight(w: &Weights, l: Level, first: bool) -> f32 {
    match (l, first) {
        (Level::Exact, true) => w.first_exact,
        (Level::Close, true) => w.first_close,
        (Level::Initial, true) => w.first_initial,
        (Level::Differ, true) => w.first_differ,
        (Level::Exact, false) => w.last_exact,
        (Level::Close, false) => w.last_close,
        (Level::Initial, false) => w.last_initial,
        (Level::Differ, false) => w.last_differ,
        (Level::Missing, _) => 0.0,
    }
}

fn eq_level(a: &str, b: &str) -> Level {
    if a.is_empty() || b.is_empty() {
        Level::Missing
    } else if a == b {
        Level::Exact
    } else {
        Level::Differ
    }
}

/// Scores a pair; `levels` says why.
pub fn score(w: &Weights, a: &Person, b: &Person) -> (f32, Levels) {
    score_at_least(w, a, b, f32::NEG_INFINITY).expect("no floor")
}

/// [`score`], or `None` when the pair cannot reach `floor`: the names and
/// the fields compared by equality are scored first, and when even the
/// best street (and city) weight would leave the pair below `floor`, the
/// street and city Jaro-Winkler are not computed. A pair that is scored
/// gets the same score, to the bit, as from [`score`] (the terms are added
/// in the same order).
pub fn score_at_least(w: &Weights, a: &Person, b: &Person, floor: f32) -> Option<(f32, Levels)> {
    let mut lv = Levels::default();

    // Names, straight and swapped.
    // An exact agreement on a name counts more when the name is rare; the
    // adjustment is that of the value agreed on (b's, equal to a's).
    let tf = |l: Level, adj: f32| if l == Level::Exact { adj } else { 0.0 };
    let (f1, l1) = (name_level(&a.first, &b.first), name_level(&a.last, &b.last));
    let straight = name_weight(w, f1, true)
        + name_weight(w, l1, false)
        + tf(f1, b.first_tf)
        + tf(l1, b.last_tf);
    let mut names = (straight, f1, l1, false);
    if a.first != a.last && !a.first.is_empty() && !b.first.is_empty() {
        let f2 = name_level(&a.first, &b.last);
        // The swapped reading wins only when it beats the straight one: when
        // even the best last-name agreement cannot make it, `l2` is not
        // computed (a margin covers the rounding of the bound).
        let best_last = w
            .last_exact
            .max(w.last_close)
            .max(w.last_initial)
            .max(w.last_differ);
        let bound = name_weight(w, f2, true)
            + tf(f2, b.last_tf)
            + best_last.max(0.0)
            + b.first_tf.max(0.0)
            + w.names_swapped;
        if bound + 1e-3 > straight {
            let l2 = name_level(&a.last, &b.first);
            let swapped = name_weight(w, f2, true)
                + name_weight(w, l2, false)
                + w.names_swapped
                + tf(f2, b.last_tf)
                + tf(l2, b.first_tf);
            if swapped > straight {
                names = (swapped, f2, l2, true);
            }
        }
    }
    lv.level[Field::FirstName as usize] = names.1;
    lv.level[Field::LastName as usize] = names.2;
    lv.swapped = names.3;

    // Email: the same address, or the same local part elsewhere.
    let email = if a.email.is_empty() || b.email.is_empty() {
        Level::Missing
    } else if a.email == b.email {
        Level::Exact
    } else if a.email_local.len() >= 4 && a.email_local == b.email_local {
        Level::Close
    } else {
        Level::Differ
    };
    let email_w = match email {
        Level::Exact => w.email_exact,
        Level::Close => w.email_local,
        Level::Differ => w.email_differ,
        _ => 0.0,
    };
    lv.level[Field::Email as usize] = email;

    // Phones: a shared mobile is nearly personal; a shared landline is the
    // household's or the switchboard's.
    let shared = |x: &[String], y: &[String]| x.iter().any(|p| y.contains(p));
    let phone = if shared(&a.mobile, &b.mobile) {
        Level::Exact
    } else if shared(&a.landline, &b.landline) {
        Level::Close
    } else if (!a.mobile.is_empty() && !b.mobile.is_empty())
        || (!a.landline.is_empty() && !b.landline.is_empty())
    {
        Level::Differ
    } else {
        Level::Missing
    };
    let phone_w = match phone {
        Level::Exact => w.mobile_exact,
        Level::Close => w.landline_shared,
        Level::Differ => w.phone_differ,
        _ => 0.0,
    };
    lv.level[Field::Phone as usize] = phone;

    let postcode = eq_level(&a.postcode, &b.postcode);
    let postcode_w = exact_or_differ(postcode, w.postcode_exact, w.postcode_differ);
    lv.level[Field::Postcode as usize] = postcode;

    let siren = eq_level(&a.siren, &b.siren);
    let siren_w = exact_or_differ(siren, w.siren_exact, w.siren_differ);
    lv.level[Field::Siren as usize] = siren;

    // The best the street and city could still add; a margin covers the
    // rounding of this partial sum.
    let best_street = w
        .street_exact
        .max(w.street_close)
        .max(w.street_differ)
        .max(0.0);
    let best_city = if postcode == Level::Missing {
        w.city_exact.max(w.city_differ).max(0.0)
    } else {
        0.0
    };
    if names.0 + email_w + phone_w + postcode_w + siren_w + best_street + best_city + 1e-3 < floor {
        return None;
    }

    // Street: the name (types expanded) close, and the house number equal
    // when both have one (a neighbour at another number is someone else).
    let street = if a.street.is_empty() || b.street.is_empty() {
        Level::Missing
    } else {
        let same_name = a.street == b.street || jaro_winkler(&a.street, &b.street) >= 0.9;
        let numbers = eq_level(&a.street_no, &b.street_no);
        match (same_name, numbers) {
            (true, Level::Exact) => Level::Exact,
            (true, Level::Missing) => Level::Close,
            _ => Level::Differ,
        }
    };
    let street_w = match street {
        Level::Exact => w.street_exact,
        Level::Close => w.street_close,
        Level::Differ => w.street_differ,
        _ => 0.0,
    };
    lv.level[Field::Street as usize] = street;

    // City only counts when the postcode is missing (same evidence).
    let city = if a.city.is_empty() || b.city.is_empty() {
        Level::Missing
    } else if a.city == b.city || jaro_winkler(&a.city, &b.city) >= 0.92 {
        Level::Exact
    } else {
        Level::Differ
    };
    lv.level[Field::City as usize] = city;

    // In the order the score has always been summed (f32 addition is not
    // associative).
    let mut s = 0.0f32;
    s += names.0;
    s += email_w;
    s += phone_w;
    s += street_w;
    s += postcode_w;
    if postcode == Level::Missing {
        s += exact_or_differ(city, w.city_exact, w.city_differ);
    }
    s += siren_w;
    Some((s, lv))
}

/// The weight of a field compared for equality only: agreeing, disagreeing,
/// or (missing) nothing.
fn exact_or_differ(level: Level, exact: f32, differ: f32) -> f32 {
    match level {
        Level::Exact => exact,
        Level::Differ => differ,
        _ => 0.0,
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
    fn a_floor_only_drops_pairs_below_it() {
        let w = Weights::default();
        let people = [
            p("Jean", "Dupont", "12 rue de la Paix", "75002"),
            p("Jean", "Dupont", "12 r de la Paix", "75002"),
            p("Claire", "Dupont", "12 rue de la Paix", "75002"),
            p("J.", "Dupond", "", "75002"),
            p("Dupont", "Jean", "14 rue de la Paix", ""),
            p("Jean", "Martin", "3 avenue Foch", "69006"),
            person_from_parts("Jean", "Dupont", "", "", "", "Paris", &["+33612345678"]),
            person_from_parts("Jehan", "Dupond", "", "", "", "Pariss", &["+33612345678"]),
        ];
        let mut dropped = 0;
        for a in &people {
            for b in &people {
                let full = score(&w, a, b);
                for floor in [-5.0, 0.0, 5.0, 7.0, 9.0, 12.0, 20.0] {
                    match score_at_least(&w, a, b, floor) {
                        Some(got) => assert_eq!(got, full),
                        None => {
                            assert!(full.0 < floor, "{a:?} {b:?} {floor}");
                            dropped += 1;
                        }
                    }
                }
            }
        }
        assert!(dropped > 0);
    }

    #[test]
    fn names_compare_by_level() {
        assert_eq!(name_level("martin", "martin"), Level::Exact);
        assert_eq!(name_level("martin", "marin"), Level::Close);
        assert_eq!(name_level("krez", "kerez"), Level::Close);
        assert_eq!(name_level("riy", "roy"), Level::Differ);
        assert_eq!(name_level("j", "jean"), Level::Initial);
        assert_eq!(name_level("p", "jean"), Level::Differ);
        assert_eq!(name_level("jean pierre", "jean"), Level::Close);
        assert_eq!(name_level("martin", "dupont"), Level::Differ);
        assert_eq!(name_level("", "dupont"), Level::Missing);
    }

    #[test]
    fn swapped_names_match_swapped() {
        let w = Weights::default();
        let a = p("Jean", "Dupont", "12 rue de la Paix", "75002");
        let b = p("Dupont", "Jean", "12 r. de la Paix", "75002");
        let (s, lv) = score(&w, &a, &b);
        assert!(lv.swapped);
        assert_eq!(lv.get(Field::FirstName), Level::Exact);
        assert_eq!(lv.get(Field::LastName), Level::Exact);
        assert_eq!(lv.get(Field::Street), Level::Exact);
        assert!(s >= 9.0, "{s}");
    }

    #[test]
    fn an_initial_and_an_abbreviated_street_still_match() {
        let w = Weights::default();
        let a = p("Jean", "Lefèvre", "3 avenue Foch", "69006");
        let b = p("J.", "LEFEVRE", "3 av Foch", "69006");
        let (s, lv) = score(&w, &a, &b);
        assert_eq!(lv.get(Field::FirstName), Level::Initial);
        assert_eq!(
            lv.get(Field::LastName),
            Level::Exact,
            "accents and case fold"
        );
        assert_eq!(lv.get(Field::Street), Level::Exact);
        assert!(s >= 9.0, "{s}");
    }

    #[test]
    fn a_missing_field_is_neither_for_nor_against() {
        let w = Weights::default();
        let a = p("Jean", "Dupont", "12 rue de la Paix", "75002");
        let b = p("Jean", "Dupont", "", "75002");
        let c = p("Jean", "Dupont", "", "");
        let (sb, lb) = score(&w, &a, &b);
        let (sc, _) = score(&w, &a, &c);
        assert_eq!(lb.get(Field::Street), Level::Missing);
        assert_eq!(sb, w.first_exact + w.last_exact + w.postcode_exact);
        assert_eq!(sc, w.first_exact + w.last_exact);
    }

    #[test]
    fn a_relative_at_the_same_address_is_not_a_match() {
        let w = Weights::default();
        let a = p("Jean", "Dupont", "12 rue de la Paix", "75002");
        let b = p("Claire", "Dupont", "12 rue de la Paix", "75002");
        let (s, lv) = score(&w, &a, &b);
        assert_eq!(lv.get(Field::FirstName), Level::Differ);
        assert!(s < 5.0, "{s}");
    }

    #[test]
    fn a_neighbour_at_another_number_disagrees_on_the_street() {
        let w = Weights::default();
        let a = p("Jean", "Dupont", "12 boulevard Voltaire", "75011");
        let b = p("Jean", "Dupont", "14 bd Voltaire", "75011");
        assert_eq!(score(&w, &a, &b).1.get(Field::Street), Level::Differ);
    }

    #[test]
    fn reformatted_phones_and_emails_agree() {
        let w = Weights::default();
        let a = person_from_parts(
            "Jean",
            "Dupont",
            "",
            "",
            "jean.dupont@gmail.com",
            "",
            &["+33612345678"],
        );
        let b = person_from_parts(
            "Jean",
            "Dupond",
            "",
            "",
            "jeandupont@orange.fr",
            "",
            &["+33612345678"],
        );
        let (s, lv) = score(&w, &a, &b);
        assert_eq!(lv.get(Field::Phone), Level::Exact);
        assert_eq!(lv.get(Field::Email), Level::Close);
        assert_eq!(lv.get(Field::LastName), Level::Close);
        assert!(s >= 9.0);
        assert_eq!(lv.agreed(), "first_name;last_name~close;email~close;phone");
    }
}
