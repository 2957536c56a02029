//! Fuzzy matching, after the exact keys. In: the normalised list (and client
//! file), the union-find the exact keys built, and [`FuzzySettings`]. Out:
//! more unions in that union-find (fuzzy duplicates), fuzzy client matches,
//! and every scored pair at or above the review threshold with its
//! decision, for `matches.csv` and the summary.
//!
//! Three steps, each parallel over whole columns: [`block`] (candidate
//! pairs sharing a blocking key, so cost grows about linearly), [`score`]
//! (per-field agreement levels, summed log2 weights), then clustering here:
//! pairs at or above `match_threshold` are joined strongest first, with a
//! guard against chaining (see [`FuzzySettings::max_cluster`] and
//! [`link_within`]). Pairs between `review_threshold` and `match_threshold`
//! are not merged: they are listed for a person to review.
//!
//! This module never drops a row and decides nothing about contactability.

pub mod block;
pub mod score;

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use super::phonetic::french_phonetic;
use super::UnionFind;
use crate::normalise::records::Normalised;
use crate::normalise::{fold_key, EmailClass, PhoneKind};
pub use score::{Level, Levels, Weights};

/// Thresholds and weights (config keys `fuzzy`, `fuzzy_match_threshold`,
/// `fuzzy_client_threshold`, `fuzzy_review_threshold`, `fuzzy_max_block`, `fuzzy_max_cluster`,
/// `fuzzy_weights`).
#[derive(Debug, Clone, Serialize)]
pub struct FuzzySettings {
    pub enabled: bool,
    /// A pair scoring at least this is the same person.
    pub match_threshold: f32,
    /// A list row and a client scoring at least this are the same person.
    /// Lower than `match_threshold` on purpose: missing a client (who may
    /// have objected) is worse than rejecting one prospect as a client.
    pub client_threshold: f32,
    /// A pair scoring at least this (and below the match threshold) is listed
    /// for review, not merged.
    pub review_threshold: f32,
    /// Blocks with more records than this are skipped (see [`block`]).
    pub max_block: usize,
    /// A fuzzy link never makes a cluster larger than this: one person is
    /// rarely on a list more than a few times, and a long chain of fuzzy
    /// links is how unrelated records end up merged.
    pub max_cluster: usize,
    pub weights: Weights,
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
            match_threshold: 9.0,
            client_threshold: 7.0,
            review_threshold: 5.0,
            max_block: 200,
            max_cluster: 8,
            weights: Weights::default(),
            progress: crate::progress::Progress::hidden(),
            timing: false,
        }
    }
}

/// The comparable form of one record: folded, with street types expanded.
/// Empty strings are missing values. One struct per record (not one vector
/// per field) because scoring reads every field of two random records.
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
    pub city: String,
    pub siren: String,
    /// Term-frequency adjustments (log2) of this record's first and last
    /// name: positive for a rare name, negative for a common one; 0 until
    /// [`term_frequencies`] runs.
    pub first_tf: f32,
    pub last_tf: f32,
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
        city: fold_key(city),
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
    let local = key.split('@').next().unwrap_or("");
    let local = local.split('+').next().unwrap_or("");
    p.email_local = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
}

fn finish(p: &mut Person) {
    p.first_ph = french_phonetic(&p.first);
    p.last_ph = french_phonetic(&p.last);
}

/// The comparable form of every record of `n`, in parallel.
pub fn people(n: &Normalised) -> Vec<Person> {
    (0..n.rows)
        .into_par_iter()
        .map(|i| {
            let mut p = Person::default();
            match (&n.first_name[i], &n.last_name[i], &n.full_name[i]) {
                (f, Some(l), _) => {
                    p.first = f.as_deref().map(fold_key).unwrap_or_default();
                    p.last = fold_key(l);
                }
                (f, None, Some(full)) => {
                    // "Jean Dupont" in one cell: the last word is the last
                    // name; a first-name cell wins over the rest.
                    let k = fold_key(full);
                    let (rest, last) = k.rsplit_once(' ').unwrap_or(("", &k));
                    p.last = last.to_owned();
                    p.first = f.as_deref().map_or_else(|| rest.to_owned(), fold_key);
                }
                (Some(f), None, None) => p.first = fold_key(f),
                (None, None, None) => {}
            }
            if let Some(e) = &n.email[i] {
                // A role address (`contact@`) is shared: not evidence of a person.
                if !matches!(e.class, EmailClass::Invalid | EmailClass::Role) {
                    set_email(&mut p, &e.key);
                }
            }
            for ph in [&n.mobile[i], &n.phone[i]].into_iter().flatten() {
                if let Some(e164) = &ph.e164 {
                    match ph.kind {
                        PhoneKind::Mobile => p.mobile.push(e164.clone()),
                        PhoneKind::Invalid => {}
                        _ => p.landline.push(e164.clone()),
                    }
                }
            }
            if let Some(line) = &n.address_line1[i] {
                (p.street_no, p.street) = street_parts(line);
            }
            p.postcode = n.postcode[i].clone().unwrap_or_default();
            p.city = n.city[i].as_deref().map(fold_key).unwrap_or_default();
            if let Some(s) = n.siren[i].as_ref().filter(|s| s.valid) {
                p.siren = s.digits.clone();
            }
            finish(&mut p);
            p
        })
        .collect()
}

/// Sets every record's term-frequency adjustments from the frequencies of
/// first and last names over both files (Fellegi-Sunter with term
/// frequencies, as Splink and fastLink do): agreeing on a name shared by a
/// fraction `u_v` of records is worth `log2(u_avg / u_v)` more than agreeing
/// on an average name, where `u_avg` is the chance that two random records
/// share a name. Capped at `cap` either way, so one very rare or very
/// common name cannot decide alone.
pub fn term_frequencies(sides: &mut [&mut [Person]], cap: f32) {
    for role in [true, false] {
        let name = |p: &Person| {
            if role {
                p.first.clone()
            } else {
                p.last.clone()
            }
        };
        let mut counts: HashMap<String, u32> = HashMap::new();
        let mut total = 0u64;
        for side in sides.iter() {
            for p in side.iter() {
                let v = name(p);
                if !v.is_empty() {
                    *counts.entry(v).or_default() += 1;
                    total += 1;
                }
            }
        }
        if total == 0 {
            continue;
        }
        let n = total as f64;
        let u_avg: f64 = counts.values().map(|&c| (c as f64 / n).powi(2)).sum();
        for side in sides.iter_mut() {
            side.par_iter_mut().for_each(|p| {
                let v = if role { &p.first } else { &p.last };
                let Some(&c) = counts.get(v.as_str()) else {
                    return;
                };
                let adj = ((u_avg / (c as f64 / n)).log2() as f32).clamp(-cap, cap);
                if role {
                    p.first_tf = adj;
                } else {
                    p.last_tf = adj;
                }
            });
        }
    }
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
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Match => "match",
            Decision::Review => "review",
            Decision::RefusedChain => "refused_chain",
            Decision::NotBest => "not_best",
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

/// One scored pair at or above the review threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPair {
    pub kind: PairKind,
    /// List row.
    pub row: usize,
    /// The other list row (`Duplicate`) or the client row (`Client`).
    pub other: usize,
    pub score: f32,
    pub levels: Levels,
    pub decision: Decision,
}

/// Counts for the summary and the benches.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FuzzyStats {
    pub candidate_pairs_within: usize,
    pub candidate_pairs_across: usize,
    pub skipped_blocks: usize,
    pub duplicate_links: usize,
    pub client_links: usize,
    pub opposition_links: usize,
    pub review_pairs: usize,
    pub refused_chain: usize,
}

/// The fuzzy stage's result.
#[derive(Debug, Default)]
pub struct FuzzyLinks {
    /// Sorted by list row, then kind, then the other row.
    pub pairs: Vec<ScoredPair>,
    pub stats: FuzzyStats,
}

fn score_pairs(
    w: &Weights,
    review: f32,
    left: &[Person],
    right: &[Person],
    pairs: &[(u32, u32)],
    bar: &indicatif::ProgressBar,
) -> Vec<(u32, u32, f32, Levels)> {
    pairs
        .par_chunks(8192)
        .flat_map_iter(|chunk| {
            bar.inc(chunk.len() as u64);
            chunk.iter().filter_map(|&(i, j)| {
                let (s, lv) =
                    score::score_at_least(w, &left[i as usize], &right[j as usize], review)?;
                (s >= review).then_some((i, j, s, lv))
            })
        })
        .collect()
}

/// Links the list inside itself and to the client file. `uf` holds the
/// exact-key clusters; fuzzy duplicates are joined into it. `exact_client`
/// is the client each row already matched exactly (those rows are not
/// linked again); `postal` the opposition entries that carry a name.
/// Returns the client each row matched fuzzily and the channels postal
/// objections matched fuzzily deny.
pub(crate) fn link_fuzzy(
    settings: &FuzzySettings,
    list: &Normalised,
    clients: Option<&Normalised>,
    uf: &mut UnionFind,
    exact_client: &[Option<usize>],
    postal: &[(Person, super::ChannelMask)],
) -> (FuzzyLinks, Vec<Option<usize>>, Vec<super::ChannelMask>) {
    let n = list.rows;
    let mut fuzzy_client = vec![None; n];
    if !settings.enabled {
        return (FuzzyLinks::default(), fuzzy_client, vec![0; n]);
    }
    let timing = settings.timing;
    let mut t0 = std::time::Instant::now();
    let mut lap = |what: &str| {
        if timing {
            eprintln!("fuzzy {what}: {:.2} s", t0.elapsed().as_secs_f64());
            t0 = std::time::Instant::now();
        }
    };
    let mut lp = people(list);
    let mut cp = clients.map(people).unwrap_or_default();
    if settings.weights.tf_cap > 0.0 {
        term_frequencies(&mut [&mut lp, &mut cp], settings.weights.tf_cap);
    }
    lap("people");
    let cand = block::candidates(&lp, &cp, settings.max_block);
    lap("blocking");
    let mut stats = FuzzyStats {
        candidate_pairs_within: cand.within.len(),
        candidate_pairs_across: cand.across.len(),
        skipped_blocks: cand.skipped_blocks,
        ..FuzzyStats::default()
    };
    let w = &settings.weights;
    let bar = settings
        .progress
        .pairs("fuzzy", (cand.within.len() + cand.across.len()) as u64);

    // Inside the list: pairs the exact keys already joined add nothing.
    let roots: Vec<usize> = (0..n).map(|i| uf.find(i)).collect();
    let within: Vec<(u32, u32)> = cand
        .within
        .into_iter()
        .filter(|&(i, j)| roots[i as usize] != roots[j as usize])
        .collect();
    let scored = score_pairs(w, settings.review_threshold, &lp, &lp, &within, &bar);
    lap("scoring within");
    let mut pairs = link_within(settings, &lp, uf, scored);
    lap("clustering");

    // Against the client file: the best client at or above the threshold.
    let across: Vec<(u32, u32)> = cand
        .across
        .into_iter()
        .filter(|&(i, _)| exact_client[i as usize].is_none())
        .collect();
    let scored = score_pairs(w, settings.review_threshold, &lp, &cp, &across, &bar);
    lap("scoring across");
    // `scored` is sorted by list row (the candidates were).
    let mut start = 0;
    while start < scored.len() {
        let row = scored[start].0;
        let end = start + scored[start..].partition_point(|x| x.0 == row);
        let group = &scored[start..end];
        let best = group
            .iter()
            .filter(|x| x.2 >= settings.client_threshold)
            .max_by(|a, b| a.2.total_cmp(&b.2).then(b.1.cmp(&a.1)))
            .map(|x| x.1);
        for &(i, j, s, lv) in group {
            let decision = if s < settings.client_threshold {
                Decision::Review
            } else if Some(j) == best {
                Decision::Match
            } else {
                Decision::NotBest
            };
            pairs.push(ScoredPair {
                kind: PairKind::Client,
                row: i as usize,
                other: j as usize,
                score: s,
                levels: lv,
                decision,
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
        let op: Vec<Person> = postal.iter().map(|(p, _)| p.clone()).collect();
        let cand = block::candidates(&lp, &op, settings.max_block);
        stats.candidate_pairs_across += cand.across.len();
        for (i, j, s, lv) in score_pairs(
            w,
            settings.review_threshold,
            &lp,
            &op,
            &cand.across,
            &indicatif::ProgressBar::hidden(),
        ) {
            let decision = if s >= settings.client_threshold {
                opposed[i as usize] |= postal[j as usize].1;
                Decision::Match
            } else {
                Decision::Review
            };
            pairs.push(ScoredPair {
                kind: PairKind::Opposition,
                row: i as usize,
                other: j as usize,
                score: s,
                levels: lv,
                decision,
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
            _ => {}
        }
    }
    lap("sort and count");
    (FuzzyLinks { pairs, stats }, fuzzy_client, opposed)
}

/// Joins the matching pairs strongest first, with the chaining guard: a
/// fuzzy link may not make a cluster larger than `max_cluster`, and when it
/// would join two clusters that already have several records, their first
/// records must reach the review threshold against each other (so A~B and
/// B~C do not merge A with an unrelated C through B alone).
pub(crate) fn link_within(
    settings: &FuzzySettings,
    people: &[Person],
    uf: &mut UnionFind,
    mut scored: Vec<(u32, u32, f32, Levels)>,
) -> Vec<ScoredPair> {
    scored.sort_by(|a, b| b.2.total_cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
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
    for (i, j, s, lv) in scored {
        let (i, j) = (i as usize, j as usize);
        let decision = if s < settings.match_threshold {
            Decision::Review
        } else {
            let (ri, rj) = (uf.find(i), uf.find(j));
            if ri == rj {
                Decision::Match
            } else if (uf.size[ri] + uf.size[rj]) as usize > settings.max_cluster {
                Decision::RefusedChain
            } else {
                let (fi, fj) = (first(uf, &mut first_of, i), first(uf, &mut first_of, j));
                let anchors_agree = uf.size[ri] == 1
                    || uf.size[rj] == 1
                    || score::score(&settings.weights, &people[fi], &people[fj]).0
                        >= settings.review_threshold;
                if anchors_agree && !first_names_conflict(uf, &mut members, i, j, people) {
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
            score: s,
            levels: lv,
            decision,
        });
    }
    out
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
    people: &[Person],
) -> bool {
    let (ri, rj) = (uf.find(i), uf.find(j));
    let a = members.get(&ri).cloned().unwrap_or_else(|| vec![i]);
    let b = members.get(&rj).cloned().unwrap_or_else(|| vec![j]);
    a.iter().any(|&x| {
        b.iter().any(|&y| {
            let (p, q) = (&people[x], &people[y]);
            let straight = score::name_level(&p.first, &q.first) == Level::Differ;
            let swapped = score::name_level(&p.first, &q.last) != Level::Differ
                && score::name_level(&p.last, &q.first) != Level::Differ
                && !p.first.is_empty()
                && !q.last.is_empty();
            straight && !swapped
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn rare_names_weigh_more_than_common_ones() {
        let mut list: Vec<Person> = (0..20)
            .map(|_| person_from_parts("Jean", "Martin", "", "", "", "", &[]))
            .collect();
        list.push(person_from_parts("Jean", "Kerlévéo", "", "", "", "", &[]));
        list.extend(
            (0..9).map(|k| person_from_parts("Jean", &format!("Nom{k}"), "", "", "", "", &[])),
        );
        term_frequencies(&mut [&mut list], 3.0);
        assert!(list[0].last_tf < 0.0, "martin: {}", list[0].last_tf);
        assert!(list[20].last_tf > 0.0, "kerleveo: {}", list[20].last_tf);
        assert!(list[20].last_tf <= 3.0);
        // Everyone is "jean": agreeing on it is what two random records do.
        assert!(list[0].first_tf.abs() < 1e-6);
        let w = Weights {
            tf_cap: 3.0,
            ..Weights::default()
        };
        let (common, _) = score::score(&w, &list[0], &list[1]);
        let (rare, _) = score::score(&w, &list[20], &list[20].clone());
        assert!(rare > common);
    }

    fn uf_for(n: usize) -> UnionFind {
        UnionFind::new(n)
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
        let lv = Levels::default();
        let scored = vec![(0, 1, 14.0, lv), (2, 3, 14.0, lv), (1, 2, 9.5, lv)];
        let out = link_within(&s, &people, &mut uf, scored);
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
        let lv = Levels::default();
        let out = link_within(
            &s,
            &people,
            &mut uf,
            vec![(0, 1, 11.0, lv), (1, 2, 10.5, lv)],
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
        let lv = Levels::default();
        let out = link_within(
            &s,
            &people,
            &mut uf,
            vec![(0, 1, 12.0, lv), (1, 2, 11.0, lv)],
        );
        assert_eq!(out[0].decision, Decision::Match);
        assert_eq!(out[1].decision, Decision::RefusedChain);
    }

    #[test]
    fn pairs_between_thresholds_are_listed_not_merged() {
        let s = FuzzySettings::default();
        let people = vec![person_from_parts("Jean", "Dupont", "", "75002", "", "", &[]); 2];
        let mut uf = uf_for(2);
        let out = link_within(&s, &people, &mut uf, vec![(0, 1, 6.0, Levels::default())]);
        assert_eq!(out[0].decision, Decision::Review);
        assert_ne!(uf.find(0), uf.find(1));
    }
}
