//! The comparable records, dictionary-encoded. In: the [`Person`]s of
//! every side (the list, the client file, the postal objections). Out:
//! one [`Rec`] per record, a row of small integer codes, and the
//! [`Dicts`] that give each code its text, shared by every side.
//!
//! Why: scoring reads two random records per candidate pair, tens of
//! millions of times. A [`Person`] is thirteen heap strings; reading one
//! is a dozen cache misses, and most comparisons are equality tests that
//! end in `memcmp`. A [`Rec`] is one or two cache lines, an equality test
//! is an integer compare, and the text of a value (for Jaro-Winkler, the
//! blocking keys) comes from a dictionary where each distinct value is
//! stored once, so common names, postcodes and towns stay in cache. This
//! is Arrow's dictionary encoding, kept in plain vectors because the
//! comparison code reads rows, not columns.
//!
//! Codes are assigned in the order values are first seen (sides, then
//! records, in order), so they are the same on every run. Code 0 is the
//! empty value (missing). The term frequencies ([`Rec::rarity`]) are
//! computed here from the codes' counts over every side.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use rayon::prelude::*;

use super::Person;

/// The text of one family of values: code -> text, code 0 is `""`.
#[derive(Debug, Clone)]
pub struct Dict {
    text: String,
    /// `starts[k]..starts[k + 1]` is code `k`'s text.
    starts: Vec<usize>,
}

impl Default for Dict {
    fn default() -> Self {
        Dict {
            text: String::new(),
            starts: vec![0, 0],
        }
    }
}

impl Dict {
    pub fn get(&self, code: u32) -> &str {
        let k = code as usize;
        &self.text[self.starts[k]..self.starts[k + 1]]
    }

    /// Distinct values, the empty one included.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() <= 1
    }
}

/// The dictionaries. Values compared with each other share one (first and
/// last names: the swapped reading compares a first name with a last
/// name; mobiles and landlines).
#[derive(Debug, Clone, Default)]
pub struct Dicts {
    pub name: Dict,
    pub phonetic: Dict,
    pub email: Dict,
    pub email_local: Dict,
    pub number: Dict,
    pub street: Dict,
    pub postcode: Dict,
    pub city: Dict,
    pub siren: Dict,
    pub phone: Dict,
    /// Per name code, what its text is made of ([`ONE_LETTER`], [`WORDS`]):
    /// which comparison levels two different names can reach depends on
    /// it, and knowing it from the code spares reading the texts.
    name_shape: Vec<u8>,
    /// Per street number code, a code of its digits (`12` and `12b` share
    /// one): the same door, from the codes.
    number_base: Vec<u32>,
}

/// A name of one letter (an initial).
pub const ONE_LETTER: u8 = 1;
/// A name of several words (a compound, a hyphenated or married name).
pub const WORDS: u8 = 2;

impl Dicts {
    /// A record with these dictionaries.
    pub fn view<'a>(&'a self, r: &'a Rec) -> View<'a> {
        View { r, d: self }
    }

    /// [`ONE_LETTER`], [`WORDS`] or 0 for a name code.
    pub fn name_shape(&self, code: u32) -> u8 {
        self.name_shape.get(code as usize).copied().unwrap_or(0)
    }

    /// The code of a street number's digits (the number without its
    /// trailing letters, `bis`, `b`...).
    pub fn number_base(&self, code: u32) -> u32 {
        self.number_base.get(code as usize).copied().unwrap_or(0)
    }

    fn with_shapes(mut self) -> Dicts {
        self.name_shape = (0..self.name.len() as u32)
            .map(|k| {
                let t = self.name.get(k);
                if t.len() == 1 {
                    ONE_LETTER
                } else if t.contains(' ') {
                    WORDS
                } else {
                    0
                }
            })
            .collect();
        let mut bases: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        self.number_base = (0..self.number.len() as u32)
            .map(|k| {
                let number = self.number.get(k);
                let digits = number.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                let next = bases.len() as u32;
                *bases.entry(digits).or_insert(next)
            })
            .collect();
        self
    }
}

/// One record as codes (0: missing). See [`Person`] for what each field
/// holds. Phones: the normalised record has two phone columns, so at most
/// two of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rec {
    pub first: u32,
    pub last: u32,
    pub first_ph: u32,
    pub last_ph: u32,
    pub email: u32,
    pub email_local: u32,
    pub street_no: u32,
    pub street: u32,
    pub postcode: u32,
    pub city: u32,
    pub siren: u32,
    pub mobile: [u32; 2],
    pub landline: [u32; 2],
    /// `-log2` of the share of records (of every side) with this first
    /// name, last name and postcode; 0 when missing.
    pub rarity: [f32; 3],
}

/// A record with its dictionaries: what the comparison functions read.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub r: &'a Rec,
    pub d: &'a Dicts,
}

impl<'a> View<'a> {
    pub fn first(&self) -> &'a str {
        self.d.name.get(self.r.first)
    }
    pub fn last(&self) -> &'a str {
        self.d.name.get(self.r.last)
    }
    pub fn first_ph(&self) -> &'a str {
        self.d.phonetic.get(self.r.first_ph)
    }
    pub fn last_ph(&self) -> &'a str {
        self.d.phonetic.get(self.r.last_ph)
    }
    pub fn email_local(&self) -> &'a str {
        self.d.email_local.get(self.r.email_local)
    }
    pub fn street_no(&self) -> &'a str {
        self.d.number.get(self.r.street_no)
    }
    pub fn street(&self) -> &'a str {
        self.d.street.get(self.r.street)
    }
    pub fn postcode(&self) -> &'a str {
        self.d.postcode.get(self.r.postcode)
    }
    pub fn city(&self) -> &'a str {
        self.d.city.get(self.r.city)
    }
    pub fn email(&self) -> &'a str {
        self.d.email.get(self.r.email)
    }
    /// The phone numbers of one kind, as E.164 text.
    pub fn phones(&self, codes: [u32; 2]) -> impl Iterator<Item = &'a str> + 'a {
        let d = self.d;
        codes
            .into_iter()
            .filter(|c| *c != 0)
            .map(move |c| d.phone.get(c))
    }
}

/// Records built per chunk while encoding: enough for parallel work, small
/// enough that a chunk's strings are a few megabytes.
pub const CHUNK: usize = 1 << 16;

/// One side's records, made on demand.
pub trait Source: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn person(&self, row: usize) -> Person;
}

impl Source for &[Person] {
    fn len(&self) -> usize {
        <[Person]>::len(self)
    }
    fn person(&self, row: usize) -> Person {
        self[row].clone()
    }
}

/// One family's dictionary as it is built: the index finds a value's code
/// by hashing its text and comparing with the dictionary's own copy, so it
/// borrows nothing from the records (they are dropped chunk by chunk).
#[derive(Default)]
struct Encoder {
    dict: Dict,
    index: HashTable<u32>,
    hasher: FixedState,
    codes: Vec<[u32; 4]>,
}

impl Encoder {
    fn code(&mut self, v: &str) -> u32 {
        if v.is_empty() {
            return 0;
        }
        let Encoder {
            dict,
            index,
            hasher,
            ..
        } = self;
        let h = hasher.hash_one(v);
        if let Some(&c) = index.find(h, |&c| dict.get(c) == v) {
            return c;
        }
        dict.text.push_str(v);
        dict.starts.push(dict.text.len());
        let c = (dict.starts.len() - 2) as u32;
        index.insert_unique(h, c, |&c| hasher.hash_one(dict.get(c)));
        c
    }
}

/// Every side's records and the dictionaries they share.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    pub dicts: Dicts,
    /// One vector per side, in the order given to [`Folded::new`].
    pub sides: Vec<Vec<Rec>>,
}

impl Folded {
    pub fn view(&self, side: usize, row: usize) -> View<'_> {
        self.dicts.view(&self.sides[side][row])
    }

    /// Encodes every side (each dictionary built in parallel with the
    /// others) and sets the rarities.
    pub fn new(sides: &[&[Person]]) -> Folded {
        let sources: Vec<&dyn Source> = sides.iter().map(|s| s as &dyn Source).collect();
        Folded::encode(&sources)
    }

    /// [`Folded::new`] over records made on the fly: each side's
    /// [`Person`]s are built [`CHUNK`] rows at a time, encoded and dropped,
    /// so the thirteen strings of every record never all exist at once.
    /// The codes are the same as encoding the whole sides.
    pub fn encode(sides: &[&dyn Source]) -> Folded {
        type Get = for<'p> fn(&'p Person) -> [&'p str; 4];
        fn phone(v: &[String], k: usize) -> &str {
            assert!(v.len() <= 2, "more than two phones of one kind");
            v.get(k).map_or("", String::as_str)
        }
        // Each dictionary with the fields it encodes, in `Dicts` order
        // ("" is missing).
        let families: [Get; 10] = [
            |p| [&p.first, &p.last, "", ""],
            |p| [&p.first_ph, &p.last_ph, "", ""],
            |p| [&p.email, "", "", ""],
            |p| [&p.email_local, "", "", ""],
            |p| [&p.street_no, "", "", ""],
            |p| [&p.street, "", "", ""],
            |p| [&p.postcode, "", "", ""],
            |p| [&p.city_key, "", "", ""],
            |p| [&p.siren, "", "", ""],
            |p| {
                [
                    phone(&p.mobile, 0),
                    phone(&p.mobile, 1),
                    phone(&p.landline, 0),
                    phone(&p.landline, 1),
                ]
            },
        ];
        // Each chunk's codes are written into its records at once: ten
        // whole-run columns of codes (16 bytes per record and family) were
        // 320 MB at 1M + 1M records, ten times the records themselves.
        let mut states: Vec<Encoder> = families.iter().map(|_| Encoder::default()).collect();
        let mut out: Vec<Vec<Rec>> = Vec::with_capacity(sides.len());
        for side in sides {
            let mut recs: Vec<Rec> = Vec::with_capacity(side.len());
            for start in (0..side.len()).step_by(CHUNK) {
                let end = (start + CHUNK).min(side.len());
                let people: Vec<Person> = (start..end)
                    .into_par_iter()
                    .map(|i| side.person(i))
                    .collect();
                states
                    .par_iter_mut()
                    .zip(families.par_iter())
                    .for_each(|(st, get)| {
                        st.codes.clear();
                        for p in &people {
                            let row = get(p).map(|v| st.code(v));
                            st.codes.push(row);
                        }
                    });
                let c = |k: usize, i: usize, slot: usize| states[k].codes[i][slot];
                recs.extend((0..people.len()).map(|i| Rec {
                    first: c(0, i, 0),
                    last: c(0, i, 1),
                    first_ph: c(1, i, 0),
                    last_ph: c(1, i, 1),
                    email: c(2, i, 0),
                    email_local: c(3, i, 0),
                    street_no: c(4, i, 0),
                    street: c(5, i, 0),
                    postcode: c(6, i, 0),
                    city: c(7, i, 0),
                    siren: c(8, i, 0),
                    mobile: [c(9, i, 0), c(9, i, 1)],
                    landline: [c(9, i, 2), c(9, i, 3)],
                    rarity: [0.0; 3],
                }));
            }
            out.push(recs);
        }
        let dicts: Vec<Dict> = states.into_iter().map(|st| st.dict).collect();
        let [name, phonetic, email, email_local, number, street, postcode, city, siren, phone]: [Dict; 10] =
            dicts.try_into().expect("one dictionary per family");
        let dicts = Dicts {
            name,
            phonetic,
            email,
            email_local,
            number,
            street,
            postcode,
            city,
            siren,
            phone,
            ..Dicts::default()
        }
        .with_shapes();
        // Rarity: counts of first names, last names, postcodes over every
        // side (the same figures, to the bit, as counting the text).
        let count = |code: fn(&Rec) -> u32, n: usize| -> (Vec<u32>, u64) {
            let mut c = vec![0u32; n];
            let mut total = 0u64;
            for r in out.iter().flatten() {
                let k = code(r);
                if k != 0 {
                    c[k as usize] += 1;
                    total += 1;
                }
            }
            (c, total)
        };
        let rarity_of = |(c, total): (Vec<u32>, u64)| -> Vec<f32> {
            c.iter()
                .map(|&n| {
                    if n == 0 {
                        0.0
                    } else {
                        (total as f64 / f64::from(n)).log2() as f32
                    }
                })
                .collect()
        };
        let first_r = rarity_of(count(|r| r.first, dicts.name.len()));
        let last_r = rarity_of(count(|r| r.last, dicts.name.len()));
        let pc_r = rarity_of(count(|r| r.postcode, dicts.postcode.len()));
        for recs in &mut out {
            recs.par_iter_mut().for_each(|r| {
                r.rarity = [
                    first_r[r.first as usize],
                    last_r[r.last as usize],
                    pc_r[r.postcode as usize],
                ];
            });
        }
        Folded { dicts, sides: out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::fuzzy::person_from_parts;

    #[test]
    fn codes_are_shared_across_sides_and_give_back_the_text() {
        let a = person_from_parts(
            "Jean",
            "Dupont",
            "12 rue de la Paix",
            "75002",
            "j.d@x.fr",
            "Paris",
            &["+33612345678"],
        );
        let b = person_from_parts("Dupont", "Jean", "", "75002", "", "", &["+33145678901"]);
        let f = Folded::new(&[std::slice::from_ref(&a), std::slice::from_ref(&b)]);
        let (x, y) = (f.view(0, 0), f.view(1, 0));
        assert_eq!(
            x.r.first, y.r.last,
            "first and last names share a dictionary"
        );
        assert_eq!(x.r.postcode, y.r.postcode);
        assert_eq!(y.r.street, 0, "missing is code 0");
        assert_eq!(
            (x.first(), x.last(), x.street()),
            ("jean", "dupont", "rue de la paix")
        );
        assert_eq!(
            (x.email(), x.email_local(), x.city()),
            ("j.d@x.fr", "jd", "paris")
        );
        assert_eq!(x.phones(x.r.mobile).collect::<Vec<_>>(), ["+33612345678"]);
        assert_eq!(y.phones(y.r.landline).collect::<Vec<_>>(), ["+33145678901"]);
        // Both records are in 75002: agreeing on it says nothing.
        assert_eq!(x.r.rarity[2], 0.0);
        // One first name 'jean' of two first names: one bit.
        assert_eq!(x.r.rarity[0], 1.0);
    }
}
