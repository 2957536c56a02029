//! Blocking. In: the [`Person`]s of the list (and of the client file).
//! Out: the candidate pairs, each once: pairs inside the list, and pairs
//! list x client file.
//!
//! Every record emits a few blocking keys; two records are compared only
//! when they share one. The keys, each aimed at a kind of noise the others
//! miss:
//! - the phonetic codes of both names, sorted (so swapped first and last
//!   names give the same key; catches a move to another town), compared
//!   only in small blocks (rare names; see [`max_for`]);
//! - postcode + phonetic last name (catches first-name typos and initials;
//!   not postcode + first name: in a big town that block is dense, and it
//!   made the pair count grow 70x from 100k to 1M records);
//! - postcode + house number + the street name's first four letters
//!   (catches last-name typos at the same address);
//! - the email local part (catches another provider, or a typo in the name);
//! - each phone number (catches a reformatted number, and a new name spelling).
//!
//! The keys are hashed to 64 bits and sorted (rayon's parallel sort) rather
//! than grouped in a polars frame: a sort of `(u64, u32)` is the cheapest
//! columnar group-by there is, and it never materialises the key strings.
//! A hash collision only adds a pair to compare, which the scorer rejects.
//! A block larger than `max_block` (a very common name in a big town) is
//! skipped: that is what keeps the pair count about linear in the records;
//! its records still meet through their other keys. Skipped blocks are
//! counted for the summary.

use rayon::prelude::*;

use super::Person;

/// Second-side rows carry this bit, so one sort serves both sides.
const CLIENT_BIT: u32 = 1 << 31;

fn fnv(tag: u8, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    eat(tag);
    for p in parts {
        for b in p.bytes() {
            eat(b);
        }
        eat(0xff);
    }
    // The key's kind in the top four bits, so a block knows its cap.
    (h & !(0xf << 60)) | (u64::from(tag) << 60)
}

/// Tag of the name-only key (see [`max_for`]).
const NAME_ONLY: u8 = 1;

/// The largest block compared for a key: a block on the names alone is
/// informative only when the names are rare, and blocks of common names
/// are what makes the pair count grow faster than the records (measured:
/// 47x the pairs for 10x the records before this cap). Their records
/// still meet through postcode, street, email and phone keys.
fn max_for(key: u64, max_block: usize) -> usize {
    if (key >> 60) as u8 == NAME_ONLY {
        (max_block / 10).max(2)
    } else {
        max_block
    }
}

/// The blocking keys of one record.
pub fn keys(p: &Person, out: &mut Vec<u64>) {
    out.clear();
    if !p.first_ph.is_empty() && !p.last_ph.is_empty() {
        let (a, b) = if p.first_ph <= p.last_ph {
            (&p.first_ph, &p.last_ph)
        } else {
            (&p.last_ph, &p.first_ph)
        };
        out.push(fnv(NAME_ONLY, &[a, b]));
    }
    if !p.postcode.is_empty() {
        if !p.last_ph.is_empty() {
            out.push(fnv(2, &[&p.postcode, &p.last_ph]));
        }
        if !p.street.is_empty() {
            let head: String = p.street.chars().filter(|c| *c != ' ').take(4).collect();
            out.push(fnv(3, &[&p.postcode, &p.street_no, &head]));
        }
    }
    if p.email_local.len() >= 4 {
        out.push(fnv(4, &[&p.email_local]));
    }
    for ph in p.mobile.iter().chain(&p.landline) {
        out.push(fnv(5, &[ph]));
    }
    out.sort_unstable();
    out.dedup();
}

/// Candidate pairs and what blocking skipped.
#[derive(Debug, Default)]
pub struct Candidates {
    /// `(i, j)` with `i < j`, list rows; sorted, unique.
    pub within: Vec<(u32, u32)>,
    /// `(list row, client row)`; sorted, unique.
    pub across: Vec<(u32, u32)>,
    /// Blocks skipped because they were larger than `max_block`.
    pub skipped_blocks: usize,
}

/// All candidate pairs of `list` (and `list` x `clients`).
pub fn candidates(list: &[Person], clients: &[Person], max_block: usize) -> Candidates {
    assert!(
        list.len() < CLIENT_BIT as usize && clients.len() < CLIENT_BIT as usize,
        "more than 2^31 records on one side"
    );
    let entries = |people: &[Person], bit: u32| -> Vec<(u64, u32)> {
        people
            .par_iter()
            .enumerate()
            .fold(
                || (Vec::new(), Vec::with_capacity(8)),
                |(mut acc, mut buf): (Vec<(u64, u32)>, Vec<u64>), (i, p)| {
                    keys(p, &mut buf);
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

    // Block boundaries, then the pairs of every block in parallel.
    let mut starts = Vec::new();
    for i in 0..all.len() {
        if i == 0 || all[i].0 != all[i - 1].0 {
            starts.push(i);
        }
    }
    starts.push(all.len());
    let blocks: Vec<(usize, usize)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    let fits = |&(s, e): &(usize, usize)| e - s <= max_for(all[s].0, max_block);
    let skipped = blocks.iter().filter(|b| !fits(b)).count();
    let (mut within, mut across): (Vec<u64>, Vec<u64>) = blocks
        .par_iter()
        .filter(|b| b.1 - b.0 > 1 && fits(b))
        .fold(
            || (Vec::new(), Vec::new()),
            |(mut w, mut x), &(s, e)| {
                let block = &all[s..e];
                // List rows sort before client rows (the bit is the top bit).
                let split = block.partition_point(|(_, r)| r & CLIENT_BIT == 0);
                let (l, c) = block.split_at(split);
                for (a, (_, i)) in l.iter().enumerate() {
                    for (_, j) in &l[a + 1..] {
                        w.push(u64::from(*i) << 32 | u64::from(*j));
                    }
                    for (_, j) in c {
                        x.push(u64::from(*i) << 32 | u64::from(j & !CLIENT_BIT));
                    }
                }
                (w, x)
            },
        )
        .reduce(
            || (Vec::new(), Vec::new()),
            |(mut a, mut b), (mut c, mut d)| {
                a.append(&mut c);
                b.append(&mut d);
                (a, b)
            },
        );
    for v in [&mut within, &mut across] {
        v.par_sort_unstable();
        v.dedup();
    }
    let unpack = |v: Vec<u64>| -> Vec<(u32, u32)> {
        v.into_iter()
            .map(|k| ((k >> 32) as u32, k as u32))
            .collect()
    };
    Candidates {
        within: unpack(within),
        across: unpack(across),
        skipped_blocks: skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::fuzzy::person_from_parts;

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
        let c = candidates(&list, &[], 100);
        assert!(c.within.contains(&(0, 1)), "{:?}", c.within);
        assert!(c.within.contains(&(0, 2)), "{:?}", c.within);
        assert!(!c.within.iter().any(|&(i, j)| i == 3 || j == 3));
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
        let c = candidates(&list, &clients, 100);
        assert_eq!(c.across, vec![(0, 0)]);
        assert!(c.within.is_empty());
    }

    #[test]
    fn oversized_blocks_are_skipped_and_counted() {
        let list: Vec<Person> = (0..5)
            .map(|_| person_from_parts("Jean", "Martin", "", "", "", "", &[]))
            .collect();
        // Names only: those blocks are capped at a tenth of `max_block`.
        let c = candidates(&list, &[], 40);
        assert!(c.within.is_empty());
        assert_eq!(c.skipped_blocks, 1);
        assert_eq!(candidates(&list, &[], 50).within.len(), 10);
        // Postcode blocks take the whole cap.
        let list: Vec<Person> = (0..5)
            .map(|_| person_from_parts("Jean", "Martin", "", "75011", "", "", &[]))
            .collect();
        assert_eq!(candidates(&list, &[], 5).within.len(), 10);
        assert!(candidates(&list, &[], 4).within.is_empty());
    }
}
