//! The Fellegi-Sunter model that scores candidate pairs. In: the
//! `Person`s of the list (and of the client file) and [`Training`]
//! settings. Out: a [`Model`] (the `m` and `u` probability of every field's
//! every level, and the prior), saved as `model.json`, and a [`Scorer`]
//! that turns a pair's [`Gamma`] into a match weight and probability.
//!
//! Estimation follows the production linkers (Splink, fastLink), on each
//! run's own data, seeded so that a rerun gives the same model to the bit:
//! - **u** (how often two records of *different* people agree at a level)
//!   from random record pairs, nearly all of which are non-matches;
//! - **m** (how often two records of the *same* person agree at a level) by
//!   expectation-maximisation, u fixed, in training sessions: the pairs
//!   that share a key (the same full name; the same postcode; the same
//!   email; the same mobile). A session learns the fields that are not in
//!   its key (those agree by construction); a field's m is the mean of the
//!   sessions that learnt it. Pairs with the same comparison vector are
//!   counted once, so an iteration costs the number of distinct vectors.
//! - **the prior** (how many other records of the same person a record
//!   has) from the matches a session found and the share of all matches its
//!   key can see (`P(key agrees | match)`, from the m of the other
//!   sessions), the way Splink derives it from deterministic rules.
//!
//! Every estimate is shrunk toward the documented defaults ([`Model::default`])
//! by a few pseudo-counts, so a small file gets the defaults and a big one
//! its own figures. Term frequencies (a rare surname, postcode or first
//! name agreeing counts more than "Martin") are computed per run over both
//! files, as Splink does: the exact level's weight becomes `log2(m / f)`,
//! `f` the value's frequency, capped at `tf_cap` bits either way of the
//! field's average.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::{compare_with, Field, Gamma, Memo, FIELDS, MAX_LEVELS, NF};
use super::folded::{Dicts, Rec, View};

/// The model file's format tag.
pub const FORMAT: &str = "qualify-match-model/1";

/// One level's probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelParams {
    pub level: String,
    /// P(this level | the two records are the same person).
    pub m: f64,
    /// P(this level | they are not).
    pub u: f64,
    /// `log2(m / u)`, for people reading the file (recomputed on load).
    #[serde(default)]
    pub weight: f64,
}

/// One field's levels, `missing` excluded (it weighs 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldParams {
    pub field: Field,
    pub levels: Vec<LevelParams>,
}

/// How many other records of the same person to expect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prior {
    /// Expected number of other list records of the same person, per list
    /// record (the prior probability of a list pair is this / (rows - 1)).
    pub duplicates_per_record: f64,
    /// Expected number of matching client records per list record (the
    /// prior of a list x client pair is this / client rows).
    pub clients_per_record: f64,
}

/// What one EM session did (for model.json and the report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// The key its pairs share.
    pub key: String,
    /// Pairs sharing the key, and how many were used.
    pub pairs: u64,
    pub sampled: u64,
    pub distinct_vectors: usize,
    pub iterations: usize,
    pub converged: bool,
    /// Share of the session's pairs estimated to be matches.
    pub match_share: f64,
    /// Whether the session had enough pairs to learn from.
    pub used: bool,
}

/// How the model was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// `trained` (this run's data), `default` (the built-in parameters) or
    /// `file` (read with `--model`; keeps the training figures of the run
    /// that made it).
    pub source: String,
    pub seed: u64,
    pub list_rows: usize,
    pub client_rows: usize,
    pub u_pairs: u64,
    pub sessions: Vec<Session>,
}

/// The model: what model.json holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub format: String,
    pub fields: Vec<FieldParams>,
    pub prior: Prior,
    /// Largest term-frequency adjustment, in bits, either way.
    pub tf_cap: f64,
    pub provenance: Provenance,
    /// Whether two records whose first names clearly differ may be
    /// matched, and why (absent from model files written before it: those
    /// were trained with the guard, then always on).
    #[serde(default)]
    pub first_name_guard: GuardUse,
}

/// The first-name guard a model applies ([`super::FirstNameGuard`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardUse {
    pub applied: bool,
    /// `data` (`fuzzy_first_name_guard = "auto"`: from `evidence`, see
    /// [`super::households`]), `too_few_pairs` (auto, but fewer pairs than
    /// [`super::households::MIN_EVIDENCE`]: applied) or `setting` (set to
    /// true or false).
    pub decided_by: String,
    /// The pairs at one address it was decided from (counted on every run
    /// but one that reuses a `--model` file's decision, which keeps that
    /// file's counts).
    pub evidence: super::households::Evidence,
}

impl Default for GuardUse {
    fn default() -> Self {
        GuardUse::set(true, super::households::Evidence::default())
    }
}

impl GuardUse {
    pub fn set(applied: bool, evidence: super::households::Evidence) -> GuardUse {
        GuardUse {
            applied,
            decided_by: "setting".into(),
            evidence,
        }
    }

    /// Decided from `evidence`, or on (`too_few_pairs`) when it is too
    /// thin to decide on.
    pub fn from_data(evidence: super::households::Evidence) -> GuardUse {
        match evidence.enough() {
            true => GuardUse {
                applied: evidence.households(),
                decided_by: "data".into(),
                evidence,
            },
            false => GuardUse {
                applied: true,
                decided_by: "too_few_pairs".into(),
                evidence,
            },
        }
    }
}

/// Hand-set parameters: the fallback (`matcher = "fixed"`) and the prior
/// every estimate is shrunk toward. m from the error rates of French lists
/// (a last name is misspelt in about one record in ten, a first name is an
/// initial in one in twenty, an address changes when people move), u from
/// how often two different people share a value (a first name: one pair
/// in a hundred; a last name: one in five hundred; a postcode: one in two
/// thousand). Documented in `schemas/model.md`.
const DEFAULTS: [(&[f64], &[f64]); NF] = [
    // first name: exact, close, fuzzy, initial, differ
    (
        &[0.85, 0.06, 0.02, 0.04, 0.03],
        &[0.01, 0.004, 0.02, 0.03, 0.936],
    ),
    // last name
    (
        &[0.87, 0.07, 0.03, 0.005, 0.025],
        &[0.002, 0.002, 0.01, 0.003, 0.983],
    ),
    // email: exact, same local part, differ
    (&[0.70, 0.08, 0.22], &[1e-7, 1e-6, 0.999_998_9]),
    // phone: mobile, landline, differ
    (&[0.70, 0.10, 0.20], &[1e-7, 1e-5, 0.999_989_9]),
    // street: exact, close, close without number, fuzzy same number, differ
    (
        &[0.70, 0.10, 0.05, 0.03, 0.12],
        &[2e-5, 1e-5, 1e-4, 1e-4, 0.999_77],
    ),
    // locality: postcode, postcode typo same city, city, department, differ
    (
        &[0.86, 0.02, 0.03, 0.02, 0.07],
        &[5e-4, 2e-5, 5e-4, 0.01, 0.988_98],
    ),
    // siren: exact, differ
    (&[0.90, 0.10], &[1e-3, 0.999]),
];

impl Default for Model {
    fn default() -> Self {
        let fields = FIELDS
            .iter()
            .zip(DEFAULTS)
            .map(|(f, (m, u))| FieldParams {
                field: *f,
                levels: f.levels()[1..]
                    .iter()
                    .zip(m.iter().zip(u))
                    .map(|(l, (m, u))| LevelParams {
                        level: (*l).to_owned(),
                        m: *m,
                        u: *u,
                        weight: (m / u).log2(),
                    })
                    .collect(),
            })
            .collect();
        Model {
            format: FORMAT.into(),
            fields,
            prior: Prior {
                duplicates_per_record: 0.05,
                clients_per_record: 0.05,
            },
            tf_cap: 3.0,
            provenance: Provenance {
                source: "default".into(),
                seed: 0,
                list_rows: 0,
                client_rows: 0,
                u_pairs: 0,
                sessions: Vec::new(),
            },
            first_name_guard: GuardUse::default(),
        }
    }
}

/// The model's probabilities as arrays, index = level (0 unused).
#[derive(Debug, Clone, Copy)]
struct Params {
    m: [[f64; MAX_LEVELS]; NF],
    u: [[f64; MAX_LEVELS]; NF],
}

impl Params {
    fn of(model: &Model) -> Params {
        let mut p = Params {
            m: [[0.0; MAX_LEVELS]; NF],
            u: [[0.0; MAX_LEVELS]; NF],
        };
        for fp in &model.fields {
            let f = fp.field as usize;
            for (k, l) in fp.levels.iter().enumerate() {
                p.m[f][k + 1] = l.m;
                p.u[f][k + 1] = l.u;
            }
        }
        p
    }

    fn into_fields(self) -> Vec<FieldParams> {
        FIELDS
            .iter()
            .map(|f| FieldParams {
                field: *f,
                levels: f.levels()[1..]
                    .iter()
                    .enumerate()
                    .map(|(k, l)| {
                        let (m, u) = (self.m[*f as usize][k + 1], self.u[*f as usize][k + 1]);
                        LevelParams {
                            level: (*l).to_owned(),
                            m: round_sig(m),
                            u: round_sig(u),
                            weight: (round_sig(m) / round_sig(u)).log2(),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Six significant digits: model.json stays readable, and what is saved is
/// exactly what is used (the run scores with the rounded figures too).
fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let d = 5 - x.abs().log10().floor() as i32;
    let s = 10f64.powi(d);
    (x * s).round() / s
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("not a qualify match model (format {0:?}, expected {FORMAT:?})")]
    Format(String),
    #[error("field {0} is missing")]
    MissingField(&'static str),
    #[error("field {field} has {got} levels, expected {expected} ({levels})")]
    Levels {
        field: &'static str,
        got: usize,
        expected: usize,
        levels: String,
    },
    #[error("field {field}, level {level}: {what} must be a probability above 0 and at most 1, got {value}")]
    Probability {
        field: &'static str,
        level: String,
        what: &'static str,
        value: f64,
    },
    #[error("{0} must be a finite number at least 0")]
    Prior(&'static str),
}

impl Model {
    /// The model with `guard` as the first-name guard it applies.
    pub fn with_guard(self, guard: GuardUse) -> Model {
        Model {
            first_name_guard: guard,
            ..self
        }
    }

    /// Checks a model read from a file; recomputes the weights it shows.
    pub fn validate(mut self) -> Result<Model, ModelError> {
        if self.format != FORMAT {
            return Err(ModelError::Format(self.format));
        }
        let mut fields = Vec::with_capacity(NF);
        for f in FIELDS {
            let Some(fp) = self.fields.iter().find(|x| x.field == f) else {
                return Err(ModelError::MissingField(f.as_str()));
            };
            let names = &f.levels()[1..];
            if fp.levels.len() != names.len()
                || fp.levels.iter().zip(names).any(|(l, n)| l.level != *n)
            {
                return Err(ModelError::Levels {
                    field: f.as_str(),
                    got: fp.levels.len(),
                    expected: names.len(),
                    levels: names.join(", "),
                });
            }
            let mut fp = fp.clone();
            for l in &mut fp.levels {
                for (what, v) in [("m", l.m), ("u", l.u)] {
                    if !(v > 0.0 && v <= 1.0) {
                        return Err(ModelError::Probability {
                            field: f.as_str(),
                            level: l.level.clone(),
                            what,
                            value: v,
                        });
                    }
                }
                l.weight = (l.m / l.u).log2();
            }
            fields.push(fp);
        }
        self.fields = fields;
        for (what, v) in [
            (
                "prior.duplicates_per_record",
                self.prior.duplicates_per_record,
            ),
            ("prior.clients_per_record", self.prior.clients_per_record),
            ("tf_cap", self.tf_cap),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(ModelError::Prior(what));
            }
        }
        Ok(self)
    }
}

/// Training settings.
#[derive(Debug, Clone, Serialize)]
pub struct Training {
    pub seed: u64,
    /// Random pairs for u.
    pub u_pairs: u64,
    /// Most pairs of one EM session.
    pub session_pairs: u64,
    pub tf_cap: f64,
    /// The decision never matches two records whose first names differ
    /// ([`super::FuzzySettings::first_name_guard`]): EM then counts such
    /// pairs as non-matches, so that the relatives a shared address and
    /// last name bring into a session do not teach the model that people
    /// change first names.
    pub first_name_guard: bool,
    /// Print the time of each training step on stderr (set with
    /// [`super::FuzzySettings::timing`]).
    #[serde(skip)]
    pub timing: bool,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            seed: 42,
            u_pairs: 1_000_000,
            session_pairs: 400_000,
            tf_cap: 3.0,
            first_name_guard: true,
            timing: false,
        }
    }
}

/// Pseudo-counts of the shrinkage toward the defaults: u from this many
/// pairs, m from this many matches. A session needs `MIN_SESSION` pairs.
const U_PSEUDO: f64 = 2_000.0;
const M_PSEUDO: f64 = 20.0;
const MIN_SESSION: u64 = 50;
const EM_MAX_ITER: usize = 60;
const EM_TOLERANCE: f64 = 1e-6;

/// Comparison vectors counted: pattern -> pairs.
type Counts = HashMap<u16, u64>;

/// Compares every pair and counts the vectors by (`side` of the pair,
/// pattern).
fn count_vectors(
    people: &[View],
    pairs: &[(u32, u32)],
    side: impl Fn(u32, u32) -> u8 + Sync,
) -> HashMap<(u8, u16), u64> {
    pairs
        .par_chunks(4096)
        .fold(
            || (HashMap::new(), Memo::new()),
            |(mut c, mut memo), chunk| {
                for (k, &(i, j)) in chunk.iter().enumerate() {
                    // The records of a pair a few ahead are asked for now:
                    // random pairs are two random rows of millions.
                    if let Some(&(p, q)) = chunk.get(k + super::PREFETCH_AHEAD) {
                        super::prefetch(people[p as usize].r);
                        super::prefetch(people[q as usize].r);
                    }
                    let (a, b) = (people[i as usize], people[j as usize]);
                    let g = compare_with(a, b, &mut memo);
                    *c.entry((side(i, j), g.pack())).or_default() += 1;
                }
                (c, memo)
            },
        )
        .map(|(c, _)| c)
        .reduce(HashMap::new, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        })
}

/// The counts of every side together.
fn all_sides(c: &HashMap<(u8, u16), u64>) -> Counts {
    let mut out = Counts::new();
    for ((_, g), n) in c {
        *out.entry(*g).or_default() += n;
    }
    out
}

/// Sorted, for a result that does not depend on hash order.
fn sorted(c: Counts) -> Vec<(Gamma, u64)> {
    let mut v: Vec<(u16, u64)> = c.into_iter().collect();
    v.sort_unstable();
    v.into_iter().map(|(k, n)| (Gamma::unpack(k), n)).collect()
}

/// `n` distinct random pairs `i < j` of `0..len` (all of them when there
/// are no more than `n`), from a seeded portable RNG.
fn random_pairs(len: usize, n: u64, seed: u64) -> Vec<(u32, u32)> {
    let total = (len as u64) * (len as u64).saturating_sub(1) / 2;
    if total <= n {
        return (0..len as u32)
            .flat_map(|i| (i + 1..len as u32).map(move |j| (i, j)))
            .collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n as usize);
    while (out.len() as u64) < n {
        let i = rng.gen_range(0..len as u32);
        let j = rng.gen_range(0..len as u32);
        if i != j {
            out.push((i.min(j), i.max(j)));
        }
    }
    // In row order, so that one record of each pair is read in sequence
    // (a random pair is two cache misses per field otherwise).
    out.sort_unstable();
    out
}

/// The pairs of a training session: records sharing a key, sampled down
/// to `budget` pairs (each block in proportion to its pairs, with its own
/// seeded RNG), with the number of pairs of each side before sampling.
fn session_pairs(
    keys: &[Option<u64>],
    list_rows: usize,
    budget: u64,
    seed: u64,
) -> (Vec<(u32, u32)>, [u64; 3]) {
    let mut entries: Vec<(u64, u32)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.map(|k| (k, i as u32)))
        .collect();
    entries.par_sort_unstable();
    let mut blocks = Vec::new();
    let mut s = 0;
    for i in 1..=entries.len() {
        if i == entries.len() || entries[i].0 != entries[s].0 {
            if i - s > 1 {
                blocks.push((s, i));
            }
            s = i;
        }
    }
    let mut totals = [0u64; 3];
    for &(s, e) in &blocks {
        let l = entries[s..e]
            .iter()
            .filter(|x| (x.1 as usize) < list_rows)
            .count() as u64;
        let c = (e - s) as u64 - l;
        totals[0] += l * l.saturating_sub(1) / 2;
        totals[1] += l * c;
        totals[2] += c * c.saturating_sub(1) / 2;
    }
    let total: u64 = totals.iter().sum();
    let rate = if total <= budget {
        1.0
    } else {
        budget as f64 / total as f64
    };
    let pairs: Vec<(u32, u32)> = blocks
        .par_iter()
        .flat_map_iter(|&(s, e)| {
            let rows: Vec<u32> = entries[s..e].iter().map(|x| x.1).collect();
            let n = rows.len() as u64;
            let all = n * (n - 1) / 2;
            let mut out = Vec::new();
            if rate >= 1.0 {
                for a in 0..rows.len() {
                    for b in a + 1..rows.len() {
                        out.push((rows[a], rows[b]));
                    }
                }
            } else {
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ entries[s].0);
                let want = all as f64 * rate;
                let mut k = want.floor() as u64;
                if rng.gen_bool(want - want.floor()) {
                    k += 1;
                }
                for _ in 0..k {
                    let a = rng.gen_range(0..rows.len());
                    let mut b = rng.gen_range(0..rows.len() - 1);
                    if b >= a {
                        b += 1;
                    }
                    out.push((rows[a.min(b)], rows[a.max(b)]));
                }
            }
            out
        })
        .collect();
    (pairs, totals)
}

fn side_of(i: u32, j: u32, list_rows: usize) -> u8 {
    match ((i as usize) < list_rows, (j as usize) < list_rows) {
        (true, true) => 0,
        (false, false) => 2,
        _ => 1,
    }
}

/// Expectation-maximisation of m and the match share over counted
/// vectors, u fixed; `fixed` fields (the session's key) are left out.
/// Returns (m, share, iterations, converged, per-vector match probability).
fn em(
    vectors: &[(Gamma, u64)],
    start: &Params,
    fixed: &[Field],
    never_match: impl Fn(&Gamma) -> bool,
) -> ([[f64; MAX_LEVELS]; NF], f64, usize, bool, Vec<f64>) {
    let mut m = start.m;
    let u = start.u;
    let learn: Vec<usize> = FIELDS
        .iter()
        .filter(|f| !fixed.contains(f))
        .map(|f| *f as usize)
        .collect();
    let mut share = 0.1f64;
    let total: f64 = vectors.iter().map(|(_, n)| *n as f64).sum();
    let mut resp = vec![0.0; vectors.len()];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < EM_MAX_ITER {
        iterations += 1;
        // E: the probability that each vector is a match.
        for (k, (g, _)) in vectors.iter().enumerate() {
            if never_match(g) {
                resp[k] = 0.0;
                continue;
            }
            let (mut lm, mut lu) = (share, 1.0 - share);
            for &f in &learn {
                let l = g.level[f] as usize;
                if l > 0 {
                    lm *= m[f][l];
                    lu *= u[f][l];
                }
            }
            resp[k] = if lm + lu > 0.0 { lm / (lm + lu) } else { 0.0 };
        }
        // M: m and the share from those probabilities, shrunk toward the
        // defaults by M_PSEUDO matches.
        let mut acc = [[0.0f64; MAX_LEVELS]; NF];
        let mut matches = 0.0;
        for (k, (g, n)) in vectors.iter().enumerate() {
            let w = resp[k] * *n as f64;
            matches += w;
            for &f in &learn {
                acc[f][g.level[f] as usize] += w;
            }
        }
        let mut change = ((matches / total) - share).abs();
        share = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        for &f in &learn {
            let levels = FIELDS[f].levels().len();
            let seen: f64 = acc[f][1..levels].iter().sum();
            for l in 1..levels {
                let d = DEFAULTS[f].0[l - 1];
                let new = ((acc[f][l] + M_PSEUDO * d) / (seen + M_PSEUDO)).max(1e-9);
                change = change.max((new - m[f][l]).abs());
                m[f][l] = new;
            }
        }
        if change < EM_TOLERANCE {
            converged = true;
            break;
        }
    }
    (m, share, iterations, converged, resp)
}

/// A session's key on one record.
type KeyFn = fn(&View) -> Option<u64>;

fn hash(parts: &[&str]) -> u64 {
    super::block::fnv64(&[], parts)
}

const SESSIONS: [(&str, &[Field], KeyFn); 4] = [
    (
        "first_name+last_name",
        &[Field::FirstName, Field::LastName],
        |p| (p.r.first != 0 && p.r.last != 0).then(|| hash(&[p.first(), p.last()])),
    ),
    ("postcode", &[Field::Locality], |p| {
        (p.r.postcode != 0).then(|| hash(&[p.postcode()]))
    }),
    ("email", &[Field::Email], |p| {
        (p.r.email != 0).then(|| hash(&[p.email()]))
    }),
    ("mobile", &[Field::Phone], |p| {
        p.phones(p.r.mobile).next().map(|m| hash(&[m]))
    }),
];

/// Trains a model on the run's records (the list, then the client file).
pub fn train(d: &Dicts, list: &[Rec], clients: &[Rec], t: &Training) -> Model {
    let all: Vec<View> = list.iter().chain(clients).map(|r| d.view(r)).collect();
    let (n, c) = (list.len(), clients.len());
    let defaults = Params::of(&Model::default());
    let mut params = defaults;
    let mut t0 = std::time::Instant::now();
    let mut lap = |what: &str| {
        if t.timing {
            eprintln!("  train {what}: {:.2} s", t0.elapsed().as_secs_f64());
            t0 = std::time::Instant::now();
        }
    };

    // u, from random pairs of both files; missing shares per field.
    let sample = random_pairs(all.len(), t.u_pairs, t.seed);
    let u_pairs = sample.len() as u64;
    lap("u sample");
    let counts = sorted(all_sides(&count_vectors(&all, &sample, |_, _| 0)));
    drop(sample);
    lap("u compare");
    let mut present = [0.0f64; NF];
    for f in FIELDS {
        let fi = f as usize;
        let levels = f.levels().len();
        let mut acc = [0.0f64; MAX_LEVELS];
        for (g, k) in &counts {
            acc[g.level[fi] as usize] += *k as f64;
        }
        let seen: f64 = acc[1..levels].iter().sum();
        present[fi] = if u_pairs > 0 {
            seen / u_pairs as f64
        } else {
            0.0
        };
        // On a big sample, a level never seen among the random pairs is at
        // least half a pair's worth: rare, not impossible (a small sample
        // keeps the defaults, which the shrinkage gives).
        let floor = if seen >= 10_000.0 { 0.5 / seen } else { 0.0 };
        for (l, &count) in acc.iter().enumerate().take(levels).skip(1) {
            params.u[fi][l] = ((count + U_PSEUDO * defaults.u[fi][l]) / (seen + U_PSEUDO))
                .max(floor)
                .max(1e-12);
        }
    }

    // m, by EM in each session.
    let mut sessions = Vec::new();
    let mut learnt: Vec<([[f64; MAX_LEVELS]; NF], &[Field])> = Vec::new();
    // Per used session: (fixed fields, expected matches per side).
    let mut found: Vec<(&[Field], [f64; 3])> = Vec::new();
    for (k, (name, fixed, key)) in SESSIONS.iter().enumerate() {
        let keys: Vec<Option<u64>> = all.par_iter().map(key).collect();
        let (pairs, totals) =
            session_pairs(&keys, n, t.session_pairs, t.seed.wrapping_add(k as u64 + 1));
        lap(&format!("session {name} pairs"));
        let total: u64 = totals.iter().sum();
        let mut s = Session {
            key: (*name).into(),
            pairs: total,
            sampled: pairs.len() as u64,
            distinct_vectors: 0,
            iterations: 0,
            converged: false,
            match_share: 0.0,
            used: false,
        };
        if (pairs.len() as u64) < MIN_SESSION {
            sessions.push(s);
            continue;
        }
        // Vectors counted per side, so that the matches found can be
        // split between list pairs and list x client pairs.
        let by_side = count_vectors(&all, &pairs, |i, j| side_of(i, j, n));
        let merged = all_sides(&by_side);
        let vectors = sorted(merged);
        lap(&format!("session {name} compare"));
        let guard = t.first_name_guard && !fixed.contains(&Field::FirstName);
        let (m, share, iterations, converged, resp) = em(&vectors, &params, fixed, |g| {
            guard && super::compare::first_names_differ(g)
        });
        lap(&format!("session {name} em"));
        let prob: HashMap<u16, f64> = vectors
            .iter()
            .zip(&resp)
            .map(|((g, _), r)| (g.pack(), *r))
            .collect();
        // Summed in (side, pattern) order: the same figures to the bit
        // whatever the hash order.
        let mut entries: Vec<(&(u8, u16), &u64)> = by_side.iter().collect();
        entries.sort_unstable();
        let (mut sum, mut cnt) = ([0.0f64; 3], [0u64; 3]);
        for (&(side, g), &k) in entries {
            sum[usize::from(side)] += prob[&g] * k as f64;
            cnt[usize::from(side)] += k;
        }
        let mut expected = [0.0f64; 3];
        for side in 0..3 {
            if cnt[side] > 0 {
                expected[side] = sum[side] / cnt[side] as f64 * totals[side] as f64;
            }
        }
        s.distinct_vectors = vectors.len();
        s.iterations = iterations;
        s.converged = converged;
        s.match_share = round_sig(share);
        s.used = true;
        sessions.push(s);
        learnt.push((m, fixed));
        found.push((fixed, expected));
    }
    for f in FIELDS {
        let fi = f as usize;
        let from: Vec<&[[f64; MAX_LEVELS]; NF]> = learnt
            .iter()
            .filter(|(_, fixed)| !fixed.contains(&f))
            .map(|(m, _)| m)
            .collect();
        if from.is_empty() {
            continue;
        }
        for l in 1..f.levels().len() {
            params.m[fi][l] = from.iter().map(|m| m[fi][l]).sum::<f64>() / from.len() as f64;
        }
    }
    // Rounded now, so that the prior below and the run use what is saved.
    let fields = params.into_fields();
    let params = Params::of(&Model {
        fields: fields.clone(),
        ..Model::default()
    });

    // The prior: the matches a session found, over the share of all
    // matches its key can see, per list record.
    let mut dup_rates = Vec::new();
    let mut client_rates = Vec::new();
    for (fixed, expected) in &found {
        let recall: f64 = fixed
            .iter()
            .map(|f| present[*f as usize] * params.m[*f as usize][1])
            .product();
        if recall < 0.05 {
            continue; // a key too rare to say how many matches there are
        }
        if n > 1 && expected[0] > 0.0 {
            dup_rates.push(2.0 * expected[0] / recall / n as f64);
        }
        if n > 0 && c > 0 && expected[1] > 0.0 {
            client_rates.push(expected[1] / recall / n as f64);
        }
    }
    let d = Model::default().prior;
    let geo = |v: &[f64], default: f64, cap: f64| {
        if v.is_empty() {
            default
        } else {
            round_sig(
                (v.iter().map(|x| x.max(1e-6).ln()).sum::<f64>() / v.len() as f64)
                    .exp()
                    .min(cap),
            )
        }
    };
    Model {
        format: FORMAT.into(),
        fields,
        prior: Prior {
            duplicates_per_record: geo(&dup_rates, d.duplicates_per_record, 10.0),
            clients_per_record: geo(&client_rates, d.clients_per_record, 1.0),
        },
        tf_cap: t.tf_cap,
        provenance: Provenance {
            source: "trained".into(),
            seed: t.seed,
            list_rows: n,
            client_rows: c,
            u_pairs,
            sessions,
        },
        first_name_guard: GuardUse {
            applied: t.first_name_guard,
            ..GuardUse::default()
        },
    }
}

/// Which prior a pair takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairSide {
    /// Two list records.
    Within,
    /// A list record and a client (or a postal objection).
    Across,
}

/// A pair's score, with each field's part (the waterfall).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Prior + fields + term frequencies, in bits (log2 odds).
    pub weight: f32,
    pub prior: f32,
    /// Each field's weight, its term-frequency adjustment included.
    pub fields: [f32; NF],
    /// The term-frequency part of each field's weight.
    pub tf: [f32; NF],
}

impl Score {
    pub fn probability(&self) -> f64 {
        probability(self.weight)
    }
}

/// log2 odds -> probability.
pub fn probability(weight: f32) -> f64 {
    1.0 / (1.0 + (-f64::from(weight)).exp2())
}

/// Probability -> log2 odds.
pub fn weight_of(probability: f64) -> f32 {
    let p = probability.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).log2() as f32
}

/// A model ready to score the pairs of one run.
#[derive(Debug, Clone)]
pub struct Scorer {
    weights: [[f32; MAX_LEVELS]; NF],
    /// log2 u of each field's exact level (for term frequencies).
    log_u_exact: [f32; NF],
    prior_within: f32,
    prior_across: f32,
    tf_cap: f32,
    /// The most a field can weigh given a set of its possible levels (see
    /// [`super::compare::possible`]), term frequency included.
    most: [[f32; 1 << MAX_LEVELS]; NF],
}

/// What float rounding may add to a sum of weights that its bound, summed
/// in another order, leaves out (in bits; the sums are of a few dozen).
const ROUNDING: f32 = 1e-3;

impl Scorer {
    pub fn new(model: &Model, list_rows: usize, client_rows: usize) -> Scorer {
        let p = Params::of(model);
        let mut weights = [[0.0f32; MAX_LEVELS]; NF];
        let mut log_u_exact = [0.0f32; NF];
        for f in FIELDS {
            let fi = f as usize;
            for (l, w) in weights[fi]
                .iter_mut()
                .enumerate()
                .take(f.levels().len())
                .skip(1)
            {
                *w = (p.m[fi][l] / p.u[fi][l]).log2() as f32;
            }
            log_u_exact[fi] = p.u[fi][1].log2() as f32;
        }
        let prior = |rate: f64, others: usize| {
            let lambda = (rate / others.max(1) as f64).clamp(1e-15, 0.5);
            (lambda / (1.0 - lambda)).log2() as f32
        };
        let tf_cap = model.tf_cap as f32;
        let mut most = [[f32::NEG_INFINITY; 1 << MAX_LEVELS]; NF];
        for f in FIELDS {
            let fi = f as usize;
            for (set, m) in most[fi].iter_mut().enumerate() {
                let levels = weights[fi].iter().enumerate().take(f.levels().len());
                for (l, w) in levels {
                    if set & (1 << l) != 0 {
                        let tf = if Some(l as u8) == f.tf_level() && tf_cap > 0.0 {
                            tf_cap
                        } else {
                            0.0
                        };
                        *m = m.max(w + tf);
                    }
                }
            }
        }
        Scorer {
            weights,
            log_u_exact,
            most,
            prior_within: prior(
                model.prior.duplicates_per_record,
                list_rows.saturating_sub(1),
            ),
            prior_across: prior(model.prior.clients_per_record, client_rows),
            tf_cap,
        }
    }

    /// Whether a pair whose fields can still compare at the levels of
    /// `sets` ([`super::compare::possible`]) can weigh `floor` or more:
    /// `false` means that [`Scorer::score`] would give less, so the pair
    /// can be dropped without changing any decision.
    pub fn may_reach(&self, sets: &[u8; NF], side: PairSide, floor: f32) -> bool {
        let mut most = self.prior(side);
        for (fi, set) in sets.iter().enumerate() {
            most += self.most[fi][usize::from(*set)];
        }
        most + ROUNDING >= floor
    }

    pub fn prior(&self, side: PairSide) -> f32 {
        match side {
            PairSide::Within => self.prior_within,
            PairSide::Across => self.prior_across,
        }
    }

    /// Scores a compared pair; `b`'s rarities give the term frequencies
    /// (an exact agreement has one value).
    pub fn score(&self, g: &Gamma, b: View, side: PairSide) -> Score {
        let rarities = b.rarity();
        let mut s = Score {
            weight: 0.0,
            prior: self.prior(side),
            fields: [0.0; NF],
            tf: [0.0; NF],
        };
        for f in FIELDS {
            let fi = f as usize;
            let l = g.level[fi];
            let mut w = self.weights[fi][l as usize];
            if Some(l) == f.tf_level() && self.tf_cap > 0.0 {
                let rarity = match f {
                    // The swapped reading agreed on b's other name.
                    Field::FirstName if g.swapped => rarities[1],
                    Field::FirstName => rarities[0],
                    Field::LastName if g.swapped => rarities[0],
                    Field::LastName => rarities[1],
                    _ => rarities[2],
                };
                if rarity > 0.0 {
                    let adj = (self.log_u_exact[fi] + rarity).clamp(-self.tf_cap, self.tf_cap);
                    s.tf[fi] = adj;
                    w += adj;
                }
            }
            s.fields[fi] = w;
        }
        let mut total = s.prior;
        for w in s.fields {
            total += w;
        }
        s.weight = total;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::fuzzy::compare::compare;
    use crate::link::fuzzy::folded::Folded;
    use crate::link::fuzzy::{person_from_parts, Person};

    fn train_on(people: &[Person], t: &Training) -> Model {
        let f = Folded::new(&[people]);
        train(&f.dicts, &f.sides[0], &[], t)
    }

    /// People with noisy second records: EM must find that agreeing names
    /// and streets are evidence, from the data alone.
    fn population(n: usize, seed: u64) -> (Vec<Person>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let firsts = [
            "jean", "marie", "pierre", "claire", "paul", "anne", "luc", "julie",
        ];
        let mut out = Vec::new();
        let mut entity = Vec::new();
        for k in 0..n {
            let first = firsts[rng.gen_range(0..firsts.len())];
            let last = format!("nom{}", rng.gen_range(0..n * 2));
            let street = format!("{} rue {}", rng.gen_range(1..200), rng.gen_range(0..500));
            let pc = format!("{:05}", rng.gen_range(0..300) * 100 + 1000);
            out.push(person_from_parts(first, &last, &street, &pc, "", "", &[]));
            entity.push(k);
            if rng.gen_bool(0.3) {
                let mut l2 = last.clone();
                if rng.gen_bool(0.3) {
                    l2.push('e');
                }
                let pc2 = if rng.gen_bool(0.1) {
                    "99999".into()
                } else {
                    pc.clone()
                };
                out.push(person_from_parts(first, &l2, &street, &pc2, "", "", &[]));
                entity.push(k);
            }
        }
        (out, entity)
    }

    #[test]
    fn training_is_deterministic_and_learns_evidence() {
        let (people, _) = population(3000, 1);
        let t = Training {
            u_pairs: 100_000,
            ..Training::default()
        };
        let a = train_on(&people, &t);
        let b = train_on(&people, &t);
        assert_eq!(a, b, "same data, same seed: same model");
        assert_eq!(a.provenance.source, "trained");
        let w = |f: Field, l: usize| a.fields[f as usize].levels[l].weight;
        assert!(w(Field::LastName, 0) > 5.0, "{a:#?}");
        assert!(w(Field::LastName, 4) < 0.0);
        assert!(w(Field::Street, 0) > 8.0);
        assert!(w(Field::FirstName, 0) > 0.0);
        // About 0.3 other records per person, 1.3 records per person.
        let d = a.prior.duplicates_per_record;
        assert!(d > 0.1 && d < 0.8, "{d}");
        let json = serde_json::to_string(&a).unwrap();
        let back: Model = serde_json::from_str(&json).unwrap();
        assert_eq!(back.validate().unwrap(), a);
    }

    #[test]
    fn a_tiny_file_keeps_the_defaults() {
        let people = vec![
            person_from_parts("Jean", "Dupont", "1 rue A", "75001", "", "", &[]),
            person_from_parts("Claire", "Morel", "7 rue B", "13001", "", "", &[]),
            person_from_parts("Marc", "Girard", "2 rue C", "69001", "", "", &[]),
        ];
        let m = train_on(&people, &Training::default());
        assert!(m.provenance.sessions.iter().all(|s| !s.used));
        let d = Model::default();
        for (a, b) in m.fields.iter().zip(&d.fields) {
            for (x, y) in a.levels.iter().zip(&b.levels) {
                assert!((x.m - y.m).abs() < 1e-9, "{x:?} {y:?}");
                // Three pairs move u a little, not far.
                assert!((x.u.log2() - y.u.log2()).abs() < 2.0, "{x:?} {y:?}");
            }
        }
        assert_eq!(m.prior, d.prior);
    }

    #[test]
    fn rare_names_weigh_more_than_common_ones() {
        // A thousand records: fifty Martins, one Kerlévéo, the rest unique.
        let mut list: Vec<Person> = (0..50)
            .map(|_| person_from_parts("Jean", "Martin", "", "", "", "", &[]))
            .collect();
        list.push(person_from_parts("Jean", "Kerlévéo", "", "", "", "", &[]));
        list.extend(
            (0..949).map(|k| person_from_parts("Jean", &format!("Nom{k}x"), "", "", "", "", &[])),
        );
        let f = Folded::new(&[&list]);
        let s = Scorer::new(&Model::default(), list.len(), 0);
        let v = |i| f.view(0, i);
        let common = s.score(&compare(v(0), v(1)), v(1), PairSide::Within);
        let rare = s.score(&compare(v(50), v(50)), v(50), PairSide::Within);
        assert!(rare.weight > common.weight, "{rare:?} {common:?}");
        assert!(common.tf[Field::LastName as usize] < 0.0);
        assert!(rare.tf[Field::LastName as usize] > 0.0);
        assert!(rare.tf[Field::LastName as usize] <= 3.0);
    }

    #[test]
    fn a_bad_model_file_is_refused_with_the_reason() {
        let mut m = Model::default();
        m.fields[0].levels[0].m = 1.5;
        let e = m.validate().unwrap_err().to_string();
        assert!(e.contains("first_name") && e.contains("exact"), "{e}");
        let mut m = Model::default();
        m.fields.remove(2);
        assert!(m.validate().unwrap_err().to_string().contains("email"));
        let m = Model {
            format: "x".into(),
            ..Model::default()
        };
        assert!(m.validate().is_err());
    }

    #[test]
    fn probabilities_and_weights_convert_both_ways() {
        for p in [0.01, 0.5, 0.9, 0.999] {
            assert!((probability(weight_of(p)) - p).abs() < 1e-6);
        }
    }
}
