//! `qualify-gen linkage`: people with noisy duplicates and a client file,
//! with ground truth, for the accuracy harness.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::formats::{create, manifest_text, push_csv_record, write_file};
use super::phone::pairs;
use super::text::{fnv, fold_into, strip_accents_into};
use super::vocab::{FIRST_F, FIRST_M, LAST, METRO_TOWNS, STREETS};

/// Noise model of `linkage` (`--profile`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub(super) enum Profile {
    /// The first, lighter noise model (rates in the `noise` module).
    Easy,
    /// Heavier, more realistic noise (rates in the `harsh` module).
    Harsh,
}

/// Columns of the `linkage` files (`--columns`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub(super) enum LinkColumns {
    /// Names, email, phone, mobile and address.
    All,
    /// Names and address only (no identifiers), like public linkage benchmarks.
    NamesAddress,
}

/// Options of `linkage`, as given on the command line.
pub(super) struct LinkArgs {
    pub(super) seed: u64,
    pub(super) rows: usize,
    pub(super) clients: usize,
    pub(super) dup_rate: f64,
    pub(super) overlap: f64,
    pub(super) noise: f64,
    pub(super) profile: Profile,
    pub(super) columns: LinkColumns,
}

/// Noise rates of the `easy` profile, each the chance that one copy of a
/// person (a duplicate in the list, or the client record) gets that noise.
/// All are multiplied by `--noise` (1.0 = the default level).
mod noise {
    pub const LAST_TYPO: f64 = 0.12;
    pub const FIRST_TYPO: f64 = 0.08;
    pub const SWAP_NAMES: f64 = 0.05;
    pub const INITIAL: f64 = 0.06;
    pub const NO_ACCENTS: f64 = 0.30;
    pub const UPPER_CASE: f64 = 0.15;
    pub const STREET_ABBREV: f64 = 0.30;
    pub const DROP_EMAIL: f64 = 0.20;
    pub const DROP_PHONE: f64 = 0.20;
    pub const DROP_ADDRESS: f64 = 0.10;
    pub const DROP_FIRST: f64 = 0.03;
    pub const MOVED: f64 = 0.06;
    pub const NEW_EMAIL: f64 = 0.12;
    pub const NEW_PHONE: f64 = 0.08;
    pub const EMAIL_TYPO: f64 = 0.04;
}

/// Noise rates of the `harsh` profile (the default). Each is the chance that
/// one copy of a person (a duplicate in the list, or the client record) gets
/// that noise, drawn independently of the others; a rate marked "when ..."
/// only applies to the copies where the noise is possible. All are multiplied
/// by `--noise` (1.0 = the default level). Copies are made from earlier
/// copies too, so noise accumulates as on lists bought from several vendors.
mod harsh {
    // --- Names -----------------------------------------------------------
    /// One typo in the first name (insert, delete, substitute, transpose;
    /// substitutions and inserts hit an AZERTY neighbour half of the time).
    pub const FIRST_TYPO: f64 = 0.10;
    /// One typo in the last name.
    pub const LAST_TYPO: f64 = 0.14;
    /// A second typo in a field that got one (first, last, street, city).
    pub const SECOND_TYPO: f64 = 0.25;
    /// One OCR confusion (m/rn, l/1/i, o/0, e/c, u/v, cl/d) in the first or
    /// the last name.
    pub const NAME_OCR: f64 = 0.04;
    /// A phonetic spelling of the last name: ph/f, y/i, eau/au/o, ault/aut/aud,
    /// th/t, ez/es, a double consonant single or a single one doubled, a silent
    /// final d/t/s/x/z dropped or final d/t swapped.
    pub const PHONETIC: f64 = 0.10;
    /// When the last name has a particle, apostrophe or hyphen ("Le Gall",
    /// "N'Diaye", "Da Silva"): written "Legall", "LeGall", "Ndiaye", "N Diaye".
    pub const LAST_PUNCT: f64 = 0.40;
    /// First and last name in each other's column.
    pub const SWAP_NAMES: f64 = 0.05;
    /// First name as an initial, "J." or "J".
    pub const INITIAL: f64 = 0.06;
    /// When the first name is compound ("Jean-Pierre"): "Jean Pierre",
    /// "Jean", "JP", "J.-P." or "Jean-P.".
    pub const COMPOUND: f64 = 0.50;
    /// When the person is a woman with a married name: the copy carries the
    /// married name ("Martin"), or "Maiden-Married", or "Married Maiden".
    pub const MARRIED: f64 = 0.35;

    // --- Address ---------------------------------------------------------
    /// The street type abbreviated ("av", "bd.", "r.", "pl", "ch", "imp", ...)
    /// or, when already abbreviated, written out or abbreviated otherwise.
    pub const STREET_ABBREV: f64 = 0.30;
    /// The street name reworded: a title abbreviated ("Gal", "Mal", "Dr",
    /// "St", "Ste"), hyphens written as spaces, or "de la"/"du"/"des" dropped.
    pub const STREET_WORDING: f64 = 0.12;
    /// "bis"/"ter" added to the house number, or dropped when it has one.
    pub const BIS_TER: f64 = 0.04;
    /// The house number left out.
    pub const NO_NUMBER: f64 = 0.05;
    /// A comma after the house number ("12, rue ...").
    pub const NUMBER_COMMA: f64 = 0.08;
    /// Street words in another order: the number at the end ("rue Pasteur
    /// 12"), or the type after the name ("12 Gare, rue de la").
    pub const STREET_ORDER: f64 = 0.02;
    /// One typo in the street.
    pub const STREET_TYPO: f64 = 0.08;
    /// One OCR confusion in the street (the house number included).
    pub const STREET_OCR: f64 = 0.03;
    /// One postcode digit changed, or two adjacent digits transposed.
    pub const POSTCODE_TYPO: f64 = 0.05;
    /// One typo in the city.
    pub const CITY_TYPO: f64 = 0.06;
    /// When the town is Paris, Lyon or Marseille: the district written in
    /// ("PARIS 11", "Paris 11e arrondissement", "Lyon 3e").
    pub const CITY_DISTRICT: f64 = 0.35;
    /// When the town's name has Saint/Sainte: "St-Malo", "ST MALO",
    /// "Saint Malo", "Ste-Foy"...
    pub const CITY_SAINT: f64 = 0.35;
    /// When the town's name has hyphens: spaces instead.
    pub const CITY_HYPHEN: f64 = 0.10;
    /// " CEDEX" (sometimes with a number) after the town.
    pub const CEDEX: f64 = 0.015;
    /// The person moved: a new street, postcode, city (and landline, if any),
    /// but kept the email or the mobile (see [`MOVED_NEW_OTHER`]).
    pub const MOVED: f64 = 0.07;
    /// When the person moved and has both: the chance that the identifier not
    /// kept changed too (not multiplied by `--noise`).
    pub const MOVED_NEW_OTHER: f64 = 0.40;

    // --- Email and phones ------------------------------------------------
    /// A new email (the address unchanged).
    pub const NEW_EMAIL: f64 = 0.10;
    /// One typo in the email's local part.
    pub const EMAIL_TYPO: f64 = 0.03;
    /// The email in capitals ("Jean.Dupont@Gmail.com", "JEAN.DUPONT@GMAIL.COM").
    pub const EMAIL_CASE: f64 = 0.04;
    /// A new mobile number (the address unchanged).
    pub const NEW_MOBILE: f64 = 0.07;
    /// A new landline number (the address unchanged).
    pub const NEW_LANDLINE: f64 = 0.04;
    /// Mobile and landline in each other's column.
    pub const PHONES_SWAPPED: f64 = 0.03;

    // --- Missing fields --------------------------------------------------
    pub const DROP_FIRST: f64 = 0.05;
    pub const DROP_LAST: f64 = 0.01;
    pub const DROP_STREET: f64 = 0.12;
    pub const DROP_POSTCODE: f64 = 0.06;
    pub const DROP_CITY: f64 = 0.08;
    pub const DROP_EMAIL: f64 = 0.22;
    pub const DROP_MOBILE: f64 = 0.18;
    pub const DROP_LANDLINE: f64 = 0.18;

    // --- Case and spaces -------------------------------------------------
    /// Accents removed from names, street and city.
    pub const NO_ACCENTS: f64 = 0.35;
    /// The last name in capitals ("DUPONT").
    pub const UPPER_LAST: f64 = 0.15;
    /// Names, street and city in capitals.
    pub const ALL_UPPER: f64 = 0.08;
    /// A leading, trailing or doubled space in a name, the street or the city.
    pub const EXTRA_SPACE: f64 = 0.06;

    // --- People (not noise: not multiplied by `--noise`) -----------------
    /// Share of women who have a married name besides their birth name.
    pub const MARRIED_WOMEN: f64 = 0.35;
    /// Share of compound first names ("Marie-Hélène").
    pub const COMPOUND_FIRST: f64 = 0.08;
    /// Share of house numbers with "bis" or "ter".
    pub const BIS_TER_PEOPLE: f64 = 0.04;
    /// Hard negatives besides households and namesakes: the chance that a new
    /// person is a twin or sibling of an earlier one (same last name, address
    /// and landline, a close first name: "Léa"/"Léo", "Julie"/"Julien"), or a
    /// namesake in the same town (same names and postcode, another street).
    pub const TWIN: f64 = 0.015;
    pub const LOCAL_NAMESAKE: f64 = 0.01;
}

/// Hard negatives: the chance that a new person is a relative of an earlier
/// one (same last name, address and landline, another first name), or a
/// namesake (same first and last name elsewhere).
const HOUSEHOLD: f64 = 0.06;
const NAMESAKE: f64 = 0.03;

const SYL_ON: &[&str] = &[
    "Bo", "Ca", "Du", "Fa", "Ga", "Ja", "La", "Ma", "Pe", "Ro", "Sa", "Ta", "Va", "Le", "Ber",
    "Cha", "Mon", "Gui", "Ker", "Lan", "Mar", "Ri", "Tis", "Vil", "Bou", "Fon", "Gre", "Pla",
    "Bri", "Cro", "Des", "Mé", "Lé", "Her", "Jou", "Nou", "Pou", "Sé", "Tho", "Vau",
];
const SYL_MID: &[&str] = &[
    "", "", "", "ri", "no", "la", "ve", "ti", "mon", "ber", "san", "gni", "lé", "rou",
];
const SYL_END: &[&str] = &[
    "rd", "ux", "eau", "et", "in", "ier", "on", "ard", "oux", "ac", "ot", "y", "ec", "and", "ez",
    "ois", "ille", "elle", "eron", "aud", "ault", "ès", "at", "ieu",
];
const WEBMAILS: &[&str] = &[
    "gmail.com",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "wanadoo.fr",
    "hotmail.fr",
    "yahoo.fr",
    "outlook.fr",
];
const STREET_TYPES_FULL: &[(&str, &str)] = &[
    ("rue", "r"),
    ("avenue", "av"),
    ("boulevard", "bd"),
    ("place", "pl"),
    ("chemin", "ch"),
    ("allée", "all"),
    ("impasse", "imp"),
    ("route", "rte"),
    ("quai", "qu"),
];
/// Harsh: how vendors write each street type.
const STREET_TYPE_VARIANTS: &[(&str, &[&str])] = &[
    ("rue", &["r", "r.", "R.", "Rue", "RUE"]),
    ("avenue", &["av", "av.", "ave", "Av.", "AV"]),
    ("boulevard", &["bd", "bd.", "bld", "boul.", "Bd"]),
    ("place", &["pl", "pl.", "Pl."]),
    ("chemin", &["ch", "ch.", "chem.", "Chemin"]),
    ("allée", &["all", "all.", "allee", "Allée"]),
    ("impasse", &["imp", "imp.", "Imp."]),
    ("route", &["rte", "rte.", "Rte"]),
    ("quai", &["qu", "qu.", "Quai"]),
];
/// Harsh: titles in street names and their abbreviations ("Sainte" before
/// "Saint", which it contains).
const STREET_TITLES: &[(&str, &[&str])] = &[
    ("Sainte", &["Ste", "Ste."]),
    ("Saint", &["St", "St."]),
    ("Général", &["Gal", "Gén.", "Gl", "General"]),
    ("Maréchal", &["Mal", "Mar.", "Marechal"]),
    ("Docteur", &["Dr", "Dr."]),
    ("Commandant", &["Cdt", "Cmdt"]),
    ("Président", &["Pdt", "Pt"]),
];
/// Harsh: titles of invented streets ("rue du Docteur-Bonnard").
const STREET_TITLE_OF: &[&str] = &[
    "du Général-",
    "du Maréchal-",
    "du Docteur-",
    "du Commandant-",
    "du Président-",
];
/// Harsh: the endings of invented town names ("Bonard-sur-Loire").
const TOWN_SUFFIXES: &[&str] = &[
    "-sur-Loire",
    "-sur-Mer",
    "-sur-Seine",
    "-sur-Marne",
    "-les-Bains",
    "-en-Bresse",
    "-le-Château",
    "-la-Forêt",
];
/// Harsh: how the Saint of a town is written.
const SAINT_FORMS: &[&str] = &["Saint-", "Saint ", "St-", "St ", "ST ", "St. ", "SAINT "];
const SAINTE_FORMS: &[&str] = &["Sainte-", "Sainte ", "Ste-", "Ste ", "STE ", "SAINTE "];
/// Harsh: OCR confusions (from, to).
const OCR_RULES: &[(&str, &str)] = &[
    ("m", "rn"),
    ("rn", "m"),
    ("l", "1"),
    ("l", "i"),
    ("i", "l"),
    ("1", "l"),
    ("o", "0"),
    ("0", "o"),
    ("e", "c"),
    ("c", "e"),
    ("u", "v"),
    ("v", "u"),
    ("cl", "d"),
    ("d", "cl"),
    ("M", "RN"),
    ("RN", "M"),
    ("I", "1"),
    ("I", "L"),
    ("L", "I"),
    ("O", "0"),
    ("E", "C"),
    ("U", "V"),
    ("CL", "D"),
    ("D", "CL"),
];
/// Harsh: first names of twins and siblings, each with a close one of the
/// other sex (or of the same sex) and whether that one is a woman's.
const TWIN_NAMES: &[(&str, &str, bool)] = &[
    ("Marie", "Mario", false),
    ("Julie", "Julien", false),
    ("Julien", "Julie", true),
    ("Lucie", "Lucas", false),
    ("Lucas", "Lucie", true),
    ("Léa", "Léo", false),
    ("Léo", "Léa", true),
    ("Théo", "Théa", true),
    ("Jean", "Jeanne", true),
    ("Michel", "Michèle", true),
    ("Noël", "Noëlle", true),
    ("Joël", "Joëlle", true),
    ("Raphaël", "Raphaëlle", true),
    ("Gaëlle", "Gaël", false),
    ("Maëlle", "Maël", false),
    ("Noémie", "Noé", false),
    ("Nathalie", "Nathan", false),
    ("Émilie", "Émile", false),
    ("Pauline", "Paul", false),
    ("Christine", "Christian", false),
    ("Clémence", "Clément", false),
    ("Françoise", "François", false),
    ("François", "Françoise", true),
    ("Pierre", "Pierrette", true),
    ("Philippe", "Philippine", true),
    ("Antoine", "Antoinette", true),
    ("Frédéric", "Frédérique", true),
    ("Mathis", "Mathilde", true),
    ("Maxime", "Maxine", true),
    ("Manon", "Marion", true),
    ("Élodie", "Éloïse", true),
    ("Nicolas", "Nicole", true),
    ("Jérémy", "Jérôme", false),
    ("Jérôme", "Jérémy", false),
    ("Sarah", "Sacha", false),
];
/// AZERTY letter rows, for typos on a neighbouring key.
const AZERTY: [&[u8]; 3] = [b"azertyuiop", b"qsdfghjklm", b"wxcvbn"];

/// One person of the linkage set, as first written.
#[derive(Clone, Default)]
struct LPerson {
    entity: u32,
    /// Whether the first name is a woman's.
    female: bool,
    first: String,
    last: String,
    email: String,
    mobile: String,
    landline: String,
    street: String,
    postcode: String,
    city: String,
    /// Harsh: a woman's birth name and married name, fixed for the person
    /// (both empty when she has none); copies may carry the married name.
    maiden: String,
    married: String,
}

struct Linkage {
    rng: ChaCha8Rng,
    noise: f64,
    harsh: bool,
    /// Addresses already given out: a mailbox belongs to one person.
    emails: HashSet<String>,
}

impl Linkage {
    fn p(&mut self, base: f64) -> bool {
        self.rng.gen_bool((base * self.noise).clamp(0.0, 1.0))
    }
    fn one<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs.choose(&mut self.rng).expect("non-empty")
    }
    fn last_name(&mut self) -> String {
        // French surnames are long-tailed: the common ones cover about a
        // tenth of people; the rest come from syllables (thousands of names).
        if self.rng.gen_bool(0.15) {
            self.one(LAST).to_owned()
        } else {
            let mut s = String::new();
            s.push_str(self.one(SYL_ON));
            s.push_str(self.one(SYL_MID));
            s.push_str(self.one(SYL_END));
            s
        }
    }
    /// A first name, and whether it is a woman's.
    fn first_name(&mut self) -> (String, bool) {
        let female = self.rng.gen_bool(0.5);
        let pool = if female { FIRST_F } else { FIRST_M };
        let f = self.one(pool).to_owned();
        let compound = if self.harsh {
            harsh::COMPOUND_FIRST
        } else {
            0.05
        };
        if self.rng.gen_bool(compound) {
            let mut second = self.one(pool);
            if self.harsh && second == f {
                second = self.one(pool);
            }
            (format!("{f}-{second}"), female)
        } else {
            (f, female)
        }
    }
    /// Postcode and town.
    fn town(&mut self, p: &mut LPerson) {
        // A fifth of people in the big towns of the demo set, the rest in
        // one of about 9,500 other postcodes with a made-up town name (the
        // same for every person of a postcode).
        if self.rng.gen_bool(0.2) {
            let t = METRO_TOWNS.choose(&mut self.rng).expect("non-empty");
            p.postcode = t.postcode.to_owned();
            p.city = t.name.to_owned();
        } else {
            let dep = self.rng.gen_range(1..=95);
            let dep = if dep == 20 { 21 } else { dep };
            let code = self.rng.gen_range(0..100) * 10;
            p.postcode = format!("{dep:02}{code:03}");
            let mut r = ChaCha8Rng::seed_from_u64(fnv(p.postcode.as_bytes()));
            let name = format!(
                "{}{}{}",
                SYL_ON.choose(&mut r).expect("non-empty"),
                SYL_MID.choose(&mut r).expect("non-empty"),
                SYL_END.choose(&mut r).expect("non-empty")
            );
            p.city = if self.harsh {
                // Saints and rivers, as in real town names.
                match r.gen_range(0..100) {
                    0..=9 => format!("Saint-{name}"),
                    10..=13 => format!("Sainte-{name}"),
                    14..=21 => {
                        format!("{name}{}", TOWN_SUFFIXES.choose(&mut r).expect("non-empty"))
                    }
                    _ => name,
                }
            } else {
                name
            };
        }
    }
    /// House number and street.
    fn street(&mut self) -> String {
        if !self.harsh {
            let street = if self.rng.gen_bool(0.5) {
                self.one(STREETS).to_owned()
            } else {
                let (t, _) = *STREET_TYPES_FULL.choose(&mut self.rng).expect("non-empty");
                format!("{t} {}", self.last_name())
            };
            return format!("{} {street}", self.rng.gen_range(1..=220));
        }
        let (t, _) = *STREET_TYPES_FULL.choose(&mut self.rng).expect("non-empty");
        let street = match self.rng.gen_range(0..100) {
            0..=44 => self.one(STREETS).to_owned(),
            45..=84 => format!("{t} {}", self.last_name()),
            85..=92 => {
                let title = self.one(STREET_TITLE_OF);
                format!("{t} {title}{}", self.last_name())
            }
            _ => {
                let (f, female) = self.first_name();
                let f = f.split('-').next().unwrap_or_default().to_owned();
                let saint = if female { "Sainte" } else { "Saint" };
                format!("{t} {saint}-{f}")
            }
        };
        let n = self.rng.gen_range(1..=220);
        if self.rng.gen_bool(harsh::BIS_TER_PEOPLE) {
            let suffix = if self.rng.gen_bool(0.75) {
                "bis"
            } else {
                "ter"
            };
            format!("{n} {suffix} {street}")
        } else {
            format!("{n} {street}")
        }
    }
    fn place(&mut self, p: &mut LPerson) {
        self.town(p);
        p.street = self.street();
    }
    fn email(&mut self, p: &LPerson) -> String {
        let mut f = String::new();
        fold_into(&mut f, &p.first, Some('-'));
        let mut l = String::new();
        fold_into(&mut l, &p.last, Some('-'));
        let d = self.one(WEBMAILS);
        let mut e = if f.is_empty() || l.is_empty() {
            format!("{f}{l}{}@{d}", self.rng.gen_range(1..999))
        } else {
            match self.rng.gen_range(0..5) {
                0 => format!("{f}.{l}@{d}"),
                1 => format!("{}{l}@{d}", &f[..1]),
                2 => format!("{l}.{f}@{d}"),
                3 => format!("{f}.{l}{}@{d}", self.rng.gen_range(1..99)),
                _ => format!("{f}{l}{}@{d}", self.rng.gen_range(1950..2005)),
            }
        };
        while !self.emails.insert(e.clone()) {
            let (local, domain) = e.split_once('@').expect("an @");
            e = format!("{local}{}@{domain}", self.rng.gen_range(0..10));
        }
        e
    }
    fn number(&mut self, mobile: bool) -> String {
        let mut s = String::from("0");
        let mut rest = 8;
        if !mobile {
            s.push(char::from(b'1' + self.rng.gen_range(0..5)));
        } else if self.rng.gen_bool(0.5) {
            s.push('6');
        } else {
            // 07 numbers start 073 to 079 (070-072 are not allocated).
            s.push('7');
            s.push(char::from(b'3' + self.rng.gen_range(0..7)));
            rest = 7;
        }
        for _ in 0..rest {
            s.push(char::from(b'0' + self.rng.gen_range(0..10)));
        }
        s
    }
    fn new_person(&mut self, entity: u32, earlier: &[LPerson]) -> LPerson {
        let mut p = LPerson {
            entity,
            ..LPerson::default()
        };
        let like =
            (!earlier.is_empty()).then(|| earlier[self.rng.gen_range(0..earlier.len())].clone());
        let harsh = self.harsh;
        match like {
            Some(o) if harsh && self.rng.gen_bool(harsh::TWIN) && twin_name(&o.first).is_some() => {
                let (first, female) = twin_name(&o.first).expect("checked");
                p.first = first.to_owned();
                p.female = female;
                p.last = o.last.clone();
                p.street = o.street.clone();
                p.postcode = o.postcode.clone();
                p.city = o.city.clone();
                p.landline = o.landline.clone();
            }
            Some(o) if harsh && self.rng.gen_bool(harsh::LOCAL_NAMESAKE) => {
                p.last = o.last.clone();
                p.first = o.first.clone();
                p.female = o.female;
                p.postcode = o.postcode.clone();
                p.city = o.city.clone();
                p.street = self.street();
            }
            Some(o) if self.rng.gen_bool(HOUSEHOLD) => {
                p.last = o.last.clone();
                (p.first, p.female) = self.first_name();
                p.street = o.street.clone();
                p.postcode = o.postcode.clone();
                p.city = o.city.clone();
                p.landline = o.landline.clone();
            }
            Some(o) if self.rng.gen_bool(NAMESAKE) => {
                p.last = o.last.clone();
                p.first = o.first.clone();
                p.female = o.female;
                self.place(&mut p);
            }
            _ => {
                p.last = self.last_name();
                (p.first, p.female) = self.first_name();
                self.place(&mut p);
            }
        }
        if harsh && p.female && self.rng.gen_bool(harsh::MARRIED_WOMEN) {
            let mut married = self.last_name();
            if married == p.last {
                married = self.last_name();
            }
            if married != p.last {
                p.maiden = p.last.clone();
                p.married = married;
            }
        }
        if self.rng.gen_bool(0.8) {
            p.email = self.email(&p);
        }
        if self.rng.gen_bool(0.7) {
            p.mobile = self.number(true);
        }
        if p.landline.is_empty() && self.rng.gen_bool(0.3) {
            p.landline = self.number(false);
        }
        p
    }
    fn typo(&mut self, s: &mut String) {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() < 3 {
            return;
        }
        let i = self.rng.gen_range(1..chars.len());
        let mut c = chars.clone();
        match self.rng.gen_range(0..4) {
            0 => {
                c.remove(i);
            }
            1 => c.insert(i, char::from(b'a' + self.rng.gen_range(0..26))),
            2 => c[i] = char::from(b'a' + self.rng.gen_range(0..26)),
            _ => c.swap(i - 1, i),
        }
        *s = c.into_iter().collect();
    }
    /// A key next to `c` on an AZERTY keyboard (in the case of `c`), or a
    /// random letter.
    fn near_key(&mut self, c: char) -> char {
        let lc = c.to_ascii_lowercase();
        let mut found = None;
        for (r, row) in AZERTY.iter().enumerate() {
            if let Some(i) = row.iter().position(|&x| char::from(x) == lc) {
                found = Some((r, i));
            }
        }
        let x = match found {
            Some((r, i)) if self.rng.gen_bool(0.5) => {
                let mut cands = [0u8; 6];
                let mut n = 0;
                for (dr, di) in [(0i32, -1i32), (0, 1), (-1, 0), (-1, 1), (1, 0), (1, -1)] {
                    let (rr, ii) = (r as i32 + dr, i as i32 + di);
                    if !(0..3).contains(&rr) {
                        continue;
                    }
                    let row = AZERTY[rr as usize];
                    if ii >= 0 && (ii as usize) < row.len() {
                        cands[n] = row[ii as usize];
                        n += 1;
                    }
                }
                char::from(cands[self.rng.gen_range(0..n)])
            }
            _ => char::from(b'a' + self.rng.gen_range(0..26)),
        };
        if c.is_uppercase() {
            x.to_ascii_uppercase()
        } else {
            x
        }
    }
    /// Harsh: one typo (insert, delete, substitute, transpose), on the first
    /// letter once in twenty, in the case of the word.
    fn typo_harsh(&mut self, s: &mut String) {
        let mut c: Vec<char> = s.chars().collect();
        if c.len() < 3 {
            return;
        }
        let upper = c
            .iter()
            .filter(|x| x.is_alphabetic())
            .all(|x| x.is_uppercase());
        let i = if self.rng.gen_bool(0.05) {
            0
        } else {
            self.rng.gen_range(1..c.len())
        };
        let case = |x: char| {
            if upper {
                x.to_uppercase().next().unwrap_or(x)
            } else {
                x.to_lowercase().next().unwrap_or(x)
            }
        };
        match self.rng.gen_range(0..4) {
            0 if c[i].is_alphabetic() => {
                c.remove(i);
            }
            1 if i > 0 => {
                // A doubled letter or a neighbouring key.
                let x = if self.rng.gen_bool(0.3) && c[i - 1].is_alphabetic() {
                    c[i - 1]
                } else {
                    self.near_key(c[i - 1])
                };
                c.insert(i, case(x));
            }
            0..=2 if c[i].is_alphabetic() => {
                c[i] = self.near_key(c[i]);
            }
            _ => {
                let j = if i == 0 { 1 } else { i };
                if c[j - 1].is_alphabetic() && c[j].is_alphabetic() {
                    c.swap(j - 1, j);
                    if j == 1 && !upper {
                        // "Amrtin", not "aMrtin".
                        c[0] = c[0].to_uppercase().next().unwrap_or(c[0]);
                        c[1] = c[1].to_lowercase().next().unwrap_or(c[1]);
                    }
                } else if c[i].is_alphabetic() {
                    c.remove(i);
                }
            }
        }
        *s = c.into_iter().collect();
    }
    /// Harsh: one typo, then a second one at [`harsh::SECOND_TYPO`].
    fn typos(&mut self, s: &mut String) {
        self.typo_harsh(s);
        if self.p(harsh::SECOND_TYPO) {
            self.typo_harsh(s);
        }
    }
    /// Harsh: one OCR confusion at a random place where one is possible.
    fn ocr(&mut self, s: &mut String) {
        let b = s.as_bytes();
        let mut cands: Vec<(usize, usize)> = Vec::new();
        for i in 0..b.len() {
            for (k, (from, _)) in OCR_RULES.iter().enumerate() {
                if b[i..].starts_with(from.as_bytes()) {
                    cands.push((i, k));
                }
            }
        }
        if let Some(&(i, k)) = cands.choose(&mut self.rng) {
            let (from, to) = OCR_RULES[k];
            s.replace_range(i..i + from.len(), to);
        }
    }
    /// Harsh: one phonetic spelling variant of a last name.
    fn phonetic(&mut self, s: &mut String) {
        let low = s.to_ascii_lowercase();
        let b = low.as_bytes();
        let n = b.len();
        let vowel = |c: u8| b"aeiouy".contains(&c);
        let end = |i: usize| i >= n || !b[i].is_ascii_alphabetic();
        let mut cands: Vec<(usize, usize, &'static str)> = Vec::new();
        const ONE: [&str; 26] = [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
            "r", "s", "t", "u", "v", "w", "x", "y", "z",
        ];
        const TWO: [&str; 8] = ["ll", "nn", "tt", "ss", "rr", "mm", "pp", "ff"];
        const DOUBLED: &[u8] = b"lntsrmpf";
        for i in 0..n {
            let r = &b[i..];
            if r.starts_with(b"ph") {
                cands.push((i, 2, "f"));
            }
            if r[0] == b'f' && i > 0 && !end(i + 1) && !r.starts_with(b"ff") && b[i - 1] != b'f' {
                cands.push((i, 1, "ph"));
            }
            if r[0] == b'y' {
                cands.push((i, 1, "i"));
            }
            if r[0] == b'i' && i > 0 && (end(i + 1) || vowel(b[i - 1])) {
                cands.push((i, 1, "y"));
            }
            if r.starts_with(b"eau") {
                cands.push((i, 3, "o"));
                cands.push((i, 3, "au"));
            } else if r.starts_with(b"au") && (i == 0 || b[i - 1] != b'e') {
                cands.push((i, 2, "o"));
                cands.push((i, 2, "eau"));
            }
            if r.starts_with(b"ault") && end(i + 4) {
                cands.push((i, 4, "aut"));
                cands.push((i, 4, "aud"));
            }
            if r.starts_with(b"aud") && end(i + 3) {
                cands.push((i, 3, "ault"));
                cands.push((i, 3, "aut"));
            }
            if r.starts_with(b"th") {
                cands.push((i, 2, "t"));
            }
            if r.starts_with(b"ez") && end(i + 2) {
                cands.push((i, 2, "es"));
            }
            if let Some(k) = DOUBLED.iter().position(|&d| d == r[0]) {
                if r.len() > 1 && r[1] == r[0] {
                    cands.push((i, 2, ONE[usize::from(r[0] - b'a')]));
                } else if i > 0 && i + 1 < n && vowel(b[i - 1]) && vowel(b[i + 1]) {
                    cands.push((i, 1, TWO[k]));
                }
            }
            if end(i + 1) && i >= 3 && b[i - 1].is_ascii_alphabetic() {
                match r[0] {
                    b'd' => {
                        cands.push((i, 1, ""));
                        cands.push((i, 1, "t"));
                    }
                    b't' => {
                        cands.push((i, 1, ""));
                        cands.push((i, 1, "d"));
                    }
                    b's' | b'x' | b'z' => cands.push((i, 1, "")),
                    _ => {}
                }
            }
        }
        if let Some(&(i, len, to)) = cands.choose(&mut self.rng) {
            let to = match_case(&s[i..i + len], to);
            s.replace_range(i..i + len, &to);
        }
    }
    /// Harsh: a compound first name shortened or rewritten.
    fn compound(&mut self, s: &mut String) {
        let Some((a, b)) = s.split_once('-') else {
            return;
        };
        let ia = a.chars().next().unwrap_or('X');
        let ib = b.chars().next().unwrap_or('X');
        *s = match self.rng.gen_range(0..10) {
            0..=3 => format!("{a} {b}"),
            4..=6 => a.to_owned(),
            7 => format!("{ia}{ib}"),
            8 => format!("{ia}.-{ib}."),
            _ => format!("{a}-{ib}."),
        };
    }
    /// Harsh: a last name's particle glued, apostrophe dropped, hyphen spaced.
    fn last_punct(&mut self, s: &mut String) {
        // A particle is short ("Le", "Da", "N'"): "Martin Dupont" is a
        // married name, not glued.
        let particle = s
            .find(['\'', ' '])
            .filter(|&pos| s.as_bytes()[pos] == b'\'' || s[..pos].chars().count() <= 3);
        if let Some(pos) = particle {
            let glue_lower = self.rng.gen_bool(0.5);
            let head = &s[..pos];
            let tail = &s[pos + 1..];
            let glued = if glue_lower && !tail.chars().all(char::is_uppercase) {
                let mut t = tail.chars();
                let first: String = t
                    .next()
                    .map(|c| c.to_lowercase().collect())
                    .unwrap_or_default();
                format!("{head}{first}{}", t.as_str())
            } else if s.as_bytes()[pos] == b'\'' && !glue_lower {
                format!("{head} {tail}")
            } else {
                format!("{head}{tail}")
            };
            *s = glued;
        } else if s.contains('-') {
            *s = s.replace('-', " ");
        }
    }
    /// Harsh: the street type abbreviated, written out or written otherwise.
    fn street_type(&mut self, s: &mut String) {
        let words: Vec<&str> = s.split(' ').collect();
        // The type is among the first words (after the number and a bis).
        for k in 0..words.len().min(4) {
            let lw = words[k].to_lowercase();
            let Some((full, vars)) = STREET_TYPE_VARIANTS
                .iter()
                .find(|(f, v)| *f == lw || v.iter().any(|x| x.to_lowercase() == lw))
            else {
                continue;
            };
            let new = if lw == *full || !self.rng.gen_bool(0.5) {
                self.one(vars)
            } else {
                full
            };
            let mut out = String::with_capacity(s.len());
            for (j, w) in words.iter().enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                out.push_str(if j == k { new } else { w });
            }
            *s = out;
            return;
        }
    }
    /// Harsh: a title abbreviated, hyphens as spaces, or an article dropped.
    fn street_wording(&mut self, s: &mut String) {
        let mut cands: Vec<(usize, usize, String)> = Vec::new();
        for (full, abbrs) in STREET_TITLES {
            if let Some(pos) = s.find(full) {
                let after = s.as_bytes().get(pos + full.len()).copied();
                if *full == "Saint" && after == Some(b'e') {
                    continue;
                }
                let a = abbrs[self.rng.gen_range(0..abbrs.len())];
                cands.push((pos, full.len(), a.to_owned()));
            }
        }
        if s.contains('-') {
            cands.push((0, s.len(), s.replace('-', " ")));
        }
        for article in [" de la ", " de l'", " du ", " des "] {
            if let Some(pos) = s.find(article) {
                cands.push((pos, article.len(), " ".to_owned()));
            }
        }
        if let Some((pos, len, to)) = cands.choose(&mut self.rng).cloned() {
            s.replace_range(pos..pos + len, &to);
        }
    }
    /// Harsh: street noise other than typos and OCR.
    fn street_noise(&mut self, s: &mut String) {
        use harsh::*;
        if s.is_empty() {
            return;
        }
        if self.p(STREET_ABBREV) {
            self.street_type(s);
        }
        if self.p(STREET_WORDING) {
            self.street_wording(s);
        }
        if self.p(BIS_TER) {
            let (num, digits) = house_number(s);
            if digits > 0 {
                if num > digits {
                    s.replace_range(digits..num, "");
                } else {
                    let suffix = self.one(&[" bis", "bis", " B", " Bis", " ter", "ter", " T"]);
                    s.insert_str(digits, suffix);
                }
            }
        }
        let (num, _) = house_number(s);
        if num > 0 && self.p(NO_NUMBER) {
            let rest = s[num..].trim_start_matches([',', ' ']);
            *s = rest.to_owned();
        } else if num > 0 && self.p(NUMBER_COMMA) && s[num..].starts_with(' ') {
            s.insert(num, ',');
        }
        if self.p(STREET_ORDER) {
            let (num, _) = house_number(s);
            if num > 0 && self.rng.gen_bool(0.5) {
                let n = s[..num].to_owned();
                let rest = s[num..].trim_start_matches([',', ' ']).to_owned();
                *s = format!("{rest} {n}");
            } else {
                type_last(s);
            }
        }
        if self.p(STREET_TYPO) {
            self.typos(s);
        }
        if self.p(STREET_OCR) {
            self.ocr(s);
        }
    }
    /// Harsh: city noise, and the postcode typo (after the district, which
    /// reads the postcode).
    fn city_noise(&mut self, p: &mut LPerson) {
        use harsh::*;
        if !p.city.is_empty() {
            if let Some((town, n)) = district(&p.postcode, &p.city) {
                if self.p(CITY_DISTRICT) {
                    let th = if n == 1 { "er" } else { "e" };
                    p.city = match self.rng.gen_range(0..5) {
                        0 | 1 => format!("{} {n}", town.to_uppercase()),
                        2 => format!("{town} {n}{th} arrondissement"),
                        3 => format!("{town} {n}{th}"),
                        _ => format!("{town} {n:02}"),
                    };
                }
            }
            if let Some((pos, len, female)) = saint_form(&p.city) {
                if self.p(CITY_SAINT) {
                    let forms = if female { SAINTE_FORMS } else { SAINT_FORMS };
                    let cur = p.city[pos..pos + len].to_owned();
                    let mut to = self.one(forms);
                    if to == cur {
                        to = self.one(forms);
                    }
                    p.city.replace_range(pos..pos + len, to);
                }
            }
            if p.city.contains('-') && self.p(CITY_HYPHEN) {
                p.city = p.city.replace('-', " ");
            }
            if self.p(CITY_TYPO) {
                self.typos(&mut p.city);
            }
            if self.p(CEDEX) {
                let cedex = self.one(&[" CEDEX", " Cedex", " CEDEX 9", " Cedex 2", " CEDEX 01"]);
                p.city.push_str(cedex);
            }
        }
        if p.postcode.len() == 5 && self.p(POSTCODE_TYPO) {
            let mut d: Vec<u8> = p.postcode.bytes().collect();
            if self.rng.gen_bool(0.6) {
                let i = self.rng.gen_range(0..5);
                let old = d[i];
                while d[i] == old {
                    d[i] = b'0' + self.rng.gen_range(0..10);
                }
            } else {
                let pairs: Vec<usize> = (0..4).filter(|&i| d[i] != d[i + 1]).collect();
                if let Some(&i) = pairs.choose(&mut self.rng) {
                    d.swap(i, i + 1);
                }
            }
            p.postcode = String::from_utf8(d).expect("digits");
        }
    }
    fn phone_style(&mut self, n: &str) -> String {
        if n.is_empty() {
            return String::new();
        }
        let mut out = String::new();
        let style = if self.harsh {
            self.rng.gen_range(0..10)
        } else {
            self.rng.gen_range(0..4)
        };
        match style {
            0 | 4 | 5 => pairs(&mut out, n),
            1 | 6 => out.push_str(n),
            2 | 7 => {
                out.push_str("+33 ");
                out.push_str(&n[1..2]);
                out.push(' ');
                pairs(&mut out, &n[2..]);
            }
            3 => {
                let mut t = String::new();
                pairs(&mut t, n);
                out = t.replace(' ', ".");
            }
            8 => {
                out.push_str("+33");
                out.push_str(&n[1..]);
            }
            _ => match self.rng.gen_range(0..3) {
                0 => {
                    out.push_str("0033 ");
                    out.push_str(&n[1..2]);
                    out.push(' ');
                    pairs(&mut out, &n[2..]);
                }
                1 => {
                    let mut t = String::new();
                    pairs(&mut t, n);
                    out = t.replace(' ', "-");
                }
                _ => {
                    out.push_str("+33 (0)");
                    out.push_str(&n[1..2]);
                    out.push(' ');
                    pairs(&mut out, &n[2..]);
                }
            },
        }
        out
    }
    /// Another record of the same person, with noise.
    fn noisy_copy(&mut self, o: &LPerson) -> LPerson {
        if self.harsh {
            self.noisy_copy_harsh(o)
        } else {
            self.noisy_copy_easy(o)
        }
    }
    /// The `easy` profile's copy: the first noise model.
    fn noisy_copy_easy(&mut self, o: &LPerson) -> LPerson {
        let mut p = o.clone();
        if self.p(noise::LAST_TYPO) {
            self.typo(&mut p.last);
        }
        if self.p(noise::FIRST_TYPO) {
            self.typo(&mut p.first);
        }
        if self.p(noise::INITIAL) {
            p.first = format!("{}.", p.first.chars().next().unwrap_or('X'));
        }
        if self.p(noise::DROP_FIRST) {
            p.first.clear();
        }
        if self.p(noise::MOVED) {
            self.place(&mut p);
        } else if self.p(noise::STREET_ABBREV) {
            for (full, short) in STREET_TYPES_FULL {
                if let Some(pos) = p.street.find(&format!(" {full} ")) {
                    p.street.replace_range(pos + 1..pos + 1 + full.len(), short);
                    break;
                }
            }
        }
        if self.p(noise::DROP_ADDRESS) {
            p.street.clear();
        }
        if self.p(noise::NEW_EMAIL) {
            p.email = self.email(&p);
        } else if self.p(noise::EMAIL_TYPO) && !p.email.is_empty() {
            let (local, domain) = p.email.split_once('@').expect("an @");
            let mut l = local.to_owned();
            self.typo(&mut l);
            p.email = format!("{l}@{domain}");
        }
        if self.p(noise::DROP_EMAIL) {
            p.email.clear();
        }
        if self.p(noise::NEW_PHONE) {
            p.mobile = self.number(true);
        }
        if self.p(noise::DROP_PHONE) {
            p.mobile.clear();
            p.landline.clear();
        }
        if self.p(noise::NO_ACCENTS) {
            for s in [&mut p.first, &mut p.last, &mut p.street, &mut p.city] {
                let mut t = String::new();
                strip_accents_into(&mut t, s);
                *s = t;
            }
        }
        if self.p(noise::UPPER_CASE) {
            p.last = p.last.to_uppercase();
        }
        if self.p(noise::SWAP_NAMES) {
            std::mem::swap(&mut p.first, &mut p.last);
        }
        p
    }
    /// The `harsh` profile's copy: every rate of [`harsh`], independently.
    fn noisy_copy_harsh(&mut self, o: &LPerson) -> LPerson {
        use harsh::*;
        let mut p = o.clone();
        // The married name first: a new email may use it, typos may hit it.
        if !p.married.is_empty() && self.p(MARRIED) {
            p.last = match self.rng.gen_range(0..10) {
                0..=5 => p.married.clone(),
                6..=8 => format!("{}-{}", p.maiden, p.married),
                _ => format!("{} {}", p.married, p.maiden),
            };
        }
        // Address: a move keeps the email or the mobile.
        let (mut keep_email, mut keep_mobile) = (false, false);
        if self.p(MOVED) {
            self.place(&mut p);
            if !p.landline.is_empty() {
                p.landline = self.number(false);
            }
            let both = !p.email.is_empty() && !p.mobile.is_empty();
            keep_email = !p.email.is_empty() && (!both || self.rng.gen_bool(0.5));
            keep_mobile = !keep_email && !p.mobile.is_empty();
            if both && self.rng.gen_bool(MOVED_NEW_OTHER) {
                if keep_email {
                    p.mobile = self.number(true);
                } else {
                    p.email = self.email(&p);
                }
            }
        }
        // Email and phones.
        if !keep_email && self.p(NEW_EMAIL) {
            p.email = self.email(&p);
        } else if !p.email.is_empty() && self.p(EMAIL_TYPO) {
            let (local, domain) = p.email.split_once('@').expect("an @");
            let mut l = local.to_owned();
            self.typo_harsh(&mut l);
            p.email = format!("{l}@{domain}");
        }
        if !p.email.is_empty() && self.p(EMAIL_CASE) {
            p.email = if self.rng.gen_bool(0.3) {
                p.email.to_uppercase()
            } else {
                capitalise_parts(&p.email)
            };
        }
        if !keep_mobile && self.p(NEW_MOBILE) {
            p.mobile = self.number(true);
        }
        if !p.landline.is_empty() && self.p(NEW_LANDLINE) {
            p.landline = self.number(false);
        }
        if self.p(PHONES_SWAPPED) {
            std::mem::swap(&mut p.mobile, &mut p.landline);
        }
        // Names (after the new email, which a person makes from their real
        // name), then street and city.
        if p.first.contains('-') && self.p(COMPOUND) {
            self.compound(&mut p.first);
        }
        if p.last.contains(['\'', ' ', '-']) && self.p(LAST_PUNCT) {
            self.last_punct(&mut p.last);
        }
        if self.p(PHONETIC) {
            self.phonetic(&mut p.last);
        }
        if self.p(FIRST_TYPO) {
            self.typos(&mut p.first);
        }
        if self.p(LAST_TYPO) {
            self.typos(&mut p.last);
        }
        if self.p(NAME_OCR) {
            if self.rng.gen_bool(0.5) {
                self.ocr(&mut p.first);
            } else {
                self.ocr(&mut p.last);
            }
        }
        if self.p(INITIAL) {
            if let Some(c) = p.first.chars().next() {
                p.first = if self.rng.gen_bool(0.6) {
                    format!("{c}.")
                } else {
                    c.to_string()
                };
            }
        }
        let mut street = std::mem::take(&mut p.street);
        self.street_noise(&mut street);
        p.street = street;
        self.city_noise(&mut p);
        // Missing fields.
        if self.p(DROP_FIRST) {
            p.first.clear();
        }
        if self.p(DROP_LAST) {
            p.last.clear();
        }
        if self.p(DROP_STREET) {
            p.street.clear();
        }
        if self.p(DROP_POSTCODE) {
            p.postcode.clear();
        }
        if self.p(DROP_CITY) {
            p.city.clear();
        }
        if !keep_email && self.p(DROP_EMAIL) {
            p.email.clear();
        }
        if !keep_mobile && self.p(DROP_MOBILE) {
            p.mobile.clear();
        }
        if self.p(DROP_LANDLINE) {
            p.landline.clear();
        }
        // Case and spaces.
        if self.p(NO_ACCENTS) {
            for s in [&mut p.first, &mut p.last, &mut p.street, &mut p.city] {
                let mut t = String::new();
                strip_accents_into(&mut t, s);
                *s = t;
            }
        }
        if self.p(UPPER_LAST) {
            p.last = p.last.to_uppercase();
        }
        if self.p(ALL_UPPER) {
            for s in [&mut p.first, &mut p.last, &mut p.street, &mut p.city] {
                *s = s.to_uppercase();
            }
        }
        if self.p(EXTRA_SPACE) {
            let k = self.rng.gen_range(0..4);
            let how = self.rng.gen_range(0..3);
            let s = [&mut p.first, &mut p.last, &mut p.street, &mut p.city]
                .into_iter()
                .nth(k)
                .expect("four fields");
            if !s.is_empty() {
                match (how, s.find(' ')) {
                    (0, _) => s.push(' '),
                    (1, _) => s.insert(0, ' '),
                    (_, Some(pos)) => s.insert(pos, ' '),
                    (_, None) => s.push_str("  "),
                }
            }
        }
        if self.p(SWAP_NAMES) {
            std::mem::swap(&mut p.first, &mut p.last);
        }
        p
    }
    fn cells(&mut self, p: &LPerson) -> [String; 8] {
        [
            p.first.clone(),
            p.last.clone(),
            p.email.clone(),
            self.phone_style(&p.landline.clone()),
            self.phone_style(&p.mobile.clone()),
            p.street.clone(),
            p.postcode.clone(),
            p.city.clone(),
        ]
    }
}

/// The close first name of a twin or sibling, and whether it is a woman's.
fn twin_name(first: &str) -> Option<(&'static str, bool)> {
    TWIN_NAMES
        .iter()
        .find(|(a, _, _)| *a == first)
        .map(|&(_, b, f)| (b, f))
}

/// `to` in the case of `from`: capitals if `from` is (two letters or more),
/// capitalised if `from` starts with a capital, else as is.
fn match_case(from: &str, to: &str) -> String {
    let letters: Vec<char> = from.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase()) {
        return to.to_uppercase();
    }
    match from.chars().next() {
        Some(c) if c.is_uppercase() => {
            let mut t = to.chars();
            match t.next() {
                Some(f) => f.to_uppercase().chain(t).collect(),
                None => String::new(),
            }
        }
        _ => to.to_owned(),
    }
}

/// "jean.dupont@gmail.com" -> "Jean.Dupont@Gmail.com".
fn capitalise_parts(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    for c in email.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = matches!(c, '.' | '@' | '-' | '_');
    }
    out
}

/// Byte lengths of the leading house number of `street` with its bis/ter
/// suffix, and of its digits alone; (0, 0) when it has none.
fn house_number(street: &str) -> (usize, usize) {
    let b = street.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return (0, 0);
    }
    let rest = &b[digits..];
    for suffix in [" bis", " ter", "bis", "ter", " b", " t"] {
        let s = suffix.as_bytes();
        if rest.len() >= s.len()
            && rest[..s.len()].eq_ignore_ascii_case(s)
            && matches!(rest.get(s.len()), None | Some(b' ' | b','))
        {
            return (digits + s.len(), digits);
        }
    }
    (digits, digits)
}

/// The street name before its type, as in a directory: "12 rue de la Gare"
/// -> "12 Gare, rue de la". Unchanged when no street type is found.
fn type_last(s: &mut String) {
    const ARTICLES: [&str; 6] = ["du", "de", "des", "la", "le", "les"];
    let words: Vec<&str> = s.split(' ').collect();
    let is_type = |w: &str| {
        let lw = w.to_lowercase();
        STREET_TYPE_VARIANTS
            .iter()
            .any(|(f, v)| *f == lw || v.iter().any(|x| x.to_lowercase() == lw))
    };
    let Some(t) = words.iter().take(4).position(|w| is_type(w)) else {
        return;
    };
    let mut end = t + 1;
    while end < words.len() && ARTICLES.contains(&words[end].to_lowercase().as_str()) {
        end += 1;
    }
    if end >= words.len() {
        return;
    }
    let mut out: Vec<&str> = words[..t].to_vec();
    out.extend(&words[end..]);
    let mut out = out.join(" ");
    out.push(',');
    for w in &words[t..end] {
        out.push(' ');
        out.push_str(w);
    }
    *s = out;
}

/// The town and district of a Paris, Lyon or Marseille postcode.
fn district(postcode: &str, city: &str) -> Option<(&'static str, u32)> {
    let n: u32 = postcode.get(2..)?.parse().ok()?;
    let town = match (postcode.get(..2)?, city) {
        ("75", "Paris") if (1..=20).contains(&n) => "Paris",
        ("69", "Lyon") if (1..=9).contains(&n) => "Lyon",
        ("13", "Marseille") if (1..=16).contains(&n) => "Marseille",
        _ => return None,
    };
    Some((town, n))
}

/// Where a town's Saint or Sainte is written (at the start of a word), how
/// long, and whether it is a Sainte.
fn saint_form(city: &str) -> Option<(usize, usize, bool)> {
    let b = city.as_bytes();
    for i in 0..b.len() {
        if i > 0 && !matches!(b[i - 1], b' ' | b'-') {
            continue;
        }
        // Longest forms first: "Sainte-" before "Saint", "Ste" before "St".
        for (forms, female) in [(SAINTE_FORMS, true), (SAINT_FORMS, false)] {
            for f in forms {
                let f = f.as_bytes();
                if b.len() >= i + f.len() && b[i..i + f.len()].eq_ignore_ascii_case(f) {
                    return Some((i, f.len(), female));
                }
            }
        }
    }
    None
}

const LINKAGE_HEADERS: [&str; 8] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "address_line1",
    "postcode",
    "city",
];
/// The columns of [`LINKAGE_HEADERS`] that `--columns names-address` keeps.
const NAMES_ADDRESS: [usize; 5] = [0, 1, 5, 6, 7];

/// Appends one record of the chosen columns.
fn push_linkage_record(out: &mut String, cells: &[String; 8], columns: LinkColumns) {
    match columns {
        LinkColumns::All => push_csv_record(out, cells, ',', "\n"),
        LinkColumns::NamesAddress => {
            let kept = NAMES_ADDRESS.map(|i| cells[i].as_str());
            push_csv_record(out, &kept, ',', "\n");
        }
    }
}

pub(super) fn linkage(out: &Path, a: &LinkArgs) -> Result<()> {
    for (name, v) in [("--dup-rate", a.dup_rate), ("--overlap", a.overlap)] {
        if !(0.0..=1.0).contains(&v) {
            bail!("{name} must be between 0 and 1 (got {v})");
        }
    }
    if !(a.noise.is_finite() && a.noise >= 0.0) {
        bail!("--noise must be a number >= 0 (got {})", a.noise);
    }
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (rows, clients) = (a.rows, a.clients);
    let mut g = Linkage {
        rng: ChaCha8Rng::seed_from_u64(a.seed),
        noise: a.noise,
        harsh: a.profile == Profile::Harsh,
        emails: HashSet::new(),
    };
    let headers = LINKAGE_HEADERS.map(str::to_owned);
    let mut people: Vec<LPerson> = Vec::with_capacity(rows);
    let mut list = create(&out.join("prospects.csv"))?;
    let mut truth = create(&out.join("truth-list.csv"))?;
    let mut buf = String::with_capacity(1 << 17);
    push_linkage_record(&mut buf, &headers, a.columns);
    writeln!(truth, "source_row,entity_id")?;
    let mut next_entity = 1u32;
    // Records per person so far: a person is on a list at most
    // MAX_RECORDS times (picking earlier records uniformly would otherwise
    // give the first people dozens of copies).
    const MAX_RECORDS: u8 = 5;
    let mut records_of: Vec<u8> = vec![0];
    for row in 1..=rows {
        let pick = (!people.is_empty() && g.rng.gen_bool(a.dup_rate))
            .then(|| g.rng.gen_range(0..people.len()))
            .filter(|&k| records_of[people[k].entity as usize] < MAX_RECORDS);
        let p = if let Some(k) = pick {
            // A duplicate of an earlier record of someone (noise on noise:
            // copies of copies, as lists bought from several vendors are).
            let o = people[k].clone();
            g.noisy_copy(&o)
        } else {
            let p = g.new_person(next_entity, &people);
            next_entity += 1;
            p
        };
        if records_of.len() <= p.entity as usize {
            records_of.resize(p.entity as usize + 1, 0);
        }
        records_of[p.entity as usize] += 1;
        let cells = g.cells(&p);
        push_linkage_record(&mut buf, &cells, a.columns);
        writeln!(truth, "{row},E{:08}", p.entity)?;
        people.push(p);
        if buf.len() > 1 << 16 {
            list.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    list.write_all(buf.as_bytes())?;
    list.flush()?;
    truth.flush()?;

    // Clients: some are people of the list (one client record per person),
    // written with noise; the others are new people.
    let mut cfile = create(&out.join("clients.csv"))?;
    let mut ctruth = create(&out.join("truth-clients.csv"))?;
    buf.clear();
    buf.push_str("client_id,");
    push_linkage_record(&mut buf, &headers, a.columns);
    writeln!(ctruth, "client_id,entity_id")?;
    let mut taken: HashSet<u32> = HashSet::new();
    for c in 1..=clients {
        let mut p = None;
        if !people.is_empty() && g.rng.gen_bool(a.overlap) {
            for _ in 0..8 {
                let o = &people[g.rng.gen_range(0..people.len())];
                if taken.insert(o.entity) {
                    let o = o.clone();
                    p = Some(g.noisy_copy(&o));
                    break;
                }
            }
        }
        let p = p.unwrap_or_else(|| {
            let p = g.new_person(next_entity, &people);
            next_entity += 1;
            p
        });
        let cells = g.cells(&p);
        let _ = write!(buf, "C{c:08},");
        push_linkage_record(&mut buf, &cells, a.columns);
        writeln!(ctruth, "C{c:08},E{:08}", p.entity)?;
        if buf.len() > 1 << 16 {
            cfile.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    cfile.write_all(buf.as_bytes())?;
    cfile.flush()?;
    ctruth.flush()?;
    write_file(
        &out.join("prospects.manifest.toml"),
        manifest_text().as_bytes(),
    )?;
    eprintln!(
        "wrote {}: prospects.csv ({rows} records, {} people), clients.csv ({clients} records), truth-list.csv, truth-clients.csv (profile {:?})",
        out.display(),
        people.iter().map(|p| p.entity).collect::<HashSet<_>>().len(),
        a.profile
    );
    Ok(())
}
