//! Does this file hold households? In: the encoded records of the list and
//! the client file. Out: [`Evidence`], two counts of pairs of records at
//! one address, from which `fuzzy_first_name_guard = "auto"` decides
//! whether two records whose first names clearly differ may be matched.
//!
//! Why a decision from the data: the guard keeps relatives apart (one
//! address, one last name, two first names), but in files where people
//! are not listed with their relatives, a first name replaced by another
//! (a typing or a merge error, as public record-linkage benchmarks plant
//! it) is the same person, and the guard then misses every such pair.
//! Names and address alone cannot tell the two apart pair by pair (both
//! agree on everything but the first name), but the file as a whole can:
//! an error strikes a first name and a last name alike, so where it is the
//! cause, pairs at one address with the same last name and another first
//! name are about as many as pairs with the same first name and another
//! last name; relatives add only to the first count. So the first count
//! less the second estimates the relatives among the first, and the guard
//! applies when they are more than half of it (the first count more than
//! [`HOUSEHOLD_RATIO`] times the second): refusing those pairs is then
//! right more often than wrong. With fewer than [`MIN_EVIDENCE`] such
//! pairs the guard applies, as before it was decided here. Measured
//! (first count over second): 0.95-1.5 on the FEBRL data sets (no households), 5.6-14.7 on the harsh
//! sets of `qualify-gen linkage` (households planted).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::{compare, Field, NAME_DIFFER, NAME_EXACT};
use super::folded::{Dicts, Rec};

/// An address with more records than this is not paired here (a block of
/// flats, a company's seat, a care home): its pairs would be many and say
/// nothing about households.
const MOST_AT_ONE_ADDRESS: usize = 32;

/// First-name differences at one address are relatives rather than
/// errors for more than half when they outnumber last-name differences
/// more than twice: (first - last) / first > 1/2.
pub const HOUSEHOLD_RATIO: u64 = 2;

/// Fewer pairs than this (both counts together) say too little to decide
/// on: a ratio of two or three pairs is chance. The guard then applies,
/// as it always did before it was decided from the data: relatives are
/// common in French consumer files, and a small list has too few pairs for
/// the model's weights to tell them from one person either.
pub const MIN_EVIDENCE: u64 = 20;

/// A record by its address: (street, house number, city, side, row).
type At = (u32, u32, u32, u8, u32);

/// Pairs of records at one address (same street, house number and city,
/// both names present, names not read swapped), within either file and
/// across the two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The last names are the same and the first names clearly differ.
    pub first_name_differs: u64,
    /// The first names are the same and the last names clearly differ.
    pub last_name_differs: u64,
}

impl Evidence {
    /// Counts the pairs of `sides` (the list, then the client file).
    pub fn of(d: &Dicts, sides: &[&[Rec]]) -> Evidence {
        // Sorted by address: one run per address.
        let mut at: Vec<At> = sides
            .iter()
            .enumerate()
            .flat_map(|(s, recs)| {
                recs.iter().enumerate().filter_map(move |(i, r)| {
                    (r.street != 0 && r.city != 0 && r.first != 0 && r.last != 0).then_some((
                        r.street,
                        r.street_no,
                        r.city,
                        s as u8,
                        i as u32,
                    ))
                })
            })
            .collect();
        at.par_sort_unstable();
        let groups: Vec<&[At]> = at
            .chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2))
            .filter(|g| g.len() > 1 && g.len() <= MOST_AT_ONE_ADDRESS)
            .collect();
        let rec = |x: &At| &sides[x.3 as usize][x.4 as usize];
        groups
            .par_iter()
            .map(|g| {
                let mut e = Evidence::default();
                for (k, a) in g.iter().enumerate() {
                    for b in &g[k + 1..] {
                        let (x, y) = (rec(a), rec(b));
                        // Only one name with the same code (the same
                        // folded text: level exact) can count; most
                        // pairs at one address are ruled out here.
                        if (x.first == y.first) == (x.last == y.last) {
                            continue;
                        }
                        let gamma = compare(d.view(x), d.view(y));
                        // Read crosswise, "the same first name" is one
                        // record's last name: neither count's case.
                        if gamma.swapped {
                            continue;
                        }
                        match (gamma.get(Field::FirstName), gamma.get(Field::LastName)) {
                            (NAME_DIFFER, NAME_EXACT) => e.first_name_differs += 1,
                            (NAME_EXACT, NAME_DIFFER) => e.last_name_differs += 1,
                            _ => {}
                        }
                    }
                }
                e
            })
            .reduce(Evidence::default, |a, b| Evidence {
                first_name_differs: a.first_name_differs + b.first_name_differs,
                last_name_differs: a.last_name_differs + b.last_name_differs,
            })
    }

    /// Enough pairs to decide on ([`MIN_EVIDENCE`]).
    pub fn enough(&self) -> bool {
        self.first_name_differs + self.last_name_differs >= MIN_EVIDENCE
    }

    /// Relatives outnumber errors: the guard should apply.
    pub fn households(&self) -> bool {
        self.first_name_differs > HOUSEHOLD_RATIO * self.last_name_differs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::fuzzy::{person_from_parts, Folded};

    fn evidence_of(people: &[(&str, &str, &str)]) -> Evidence {
        let list: Vec<_> = people
            .iter()
            .map(|(f, l, street)| person_from_parts(f, l, street, "75011", "", "Paris", &[]))
            .collect();
        let folded = Folded::new(&[&list, &[]]);
        Evidence::of(&folded.dicts, &[&folded.sides[0], &folded.sides[1]])
    }

    #[test]
    fn relatives_at_one_address_are_households() {
        let e = evidence_of(&[
            ("Jean", "Dupont", "12 rue de la Roquette"),
            ("Marie", "Dupont", "12 rue de la Roquette"),
            ("Lucas", "Dupont", "12 rue de la Roquette"),
            ("Paul", "Martin", "3 rue Oberkampf"),
            ("Sophie", "Martin", "3 rue Oberkampf"),
        ]);
        assert_eq!(e.first_name_differs, 4);
        assert_eq!(e.last_name_differs, 0);
        assert!(e.households());
        // Four pairs are too few to decide on.
        assert!(!e.enough());
    }

    #[test]
    fn names_replaced_as_often_as_each_other_are_errors() {
        let e = evidence_of(&[
            // One person twice, the first name replaced; another twice,
            // the last name replaced; a third whose records agree.
            ("Jean", "Dupont", "12 rue de la Roquette"),
            ("Thierry", "Dupont", "12 rue de la Roquette"),
            ("Paul", "Martin", "3 rue Oberkampf"),
            ("Paul", "Girard", "3 rue Oberkampf"),
            ("Anne", "Leroy", "8 rue Amelot"),
            ("Anne", "Leroy", "8 rue Amelot"),
            // Another address, another city: not paired.
            ("Luc", "Dupont", "12 rue de la Roquette 2"),
        ]);
        assert_eq!(e.first_name_differs, 1);
        assert_eq!(e.last_name_differs, 1);
        assert!(!e.households());
    }
}
