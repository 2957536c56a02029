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
//! The keys are hashed to 64 bits and sorted (rayon's parallel sort) rather
//! than grouped in a polars frame: a sort of `(u64, u32)` is the cheapest
//! columnar group-by there is, and it never materialises the key strings.
//! A hash collision only adds a pair to compare, which the model rejects.
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

fn fnv(tag: u8, parts: &[&str]) -> u64 {
    let h = fnv64(&[tag], parts);
    // The key's rule in the top four bits, so a block knows how to sort
    // itself when it is too big.
    (h & !(0xf << 60)) | (u64::from(tag) << 60)
}

/// Tag of the name-only rule: its big blocks are sorted by place, the
/// others by name.
const NAME_ONLY: u8 = 1;

fn head(street: &str) -> String {
    street.chars().filter(|c| *c != ' ').take(4).collect()
}

/// The blocking keys of one record.
pub fn keys(p: View, out: &mut Vec<u64>) {
    out.clear();
    let (first, last, street, postcode, city) =
        (p.first(), p.last(), p.street(), p.postcode(), p.city());
    let (first_ph, last_ph, street_no) = (p.first_ph(), p.last_ph(), p.street_no());
    if !first_ph.is_empty() && !last_ph.is_empty() {
        let (a, b) = if first_ph <= last_ph {
            (first_ph, last_ph)
        } else {
            (last_ph, first_ph)
        };
        out.push(fnv(NAME_ONLY, &[a, b]));
    }
    for ph in [first_ph, last_ph] {
        if ph.is_empty() {
            continue;
        }
        if !postcode.is_empty() {
            out.push(fnv(2, &[postcode, ph]));
        }
        if !city.is_empty() {
            out.push(fnv(6, &[city, ph]));
        }
    }
    // Postcode + initial + the other name's first two letters, both ways
    // (catches typos in both names, an initial, swapped names).
    if !postcode.is_empty() && !first.is_empty() && last.len() >= 2 {
        let (f, l) = (&first[..1], &last[..2]);
        out.push(fnv(8, &[postcode, f, l]));
        if first.len() >= 2 {
            out.push(fnv(8, &[postcode, &last[..1], &first[..2]]));
        }
    }
    if !street.is_empty() && !street_no.is_empty() {
        let h = head(street);
        if !postcode.is_empty() {
            out.push(fnv(3, &[postcode, street_no, &h]));
        }
        if let Some(dep) = postcode.get(..2) {
            out.push(fnv(7, &[dep, street_no, &h]));
        }
    } else if !street.is_empty() && !postcode.is_empty() {
        out.push(fnv(3, &[postcode, "", &head(street)]));
    }
    let local = p.email_local();
    if local.len() >= 4 {
        out.push(fnv(4, &[local]));
    }
    for ph in p.phones(p.r.mobile).chain(p.phones(p.r.landline)) {
        out.push(fnv(5, &[ph]));
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

/// Candidate pairs and what blocking windowed.
#[derive(Debug, Default)]
pub struct Candidates {
    /// `(i, j)` with `i < j`, list rows; sorted, unique.
    pub within: Vec<(u32, u32)>,
    /// `(list row, client row)`; sorted, unique.
    pub across: Vec<(u32, u32)>,
    /// Blocks larger than `max_block`, scanned with a window.
    pub windowed_blocks: usize,
    /// Records (of both files) in at least one windowed block.
    pub windowed_records: usize,
}

/// All candidate pairs of `list` (and `list` x `clients`): every pair of a
/// block of at most `max_block` records, in a bigger block every record
/// with the `window` records after it in the block's sort order, and every
/// record with the `sorted_window` records after it in each sorted pass.
pub fn candidates(
    d: &Dicts,
    list: &[Rec],
    clients: &[Rec],
    max_block: usize,
    window: usize,
    sorted_window: usize,
) -> Candidates {
    assert!(
        list.len() < CLIENT_BIT as usize && clients.len() < CLIENT_BIT as usize,
        "more than 2^31 records on one side"
    );
    let entries = |people: &[Rec], bit: u32| -> Vec<(u64, u32)> {
        people
            .par_iter()
            .enumerate()
            .fold(
                || (Vec::new(), Vec::with_capacity(12)),
                |(mut acc, mut buf): (Vec<(u64, u32)>, Vec<u64>), (i, p)| {
                    keys(d.view(p), &mut buf);
                    acc.extend(buf.iter().map(|k| (*k, i as u32 | bit)));
                    (acc, buf)
                },
            )
            .map(|(acc, _)| acc)
            .reduce(Vec::new, |mut a, mut b| {
                a.append(&mut b);
                a
            })
    };
    let mut all = entries(list, 0);
    all.extend(entries(clients, CLIENT_BIT));
    all.par_sort_unstable();
    let person = |r: u32| {
        d.view(if r & CLIENT_BIT == 0 {
            &list[r as usize]
        } else {
            &clients[(r & !CLIENT_BIT) as usize]
        })
    };

    // Block boundaries, then the pairs of every block in parallel.
    let mut starts = Vec::new();
    for i in 0..all.len() {
        if i == 0 || all[i].0 != all[i - 1].0 {
            starts.push(i);
        }
    }
    starts.push(all.len());
    let blocks: Vec<(usize, usize)> = starts
        .windows(2)
        .map(|w| (w[0], w[1]))
        .filter(|b| b.1 - b.0 > 1)
        .collect();
    let big: Vec<&(usize, usize)> = blocks.iter().filter(|b| b.1 - b.0 > max_block).collect();
    let mut in_big = vec![false; list.len() + clients.len()];
    for &&(s, e) in &big {
        for (_, r) in &all[s..e] {
            let k = if r & CLIENT_BIT == 0 {
                *r as usize
            } else {
                list.len() + (r & !CLIENT_BIT) as usize
            };
            in_big[k] = true;
        }
    }
    // Each block's pairs in a vector of its own, concatenated once
    // (rayon collects a flat map as a list of chunks).
    let mut pairs: Vec<u64> = blocks
        .par_iter()
        .flat_map_iter(|&(s, e)| {
            let block = &all[s..e];
            let mut out = Vec::new();
            let mut emit = |i: u32, j: u32| out.extend(pack(i, j));
            if e - s <= max_block {
                for (a, (_, i)) in block.iter().enumerate() {
                    for (_, j) in &block[a + 1..] {
                        emit(*i, *j);
                    }
                }
            } else {
                let by_place = (block[0].0 >> 60) as u8 == NAME_ONLY;
                let mut rows: Vec<(u64, u32)> = block
                    .iter()
                    .map(|(_, r)| {
                        let p = person(*r);
                        let k = if by_place {
                            prefix_key(&[p.postcode(), p.street()])
                        } else {
                            prefix_key(&[p.last(), p.first()])
                        };
                        (k, *r)
                    })
                    .collect();
                rows.sort_unstable();
                for a in 0..rows.len() {
                    for b in rows.iter().skip(a + 1).take(window) {
                        emit(rows[a].1, b.1);
                    }
                }
            }
            out
        })
        .collect();
    // Sorted neighbourhoods over both files: each record meets the
    // `sorted_window` records after it when all are sorted by last then first
    // name, by first then last name, and by street name then house number.
    // That catches what no key shares: a typo that changes every code
    // (`Pemtit` / `Petit`) with a postcode typo or a move.
    let all_people: Vec<(u32, View)> = list
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u32, d.view(r)))
        .chain(
            clients
                .iter()
                .enumerate()
                .map(|(i, r)| (i as u32 | CLIENT_BIT, d.view(r))),
        )
        .collect();
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
    for order in orders.into_iter().filter(|_| sorted_window > 0) {
        let mut keyed: Vec<((u64, u64), u32)> = all_people
            .par_iter()
            .filter_map(|(r, p)| order(p).map(|k| (k, *r)))
            .collect();
        keyed.par_sort_unstable();
        pairs.par_extend((0..keyed.len()).into_par_iter().flat_map_iter(|a| {
            let i = keyed[a].1;
            keyed
                .iter()
                .skip(a + 1)
                .take(sorted_window)
                .filter_map(move |(_, j)| pack(i, *j))
        }));
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    let split = pairs.partition_point(|k| k & ACROSS == 0);
    let unpack = |v: &[u64]| -> Vec<(u32, u32)> {
        v.par_iter()
            .map(|k| (((k & !ACROSS) >> 32) as u32, *k as u32))
            .collect()
    };
    let (within, across) = (unpack(&pairs[..split]), unpack(&pairs[split..]));
    drop(pairs);
    Candidates {
        within,
        across,
        windowed_blocks: big.len(),
        windowed_records: in_big.iter().filter(|b| **b).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::fuzzy::folded::Folded;
    use crate::link::fuzzy::{person_from_parts, Person};

    fn cands(list: &[Person], clients: &[Person], mb: usize, w: usize, sw: usize) -> Candidates {
        let f = Folded::new(&[list, clients]);
        candidates(&f.dicts, &f.sides[0], &f.sides[1], mb, w, sw)
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
        assert!(c.within.contains(&(0, 1)), "{:?}", c.within);
        assert!(c.within.contains(&(0, 2)), "{:?}", c.within);
        // (With four records, the sorted passes pair everyone anyway.)
        assert!(c.within.iter().all(|&(i, j)| i < j));
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
        assert_eq!(c.across, vec![(0, 0)]);
        assert!(c.within.is_empty());
        // Keys alone, without the sorted passes: the phone is shared.
        let f = Folded::new(&[&list, &clients]);
        let mut buf = Vec::new();
        keys(f.view(0, 0), &mut buf);
        let mut other = Vec::new();
        keys(f.view(1, 0), &mut other);
        assert!(buf.iter().any(|k| other.contains(k)));
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
        assert!(w.within.contains(&(0, 1)) && w.within.contains(&(10, 10 + far)));
        assert!(!w.within.contains(&(0, far + 1)));
        assert!(w.within.len() < whole.within.len() / 4);
    }
}
