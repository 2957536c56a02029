//! The comparable records, dictionary-encoded. In: every side (the list
//! and the client file as their normalised cells, the postal objections
//! as [`Person`]s), through [`Source`]. Out: one [`Rec`] per record, a row
//! of small integer codes, and the [`Dicts`] that give each code its text,
//! shared by every side.
//!
//! Why: scoring reads two random records per candidate pair, tens of
//! millions of times. A [`Person`] is thirteen heap strings; reading one
//! is a dozen cache misses, and most comparisons are equality tests that
//! end in `memcmp`. A [`Rec`] is one cache line, an equality test is an
//! integer compare, and the text of a value (for Jaro-Winkler, the
//! blocking keys) comes from a dictionary where each distinct value is
//! stored once, so common names, postcodes and towns stay in cache. This
//! is Arrow's dictionary encoding, kept in plain vectors because the
//! comparison code reads rows, not columns.
//!
//! Codes are assigned in the order values are first seen (sides, then
//! records, in order), so they are the same on every run. Code 0 is the
//! empty value (missing). The term frequencies ([`View::rarity`]) are
//! computed here from the codes' counts over every side.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use super::super::phonetic::french_phonetic;
use super::Person;
use crate::normalise::fold_key;

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

    /// The length of code `code`'s text, without reading it.
    pub fn text_len(&self, code: u32) -> usize {
        let k = code as usize;
        self.starts[k + 1] - self.starts[k]
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
    /// Per name code, `-log2` of the share of records (of every side) with
    /// this first name; 0 when none has it.
    first_rarity: Vec<f32>,
    /// The same for last names, per name code.
    last_rarity: Vec<f32>,
    /// The same for postcodes, per postcode code.
    postcode_rarity: Vec<f32>,
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
///
/// One cache line, aligned: scoring reads a random record of millions per
/// candidate pair, and a record across two lines was two misses. Its
/// term frequencies are therefore in the dictionaries ([`View::rarity`]),
/// not here.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C, align(64))]
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
    /// `-log2` of the share of records (of every side) with this record's
    /// first name, last name and postcode; 0 when missing.
    pub fn rarity(&self) -> [f32; 3] {
        let at = |v: &[f32], k: u32| v.get(k as usize).copied().unwrap_or(0.0);
        [
            at(&self.d.first_rarity, self.r.first),
            at(&self.d.last_rarity, self.r.last),
            at(&self.d.postcode_rarity, self.r.postcode),
        ]
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
/// enough that a chunk's codes are a few megabytes.
pub const CHUNK: usize = 1 << 16;

/// A record's names as a side holds them.
#[derive(Debug, Clone, Copy)]
pub enum Names<'a> {
    /// The cells of a normalised file (folded here, once per distinct
    /// cell): first name, last name, full name.
    Cells(Option<&'a str>, Option<&'a str>, Option<&'a str>),
    /// Already folded (a [`Person`]): first, last, and their phonetic
    /// codes.
    Folded(&'a str, &'a str, &'a str, &'a str),
}

/// A record's street as a side holds it.
#[derive(Debug, Clone, Copy)]
pub enum Street<'a> {
    /// The street line of a normalised file (split here, once per
    /// distinct line).
    Line(Option<&'a str>),
    /// Already split (a [`Person`]): house number, street name.
    Parts(&'a str, &'a str),
}

/// A record's town as a side holds it.
#[derive(Debug, Clone, Copy)]
pub enum City<'a> {
    /// The city cell of a normalised file.
    Cell(Option<&'a str>),
    /// Already a [`Person::city_key`].
    Key(&'a str),
}

/// A record's email as a side holds it.
#[derive(Debug, Clone, Copy)]
pub enum Email<'a> {
    /// The matching key of a usable address ("" for none); its local part
    /// is derived here.
    Key(&'a str),
    /// Already split (a [`Person`]): the key and its local part.
    Parts(&'a str, &'a str),
}

/// One side's records, field by field, as the encoder reads them: the
/// cells of a normalised file, or the fields of [`Person`]s. The encoder
/// folds a cell once per distinct value, not once per record: a common
/// first name, a town or a street is folded, split and given its phonetic
/// code once however many records carry it.
pub trait Source: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn names(&self, row: usize) -> Names<'_>;
    fn email(&self, row: usize) -> Email<'_>;
    fn street(&self, row: usize) -> Street<'_>;
    fn postcode(&self, row: usize) -> &str;
    fn city(&self, row: usize) -> City<'_>;
    fn siren(&self, row: usize) -> &str;
    /// Up to two mobiles, then up to two landlines, as E.164 ("" for none).
    fn phones(&self, row: usize) -> [&str; 4];
}

/// Implements [`Source`] for a side whose `$at(self, row)` is a
/// [`Person`].
macro_rules! person_source {
    ($t:ty, $at:expr) => {
        impl Source for $t {
            fn len(&self) -> usize {
                <[_]>::len(self)
            }
            fn names(&self, row: usize) -> Names<'_> {
                let p: &Person = $at(self, row);
                Names::Folded(&p.first, &p.last, &p.first_ph, &p.last_ph)
            }
            fn email(&self, row: usize) -> Email<'_> {
                let p: &Person = $at(self, row);
                Email::Parts(&p.email, &p.email_local)
            }
            fn street(&self, row: usize) -> Street<'_> {
                let p: &Person = $at(self, row);
                Street::Parts(&p.street_no, &p.street)
            }
            fn postcode(&self, row: usize) -> &str {
                &$at(self, row).postcode
            }
            fn city(&self, row: usize) -> City<'_> {
                City::Key(&$at(self, row).city_key)
            }
            fn siren(&self, row: usize) -> &str {
                &$at(self, row).siren
            }
            fn phones(&self, row: usize) -> [&str; 4] {
                let p: &Person = $at(self, row);
                [
                    phone(&p.mobile, 0),
                    phone(&p.mobile, 1),
                    phone(&p.landline, 0),
                    phone(&p.landline, 1),
                ]
            }
        }
    };
}

/// A [`Person`]'s phone `k` of one kind ("" for none).
fn phone(v: &[String], k: usize) -> &str {
    assert!(v.len() <= 2, "more than two phones of one kind");
    v.get(k).map_or("", String::as_str)
}

fn person_at<'a>(s: &'a &[Person], row: usize) -> &'a Person {
    &s[row]
}

/// The postal objections: a name and an address with the channels it
/// denies.
fn objection_at<'a>(s: &'a &[(Person, super::super::ChannelMask)], row: usize) -> &'a Person {
    &s[row].0
}

person_source!(&[Person], person_at);
person_source!(&[(Person, super::super::ChannelMask)], objection_at);

/// One family's dictionary as it is built: the index finds a value's code
/// by hashing its text and comparing with the dictionary's own copy, so it
/// borrows nothing from the records.
///
/// The index keeps 32 bits of each value's hash beside its code: growing
/// the table places every entry again, and reading each value's text back
/// to hash it (a random read into the dictionary per entry) was most of
/// the cost of encoding the nearly unique emails and phones. A lookup
/// reads a text only when those bits agree.
#[derive(Default)]
struct Encoder {
    dict: Dict,
    index: HashTable<(u32, u32)>,
    hasher: FixedState,
}

/// The table's 64-bit hash of a kept 32-bit one (hashbrown reads both
/// ends of it).
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9e37_79b9_7f4a_7c15)
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
        } = self;
        let h = (hasher.hash_one(v) >> 32) as u32;
        if let Some(&(c, _)) = index.find(spread(h), |&(c, k)| k == h && dict.get(c) == v) {
            return c;
        }
        dict.text.push_str(v);
        dict.starts.push(dict.text.len());
        let c = (dict.starts.len() - 2) as u32;
        index.insert_unique(spread(h), (c, h), |&(_, k)| spread(k));
        c
    }
}

/// The codes a cell's text gave, by the cell's text: a cell seen again is
/// one hash lookup, without folding it again. Borrows the sides' cells.
type Memo<'s, T> = hashbrown::HashMap<&'s str, T, FixedState>;

/// The names family: first and last names share a dictionary, and so do
/// their phonetic codes. A name's phonetic code is a function of the name,
/// so it is kept per name code.
#[derive(Default)]
struct NameJob {
    name: Encoder,
    phonetic: Encoder,
    /// Name code -> phonetic code (`u32::MAX`: not computed yet).
    phonetic_of: Vec<u32>,
    codes: Vec<[u32; 4]>,
}

/// What [`NameJob`] remembers of the cells of one [`Encoding::add`]
/// (it borrows them).
#[derive(Default)]
struct NameMemo<'s> {
    /// Cell -> name code.
    cells: Memo<'s, u32>,
    /// Full-name cell -> its first words and its last word, folded.
    fulls: Memo<'s, (Box<str>, Box<str>)>,
}

impl NameJob {
    fn cell<'s>(&mut self, memo: &mut NameMemo<'s>, v: &'s str) -> u32 {
        if let Some(&c) = memo.cells.get(v) {
            return c;
        }
        let c = self.name.code(&fold_key(v));
        memo.cells.insert(v, c);
        c
    }

    fn phonetic(&mut self, name: u32) -> u32 {
        let k = name as usize;
        if k >= self.phonetic_of.len() {
            self.phonetic_of.resize(k + 1, u32::MAX);
        }
        if self.phonetic_of[k] == u32::MAX {
            self.phonetic_of[k] = self
                .phonetic
                .code(&french_phonetic(self.name.dict.get(name)));
        }
        self.phonetic_of[k]
    }

    /// As [`super::person_of`] reads a record's names.
    fn run<'s>(
        &mut self,
        memo: &mut NameMemo<'s>,
        side: &'s dyn Source,
        rows: std::ops::Range<usize>,
    ) {
        self.codes.clear();
        for i in rows {
            let (first, last) = match side.names(i) {
                Names::Folded(f, l, f_ph, l_ph) => {
                    let codes = [
                        self.name.code(f),
                        self.name.code(l),
                        self.phonetic.code(f_ph),
                        self.phonetic.code(l_ph),
                    ];
                    self.codes.push(codes);
                    continue;
                }
                Names::Cells(f, Some(l), _) => {
                    (f.map_or(0, |f| self.cell(memo, f)), self.cell(memo, l))
                }
                Names::Cells(f, None, Some(full)) => {
                    // Coded in the order `person_of` gives them: first,
                    // then last.
                    let first = f.map(|f| self.cell(memo, f));
                    let (rest, last) = memo.fulls.entry(full).or_insert_with(|| {
                        let k = fold_key(full);
                        let (rest, last) = super::full_name_parts(&k);
                        (rest.into(), last.into())
                    });
                    (
                        first.unwrap_or_else(|| self.name.code(rest)),
                        self.name.code(last),
                    )
                }
                Names::Cells(Some(f), None, None) => (self.cell(memo, f), 0),
                Names::Cells(None, None, None) => (0, 0),
            };
            let (first_ph, last_ph) = (self.phonetic(first), self.phonetic(last));
            self.codes.push([first, last, first_ph, last_ph]);
        }
    }
}

/// The email family: the address and its local part.
#[derive(Default)]
struct EmailJob {
    email: Encoder,
    local: Encoder,
    scratch: String,
    codes: Vec<[u32; 2]>,
}

impl EmailJob {
    fn run(&mut self, side: &dyn Source, rows: std::ops::Range<usize>) {
        self.codes.clear();
        for i in rows {
            let codes = match side.email(i) {
                Email::Parts(e, l) => [self.email.code(e), self.local.code(l)],
                Email::Key(e) => {
                    self.scratch.clear();
                    self.scratch.extend(super::email_local(e));
                    [self.email.code(e), self.local.code(&self.scratch)]
                }
            };
            self.codes.push(codes);
        }
    }
}

/// The street family: house number and street name.
#[derive(Default)]
struct StreetJob {
    number: Encoder,
    street: Encoder,
    codes: Vec<[u32; 2]>,
}

impl StreetJob {
    /// `lines`: the codes of the street lines this [`Encoding::add`] has
    /// split already.
    fn run<'s>(
        &mut self,
        lines: &mut Memo<'s, [u32; 2]>,
        side: &'s dyn Source,
        rows: std::ops::Range<usize>,
    ) {
        self.codes.clear();
        for i in rows {
            let codes = match side.street(i) {
                Street::Parts(no, name) => [self.number.code(no), self.street.code(name)],
                Street::Line(None) => [0, 0],
                Street::Line(Some(line)) => match lines.get(line) {
                    Some(&codes) => codes,
                    None => {
                        let (no, name) = super::street_parts(line);
                        let codes = [self.number.code(&no), self.street.code(&name)];
                        lines.insert(line, codes);
                        codes
                    }
                },
            };
            self.codes.push(codes);
        }
    }
}

/// The town family.
#[derive(Default)]
struct CityJob {
    city: Encoder,
    codes: Vec<u32>,
}

impl CityJob {
    /// `cells`: the codes of the city cells this [`Encoding::add`] has
    /// folded already.
    fn run<'s>(
        &mut self,
        cells: &mut Memo<'s, u32>,
        side: &'s dyn Source,
        rows: std::ops::Range<usize>,
    ) {
        self.codes.clear();
        for i in rows {
            let code = match side.city(i) {
                City::Key(k) => self.city.code(k),
                City::Cell(None) => 0,
                City::Cell(Some(c)) => match cells.get(c) {
                    Some(&code) => code,
                    None => {
                        let code = self.city.code(&super::city_key(c));
                        cells.insert(c, code);
                        code
                    }
                },
            };
            self.codes.push(code);
        }
    }
}

/// A family whose values need no folding: one code per value.
#[derive(Default)]
struct PlainJob<const N: usize> {
    enc: Encoder,
    codes: Vec<[u32; N]>,
}

impl<const N: usize> PlainJob<N> {
    fn run(
        &mut self,
        side: &dyn Source,
        rows: std::ops::Range<usize>,
        get: impl Fn(&dyn Source, usize) -> [&str; N],
    ) {
        self.codes.clear();
        for i in rows {
            let codes = get(side, i).map(|v| self.enc.code(v));
            self.codes.push(codes);
        }
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

    /// Encodes every side and sets the rarities.
    pub fn new(sides: &[&[Person]]) -> Folded {
        let sources: Vec<&dyn Source> = sides.iter().map(|s| s as &dyn Source).collect();
        Folded::encode(&sources)
    }

    /// Encodes every side (see [`Encoding`]) and sets the rarities.
    pub fn encode(sides: &[&dyn Source]) -> Folded {
        let mut encoding = Encoding::default();
        for (k, &side) in sides.iter().enumerate() {
            encoding.add(k, side);
        }
        encoding.finish()
    }
}

/// Sides being encoded: each side's records are given in as many parts as
/// suit the caller ([`Encoding::add`]), so that a file read batch by batch
/// is encoded as it is read and its normalised rows need not be held
/// whole (the client file's: half a gigabyte at a million clients, under
/// the matcher's peak). The codes are those of encoding each side whole,
/// in order: a value's code is the order it was first seen in.
#[derive(Default)]
pub struct Encoding {
    names: NameJob,
    emails: EmailJob,
    streets: StreetJob,
    cities: CityJob,
    postcodes: PlainJob<1>,
    sirens: PlainJob<1>,
    phones: PlainJob<4>,
    sides: Vec<Vec<Rec>>,
}

impl Encoding {
    /// Appends `rows`' records to side `side`: the last side given so
    /// far or a later one (sides are encoded in order; the sides skipped
    /// have no records). [`CHUNK`] rows
    /// at a time, each family's dictionary built in parallel with the
    /// others. A normalised file's cells are folded once per distinct
    /// value of the call; the codes are those of encoding its [`Person`]s
    /// ([`super::person_of`]).
    pub fn add(&mut self, side: usize, rows: &dyn Source) {
        assert!(
            side + 1 >= self.sides.len(),
            "side {side} after {} sides: sides are encoded in order",
            self.sides.len()
        );
        if side >= self.sides.len() {
            self.sides.resize_with(side + 1, Vec::new);
        }
        let Encoding {
            names,
            emails,
            streets,
            cities,
            postcodes,
            sirens,
            phones,
            sides,
        } = self;
        let recs = &mut sides[side];
        recs.reserve(rows.len());
        let (mut name_memo, mut line_memo, mut city_memo) =
            (NameMemo::default(), Memo::default(), Memo::default());
        for start in (0..rows.len()).step_by(CHUNK) {
            let range = start..(start + CHUNK).min(rows.len());
            // Each chunk's codes are written into its records at once:
            // whole-run columns of codes (16 bytes per record and family)
            // were 320 MB at 1M + 1M records.
            rayon::scope(|s| {
                let r = &range;
                let (nm, lm, cm) = (&mut name_memo, &mut line_memo, &mut city_memo);
                s.spawn(|_| names.run(nm, rows, r.clone()));
                s.spawn(|_| emails.run(rows, r.clone()));
                s.spawn(|_| streets.run(lm, rows, r.clone()));
                s.spawn(|_| cities.run(cm, rows, r.clone()));
                s.spawn(|_| postcodes.run(rows, r.clone(), |s, i| [s.postcode(i)]));
                s.spawn(|_| sirens.run(rows, r.clone(), |s, i| [s.siren(i)]));
                s.spawn(|_| phones.run(rows, r.clone(), |s, i| s.phones(i)));
            });
            recs.extend((0..range.len()).map(|i| {
                let [first, last, first_ph, last_ph] = names.codes[i];
                let [email, email_local] = emails.codes[i];
                let [street_no, street] = streets.codes[i];
                let [m0, m1, l0, l1] = phones.codes[i];
                Rec {
                    first,
                    last,
                    first_ph,
                    last_ph,
                    email,
                    email_local,
                    street_no,
                    street,
                    postcode: postcodes.codes[i][0],
                    city: cities.codes[i],
                    siren: sirens.codes[i][0],
                    mobile: [m0, m1],
                    landline: [l0, l1],
                }
            }));
        }
    }

    /// The dictionaries and every side's records, with the rarities.
    pub fn finish(self) -> Folded {
        let out = self.sides;
        let dicts = Dicts {
            name: self.names.name.dict,
            phonetic: self.names.phonetic.dict,
            email: self.emails.email.dict,
            email_local: self.emails.local.dict,
            number: self.streets.number.dict,
            street: self.streets.street.dict,
            postcode: self.postcodes.enc.dict,
            city: self.cities.city.dict,
            siren: self.sirens.enc.dict,
            phone: self.phones.enc.dict,
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
        let dicts = Dicts {
            first_rarity: rarity_of(count(|r| r.first, dicts.name.len())),
            last_rarity: rarity_of(count(|r| r.last, dicts.name.len())),
            postcode_rarity: rarity_of(count(|r| r.postcode, dicts.postcode.len())),
            ..dicts
        };
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
        assert_eq!(x.rarity()[2], 0.0);
        // One first name 'jean' of two first names: one bit.
        assert_eq!(x.rarity()[0], 1.0);
        assert_eq!(std::mem::size_of::<Rec>(), 64, "one cache line");
    }

    #[test]
    fn a_side_given_in_parts_is_encoded_as_given_whole() {
        let people: Vec<Person> = [
            ("Jean", "Dupont", "12 rue de la Paix", "75002", "Paris"),
            ("Marie", "Martin", "3 avenue Foch", "69006", "Lyon"),
            ("Jean", "Martin", "12 rue de la Paix", "75002", "Paris"),
            ("Luc", "Dupont", "", "69006", "Lyon"),
            ("Marie", "Durand", "3 avenue Foch", "13001", "Marseille"),
        ]
        .iter()
        .map(|(f, l, s, p, c)| person_from_parts(f, l, s, p, "", c, &[]))
        .collect();
        let list = &people[..2];
        let whole = Folded::new(&[list, &people[2..]]);
        let mut parts = Encoding::default();
        parts.add(0, &list);
        for k in 2..people.len() {
            parts.add(1, &&people[k..k + 1]);
        }
        let parts = parts.finish();
        assert_eq!(parts.sides, whole.sides, "the same codes");
        for k in 0..whole.dicts.name.len() as u32 {
            assert_eq!(parts.dicts.name.get(k), whole.dicts.name.get(k));
        }
        assert_eq!(parts.dicts.last_rarity, whole.dicts.last_rarity);
        assert_eq!(parts.dicts.postcode_rarity, whole.dicts.postcode_rarity);

        // A side skipped is a side with no records.
        let mut skipped = Encoding::default();
        skipped.add(0, &list);
        skipped.add(2, &&people[2..]);
        let skipped = skipped.finish();
        let no_side: &[Person] = &[];
        let with_empty = Folded::new(&[list, no_side, &people[2..]]);
        assert_eq!(skipped.sides, with_empty.sides);
    }
}
