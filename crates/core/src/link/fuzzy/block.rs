//! Blocking. In: the encoded records ([`Rec`]) of the list (and of the client file).
//! Out: the candidate pairs, each once: pairs inside the list, and pairs
//! list x client file.
//!
//! Every record emits a few blocking keys, a union of rules; two records
//! are compared when they share one. The rules, each aimed at a kind of
//! noise the others miss:
//! - the phonetic codes of both names, sorted (swapped first and last
//!   names give the same key; catches a move to another town);
//! - postcode + the phonetic code of either name (catches a typo in the
//!   other name, an initial, a married name, swapped names);
//! - city + the phonetic code of either name (catches a postcode typo or a
//!   missing postcode);
//! - postcode + a name's initial + the other name's first two letters
//!   (catches typos that change both phonetic codes, initials);
//! - postcode + house number + the street name's first four letters
//!   (catches both names misspelt at the same address);
//! - department + house number + street head (the same, with a postcode
//!   typo);
//! - the email local part (catches another provider, or a new name);
//! - each phone number (catches a reformatted number, and a new name).
//!
//! The keys are hashed to 64 bits from the records' dictionary codes, not
//! their texts ([`KeyParts`]), and sorted (rayon's parallel sort) rather
//! than grouped in a polars frame: a sort of `u64` entries (the hash's high
//! bits, the record number in the low ones) is the cheapest columnar
//! group-by there is, and it never materialises the key strings. A hash
//! collision only adds pairs to compare, which the model rejects (at 1M +
//! 1M records, 43 bits of hash: 3 pairs more among 68 million).
//!
//! No record is silently unreachable: a block larger than `max_block` (a
//! common first name in a big town) is not skipped but scanned with a
//! sorted-neighbourhood window: its records are sorted by a second key
//! (names, or place for the name-only rule) and each is compared with the
//! `window` records after it. That bounds the cost per record, so the pair
//! count grows linearly with the records. Windowed blocks and the records
//! in them are counted for the summary.

use rayon::prelude::*;

use super::folded::{Dicts, Rec, View};

/// Second-side rows carry this bit, so one sort serves both sides.
const CLIENT_BIT: u32 = 1 << 31;

/// 64-bit FNV-1a of `prefix`, then each part followed by `0xff` (so that
/// `("ab", "c")` and `("a", "bc")` differ).
pub(super) fn fnv64(prefix: &[u8], parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = prefix
        .iter()
        .copied()
        .chain(parts.iter().flat_map(|p| p.bytes().chain([0xff])));
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A blocking key from its rule's tag and its parts: dictionary codes
/// (equal codes are equal texts, on every side) or hashes of texts (the
/// heads of names and streets, see [`KeyParts`]). Each part goes through a
/// folded multiply, so that the high bits, which are all a block keeps of
/// its key, depend on every part. Codes, not texts: a record's keys are
/// made from its one cache line and a few small tables, without reading a
/// single text (reading them was most of the blocking time).
fn key(tag: u8, parts: &[u64]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let fold = |x: u64, k: u64| {
        let m = u128::from(x) * u128::from(k);
        (m as u64) ^ ((m >> 64) as u64)
    };
    let mut h = fold(0x243f_6a88_85a3_08d3 ^ u64::from(tag), K);
    for &p in parts {
        h = fold(h ^ p, K);
    }
    h = fold(h, 0xff51_afd7_ed55_8ccd);
    // The key's rule in the top four bits, so a block knows how to sort
    // itself when it is too big.
    (h & !(0xf << 60)) | (u64::from(tag) << 60)
}

/// Tag of the name-only rule: its big blocks are sorted by place, the
/// others by name.
const NAME_ONLY: u8 = 1;

/// The order a big block's window slides in, from one of its entries (the
/// rule is in the key's top four bits): 0 by place (the name-only rule),
/// 1 by name (the others).
fn slide_order(entry: u64) -> usize {
    usize::from((entry >> 60) as u8 != NAME_ONLY)
}

fn head(street: &str) -> String {
    street.chars().filter(|c| *c != ' ').take(4).collect()
}

/// A text's hash as a key part; never 0, which stands for "none".
fn text_part(t: &str) -> u64 {
    fnv64(&[], &[t]) | 1
}

/// The parts of the blocking keys that are not a whole value, per
/// dictionary code, made once per distinct value rather than once per
/// record: a name's first letter and first two letters, a street's head
/// (its first four letters), a postcode's department. 0: too short.
#[derive(Debug, Default)]
pub struct KeyParts {
    /// Per name code: its first letter, its first two letters.
    name_heads: Vec<[u64; 2]>,
    street_head: Vec<u64>,
    department: Vec<u64>,
}

impl KeyParts {
    pub fn of(d: &Dicts) -> KeyParts {
        let each = |dict: &super::folded::Dict, f: fn(&str) -> u64| -> Vec<u64> {
            (0..dict.len() as u32)
                .into_par_iter()
                .map(|k| f(dict.get(k)))
                .collect()
        };
        let prefix = |t: &str, n: usize| t.get(..n).map_or(0, text_part);
        KeyParts {
            name_heads: (0..d.name.len() as u32)
                .into_par_iter()
                .map(|k| {
                    let t = d.name.get(k);
                    [prefix(t, 1), prefix(t, 2)]
                })
                .collect(),
            street_head: each(&d.street, |t| {
                if t.is_empty() {
                    0
                } else {
                    text_part(&head(t))
                }
            }),
            department: each(&d.postcode, |t| t.get(..2).map_or(0, text_part)),
        }
    }
}

/// The blocking keys of one record.
pub fn keys(p: View, parts: &KeyParts, out: &mut Vec<u64>) {
    out.clear();
    let r = p.r;
    let code = u64::from;
    let (first, last, street, postcode, city) = (r.first, r.last, r.street, r.postcode, r.city);
    let (first_ph, last_ph, street_no) = (r.first_ph, r.last_ph, r.street_no);
    if first_ph != 0 && last_ph != 0 {
        let (a, b) = (first_ph.min(last_ph), first_ph.max(last_ph));
        out.push(key(NAME_ONLY, &[code(a), code(b)]));
    }
    for ph in [first_ph, last_ph] {
        if ph == 0 {
            continue;
        }
        if postcode != 0 {
            out.push(key(2, &[code(postcode), code(ph)]));
        }
        if city != 0 {
            out.push(key(6, &[code(city), code(ph)]));
        }
    }
    // Postcode + initial + the other name's first two letters, both ways
    // (catches typos in both names, an initial, swapped names).
    let heads = |name: u32| {
        parts
            .name_heads
            .get(name as usize)
            .copied()
            .unwrap_or([0, 0])
    };
    let ([f1, f2], [l1, l2]) = (heads(first), heads(last));
    if postcode != 0 && f1 != 0 && l2 != 0 {
        out.push(key(8, &[code(postcode), f1, l2]));
        if f2 != 0 {
            out.push(key(8, &[code(postcode), l1, f2]));
        }
    }
    if street != 0 {
        let h = parts.street_head[street as usize];
        if street_no != 0 {
            if postcode != 0 {
                out.push(key(3, &[code(postcode), code(street_no), h]));
            }
            let dep = parts.department[postcode as usize];
            if dep != 0 {
                out.push(key(7, &[dep, code(street_no), h]));
            }
        } else if postcode != 0 {
            // Code 0 is the empty number.
            out.push(key(3, &[code(postcode), 0, h]));
        }
    }
    if r.email_local != 0 && p.d.email_local.text_len(r.email_local) >= 4 {
        out.push(key(4, &[code(r.email_local)]));
    }
    for ph in r.mobile.into_iter().chain(r.landline).filter(|c| *c != 0) {
        out.push(key(5, &[code(ph)]));
    }
    out.sort_unstable();
    out.dedup();
}

/// An order-preserving 64-bit prefix of some text (for sorting a big
/// block so that similar records are neighbours).
fn prefix_key(parts: &[&str]) -> u64 {
    let mut k = 0u64;
    let mut n = 0;
    for b in parts.iter().flat_map(|p| p.bytes().chain([b' '])) {
        if n == 8 {
            break;
        }
        k = k << 8 | u64::from(b);
        n += 1;
    }
    k << (8 * (8 - n))
}

/// Marks a list x client pair among the packed pairs.
const ACROSS: u64 = 1 << 63;

/// Two entries' rows (client rows carry [`CLIENT_BIT`]) as one packed pair
/// `row << 32 | other`: inside the list (lower row first), or list x
/// client file (list row first, [`ACROSS`] set). Two client rows are not a
/// pair of this stage. One vector of `u64` holds both kinds, so that one
/// sort orders and deduplicates them (inside pairs first).
fn pack(i: u32, j: u32) -> Option<u64> {
    match (i & CLIENT_BIT == 0, j & CLIENT_BIT == 0) {
        (true, true) => Some(u64::from(i.min(j)) << 32 | u64::from(i.max(j))),
        (true, false) => Some(ACROSS | u64::from(i) << 32 | u64::from(j & !CLIENT_BIT)),
        (false, true) => Some(ACROSS | u64::from(j) << 32 | u64::from(i & !CLIENT_BIT)),
        (false, false) => None,
    }
}

/// The blocks of a run, from which the candidate pairs are drawn one key
/// range at a time ([`Blocking::pairs_in`]): at a million records a side
/// the pairs before deduplication are about a gigabyte, so they are never
/// all made at once. Each range's pairs are sorted and unique, and the
/// ranges of [`Blocking::shards`] in order give exactly the sorted,
/// deduplicated pairs of the whole run.
#[derive(Debug, Default)]
pub struct Blocking {
    /// The record of every (key, record) entry, in key then record order.
    recs: Vec<u32>,
    /// Blocks of two to `max_block` entries.
    small: Vec<Small>,
    /// Blocks larger than `max_block`: `recs[start..end]`, in the order
    /// their window of `window` records slides over, and where their
    /// positions in record order start in `big_pos`.
    big: Vec<(usize, usize, usize)>,
    /// Made on first use: only [`Blocking::pairs_in`] reads them, and a
    /// run draws its pairs row by row ([`Blocking::candidates_of`]).
    big_pos: std::sync::OnceLock<Vec<u32>>,
    window: usize,
    /// The sorted passes: every record, in each pass's order, meets the
    /// `sorted_window` records after it; and their positions in record order.
    passes: Vec<Vec<u32>>,
    pass_pos: std::sync::OnceLock<Vec<Vec<u32>>>,
    sorted_window: usize,
    list_len: usize,
    /// The blocks of each list record, `entries[entry_start[i] ..
    /// entry_start[i + 1]]` for record `i`: read in row order, so the
    /// only scattered reads are the blocks' records.
    entry_start: Vec<u32>,
    entries: Vec<Entry>,
    /// Per sorted pass, each list record's position in it (or
    /// [`NO_BLOCK`]).
    pass_at: Vec<Vec<u32>>,
    /// Pairs before deduplication (for a progress bar).
    pub raw_pairs: u64,
    /// Blocks larger than `max_block`, scanned with a window.
    pub windowed_blocks: usize,
    /// Records (of both files) in at least one windowed block.
    pub windowed_records: usize,
}

/// A block of two to `max_block` entries: `recs[start..start + len]`, of
/// which the first `listed` are list records (list ids have no client bit,
/// so they sort before client ids). Eight bytes: there are millions.
#[derive(Debug, Clone, Copy)]
struct Small {
    start: u32,
    len: u16,
    listed: u16,
}

/// The other records of the pairs that the list record at `p` of a
/// windowed sequence starts (inside the list: the later list rows; across:
/// the client rows, without [`CLIENT_BIT`]), among the records within `w`
/// positions before and after it.
fn neighbours(rows: &[u32], p: usize, w: usize, across: bool) -> impl Iterator<Item = u32> + '_ {
    let i = rows[p];
    debug_assert_eq!(i & CLIENT_BIT, 0, "a list record starts its pairs");
    let before = &rows[p.saturating_sub(w)..p];
    let after = &rows[p + 1..(p + 1 + w).min(rows.len())];
    before.iter().chain(after).copied().filter_map(move |j| {
        if across {
            (j & CLIENT_BIT != 0).then_some(j & !CLIENT_BIT)
        } else {
            (j & CLIENT_BIT == 0 && j > i).then_some(j)
        }
    })
}

/// [`neighbours`] as packed pairs.
fn around(rows: &[u32], p: usize, w: usize, across: bool) -> impl Iterator<Item = u64> + '_ {
    let i = u64::from(rows[p]) << 32;
    let tag = if across { ACROSS } else { 0 };
    neighbours(rows, p, w, across).map(move |j| tag | i | u64::from(j))
}

/// Positions `0..rows.len()` in record order (then position).
fn positions(rows: &[u32]) -> Vec<u32> {
    let mut pos: Vec<u32> = (0..rows.len() as u32).collect();
    pos.sort_unstable_by_key(|&q| (rows[q as usize], q));
    pos
}

/// In [`Blocking::pass_at`]: not in the pass.
const NO_BLOCK: u32 = u32::MAX;

/// A list record's place in one block of two or more: at `recs[at]`; in a
/// small block, the later list records are `recs[at + 1..listed_end]` and
/// the clients `recs[listed_end..end]`; in a big one (`listed_end` is
/// [`WINDOWED`]), `end` is its index in `big`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    at: u32,
    listed_end: u32,
    end: u32,
}

/// [`Entry::listed_end`] of a windowed block.
const WINDOWED: u32 = u32::MAX;

/// `(list row, other row)` pairs.
pub type RowPairs = Vec<(u32, u32)>;

/// A packed pair back to `(list row, other row)`.
pub fn unpack(k: u64) -> (u32, u32) {
    (((k & !ACROSS) >> 32) as u32, k as u32)
}

/// Rows of the list per key range: a range's pairs before deduplication
/// stay in the tens of megabytes.
const SHARD_ROWS: usize = 1 << 18;

/// A range of list rows on one side: the pairs inside the list whose first
/// record is in `rows`, or the list x client pairs whose list record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub across: bool,
    pub rows: (u32, u32),
}

impl Blocking {
    /// Shards covering the pairs inside the list (`across` false) or the
    /// list x client pairs, in key order.
    pub fn shards(&self, across: bool) -> Vec<Shard> {
        self.shards_of(across, SHARD_ROWS)
    }

    fn shards_of(&self, across: bool, rows: usize) -> Vec<Shard> {
        let n = self.list_len.max(1);
        let step = rows.min(n);
        (0..n)
            .step_by(step)
            .map(|lo| {
                let hi = if lo + step >= n {
                    CLIENT_BIT
                } else {
                    (lo + step) as u32
                };
                Shard {
                    across,
                    rows: (lo as u32, hi),
                }
            })
            .collect()
    }

    /// The candidate pairs of one shard, packed, sorted and unique, and how
    /// many were drawn before deduplication.
    pub fn pairs_in(&self, shard: Shard) -> (Vec<u64>, u64) {
        let Shard {
            across,
            rows: (ilo, ihi),
        } = shard;
        let mut out: Vec<u64> = self
            .small
            .par_iter()
            .flat_map_iter(|b| {
                let (s, listed) = (b.start as usize, usize::from(b.listed));
                let block = &self.recs[s..s + usize::from(b.len)];
                let list = &block[..listed];
                // Every pair's key starts with its list record (the smaller
                // one inside the list): the block's list records in the
                // shard's rows are one run of `list`.
                let from = list.partition_point(|&r| r < ilo);
                let to = list.partition_point(|&r| r < ihi);
                // An iterator, not a vector per block: there are millions
                // of blocks, most with a pair or two.
                (from..to).flat_map(move |a| {
                    let others = if across {
                        &block[listed..]
                    } else {
                        &block[a + 1..listed]
                    };
                    others.iter().filter_map(move |&j| pack(block[a], j))
                })
            })
            .collect();
        // The windows: each list record of the shard meets the records
        // within `w` before and after it in each sequence it is in; a pair
        // is kept from the record its key starts with, so it is made once.
        // The records of a sequence are found by id through its positions
        // sorted by record.
        let runs = |rows: &[u32], pos: &[u32]| -> (usize, usize) {
            (
                pos.partition_point(|&q| rows[q as usize] < ilo),
                pos.partition_point(|&q| rows[q as usize] < ihi),
            )
        };
        out.par_extend(self.big.par_iter().flat_map_iter(|&(s, e, at)| {
            let (rows, pos) = (&self.recs[s..e], &self.big_pos()[at..at + e - s]);
            let (from, to) = runs(rows, pos);
            pos[from..to]
                .iter()
                .flat_map(move |&q| around(rows, q as usize, self.window, across))
        }));
        for (rows, pos) in self.passes.iter().zip(self.pass_pos()) {
            let (from, to) = runs(rows, pos);
            out.par_extend(
                pos[from..to]
                    .par_iter()
                    .flat_map_iter(|&q| around(rows, q as usize, self.sorted_window, across)),
            );
        }
        let raw = out.len() as u64;
        out.par_sort_unstable();
        out.dedup();
        (out, raw)
    }

    /// Each windowed block's positions in record order, after one another.
    fn big_pos(&self) -> &[u32] {
        self.big_pos.get_or_init(|| {
            self.big
                .par_iter()
                .flat_map_iter(|&(s, e, _)| positions(&self.recs[s..e]))
                .collect()
        })
    }

    /// Each sorted pass's positions in record order.
    fn pass_pos(&self) -> &[Vec<u32>] {
        self.pass_pos
            .get_or_init(|| self.passes.iter().map(|p| positions(p)).collect())
    }

    /// Block counts and sizes, for `QUALIFY_FUZZY_TIMING`.
    pub fn describe(&self) -> String {
        let mut hist = [0usize; 6];
        let mut pairs = [0u64; 6];
        for b in &self.small {
            let k = match b.len {
                2 => 0,
                3..=4 => 1,
                5..=8 => 2,
                9..=16 => 3,
                17..=32 => 4,
                _ => 5,
            };
            hist[k] += 1;
            let (l, c) = (u64::from(b.listed), u64::from(b.len - b.listed));
            pairs[k] += l * l.saturating_sub(1) / 2 + l * c;
        }
        format!(
            "{} small (by size 2, 3-4, 5-8, 9-16, 17-32, 33+: {hist:?}, raw pairs {pairs:?}), {} windowed, {} entries",
            self.small.len(),
            self.big.len(),
            self.recs.len()
        )
    }

    /// Rows of the list.
    pub fn list_len(&self) -> usize {
        self.list_len
    }

    /// The candidates of list row `i` on one side, into `out`, sorted and
    /// unique: the other list rows after it (`across` false) or the client
    /// rows (`across` true, without `CLIENT_BIT`). Returns how many were
    /// drawn before deduplication. Row by row, in row order, these are
    /// exactly the pairs of [`Blocking::pairs_in`] over the shards, made
    /// without a sort of millions of pairs: a row's few dozen candidates
    /// are sorted where they are, in the cache.
    pub fn candidates_of(&self, i: u32, across: bool, out: &mut Vec<u32>) -> u64 {
        out.clear();
        let (a, b) = (
            self.entry_start[i as usize] as usize,
            self.entry_start[i as usize + 1] as usize,
        );
        for e in &self.entries[a..b] {
            let (at, listed_end, end) = (e.at as usize, e.listed_end as usize, e.end as usize);
            if e.listed_end == WINDOWED {
                let (s, e, _) = self.big[end];
                out.extend(neighbours(&self.recs[s..e], at - s, self.window, across));
            } else if across {
                out.extend(self.recs[listed_end..end].iter().map(|&j| j & !CLIENT_BIT));
            } else {
                // A block's records are in record order: the later list
                // rows are those after `i`.
                out.extend_from_slice(&self.recs[at + 1..listed_end]);
            }
        }
        for (rows, at) in self.passes.iter().zip(&self.pass_at) {
            let q = at[i as usize];
            if q != NO_BLOCK {
                out.extend(neighbours(rows, q as usize, self.sorted_window, across));
            }
        }
        let raw = out.len() as u64;
        out.sort_unstable();
        out.dedup();
        raw
    }

    /// The places in `recs` that [`Blocking::candidates_of`] will read for
    /// row `i` (for a prefetch: they are scattered over the blocks).
    pub fn places_of(&self, i: u32) -> impl Iterator<Item = &u32> + '_ {
        let k = i as usize;
        let range = match (self.entry_start.get(k), self.entry_start.get(k + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        };
        self.entries[range]
            .iter()
            .map(|e| &self.recs[e.at as usize])
    }

    /// Each windowed sequence of records with its window: the big blocks,
    /// then the sorted passes.
    fn slides(&self) -> impl Iterator<Item = (&[u32], usize)> {
        self.big
            .iter()
            .map(|&(s, e, _)| (&self.recs[s..e], self.window))
            .chain(
                self.passes
                    .iter()
                    .map(|p| (p.as_slice(), self.sorted_window)),
            )
    }

    /// Every candidate pair, sorted and unique (tests, the accuracy bench).
    pub fn all_pairs(&self) -> (RowPairs, RowPairs) {
        let side = |across| -> Vec<(u32, u32)> {
            self.shards(across)
                .into_iter()
                .flat_map(|sh| self.pairs_in(sh).0)
                .map(unpack)
                .collect()
        };
        (side(false), side(true))
    }
}

/// Which of `n` blocks to keep: the first of each set of identical ones.
/// `block(k)` gives block `k`'s class (blocks of different classes are
/// never identical) and its records, in record order. Blocks are grouped
/// by a fingerprint, then compared whole, so a fingerprint collision
/// never drops a block.
fn distinct<I>(n: usize, block: impl Fn(usize) -> (u64, I) + Sync) -> Vec<bool>
where
    I: Iterator<Item = u64> + Clone,
{
    let mut prints: Vec<(u64, u32)> = (0..n)
        .into_par_iter()
        .map(|k| {
            let (class, recs) = block(k);
            let h = recs.fold(class.wrapping_add(0x9e37_79b9_7f4a_7c15), |h, r| {
                (h ^ r).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29)
            });
            (h, k as u32)
        })
        .collect();
    prints.par_sort_unstable();
    let mut keep = vec![true; n];
    let same = |a: usize, b: usize| {
        let ((ca, ra), (cb, rb)) = (block(a), block(b));
        ca == cb && ra.eq(rb)
    };
    for group in prints.chunk_by(|a, b| a.0 == b.0) {
        // In index order (the sort's second key): the first of each set
        // of identical blocks stays.
        for (g, &(_, k)) in group.iter().enumerate() {
            let k = k as usize;
            if group[..g]
                .iter()
                .any(|&(_, j)| keep[j as usize] && same(j as usize, k))
            {
                keep[k] = false;
            }
        }
    }
    keep
}

/// The blocks of `list` (and `list` x `clients`): a candidate pair is every
/// pair of a block of at most `max_block` records, in a bigger block every
/// record with the `window` records after it in the block's sort order,
/// and every record with the `sorted_window` records after it in each
/// sorted pass.
pub fn blocking(
    d: &Dicts,
    list: &[Rec],
    clients: &[Rec],
    max_block: usize,
    window: usize,
    sorted_window: usize,
) -> Blocking {
    assert!(
        list.len() < CLIENT_BIT as usize && clients.len() < CLIENT_BIT as usize,
        "more than 2^31 records on one side"
    );
    assert!(max_block <= usize::from(u16::MAX), "max_block is validated");
    // Every (key, record) entry as one u64: the key's hash with its low
    // bits replaced by the record's number (list records first, then the
    // client file's), so that a sort orders by key then record and an
    // entry costs 8 bytes, not 16 (there are about eleven per record).
    // Keys that agree on the hash's high bits share a block: more
    // candidate pairs, never fewer.
    let total = list.len() + clients.len();
    let rec_bits = usize::BITS - total.max(1).leading_zeros();
    assert!(rec_bits <= 32, "fewer than 2^32 records");
    let rec_mask = (1u64 << rec_bits) - 1;
    let parts = KeyParts::of(d);
    let entries = |people: &[Rec], base: usize| -> Vec<Vec<u64>> {
        people
            .par_chunks(1 << 14)
            .enumerate()
            .map(|(c, chunk)| {
                let mut acc = Vec::with_capacity(chunk.len() * 8);
                let mut buf = Vec::with_capacity(12);
                for (k, p) in chunk.iter().enumerate() {
                    keys(d.view(p), &parts, &mut buf);
                    let r = (base + (c << 14) + k) as u64;
                    acc.extend(buf.iter().map(|key| (key & !rec_mask) | r));
                }
                acc
            })
            .collect()
    };
    let pieces: Vec<Vec<u64>> = entries(list, 0)
        .into_iter()
        .chain(entries(clients, list.len()))
        .collect();
    // An entry's record in the ids of the rest of this module.
    let rec_of = |x: u64| -> u32 {
        let r = (x & rec_mask) as usize;
        if r < list.len() {
            r as u32
        } else {
            (r - list.len()) as u32 | CLIENT_BIT
        }
    };
    let mut all = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    for piece in pieces {
        all.extend_from_slice(&piece);
    }
    all.par_sort_unstable();
    // Two keys of one record that share their high bits are one entry.
    all.dedup();
    let person = |r: u32| {
        d.view(if r & CLIENT_BIT == 0 {
            &list[r as usize]
        } else {
            &clients[(r & !CLIENT_BIT) as usize]
        })
    };

    // The blocks in one scan: the small ones stay as blocks (their pairs
    // are drawn per shard), the windows of the big ones are made here, once.
    let mut small: Vec<Small> = Vec::new();
    let mut big: Vec<(usize, usize)> = Vec::new();
    let mut s = 0;
    while s < all.len() {
        let key = all[s] & !rec_mask;
        // A linear scan, not a binary search of the rest: most blocks are
        // a few entries, and the scan reads memory in order.
        let e = s + all[s..]
            .iter()
            .take_while(|&&x| x & !rec_mask == key)
            .count();
        let len = e - s;
        if len > max_block {
            big.push((s, e));
        } else if len > 1 {
            let listed = all[s..e].partition_point(|x| ((x & rec_mask) as usize) < list.len());
            small.push(Small {
                start: u32::try_from(s).expect("fewer than 2^32 blocking entries"),
                len: len as u16,
                listed: listed as u16,
            });
        }
        s = e;
    }
    // Identical blocks give the same pairs: a town with one postcode gives
    // the same records to "postcode + name" and "town + name", and two
    // records that agree on every field share a block of each rule. Only
    // the first of each set of identical blocks is kept (big ones only
    // when their windows slide in the same order too), so that each pair
    // is drawn once per distinct block, not once per rule.
    let windowed_blocks = big.len();
    let records = |s: usize, e: usize| all[s..e].iter().map(|x| x & rec_mask);
    let small_kept = distinct(small.len(), |k| {
        let b = &small[k];
        let s = b.start as usize;
        (0, records(s, s + usize::from(b.len)))
    });
    let big_kept = distinct(big.len(), |k| {
        let (s, e) = big[k];
        (slide_order(all[s]) as u64, records(s, e))
    });
    let mut keep = small_kept.into_iter();
    small.retain(|_| keep.next() == Some(true));
    let mut keep = big_kept.into_iter();
    big.retain(|_| keep.next() == Some(true));
    let mut in_big = vec![false; list.len() + clients.len()];
    for &(s, e) in &big {
        // An entry's low bits are the record's index in `in_big`'s order.
        for &x in &all[s..e] {
            in_big[(x & rec_mask) as usize] = true;
        }
    }
    let raw_pairs: u64 = small
        .iter()
        .map(|b| {
            let (l, c) = (u64::from(b.listed), u64::from(b.len - b.listed));
            l * l.saturating_sub(1) / 2 + l * c
        })
        .sum();
    // A big block's records in the order its window slides over: by
    // place for the name-only rule, by name for the others. Each record's
    // two sort keys are made once (in `in_big`'s order), not once per big
    // block it is in: a record is in several, and each key reads two
    // texts.
    let sort_keys: Vec<[u64; 2]> = (0..total)
        .into_par_iter()
        .map(|x| {
            if !in_big[x] {
                return [0, 0];
            }
            let p = person(rec_of(x as u64));
            [
                prefix_key(&[p.postcode(), p.street()]),
                prefix_key(&[p.last(), p.first()]),
            ]
        })
        .collect();
    let slid: Vec<Vec<u32>> = big
        .par_iter()
        .map(|&(s, e)| {
            let block = &all[s..e];
            let order = slide_order(block[0]);
            let mut rows: Vec<(u64, u32)> = block
                .iter()
                .map(|&x| (sort_keys[(x & rec_mask) as usize][order], rec_of(x)))
                .collect();
            rows.sort_unstable();
            rows.into_iter().map(|(_, r)| r).collect()
        })
        .collect();
    let mut recs: Vec<u32> = all.iter().map(|&x| rec_of(x)).collect();
    drop(all);
    for (&(s, e), rows) in big.iter().zip(slid) {
        recs[s..e].copy_from_slice(&rows);
    }
    // Sorted neighbourhoods over both files: each record meets the
    // `sorted_window` records after it when all are sorted by last then first
    // name, by first then last name, and by street name then house number.
    // That catches what no key shares: a typo that changes every code
    // (`Pemtit` / `Petit`) with a postcode typo or a move.
    let all_people: Vec<(u32, View)> = if sorted_window == 0 {
        Vec::new()
    } else {
        list.iter()
            .enumerate()
            .map(|(i, r)| (i as u32, d.view(r)))
            .chain(
                clients
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (i as u32 | CLIENT_BIT, d.view(r))),
            )
            .collect()
    };
    type SortKey = fn(&View) -> Option<(u64, u64)>;
    let orders: [SortKey; 3] = [
        |p| (p.r.last != 0).then(|| (prefix_key(&[p.last()]), prefix_key(&[p.first()]))),
        |p| (p.r.first != 0).then(|| (prefix_key(&[p.first()]), prefix_key(&[p.last()]))),
        |p| {
            (p.r.street != 0).then(|| {
                (
                    prefix_key(&[p.street()]),
                    prefix_key(&[p.street_no(), p.last()]),
                )
            })
        },
    ];
    let passes: Vec<Vec<u32>> = orders
        .into_iter()
        .filter(|_| sorted_window > 0)
        .map(|order| {
            let mut keyed: Vec<((u64, u64), u32)> = all_people
                .par_iter()
                .filter_map(|(r, p)| order(p).map(|k| (k, *r)))
                .collect();
            keyed.par_sort_unstable();
            keyed.into_iter().map(|(_, r)| r).collect()
        })
        .collect();
    let mut spans = Vec::with_capacity(big.len());
    let mut at = 0;
    for &(s, e) in &big {
        spans.push((s, e, at));
        at += e - s;
    }
    // Each list record's blocks, for drawing the pairs row by row
    // ([`Blocking::candidates_of`]).
    let blocks_in_order = || {
        small
            .iter()
            .map(|b| {
                let s = b.start as usize;
                let e = s + usize::from(b.len);
                (s, e, (s + usize::from(b.listed)) as u32, e as u32)
            })
            .chain(
                spans
                    .iter()
                    .enumerate()
                    .map(|(k, &(s, e, _))| (s, e, WINDOWED, k as u32)),
            )
    };
    let mut entry_start = vec![0u32; list.len() + 1];
    for (s, e, _, _) in blocks_in_order() {
        for &r in &recs[s..e] {
            if r & CLIENT_BIT == 0 {
                entry_start[r as usize + 1] += 1;
            }
        }
    }
    for k in 0..list.len() {
        entry_start[k + 1] += entry_start[k];
    }
    let none = Entry {
        at: 0,
        listed_end: 0,
        end: 0,
    };
    let mut entries = vec![none; entry_start[list.len()] as usize];
    let mut fill = entry_start.clone();
    for (s, e, listed_end, end) in blocks_in_order() {
        for (p, &r) in recs[s..e].iter().enumerate() {
            if r & CLIENT_BIT == 0 {
                let f = &mut fill[r as usize];
                entries[*f as usize] = Entry {
                    at: (s + p) as u32,
                    listed_end,
                    end,
                };
                *f += 1;
            }
        }
    }
    let pass_at: Vec<Vec<u32>> = passes
        .iter()
        .map(|rows| {
            let mut at = vec![NO_BLOCK; list.len()];
            for (q, &r) in rows.iter().enumerate() {
                if r & CLIENT_BIT == 0 {
                    at[r as usize] = q as u32;
                }
            }
            at
        })
        .collect();
    let mut blocking = Blocking {
        recs,
        small,
        big: spans,
        big_pos: std::sync::OnceLock::new(),
        window,
        passes,
        pass_pos: std::sync::OnceLock::new(),
        sorted_window,
        list_len: list.len(),
        entry_start,
        entries,
        pass_at,
        raw_pairs,
        windowed_blocks,
        windowed_records: in_big.iter().filter(|b| **b).count(),
    };
    let slides: Vec<(&[u32], usize)> = blocking.slides().collect();
    let windowed: u64 = slides
        .par_iter()
        .map(|&(rows, w)| window_pairs(rows, w))
        .sum();
    blocking.raw_pairs += windowed;
    blocking
}

/// How many pairs a window of `w` sliding over `rows` draws (each record
/// with the `w` after it), two client records not being a pair: counted
/// from the clients' running count, not pair by pair (that was half the
/// blocking time at 1M + 1M, for a progress bar's total).
fn window_pairs(rows: &[u32], w: usize) -> u64 {
    let n = rows.len();
    // clients[k]: the client records among rows[..k].
    let mut clients = Vec::with_capacity(n + 1);
    let mut seen = 0u64;
    clients.push(0);
    for &r in rows {
        seen += u64::from(r & CLIENT_BIT != 0);
        clients.push(seen);
    }
    (0..n)
        .map(|a| {
            let end = (a + w).min(n - 1);
            let span = (end - a) as u64;
            if rows[a] & CLIENT_BIT == 0 {
                span
            } else {
                span - (clients[end + 1] - clients[a + 1])
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::fuzzy::folded::Folded;
    use crate::link::fuzzy::{person_from_parts, Person};

    struct Cands {
        within: Vec<(u32, u32)>,
        across: Vec<(u32, u32)>,
        windowed_blocks: usize,
        windowed_records: usize,
    }

    fn cands(list: &[Person], clients: &[Person], mb: usize, w: usize, sw: usize) -> Cands {
        let f = Folded::new(&[list, clients]);
        let b = blocking(&f.dicts, &f.sides[0], &f.sides[1], mb, w, sw);
        let (within, across) = b.all_pairs();
        Cands {
            within,
            across,
            windowed_blocks: b.windowed_blocks,
            windowed_records: b.windowed_records,
        }
    }

    #[test]
    fn only_the_first_of_identical_blocks_is_kept() {
        let blocks: [(u64, &[u64]); 6] = [
            (0, &[1, 2]),
            (0, &[1, 2]),
            (0, &[1, 3]),
            // The same records, windowed in another order: kept.
            (1, &[1, 2]),
            (0, &[1, 2, 3]),
            (1, &[1, 2]),
        ];
        let keep = distinct(blocks.len(), |k| (blocks[k].0, blocks[k].1.iter().copied()));
        assert_eq!(keep, [true, false, true, true, true, false]);
    }

    #[test]
    fn swapped_names_and_typos_share_a_block() {
        let list = vec![
            person_from_parts("Jean", "Dupont", "12 rue de la Paix", "75002", "", "", &[]),
            person_from_parts("Dupont", "Jean", "", "", "", "", &[]),
            person_from_parts("Jean", "Dupomt", "12 r de la Paix", "75002", "", "", &[]),
            person_from_parts(
                "Claire",
                "Martin",
                "1 place Bellecour",
                "69002",
                "",
                "",
                &[],
            ),
        ];
        let c = cands(&list, &[], 100, 10, 4);
        let within = c.within.clone();
        assert!(within.contains(&(0, 1)), "{within:?}");
        assert!(within.contains(&(0, 2)), "{within:?}");
        // (With four records, the sorted passes pair everyone anyway.)
        assert!(within.iter().all(|&(i, j)| i < j));
    }

    #[test]
    fn list_meets_clients_by_phone_even_with_another_name() {
        let list = vec![person_from_parts(
            "Jean",
            "Dupont",
            "",
            "",
            "",
            "",
            &["+33612345678"],
        )];
        let clients = vec![person_from_parts(
            "Jehan",
            "Dupond",
            "",
            "",
            "",
            "",
            &["+33612345678"],
        )];
        let c = cands(&list, &clients, 100, 10, 4);
        assert_eq!(c.across.clone(), vec![(0, 0)]);
        assert!(c.within.is_empty());
        // Keys alone, without the sorted passes: the phone is shared.
        let f = Folded::new(&[&list, &clients]);
        let parts = KeyParts::of(&f.dicts);
        let mut buf = Vec::new();
        keys(f.view(0, 0), &parts, &mut buf);
        let mut other = Vec::new();
        keys(f.view(1, 0), &parts, &mut other);
        assert!(buf.iter().any(|k| other.contains(k)));
    }

    #[test]
    fn address_and_initial_keys_read_heads_not_whole_values() {
        // Other first and last names (no name key shared), a typo past the
        // street's head, a postcode typo in the same department.
        let a = person_from_parts("Jean", "Dupont", "12 rue de la Paix", "75002", "", "", &[]);
        let b = person_from_parts("Marc", "Leroy", "12 rue de la Pax", "75012", "", "", &[]);
        // The same initial and first two letters of the other name, another
        // street.
        let c = person_from_parts("Jules", "Dumas", "3 avenue Foch", "75002", "", "", &[]);
        let f = Folded::new(&[&[a, c], &[b]]);
        let parts = KeyParts::of(&f.dicts);
        let keys_of = |side, row| {
            let mut k = Vec::new();
            keys(f.view(side, row), &parts, &mut k);
            k
        };
        let (a, c, b) = (keys_of(0, 0), keys_of(0, 1), keys_of(1, 0));
        let shared = |x: &[u64], y: &[u64]| x.iter().filter(|k| y.contains(k)).count();
        assert_eq!(shared(&a, &b), 1, "department + number + street head");
        assert_eq!(shared(&a, &c), 1, "postcode + J + du");
        assert_eq!(shared(&b, &c), 0);
    }

    #[test]
    fn oversized_blocks_are_windowed_not_skipped() {
        let list: Vec<Person> = (0..50)
            .map(|k| person_from_parts("Jean", &format!("Nom{k:02}"), "", "75011", "", "", &[]))
            .collect();
        // One block of 50 ("jean" in 75011): whole, it is 1,225 pairs.
        let whole = cands(&list, &[], 100, 3, 4);
        assert_eq!(whole.within.len(), 50 * 49 / 2);
        assert_eq!(whole.windowed_blocks, 0);
        let w = cands(&list, &[], 10, 3, 4);
        // Several rules put all 50 in one block ("jean" in 75011, "nom" in
        // 75011, ...): each of those is windowed.
        assert!(w.windowed_blocks >= 1);
        assert_eq!(w.windowed_records, 50);
        // Each record meets its next neighbours in the block (3) and in the
        // sorted passes (SORTED_WINDOW), not the whole block.
        let far = 4;
        let ww = w.within.clone();
        assert!(ww.contains(&(0, 1)) && ww.contains(&(10, 10 + far)));
        assert!(!ww.contains(&(0, far + 1)));
        assert!(w.within.len() < whole.within.len() / 4);
    }

    #[test]
    fn shards_in_order_give_every_pair_once_in_order() {
        // Small blocks (postcodes), big windowed ones (last names), and
        // the sorted passes.
        let list: Vec<Person> = (0..350)
            .map(|i| {
                let last = format!("nom{}", i % 7);
                let pc = format!("{:05}", 10000 + i % 89);
                person_from_parts("Jean", &last, "", &pc, "", "", &[])
            })
            .collect();
        let clients: Vec<Person> = list.iter().step_by(7).cloned().collect();
        let f = Folded::new(&[&list, &clients]);
        let b = blocking(&f.dicts, &f.sides[0], &f.sides[1], 20, 5, 3);
        assert!(b.windowed_blocks > 0);
        let mut raw_total = 0;
        for across in [false, true] {
            let whole: Vec<u64> = b
                .shards_of(across, usize::MAX)
                .into_iter()
                .flat_map(|sh| b.pairs_in(sh).0)
                .collect();
            let shards = b.shards_of(across, 100);
            assert_eq!(shards.len(), 4);
            let mut all: Vec<u64> = Vec::new();
            for sh in &shards {
                let (pairs, raw) = b.pairs_in(*sh);
                assert!(raw >= pairs.len() as u64);
                raw_total += raw;
                all.extend(pairs);
            }
            assert_eq!(all, whole, "the shards in order are the whole side");
            let mut sorted = all.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(all, sorted, "shards overlap or are out of order");
            assert!(!all.is_empty());
            assert!(all.iter().all(|k| (k & ACROSS != 0) == across));
        }
        assert_eq!(raw_total, b.raw_pairs);
        // Row by row, the same pairs and the same raw count.
        let mut buf = Vec::new();
        let mut raw_rows = 0;
        for across in [false, true] {
            let mut rows: Vec<u64> = Vec::new();
            for i in 0..list.len() as u32 {
                raw_rows += b.candidates_of(i, across, &mut buf);
                assert!(buf.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
                rows.extend(buf.iter().map(|&j| {
                    if across {
                        pack(i, j | CLIENT_BIT).unwrap()
                    } else {
                        pack(i, j).unwrap()
                    }
                }));
            }
            let whole: Vec<u64> = b
                .shards_of(across, usize::MAX)
                .into_iter()
                .flat_map(|sh| b.pairs_in(sh).0)
                .collect();
            assert_eq!(rows, whole, "row by row is the whole side, in order");
        }
        assert_eq!(raw_rows, b.raw_pairs);
    }
}
