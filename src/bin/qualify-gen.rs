//! `qualify-gen`: the seeded generator of synthetic test data for `qualify`.
//!
//! It writes three kinds of data, all invented (no personal data: names are
//! random combinations of common French first names, last names, streets and
//! towns; companies are made-up words; numbers and emails are random):
//!
//! - `sample`: a realistic demo set (a Windows-1252 `;` vendor list with French
//!   headers, its manifest, a client file, an opposition list, a run config and
//!   a ground-truth file saying what was planted in every row);
//! - `scale`: the same kind of data at benchmark sizes, UTF-8 and canonical
//!   English headers, streamed with reused buffers;
//! - `fixtures`: ten hand-picked prospects in every input format, for
//!   integration tests that assert exact results.
//!
//! The generator is self-contained: it does not use the `qualify` library, so
//! the test data never inherits the bugs of the code it tests. Output depends
//! only on the seed: one `ChaCha8Rng` (portable: the same numbers on every
//! platform and `rand` version, unlike `SmallRng`, so the committed sample
//! cannot change under a dependency update), no hash-map iteration, no
//! clock.
//!
//! Ground truth (`truth.csv`): `source_row,entity_id,client_id,planted`.
//! `entity_id` is shared by every record of one invented person (list rows and
//! client row); `client_id` is set when that person is in `clients.csv`.
//! `planted` holds `;`-separated tags:
//!
//! | tag | meaning |
//! |---|---|
//! | `audience=b2b` / `audience=b2c` | how the person was generated (a named professional at work, or a consumer) |
//! | `duplicate_of=N`, `dup=exact|email|phone|fuzzy` | same person as row N: identical row, same email in another case, same phone in another format, or same name + address with no shared key |
//! | `consent_no_on_duplicate` | the duplicate says `non` to email, which binds the cluster |
//! | `invalid_email`, `disposable`, `role_email`, `webmail_on_b2b` | email planted that way |
//! | `invalid_phone`, `premium`, `phones_swapped`, `mobile_in_phone_column`, `overseas`, `foreign` | phone planted that way (`overseas`: 971/973/974 postcode with a local number) |
//! | `siret_invalid`, `siret_laposte` | a Luhn-invalid SIRET; a La Poste SIRET (digit-sum rule) |
//! | `missing_consent` | all of `Opt-in email`, `SMS`, `téléphone` empty |
//! | `consent_without_date=<ch>`, `consent_after_as_of=<ch>`, `consent_before_collection=<ch>`, `consent_unrecognised`, `no_proof`, `partners_refused` | consent problems |
//! | `bad_date` | a garbage collection/last-contact date |
//! | `stale` | computed: reference date (last contact, else collection, else the manifest's first date) before 2023-11-23 |
//! | `old_collection_recent_contact`, `boundary_fresh` | fresh despite an old collection date; collected exactly 3 years before the as-of date |
//! | `client_overlap`, `client_match=email|phone|both`, `client_ended_old`, `client_ended_recent`, `client_opposed=<ch>` | the person is in `clients.csv` |
//! | `opposed_hash=<ch>`, `opposed_plain=<ch>` | the person's email or phone is in `opposition.csv` (hashed or plain), for channel `<ch>` (`all` when the cell is empty) |
//! | `formula`, `quoted_semicolon`, `embedded_newline`, `quote_in_field`, `junk_cell` | CSV traps (sample only) |
//!
//! Person-level tags (`client_*`, `opposed_*`) are repeated on every record of the person.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{Datelike, Duration, NaiveDate};
use clap::{Parser, Subcommand};
use md5::Md5;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

// The subcommands, one module each, in src/bin/qualify-gen/.
#[path = "qualify-gen/fixtures.rs"]
mod fixtures;
#[path = "qualify-gen/linkage.rs"]
mod linkage;
#[path = "qualify-gen/sample.rs"]
mod sample;
#[path = "qualify-gen/scale.rs"]
mod scale;
#[path = "qualify-gen/scenarios.rs"]
mod scenarios;

use fixtures::fixtures;
use linkage::{linkage, LinkArgs, LinkColumns, Profile};
use sample::sample;
use scale::scale;

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

const EXAMPLES: &str = "\
Examples:
  # The demo data set (Windows-1252 vendor list, clients, opposition, config, truth):
  qualify-gen sample --seed 42 --out sample-data
  qualify run --config sample-data/qualify.toml

  # One million prospects and 200,000 clients for benchmarks (use a release build):
  cargo run --release --bin qualify-gen -- scale --rows 1000000 --clients 200000 --seed 1 --out /tmp/bench

  # The hand-picked fixtures of the integration tests:
  qualify-gen fixtures --out tests/data/gen";

/// Seeded generator of synthetic (invented) test data for `qualify`.
#[derive(Parser)]
#[command(name = "qualify-gen", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Demo data: a `;`-separated Windows-1252 vendor list with French headers and planted
    /// problems, its manifest, clients.csv, opposition.csv, qualify.toml and truth.csv.
    #[command(after_help = "Examples:\n  qualify-gen sample --seed 42 --out sample-data")]
    Sample {
        /// Seed of the random generator; the same seed gives the same files.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Output folder (created if missing).
        #[arg(long, default_value = "sample-data")]
        out: PathBuf,
        /// Number of records in prospects.csv.
        #[arg(long, default_value_t = 2000)]
        rows: usize,
        /// Number of records in clients.csv.
        #[arg(long, default_value_t = 1000)]
        clients: usize,
    },
    /// Benchmark data: UTF-8, `,`-separated, canonical English headers, streamed.
    #[command(
        after_help = "Examples:\n  qualify-gen scale --rows 1000 --clients 500 --seed 1 --out /tmp/small\n  \
                      cargo run --release --bin qualify-gen -- scale --rows 1000000 --clients 200000 --out /tmp/bench"
    )]
    Scale {
        /// Number of records in prospects.csv.
        #[arg(long)]
        rows: usize,
        /// Number of records in clients.csv (about 10% of the list overlaps it).
        #[arg(long)]
        clients: usize,
        /// Seed of the random generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// More run set-ups around the demo list (run `sample` first), so that the sample shows
    /// every reason code: a summer run with Bloctel and a banned sector, a run with an old
    /// Bloctel file, a scraped list with bad rows, a list without a manifest.
    #[command(
        after_help = "Examples:\n  qualify-gen scenarios --sample sample-data\n  qualify run --config sample-data/scenarios/summer.toml"
    )]
    Scenarios {
        /// Seed of the random generator (which consumers are on the Bloctel file).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The folder `sample` wrote; the scenarios go to its `scenarios/` subfolder.
        #[arg(long, default_value = "sample-data")]
        sample: PathBuf,
    },
    /// Linkage benchmark data: people with noisy duplicates and a client file, with ground
    /// truth (truth-list.csv, truth-clients.csv).
    ///
    /// Every copy of a person (a duplicate in the list, or the client record) gets noise,
    /// each kind drawn independently at its own rate; copies are also made from earlier
    /// copies, so noise accumulates.
    ///
    /// `--profile harsh` (the default): up to two typos per name, street and city (AZERTY
    /// neighbours), OCR confusions (rn/m, l/1/i, o/0, e/c, u/v, cl/d), phonetic spellings
    /// of last names (ph/f, y/i, eau/au/o, double consonants, silent final letters),
    /// married and hyphenated names of women, swapped names, initials, shortened compound
    /// first names ("Jean Pierre", "Jean", "JP"), "Le Gall"/"Legall", abbreviated or
    /// reworded streets ("av.", "bd", "Gal"), bis/ter added or dropped, missing house
    /// numbers, "12, rue ...", postcode and city typos, "PARIS 11" and "Lyon 3e
    /// arrondissement", St/Saint/Ste, CEDEX, people who moved but kept their email or
    /// mobile, new emails and phones, reformatted phones (+33 (0)6, 0033, dashes), missing
    /// fields (5-22%), capitals, no accents, extra spaces. Hard negatives: households (same
    /// last name, address and landline), namesakes elsewhere and in the same town, twins
    /// and siblings with close first names ("Léa"/"Léo", "Marie"/"Mario").
    ///
    /// `--profile easy`: the first, lighter model (one typo per name, initials, swapped
    /// names, no accents, capital last names, abbreviated street types, moves, new or
    /// missing emails and phones; households and namesakes).
    ///
    /// The rates are in src/bin/qualify-gen.rs (modules `harsh` and `noise`); `--noise`
    /// multiplies all of them.
    #[command(
        after_help = "Examples:\n  qualify-gen linkage --rows 100000 --clients 100000 --out /tmp/link100k\n  \
                      qualify-gen linkage --rows 100000 --clients 100000 --profile easy --out /tmp/link100k-easy\n  \
                      qualify-gen linkage --rows 100000 --clients 100000 --columns names-address --out /tmp/link100k-na"
    )]
    Linkage {
        /// Number of records in prospects.csv.
        #[arg(long)]
        rows: usize,
        /// Number of records in clients.csv.
        #[arg(long)]
        clients: usize,
        /// Chance that a list record is another record of an earlier person.
        #[arg(long, default_value_t = 0.2)]
        dup_rate: f64,
        /// Chance that a client is a person of the list.
        #[arg(long, default_value_t = 0.3)]
        overlap: f64,
        /// Multiplier of every noise rate (1.0 = the default level).
        #[arg(long, default_value_t = 1.0)]
        noise: f64,
        /// Noise model: `harsh` (realistic, heavy noise) or `easy` (the first, lighter one).
        #[arg(long, value_enum, default_value_t = Profile::Harsh)]
        profile: Profile,
        /// Columns written: `all`, or `names-address` (first_name, last_name, address_line1,
        /// postcode, city: no email or phones, in both files; the same records otherwise).
        #[arg(long, value_enum, default_value_t = LinkColumns::All)]
        columns: LinkColumns,
        /// Seed of the random generator (ChaCha8: the same seed and options give the same
        /// bytes on every platform).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// The ten hand-picked prospects as XLSX, Parquet, JSON, NDJSON and Windows-1252 CSV.
    #[command(after_help = "Examples:\n  qualify-gen fixtures --out tests/data/gen")]
    Fixtures {
        /// Output folder (created if missing).
        #[arg(long, default_value = "tests/data/gen")]
        out: PathBuf,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Sample {
            seed,
            out,
            rows,
            clients,
        } => sample(seed, &out, rows, clients),
        Command::Scale {
            rows,
            clients,
            seed,
            out,
        } => scale(seed, &out, rows, clients),
        Command::Fixtures { out } => fixtures(&out),
        Command::Scenarios { seed, sample } => scenarios::scenarios(seed, &sample),
        Command::Linkage {
            rows,
            clients,
            dup_rate,
            overlap,
            noise,
            profile,
            columns,
            seed,
            out,
        } => linkage(
            &out,
            &LinkArgs {
                seed,
                rows,
                clients,
                dup_rate,
                overlap,
                noise,
                profile,
                columns,
            },
        ),
    }
}

// ---------------------------------------------------------------------------
// Fixed dates and names shared by every data set
// ---------------------------------------------------------------------------

const AS_OF: &str = "2026-11-23";
/// Records whose reference date is before this day are stale on [`AS_OF`] (3 years).
fn stale_limit() -> NaiveDate {
    ymd(2023, 11, 23)
}
/// First and last day of the manifest's `collected_between`.
fn collected_first() -> NaiveDate {
    ymd(2022, 3, 1)
}
fn collected_last() -> NaiveDate {
    ymd(2026, 10, 31)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid constant date")
}

const VENDOR: &str = "Data Horizon SARL";
const VENDOR_SIREN: &str = "814527339";
const BUYER: &str = "Menuiseries Bellerive SAS";
const PARTNERS: [&str; 3] = [BUYER, "Assurances Tilleul SA", "Voyages Azuréa SARL"];
const COLLECTED_FROM: &str = "https://jeux.data-horizon.example.fr/grand-concours";
const CONSENT_WORDING: &str = "J'accepte de recevoir par e-mail, SMS et téléphone des offres \
commerciales de Data Horizon et de ses partenaires : Menuiseries Bellerive SAS, Assurances Tilleul SA, \
Voyages Azuréa SARL. J'accepte que mes coordonnées leur soient transmises à cette fin. Je peux retirer \
mon consentement à tout moment, sans frais, par le lien de désinscription présent dans chaque message ou \
en écrivant à dpo@data-horizon.example.fr.";

// ---------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------

/// Column indexes of a prospect [`Row`].
mod col {
    pub const CIVILITY: usize = 0;
    pub const FIRST: usize = 1;
    pub const LAST: usize = 2;
    pub const COMPANY: usize = 3;
    pub const SIRET: usize = 4;
    pub const JOB: usize = 5;
    pub const EMAIL: usize = 6;
    pub const PHONE: usize = 7;
    pub const MOBILE: usize = 8;
    pub const FAX: usize = 9;
    pub const ADDRESS: usize = 10;
    pub const POSTCODE: usize = 11;
    pub const CITY: usize = 12;
    pub const COUNTRY: usize = 13;
    pub const COLLECTED: usize = 14;
    pub const LAST_CONTACT: usize = 15;
    pub const SOURCE: usize = 16;
    pub const C_EMAIL: usize = 17;
    pub const C_EMAIL_AT: usize = 18;
    pub const C_SMS: usize = 19;
    pub const C_SMS_AT: usize = 20;
    pub const C_PHONE: usize = 21;
    pub const C_PHONE_AT: usize = 22;
    pub const C_FAX: usize = 23;
    pub const C_AUTOCALL: usize = 24;
    pub const C_POST: usize = 25;
    pub const C_PARTNERS: usize = 26;
    pub const PROOF: usize = 27;
}
const COLS: usize = 28;

/// Vendor headers of the sample list (synonyms of docs/pipeline.md#inputs).
const FR_HEADERS: [&str; COLS] = [
    "Civilité",
    "Prénom",
    "Nom",
    "Société",
    "SIRET",
    "Fonction",
    "E-mail",
    "Tél",
    "Portable",
    "Fax",
    "Adresse",
    "Code postal",
    "Ville",
    "Pays",
    "Date de collecte",
    "Date du dernier contact",
    "Source",
    "Opt-in email",
    "Date opt-in email",
    "Opt-in SMS",
    "Date opt-in SMS",
    "Opt-in téléphone",
    "Date opt-in téléphone",
    "Opt-in fax",
    "Opt-in automate",
    "Opt-in courrier",
    "Opt-in partenaires",
    "Preuve consentement",
];

/// Canonical names (docs/pipeline.md#inputs). `civility` is not canonical: the scale and
/// JSON/Parquet outputs leave column 0 out.
const EN_HEADERS: [&str; COLS] = [
    "civility",
    "first_name",
    "last_name",
    "company_name",
    "siret",
    "job_title",
    "email",
    "phone",
    "mobile",
    "fax",
    "address_line1",
    "postcode",
    "city",
    "country",
    "collected_at",
    "last_contact_at",
    "source",
    "consent_email",
    "consent_email_at",
    "consent_sms",
    "consent_sms_at",
    "consent_phone",
    "consent_phone_at",
    "consent_fax",
    "consent_autocall",
    "consent_post",
    "consent_partners",
    "consent_proof",
];

const CLIENT_COLS: usize = 19;
const CLIENT_HEADERS: [&str; CLIENT_COLS] = [
    "client_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "address_line1",
    "postcode",
    "city",
    "country",
    "company_name",
    "siret",
    "relationship_end_at",
    "last_purchase_at",
    "contract_in_progress",
    "opposed_email",
    "opposed_sms",
    "opposed_phone",
    "opposed_post",
];

type Row = [String; COLS];
type ClientRow = [String; CLIENT_COLS];

fn empty_row<const N: usize>() -> [String; N] {
    std::array::from_fn(|_| String::new())
}

fn copy_row<const N: usize>(dst: &mut [String; N], src: &[String; N]) {
    for (d, s) in dst.iter_mut().zip(src) {
        d.clone_from(s);
    }
}

// ---------------------------------------------------------------------------
// Word lists (common French names; invented companies)
// ---------------------------------------------------------------------------

const FIRST_F: &[&str] = &[
    "Marie",
    "Camille",
    "Léa",
    "Chloé",
    "Manon",
    "Inès",
    "Sarah",
    "Emma",
    "Julie",
    "Anaïs",
    "Céline",
    "Hélène",
    "Élodie",
    "Nathalie",
    "Isabelle",
    "Sophie",
    "Cécile",
    "Aurélie",
    "Valérie",
    "Françoise",
    "Brigitte",
    "Zoé",
    "Maëlle",
    "Gaëlle",
    "Noémie",
    "Mélanie",
    "Thérèse",
    "Agnès",
    "Clémence",
    "Laëtitia",
    "Sandrine",
    "Véronique",
    "Émilie",
    "Océane",
    "Lucie",
    "Pauline",
    "Christine",
    "Josiane",
    "Geneviève",
    "Béatrice",
];
const FIRST_M: &[&str] = &[
    "Jean",
    "Pierre",
    "Michel",
    "Philippe",
    "Alain",
    "Nicolas",
    "Julien",
    "Thomas",
    "Antoine",
    "Lucas",
    "Hugo",
    "Théo",
    "Mathis",
    "Jérôme",
    "François",
    "Frédéric",
    "Stéphane",
    "Sébastien",
    "Loïc",
    "Benoît",
    "Hervé",
    "Gérard",
    "Rémi",
    "Noël",
    "Cédric",
    "Jérémy",
    "Mickaël",
    "Raphaël",
    "Joël",
    "Grégory",
    "Léo",
    "Maxime",
    "Baptiste",
    "Guillaume",
    "Olivier",
    "Patrick",
    "Éric",
    "André",
    "Bruno",
    "Yannick",
];
const LAST: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Pérez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Olivier",
    "Da Silva",
    "Hubert",
    "Guillot",
    "Rivière",
    "Le Gall",
    "Ménard",
    "Hébert",
    "Bénard",
    "Lemaître",
    "Lévêque",
    "Le Goff",
    "Prévost",
    "Carré",
    "Crépin",
    "Séguin",
    "Frémont",
    "Besnard",
    "Châtelain",
    "Thébault",
    "N'Diaye",
    "Lécuyer",
];
const STREETS: &[&str] = &[
    "rue de la République",
    "rue Victor-Hugo",
    "avenue du Général-de-Gaulle",
    "rue Pasteur",
    "place de l'Église",
    "rue Jean-Jaurès",
    "boulevard Gambetta",
    "rue de la Gare",
    "chemin des Prés",
    "allée des Érables",
    "impasse des Châtaigniers",
    "rue du Château",
    "rue des Œillets",
    "route de Besançon",
    "rue Émile-Zola",
    "avenue Foch",
    "rue de la Fontaine",
    "rue des Écoles",
    "quai de la Saône",
    "rue du Moulin",
    "chemin de la Forêt",
    "rue Saint-Éloi",
    "rue des Mûriers",
    "avenue des Tilleuls",
    "rue du Maréchal-Leclerc",
];

#[derive(Clone, Copy, PartialEq)]
enum Region {
    /// Metropolitan France; the digit is the landline zone (01 to 05).
    Metro(u8),
    Guadeloupe,
    Guyane,
    Reunion,
    Belgium,
}

struct Town {
    name: &'static str,
    postcode: &'static str,
    region: Region,
}

const fn town(name: &'static str, postcode: &'static str, region: Region) -> Town {
    Town {
        name,
        postcode,
        region,
    }
}

use Region::*;
const METRO_TOWNS: &[Town] = &[
    town("Paris", "75011", Metro(1)),
    town("Paris", "75015", Metro(1)),
    town("Paris", "75018", Metro(1)),
    town("Boulogne-Billancourt", "92100", Metro(1)),
    town("Montreuil", "93100", Metro(1)),
    town("Créteil", "94000", Metro(1)),
    town("Versailles", "78000", Metro(1)),
    town("Évry-Courcouronnes", "91000", Metro(1)),
    town("Cergy", "95000", Metro(1)),
    town("Meaux", "77100", Metro(1)),
    town("Rennes", "35000", Metro(2)),
    town("Nantes", "44000", Metro(2)),
    town("Brest", "29200", Metro(2)),
    town("Caen", "14000", Metro(2)),
    town("Rouen", "76000", Metro(2)),
    town("Le Mans", "72000", Metro(2)),
    town("Angers", "49000", Metro(2)),
    town("Tours", "37000", Metro(2)),
    town("Orléans", "45000", Metro(2)),
    town("Saint-Malo", "35400", Metro(2)),
    town("Châteauroux", "36000", Metro(2)),
    town("Lille", "59000", Metro(3)),
    town("Strasbourg", "67000", Metro(3)),
    town("Reims", "51100", Metro(3)),
    town("Metz", "57000", Metro(3)),
    town("Nancy", "54000", Metro(3)),
    town("Dijon", "21000", Metro(3)),
    town("Besançon", "25000", Metro(3)),
    town("Amiens", "80000", Metro(3)),
    town("Mulhouse", "68100", Metro(3)),
    town("Troyes", "10000", Metro(3)),
    town("Lyon", "69003", Metro(4)),
    town("Lyon", "69007", Metro(4)),
    town("Marseille", "13008", Metro(4)),
    town("Nice", "06000", Metro(4)),
    town("Montpellier", "34000", Metro(4)),
    town("Grenoble", "38000", Metro(4)),
    town("Saint-Étienne", "42000", Metro(4)),
    town("Toulon", "83000", Metro(4)),
    town("Nîmes", "30000", Metro(4)),
    town("Avignon", "84000", Metro(4)),
    town("Aix-en-Provence", "13100", Metro(4)),
    town("Béziers", "34500", Metro(4)),
    town("Annecy", "74000", Metro(4)),
    town("Clermont-Ferrand", "63000", Metro(4)),
    town("Bordeaux", "33000", Metro(5)),
    town("Toulouse", "31000", Metro(5)),
    town("Limoges", "87000", Metro(5)),
    town("Poitiers", "86000", Metro(5)),
    town("Pau", "64000", Metro(5)),
    town("Bayonne", "64100", Metro(5)),
    town("La Rochelle", "17000", Metro(5)),
    town("Périgueux", "24000", Metro(5)),
    town("Agen", "47000", Metro(5)),
    town("Angoulême", "16000", Metro(5)),
];
const OVERSEAS_TOWNS: &[Town] = &[
    town("Pointe-à-Pitre", "97110", Guadeloupe),
    town("Les Abymes", "97139", Guadeloupe),
    town("Baie-Mahault", "97122", Guadeloupe),
    town("Cayenne", "97300", Guyane),
    town("Kourou", "97310", Guyane),
    town("Saint-Denis", "97400", Reunion),
    town("Saint-Pierre", "97410", Reunion),
];
const FOREIGN_TOWNS: &[Town] = &[
    town("Bruxelles", "1000", Belgium),
    town("Liège", "4000", Belgium),
];

const WEBMAIL: &[(&str, u32)] = &[
    ("gmail.com", 30),
    ("orange.fr", 15),
    ("hotmail.fr", 12),
    ("free.fr", 10),
    ("yahoo.fr", 10),
    ("laposte.net", 8),
    ("wanadoo.fr", 8),
    ("sfr.fr", 7),
];
const DISPOSABLE: &[&str] = &["yopmail.com", "mailinator.com"];
const ROLES: &[&str] = &[
    "contact",
    "info",
    "accueil",
    "commercial",
    "direction",
    "secretariat",
    "devis",
    "standard",
];
const TRADES: &[&str] = &[
    "Menuiserie",
    "Boulangerie",
    "Cabinet",
    "Transports",
    "Garage",
    "Imprimerie",
    "Conseil",
    "Plomberie",
    "Agence",
    "Studio",
    "Laboratoire",
    "Électricité",
    "Négoce",
    "Atelier",
    "Hôtel",
    "Brasserie",
    "Informatique",
    "Crêperie",
    "Bâtiment",
    "Pépinières",
];
/// Made-up words, so that no company name is a real one.
const INVENTED: &[&str] = &[
    "Azurel", "Brivane", "Calmeo", "Dorvia", "Elvanor", "Fenalis", "Galivo", "Hexaly", "Irvane",
    "Jolvia", "Kerlino", "Lumara", "Mirevo", "Norvance", "Orlina", "Pervoz", "Quilvane", "Rivalto",
    "Solvara", "Tervilo", "Ulmaro", "Valbrune", "Wexelio", "Zorvane", "Arvelis", "Belnoré",
    "Corvalis", "Dunévia", "Estérel", "Faldino",
];
const LEGAL: &[&str] = &["SARL", "SAS", "SASU", "EURL", "SA"];
const JOBS: &[&str] = &[
    "Directeur commercial",
    "Directrice commerciale",
    "Responsable achats",
    "Gérant",
    "Gérante",
    "Assistante de direction",
    "Chargé de communication",
    "Directrice des ressources humaines",
    "Comptable",
    "Technicien de maintenance",
    "Responsable marketing",
    "Président",
    "Chef de projet",
    "Office manager",
    "Responsable informatique",
    "Chef d'atelier",
];
const SOURCES: &[(&str, &str)] = &[
    ("Jeu concours été 2025", "JEU-ETE-2025"),
    ("Formulaire devis en ligne", "DEVIS-WEB"),
    ("Salon Habitat & Déco Lyon 2025", "SALON-LYON-25"),
    ("Newsletter Data Horizon", "NEWS-DH"),
    ("Livre blanc « Prospection B2B »", "LB-B2B-2024"),
    ("Webinaire RGPD & marketing", "WEBI-RGPD"),
    ("Salon des Entrepreneurs Paris 2024", "SALON-ENT-24"),
    ("Parrainage", "PARRAIN"),
];
const YES: &[&str] = &[
    "oui", "oui", "oui", "oui", "Oui", "OUI", "x", "X", "O", "o", "1", "yes",
];
const NO: &[&str] = &["non", "non", "non", "Non", "NON", "n", "N", "0", "no"];
const UNRECOGNISED: &[&str] = &["peut-être", "NSP", "?", "ouais"];
const GARBAGE_DATES: &[&str] = &[
    "31/02/2025",
    "2025-13-01",
    "hier",
    "N/A",
    "15 mars 2025",
    "0000-00-00",
    "12/2024",
    "??/??/2024",
];

// ---------------------------------------------------------------------------
// Small helpers: hashing, Luhn, folding, dates, phone formats
// ---------------------------------------------------------------------------

/// FNV-1a, for the "already used" sets (stable across Rust versions).
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn luhn_sum(digits: &[u8]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum()
}

/// Appends the Luhn check digit that makes `s` valid.
fn push_luhn_digit(s: &mut String) {
    s.push('0');
    let sum = luhn_sum(s.as_bytes());
    let check = (10 - sum % 10) % 10;
    s.pop();
    s.push(char::from(b'0' + check as u8));
}

/// Lowercase ASCII fold of a name for email local parts and domains:
/// accents removed, `œ` -> `oe`, spaces and apostrophes dropped (or turned into
/// `sep` when it is not NUL).
fn fold_into(out: &mut String, s: &str, sep: Option<char>) {
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' => out.push('i'),
            'ô' | 'ö' => out.push('o'),
            'ù' | 'û' | 'ü' => out.push('u'),
            'ÿ' => out.push('y'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            ' ' | '\'' => {
                if let Some(sep) = sep {
                    out.push(sep)
                }
            }
            c if c.is_ascii_alphanumeric() || c == '-' => out.push(c),
            _ => {}
        }
    }
}

/// Accents removed but case and spaces kept ("Hélène" -> "Helene"), as a
/// vendor with an ASCII-only system would write it.
fn strip_accents_into(out: &mut String, s: &str) {
    for c in s.chars() {
        let lower = c.is_lowercase();
        let base = match c.to_lowercase().next().unwrap_or(c) {
            'à' | 'â' | 'ä' => "a",
            'ç' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'î' | 'ï' => "i",
            'ô' | 'ö' => "o",
            'ù' | 'û' | 'ü' => "u",
            'œ' => "oe",
            _ => {
                out.push(c);
                continue;
            }
        };
        if lower {
            out.push_str(base);
        } else {
            out.push_str(&base.to_uppercase());
        }
    }
}

fn random_date(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.gen_range(0..=span))
}

/// How a date cell is written.
#[derive(Clone, Copy)]
enum DateStyle {
    French,
    Iso,
    IsoDateTime,
}

fn pick_date_style(rng: &mut ChaCha8Rng) -> DateStyle {
    match rng.gen_range(0..100) {
        0..=79 => DateStyle::French,
        80..=95 => DateStyle::Iso,
        _ => DateStyle::IsoDateTime,
    }
}

fn write_date(out: &mut String, d: NaiveDate, style: DateStyle) {
    out.clear();
    let _ = match style {
        DateStyle::French => write!(out, "{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
        DateStyle::Iso => write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        DateStyle::IsoDateTime => write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:00Z",
            d.year(),
            d.month(),
            d.day(),
            8 + d.day() % 12,
            (d.month() * 7) % 60
        ),
    };
}

fn write_iso(out: &mut String, d: NaiveDate) {
    write_date(out, d, DateStyle::Iso)
}

/// A phone number as a country calling code and a national significant
/// number (digits, no trunk `0`). An empty `nsn` means "no valid number".
#[derive(Clone, Default)]
struct Num {
    cc: &'static str,
    nsn: String,
}

impl Num {
    fn is_some(&self) -> bool {
        !self.nsn.is_empty()
    }
    fn clear(&mut self) {
        self.cc = "";
        self.nsn.clear();
    }
    fn e164_into(&self, out: &mut String) {
        out.clear();
        out.push('+');
        out.push_str(self.cc);
        out.push_str(&self.nsn);
    }
    fn key(&self) -> u64 {
        fnv(self.cc.as_bytes()) ^ fnv(self.nsn.as_bytes()).rotate_left(17)
    }
}

/// Writes `n` in one of the formats French vendors use:
/// 0 `06 12 34 56 78`, 1 `0612345678`, 2 `06.12.34.56.78`, 3 `06-12-34-56-78`,
/// 4 `+33 6 12 34 56 78`, 5 `+33612345678`, 6 `0033612345678`, 7 `+33 (0)6 12 34 56 78`.
fn write_num(out: &mut String, n: &Num, style: u8) {
    out.clear();
    let national_pairs = |out: &mut String, sep: char| {
        out.push('0');
        for (i, c) in n.nsn.chars().enumerate() {
            if i % 2 == 1 {
                out.push(sep);
            }
            out.push(c);
        }
    };
    let intl_spaced = |out: &mut String| {
        let head = if n.cc == "33" { 1 } else { 3.min(n.nsn.len()) };
        out.push_str(&n.nsn[..head]);
        for (i, c) in n.nsn[head..].chars().enumerate() {
            if i % 2 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
    };
    match style {
        0 => national_pairs(out, ' '),
        1 => {
            out.push('0');
            out.push_str(&n.nsn);
        }
        2 => national_pairs(out, '.'),
        3 => national_pairs(out, '-'),
        4 => {
            let _ = write!(out, "+{} ", n.cc);
            intl_spaced(out);
        }
        5 => {
            let _ = write!(out, "+{}{}", n.cc, n.nsn);
        }
        6 => {
            let _ = write!(out, "00{}{}", n.cc, n.nsn);
        }
        _ => {
            let _ = write!(out, "+{} (0)", n.cc);
            intl_spaced(out);
        }
    }
}

fn pick_num_style(rng: &mut ChaCha8Rng) -> u8 {
    match rng.gen_range(0..100) {
        0..=54 => 0,
        55..=74 => 1,
        75..=82 => 2,
        83..=85 => 3,
        86..=93 => 4,
        94..=97 => 5,
        98 => 6,
        _ => 7,
    }
}

fn push_digits(rng: &mut ChaCha8Rng, out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(char::from(b'0' + rng.gen_range(0..10u8)));
    }
}

fn push_one_of(rng: &mut ChaCha8Rng, out: &mut String, digits: &[u8]) {
    out.push(char::from(*digits.choose(rng).expect("non-empty")));
}

#[derive(Clone, Copy)]
enum NumKind {
    Mobile,
    Landline,
    Voip,
    Premium,
}

/// A random number of `kind` valid for `region` under libphonenumber's
/// metadata (the patterns the `phonenumber` crate checks).
fn random_nsn(rng: &mut ChaCha8Rng, region: Region, kind: NumKind, out: &mut Num) {
    out.nsn.clear();
    let s = &mut out.nsn;
    out.cc = match region {
        Metro(zone) => {
            match kind {
                NumKind::Mobile => {
                    if rng.gen_bool(0.6) {
                        s.push('6');
                        push_one_of(rng, s, b"01245678");
                    } else {
                        s.push('7');
                        push_one_of(rng, s, b"3456789");
                    }
                    push_digits(rng, s, 7);
                }
                NumKind::Landline => {
                    s.push(char::from(b'0' + zone));
                    match zone {
                        2 => push_one_of(rng, s, b"01234579"),
                        4 => push_one_of(rng, s, b"123456789"),
                        5 => push_one_of(rng, s, b"012345678"),
                        _ => push_digits(rng, s, 1),
                    }
                    push_digits(rng, s, 7);
                }
                NumKind::Voip => {
                    s.push('9');
                    push_digits(rng, s, 8);
                }
                NumKind::Premium => {
                    s.push_str("89");
                    push_one_of(rng, s, b"279");
                    push_digits(rng, s, 6);
                }
            }
            "33"
        }
        Guadeloupe => {
            match kind {
                NumKind::Mobile => s.push_str("690"),
                _ => s.push_str("5909"),
            }
            let len = 9 - s.len();
            push_digits(rng, s, len);
            "590"
        }
        Guyane => {
            match kind {
                NumKind::Mobile => {
                    s.push_str("694");
                    push_one_of(rng, s, b"01249");
                }
                _ => s.push_str("5940"),
            }
            let len = 9 - s.len();
            push_digits(rng, s, len);
            "594"
        }
        Reunion => {
            match kind {
                NumKind::Mobile => s.push_str("692"),
                _ => s.push_str("262"),
            }
            let len = 9 - s.len();
            push_digits(rng, s, len);
            "262"
        }
        Belgium => {
            match kind {
                NumKind::Mobile => {
                    s.push('4');
                    push_one_of(rng, s, b"56789");
                    push_digits(rng, s, 7);
                }
                _ => {
                    s.push('2');
                    push_one_of(rng, s, b"2345678");
                    push_digits(rng, s, 6);
                }
            }
            "32"
        }
    };
}

// ---------------------------------------------------------------------------
// CSV writing (own writer: Windows-1252 sample, CRLF, and speed at scale)
// ---------------------------------------------------------------------------

fn push_csv_field(out: &mut String, field: &str, delim: char) {
    if field
        .bytes()
        .any(|b| b == delim as u8 || b == b'"' || b == b'\n' || b == b'\r')
    {
        out.push('"');
        for c in field.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(field);
    }
}

fn push_csv_record<S: AsRef<str>>(out: &mut String, fields: &[S], delim: char, eol: &str) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(delim);
        }
        push_csv_field(out, f.as_ref(), delim);
    }
    out.push_str(eol);
}

fn encode_cp1252(text: &str, path: &Path) -> Result<Vec<u8>> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    if unmappable {
        bail!(
            "{}: text has characters Windows-1252 cannot encode",
            path.display()
        );
    }
    Ok(bytes.into_owned())
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The list's manifest, exactly in the docs/pipeline.md#exact-formats layout.
fn manifest_text() -> String {
    let partners: Vec<String> = PARTNERS.iter().map(|p| toml_str(p)).collect();
    format!(
        "# Provenance of the list (docs/pipeline.md#exact-formats). Invented vendor; generated by qualify-gen.\n\
         vendor = {}\n\
         vendor_siren = {}\n\
         method = \"purchased\"\n\
         collected_from = {}\n\
         collected_between = [\"{}\", \"{}\"]\n\
         consent_wording = {}\n\
         partners = [{}]\n\
         audience = \"mixed\"\n",
        toml_str(VENDOR),
        toml_str(VENDOR_SIREN),
        toml_str(COLLECTED_FROM),
        collected_first(),
        collected_last(),
        toml_str(CONSENT_WORDING),
        partners.join(", "),
    )
}

fn config_text(out: &str) -> String {
    format!(
        "# Run configuration (docs/pipeline.md#exact-formats); paths are relative to this file.\n\
         list = \"prospects.csv\"\n\
         manifest = \"prospects.manifest.toml\"\n\
         clients = \"clients.csv\"\n\
         opposition = [\"opposition.csv\"]\n\
         as_of = \"{AS_OF}\"\n\
         buyer = {}\n\
         sector = \"general\"\n\
         existing_clients = \"reject\"\n\
         similar_products = false\n\
         campaign_related_to_contract = false\n\
         campaign_functions = []\n\
         accept_generic_partners = false\n\
         allow_scraped_b2b = false\n\
         retention_years = 3\n\
         keep_columns = []\n\
         controller_contact = \"Menuiseries Bellerive SAS, délégué à la protection des données, dpo@bellerive.example.fr\"\n\
         recipients = [\"Menuiseries Bellerive SAS (service commercial)\"]\n\
         out = {}\n",
        toml_str(BUYER),
        toml_str(out),
    )
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

/// One invented person, before it is written as a list row or a client row.
#[derive(Clone, Default)]
struct Person {
    female: bool,
    b2b: bool,
    overseas: bool,
    foreign: bool,
    civility: String,
    first: String,
    last: String,
    company: String,
    domain: String,
    siret: String,
    siret_invalid: bool,
    job: String,
    email: String,
    /// Normalised email (trimmed, lowercase) when it is valid; else empty.
    email_key: String,
    role_email: bool,
    webmail_on_b2b: bool,
    tel: Num,
    mob: Num,
    fax: Num,
    address: String,
    postcode: String,
    city: String,
    country: String,
    region: Option<Region>,
}

/// What the generator knows about a written list row.
#[derive(Clone, Default)]
struct Meta {
    source_row: u64,
    entity: u64,
    client: Option<u32>,
    email_key: String,
    tel: Num,
    mob: Num,
    collected: Option<NaiveDate>,
    last_contact: Option<NaiveDate>,
    /// Row-level planted tags, `;`-joined.
    tags: String,
    /// Person-level tags (client, opposition), repeated on duplicates.
    entity_tags: String,
    b2b: bool,
    is_dup: bool,
}

impl Meta {
    fn tag(&mut self, t: &str) {
        if !self.tags.is_empty() {
            self.tags.push(';');
        }
        self.tags.push_str(t);
    }
    fn entity_tag(&mut self, t: &str) {
        if !self.entity_tags.is_empty() {
            self.entity_tags.push(';');
        }
        self.entity_tags.push_str(t);
    }
    fn has_tag(&self, t: &str) -> bool {
        self.tags.split(';').any(|x| x == t)
    }
    fn stale(&self) -> bool {
        let reference = self
            .last_contact
            .or(self.collected)
            .unwrap_or_else(collected_first);
        reference < stale_limit()
    }
    /// The `planted` cell of truth.csv.
    fn planted_into(&self, out: &mut String) {
        out.clear();
        out.push_str(&self.tags);
        if self.stale() {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str("stale");
        }
        if !self.entity_tags.is_empty() {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(&self.entity_tags);
        }
    }
}

/// How a planted opposition entry is written.
struct OppEntry {
    email: String,
    phone: String,
    sha256: String,
    md5: String,
    channel: &'static str,
    date: String,
}

/// Rates that differ between `sample` and `scale`.
struct Plan {
    rows: usize,
    clients: usize,
    client_overlap_target: usize,
    client_overlap_p: f64,
    opposition_p: f64,
    opposition_misses: usize,
}

struct Gen {
    rng: ChaCha8Rng,
    seed: u64,
    used_emails: HashSet<u64>,
    used_phones: HashSet<u64>,
    next_entity: u64,
    n_companies: u64,
    plan: Plan,
    /// Client rows of list persons, by position in the client id permutation.
    overlap_clients: Vec<(u32, ClientRow)>,
    opposition: Vec<OppEntry>,
    /// Source rows that have a duplicate later in the list.
    dup_targets: HashSet<u64>,
    scratch: String,
    person: Person,
}

const HISTORY: usize = 4096;

impl Gen {
    fn new(seed: u64, plan: Plan) -> Self {
        let n_companies = ((plan.rows as f64 * 0.4 / 1.6) as u64).max(40);
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            used_emails: HashSet::with_capacity(plan.rows + plan.clients),
            used_phones: HashSet::with_capacity(2 * (plan.rows + plan.clients)),
            next_entity: 1,
            n_companies,
            plan,
            overlap_clients: Vec::new(),
            opposition: Vec::new(),
            dup_targets: HashSet::new(),
            scratch: String::new(),
            person: Person::default(),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// The company with index `k`: its name, email domain and SIREN are
    /// functions of `k`, so employees of one company agree.
    fn company(&self, k: u64, p: &mut Person, siren: &mut String) {
        let mut local = ChaCha8Rng::seed_from_u64(
            self.seed ^ (k.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let t = (k % TRADES.len() as u64) as usize;
        let i = ((k / TRADES.len() as u64) % INVENTED.len() as u64) as usize;
        let n = k / (TRADES.len() * INVENTED.len()) as u64;
        p.company.clear();
        p.company.push_str(TRADES[t]);
        p.company.push(' ');
        p.company.push_str(INVENTED[i]);
        if n > 0 {
            let _ = write!(p.company, " {}", n + 1);
        }
        p.company.push(' ');
        p.company
            .push_str(LEGAL.choose(&mut local).expect("non-empty"));
        p.domain.clear();
        fold_into(&mut p.domain, TRADES[t], Some('-'));
        p.domain.push('-');
        fold_into(&mut p.domain, INVENTED[i], Some('-'));
        if n > 0 {
            let _ = write!(p.domain, "{}", n + 1);
        }
        p.domain
            .push_str(if local.gen_bool(0.75) { ".fr" } else { ".com" });
        // A bijection of k onto 8 digits, then the Luhn digit.
        siren.clear();
        let payload = (k
            .wrapping_mul(7_654_321)
            .wrapping_add(31_415_926 + self.seed))
            % 100_000_000;
        let payload = if payload == 35_600_000 {
            35_600_001
        } else {
            payload
        };
        let _ = write!(siren, "{payload:08}");
        push_luhn_digit(siren);
    }

    fn fresh_num(&mut self, region: Region, kind: NumKind, out: &mut Num) {
        loop {
            random_nsn(&mut self.rng, region, kind, out);
            if self.used_phones.insert(out.key()) {
                return;
            }
        }
    }

    /// Fills `p.email` with an address at `domain` not used by anyone else.
    fn fresh_email(&mut self, p: &mut Person, domain: &str, corporate: bool) {
        let mut local = std::mem::take(&mut self.scratch);
        for attempt in 0..40 {
            local.clear();
            let pattern = if corporate {
                match self.rng.gen_range(0..10) {
                    0..=6 => 0,
                    _ => 2,
                }
            } else {
                self.rng.gen_range(0..7)
            };
            match pattern {
                0 => {
                    fold_into(&mut local, &p.first, None);
                    local.push('.');
                    fold_into(&mut local, &p.last, None);
                }
                1 => {
                    fold_into(&mut local, &p.first, None);
                    fold_into(&mut local, &p.last, None);
                }
                2 => {
                    fold_into(&mut local, &p.first, None);
                    local.truncate(1);
                    local.push('.');
                    fold_into(&mut local, &p.last, None);
                }
                3 => {
                    fold_into(&mut local, &p.first, None);
                    local.push('.');
                    fold_into(&mut local, &p.last, None);
                    let _ = write!(local, "{}", self.rng.gen_range(1..100));
                }
                4 => {
                    fold_into(&mut local, &p.first, None);
                    local.push('_');
                    fold_into(&mut local, &p.last, None);
                    let _ = write!(local, "{}", self.rng.gen_range(1950..2005));
                }
                5 => {
                    fold_into(&mut local, &p.last, None);
                    local.push('.');
                    fold_into(&mut local, &p.first, None);
                }
                _ => {
                    fold_into(&mut local, &p.first, None);
                    local.push('-');
                    fold_into(&mut local, &p.last, None);
                }
            }
            if attempt >= 3 {
                let max = if attempt < 20 { 1000 } else { 1_000_000 };
                let _ = write!(local, "{}", self.rng.gen_range(2..max));
            }
            local.push('@');
            local.push_str(domain);
            if self.used_emails.insert(fnv(local.as_bytes())) {
                break;
            }
            if attempt == 39 {
                // Practically unreachable; the entity number makes it unique.
                let _ = write!(local, ".{}", self.next_entity);
                self.used_emails.insert(fnv(local.as_bytes()));
            }
        }
        p.email.clone_from(&local);
        p.email_key.clone_from(&local);
        self.scratch = local;
    }

    fn webmail(&mut self) -> &'static str {
        let total: u32 = WEBMAIL.iter().map(|w| w.1).sum();
        let mut r = self.rng.gen_range(0..total);
        for (d, w) in WEBMAIL {
            if r < *w {
                return d;
            }
            r -= w;
        }
        WEBMAIL[0].0
    }

    /// A new invented person with unique email and numbers.
    fn gen_person(&mut self, p: &mut Person) {
        let r = self.rng.gen_range(0..1000);
        let t = if r < 20 {
            p.overseas = true;
            p.foreign = false;
            OVERSEAS_TOWNS.choose(&mut self.rng)
        } else if r < 25 {
            p.overseas = false;
            p.foreign = true;
            FOREIGN_TOWNS.choose(&mut self.rng)
        } else {
            p.overseas = false;
            p.foreign = false;
            METRO_TOWNS.choose(&mut self.rng)
        }
        .expect("non-empty");
        p.region = Some(t.region);
        p.female = self.rng.gen_bool(0.5);
        p.b2b = self.rng.gen_bool(0.4);
        p.civility.clear();
        let civ = if p.female {
            ["Mme", "Mme", "Mme", "Madame", "Mlle", "", ""]
        } else {
            ["M.", "M.", "M.", "Monsieur", "Mr", "", ""]
        };
        p.civility
            .push_str(civ.choose(&mut self.rng).expect("non-empty"));
        p.first.clear();
        let firsts = if p.female { FIRST_F } else { FIRST_M };
        p.first
            .push_str(firsts.choose(&mut self.rng).expect("non-empty"));
        p.last.clear();
        p.last
            .push_str(LAST.choose(&mut self.rng).expect("non-empty"));

        p.address.clear();
        let _ = write!(p.address, "{}", self.rng.gen_range(1..=180));
        if self.chance(0.06) {
            p.address
                .push_str(if self.chance(0.7) { " bis" } else { " ter" });
        }
        p.address.push(' ');
        p.address
            .push_str(STREETS.choose(&mut self.rng).expect("non-empty"));
        p.postcode.clear();
        p.postcode.push_str(t.postcode);
        p.city.clear();
        p.city.push_str(t.name);
        p.country.clear();
        let country = match t.region {
            Metro(_) => [
                "France", "France", "France", "France", "France", "France", "FR", "", "", "FRANCE",
            ]
            .choose(&mut self.rng),
            Guadeloupe => ["Guadeloupe", "France", ""].choose(&mut self.rng),
            Guyane => ["Guyane", "France", ""].choose(&mut self.rng),
            Reunion => ["La Réunion", "France", ""].choose(&mut self.rng),
            Belgium => ["Belgique", "BE"].choose(&mut self.rng),
        };
        p.country.push_str(country.expect("non-empty"));

        p.company.clear();
        p.domain.clear();
        p.siret.clear();
        p.siret_invalid = false;
        p.job.clear();
        if p.b2b {
            let k = self.rng.gen_range(0..self.n_companies);
            let mut siren = std::mem::take(&mut self.scratch);
            self.company(k, p, &mut siren);
            if !p.foreign && self.chance(0.85) {
                let mut siret = siren.clone();
                let _ = write!(siret, "{:04}", 1 + (self.rng.gen_range(0..3u32)) * 7);
                push_luhn_digit(&mut siret);
                if self.chance(0.04) {
                    // One changed digit: Luhn always catches it.
                    let last = siret.pop().expect("14 digits");
                    let d = (last as u8 - b'0' + 1 + self.rng.gen_range(0..8u8)) % 10;
                    siret.push(char::from(b'0' + d));
                    p.siret_invalid = true;
                }
                if self.chance(0.2) {
                    let _ = write!(
                        p.siret,
                        "{} {} {} {}",
                        &siret[0..3],
                        &siret[3..6],
                        &siret[6..9],
                        &siret[9..]
                    );
                } else {
                    p.siret.push_str(&siret);
                }
            }
            self.scratch = siren;
            if self.chance(0.9) {
                let mut job = JOBS.choose(&mut self.rng).expect("non-empty").to_string();
                std::mem::swap(&mut p.job, &mut job);
            }
        }

        // Email.
        p.email.clear();
        p.email_key.clear();
        p.role_email = false;
        p.webmail_on_b2b = false;
        if self.chance(0.95) {
            if p.b2b && !p.domain.is_empty() {
                let r = self.rng.gen_range(0..100);
                if r < 12 {
                    let mut email = std::mem::take(&mut self.scratch);
                    email.clear();
                    email.push_str(ROLES.choose(&mut self.rng).expect("non-empty"));
                    email.push('@');
                    email.push_str(&p.domain);
                    if self.used_emails.insert(fnv(email.as_bytes())) {
                        p.email.clone_from(&email);
                        p.email_key.clone_from(&email);
                        p.role_email = true;
                    }
                    self.scratch = email;
                }
                if p.email.is_empty() {
                    if r >= 85 {
                        let d = self.webmail();
                        self.fresh_email(p, d, false);
                        p.webmail_on_b2b = true;
                    } else {
                        let domain = std::mem::take(&mut p.domain);
                        self.fresh_email(p, &domain, true);
                        p.domain = domain;
                    }
                }
            } else {
                let d = self.webmail();
                self.fresh_email(p, d, false);
            }
        }

        // Numbers.
        let region = t.region;
        p.tel.clear();
        p.mob.clear();
        p.fax.clear();
        let (p_mob, p_tel) = if p.b2b { (0.55, 0.85) } else { (0.85, 0.3) };
        if self.chance(p_mob) {
            let mut n = std::mem::take(&mut p.mob);
            self.fresh_num(region, NumKind::Mobile, &mut n);
            p.mob = n;
        }
        if self.chance(p_tel) {
            let kind = if matches!(region, Metro(_)) && self.chance(0.15) {
                NumKind::Voip
            } else {
                NumKind::Landline
            };
            let mut n = std::mem::take(&mut p.tel);
            self.fresh_num(region, kind, &mut n);
            p.tel = n;
        }
        if p.b2b && self.chance(0.1) {
            let mut n = std::mem::take(&mut p.fax);
            self.fresh_num(region, NumKind::Landline, &mut n);
            p.fax = n;
        }
    }

    fn consent_value(&mut self, out: &mut String) -> Option<bool> {
        out.clear();
        let r = self.rng.gen_range(0..1000);
        let (list, v) = match r {
            0..=569 => (YES, Some(true)),
            570..=799 => (NO, Some(false)),
            800..=989 => return None,
            _ => (UNRECOGNISED, None),
        };
        out.push_str(list.choose(&mut self.rng).expect("non-empty"));
        v
    }

    /// Writes `p` as a list row with dates, consents and planted problems.
    fn gen_prospect(&mut self, p: &Person, row: &mut Row, meta: &mut Meta) {
        meta.tags.clear();
        meta.entity_tags.clear();
        meta.client = None;
        meta.is_dup = false;
        meta.b2b = p.b2b;
        meta.tag(if p.b2b {
            "audience=b2b"
        } else {
            "audience=b2c"
        });
        for f in row.iter_mut() {
            f.clear();
        }
        row[col::CIVILITY].push_str(&p.civility);
        row[col::FIRST].push_str(&p.first);
        if self.chance(0.1) {
            row[col::LAST].push_str(&p.last.to_uppercase());
        } else {
            row[col::LAST].push_str(&p.last);
        }
        row[col::COMPANY].push_str(&p.company);
        row[col::SIRET].push_str(&p.siret);
        if p.siret_invalid {
            meta.tag("siret_invalid");
        }
        row[col::JOB].push_str(&p.job);
        row[col::ADDRESS].push_str(&p.address);
        row[col::POSTCODE].push_str(&p.postcode);
        row[col::CITY].push_str(&p.city);
        row[col::COUNTRY].push_str(&p.country);
        if p.overseas {
            meta.tag("overseas");
        }
        if p.foreign {
            meta.tag("foreign");
        }
        if p.role_email {
            meta.tag("role_email");
        }
        if p.webmail_on_b2b {
            meta.tag("webmail_on_b2b");
        }

        // Email, with planted problems.
        meta.email_key.clone_from(&p.email_key);
        if !p.email.is_empty() {
            let r = self.rng.gen_range(0..1000);
            if r < 50 {
                corrupt_email(&mut self.rng, &p.email, &mut row[col::EMAIL]);
                meta.email_key.clear();
                meta.tag("invalid_email");
            } else if r < 57 {
                let domain = DISPOSABLE.choose(&mut self.rng).expect("non-empty");
                let mut tmp = p.clone();
                self.fresh_email(&mut tmp, domain, false);
                row[col::EMAIL].push_str(&tmp.email);
                meta.email_key.clone_from(&tmp.email_key);
                meta.tag("disposable");
            } else if r < 110 {
                capitalise_email(&p.email, &mut row[col::EMAIL]);
            } else if r < 125 {
                row[col::EMAIL].push(' ');
                row[col::EMAIL].push_str(&p.email);
                row[col::EMAIL].push(' ');
            } else {
                row[col::EMAIL].push_str(&p.email);
            }
        }

        // Numbers, with planted problems.
        meta.tel.clone_from(&p.tel);
        meta.mob.clone_from(&p.mob);
        let style = pick_num_style(&mut self.rng);
        if p.tel.is_some() {
            write_num(&mut row[col::PHONE], &p.tel, style);
        }
        if p.mob.is_some() {
            write_num(&mut row[col::MOBILE], &p.mob, style);
        }
        if p.fax.is_some() {
            write_num(&mut row[col::FAX], &p.fax, style);
        }
        let r = self.rng.gen_range(0..1000);
        if r < 40 {
            let c = if row[col::MOBILE].is_empty()
                || (!row[col::PHONE].is_empty() && self.chance(0.4))
            {
                if row[col::PHONE].is_empty() {
                    let region = p.region.unwrap_or(Metro(1));
                    let mut n = Num::default();
                    random_nsn(&mut self.rng, region, NumKind::Mobile, &mut n);
                    write_num(&mut row[col::PHONE], &n, style);
                }
                meta.tel.clear();
                col::PHONE
            } else {
                meta.mob.clear();
                col::MOBILE
            };
            corrupt_phone(&mut self.rng, &mut row[c]);
            meta.tag("invalid_phone");
        } else if r < 46 && matches!(p.region, Some(Metro(_))) {
            let mut n = Num::default();
            self.fresh_num(Metro(1), NumKind::Premium, &mut n);
            write_num(&mut row[col::PHONE], &n, style);
            meta.tel.clear();
            meta.tag("premium");
        } else if r < 66 && p.tel.is_some() && p.mob.is_some() {
            row.swap(col::PHONE, col::MOBILE);
            meta.tag("phones_swapped");
        } else if r < 86 && !p.tel.is_some() && p.mob.is_some() {
            row.swap(col::PHONE, col::MOBILE);
            meta.tag("mobile_in_phone_column");
        }

        // Dates.
        let date_style = pick_date_style(&mut self.rng);
        let old = self.chance(0.03);
        let collected = if old {
            random_date(&mut self.rng, collected_first(), ymd(2023, 11, 15))
        } else {
            random_date(&mut self.rng, ymd(2023, 12, 1), collected_last())
        };
        if self.chance(0.012) {
            row[col::COLLECTED].push_str(GARBAGE_DATES.choose(&mut self.rng).expect("non-empty"));
            meta.collected = None;
            meta.tag("bad_date");
        } else {
            write_date(&mut row[col::COLLECTED], collected, date_style);
            meta.collected = Some(collected);
        }
        meta.last_contact = None;
        let contact = if old {
            if self.chance(0.25) {
                meta.tag("old_collection_recent_contact");
                Some(random_date(
                    &mut self.rng,
                    ymd(2024, 1, 1),
                    ymd(2026, 11, 15),
                ))
            } else {
                None
            }
        } else if self.chance(0.4) {
            Some(random_date(&mut self.rng, collected, ymd(2026, 11, 15)))
        } else {
            None
        };
        if let Some(d) = contact {
            if self.chance(0.005) {
                row[col::LAST_CONTACT]
                    .push_str(GARBAGE_DATES.choose(&mut self.rng).expect("non-empty"));
                if !meta.has_tag("bad_date") {
                    meta.tag("bad_date");
                }
            } else {
                write_date(&mut row[col::LAST_CONTACT], d, date_style);
                meta.last_contact = Some(d);
            }
        }
        let (source, code) = *SOURCES.choose(&mut self.rng).expect("non-empty");
        row[col::SOURCE].push_str(source);

        // Consents.
        let mut any_yes = false;
        if self.chance(0.15) {
            meta.tag("missing_consent");
        } else {
            let mut unrecognised = false;
            for (c, c_at, name) in [
                (col::C_EMAIL, col::C_EMAIL_AT, "email"),
                (col::C_SMS, col::C_SMS_AT, "sms"),
                (col::C_PHONE, col::C_PHONE_AT, "phone"),
            ] {
                let mut cell = std::mem::take(&mut row[c]);
                let v = self.consent_value(&mut cell);
                if v.is_none() && !cell.is_empty() {
                    unrecognised = true;
                }
                row[c] = cell;
                if v == Some(true) {
                    any_yes = true;
                    let r = self.rng.gen_range(0..1000);
                    let base = meta.collected.unwrap_or(collected);
                    if r < 70 {
                        self.scratch.clear();
                        let _ = write!(self.scratch, "consent_without_date={name}");
                        meta.tag(&std::mem::take(&mut self.scratch));
                    } else if r < 95 {
                        let d = random_date(&mut self.rng, ymd(2026, 12, 1), ymd(2027, 6, 30));
                        write_date(&mut row[c_at], d, date_style);
                        self.scratch.clear();
                        let _ = write!(self.scratch, "consent_after_as_of={name}");
                        meta.tag(&std::mem::take(&mut self.scratch));
                    } else if r < 120 && meta.collected.is_some() {
                        let d = base - Duration::days(self.rng.gen_range(1..400));
                        write_date(&mut row[c_at], d, date_style);
                        self.scratch.clear();
                        let _ = write!(self.scratch, "consent_before_collection={name}");
                        meta.tag(&std::mem::take(&mut self.scratch));
                    } else {
                        let d = random_date(&mut self.rng, base, ymd(2026, 11, 22));
                        write_date(&mut row[c_at], d, date_style);
                    }
                }
            }
            if unrecognised {
                meta.tag("consent_unrecognised");
            }
        }
        for c in [col::C_FAX, col::C_AUTOCALL] {
            if self.chance(0.07) {
                let list = if self.chance(0.6) { YES } else { NO };
                row[c].push_str(list.choose(&mut self.rng).expect("non-empty"));
            }
        }
        let r = self.rng.gen_range(0..100);
        if r < 35 {
            row[col::C_POST].push_str("oui");
        } else if r < 50 {
            row[col::C_POST].push_str("non");
        }
        let r = self.rng.gen_range(0..100);
        if r < 80 {
            row[col::C_PARTNERS].push_str(YES.choose(&mut self.rng).expect("non-empty"));
        } else if r < 87 {
            row[col::C_PARTNERS].push_str(NO.choose(&mut self.rng).expect("non-empty"));
            meta.tag("partners_refused");
        }
        if self.chance(0.95) {
            let proof = &mut row[col::PROOF];
            let _ = match self.rng.gen_range(0..3) {
                0 => write!(
                    proof,
                    "{code}-v{}#{:06}",
                    self.rng.gen_range(1..5),
                    self.rng.gen_range(0..1_000_000)
                ),
                1 => write!(
                    proof,
                    "https://preuves.data-horizon.example.fr/{}/{:08x}",
                    code.to_lowercase(),
                    self.rng.gen::<u32>()
                ),
                _ => write!(
                    proof,
                    "LOG-{}-{:08}",
                    collected.year(),
                    self.rng.gen_range(0..100_000_000)
                ),
            };
        } else if any_yes {
            meta.tag("no_proof");
        }
    }

    /// A duplicate of the earlier base row `orig`. Returns false when the
    /// wanted kind does not fit `orig` (then the caller writes a base row).
    fn gen_duplicate(&mut self, orig: &Row, om: &Meta, row: &mut Row, meta: &mut Meta) -> bool {
        let fuzzy = self.chance(0.12);
        let kind = if fuzzy {
            if orig[col::ADDRESS].is_empty() || orig[col::POSTCODE].is_empty() {
                return false;
            }
            "fuzzy"
        } else {
            match self.rng.gen_range(0..100) {
                0..=29 => "exact",
                30..=64 if !om.email_key.is_empty() => "email",
                _ if om.mob.is_some() || om.tel.is_some() => "phone",
                _ if !om.email_key.is_empty() => "email",
                _ => "exact",
            }
        };
        copy_row(row, orig);
        meta.clone_from(om);
        meta.is_dup = true;
        meta.tags.clear();
        meta.tag(if om.b2b {
            "audience=b2b"
        } else {
            "audience=b2c"
        });
        self.scratch.clear();
        let _ = write!(self.scratch, "duplicate_of={}", om.source_row);
        meta.tag(&std::mem::take(&mut self.scratch));
        self.scratch.clear();
        let _ = write!(self.scratch, "dup={kind}");
        meta.tag(&std::mem::take(&mut self.scratch));
        for t in om.tags.split(';') {
            if matches!(
                t,
                "overseas" | "foreign" | "role_email" | "webmail_on_b2b" | "siret_invalid"
            ) {
                meta.tag(t);
            }
        }
        if kind == "exact" {
            for t in om.tags.split(';') {
                if t != "audience=b2b" && t != "audience=b2c" && !meta.has_tag(t) {
                    meta.tag(t);
                }
            }
            return true;
        }
        // Another collection: new date and source, names sometimes rewritten.
        let date_style = pick_date_style(&mut self.rng);
        let collected = random_date(&mut self.rng, ymd(2023, 12, 1), collected_last());
        write_date(&mut row[col::COLLECTED], collected, date_style);
        meta.collected = Some(collected);
        row[col::LAST_CONTACT].clear();
        meta.last_contact = None;
        let (source, _) = *SOURCES.choose(&mut self.rng).expect("non-empty");
        row[col::SOURCE].clear();
        row[col::SOURCE].push_str(source);
        if self.chance(0.4) || kind == "fuzzy" {
            for c in [col::FIRST, col::LAST] {
                let mut s = std::mem::take(&mut self.scratch);
                s.clear();
                strip_accents_into(&mut s, &row[c]);
                std::mem::swap(&mut row[c], &mut s);
                self.scratch = s;
            }
        }
        // Consents of the new collection: dated on it, or cleared.
        for (c, c_at) in [
            (col::C_EMAIL, col::C_EMAIL_AT),
            (col::C_SMS, col::C_SMS_AT),
            (col::C_PHONE, col::C_PHONE_AT),
        ] {
            row[c_at].clear();
            if !row[c].is_empty() && YES.contains(&row[c].as_str()) {
                let d = random_date(&mut self.rng, collected, ymd(2026, 11, 22));
                write_date(&mut row[c_at], d, date_style);
            } else if !row[c].is_empty() && !NO.contains(&row[c].as_str()) {
                row[c].clear();
            }
        }
        let style = pick_num_style(&mut self.rng);
        match kind {
            "email" => {
                let mut e = std::mem::take(&mut row[col::EMAIL]);
                e.clear();
                if self.chance(0.5) {
                    e.push_str(&om.email_key.to_uppercase());
                } else {
                    capitalise_email(&om.email_key, &mut e);
                }
                row[col::EMAIL] = e;
                if self.chance(0.5) {
                    row[col::ADDRESS].clear();
                }
                row[col::PHONE].clear();
                row[col::MOBILE].clear();
                if om.tel.is_some() {
                    write_num(&mut row[col::PHONE], &om.tel, style);
                }
                if om.mob.is_some() {
                    write_num(&mut row[col::MOBILE], &om.mob, style);
                }
            }
            "phone" => {
                row[col::PHONE].clear();
                row[col::MOBILE].clear();
                if om.mob.is_some() {
                    write_num(&mut row[col::MOBILE], &om.mob, (style + 4) % 8);
                }
                if om.tel.is_some() {
                    write_num(&mut row[col::PHONE], &om.tel, (style + 4) % 8);
                }
                self.new_email_for_dup(row, meta);
            }
            _ => {
                // fuzzy: same name and address, no shared key.
                let region = Metro(1);
                row[col::PHONE].clear();
                row[col::MOBILE].clear();
                let mut n = Num::default();
                self.fresh_num(region, NumKind::Mobile, &mut n);
                write_num(&mut row[col::MOBILE], &n, style);
                meta.mob = n;
                meta.tel.clear();
                self.new_email_for_dup(row, meta);
            }
        }
        if self.chance(0.3) {
            row[col::C_EMAIL].clear();
            row[col::C_EMAIL].push_str("non");
            row[col::C_EMAIL_AT].clear();
            meta.tag("consent_no_on_duplicate");
        }
        true
    }

    /// The duplicate of a phone/fuzzy kind gets no email, or another address
    /// of the same person that nobody else uses.
    fn new_email_for_dup(&mut self, row: &mut Row, meta: &mut Meta) {
        row[col::EMAIL].clear();
        meta.email_key.clear();
        if self.chance(0.5) {
            let mut tmp = std::mem::take(&mut self.person);
            tmp.first.clone_from(&row[col::FIRST]);
            tmp.last.clone_from(&row[col::LAST]);
            let d = self.webmail();
            self.fresh_email(&mut tmp, d, false);
            row[col::EMAIL].push_str(&tmp.email);
            meta.email_key.clone_from(&tmp.email_key);
            self.person = tmp;
        }
    }

    /// Maybe makes the person of a base row a client and/or opposed.
    fn plant_links(&mut self, p: &Person, row: &Row, meta: &mut Meta) {
        let has_key = !meta.email_key.is_empty() || meta.mob.is_some() || meta.tel.is_some();
        if !has_key {
            return;
        }
        if self.overlap_clients.len() < self.plan.client_overlap_target
            && self.chance(self.plan.client_overlap_p)
        {
            let k = self.overlap_clients.len() as u64;
            let m = self.plan.clients as u64;
            let id = (affine_multiplier(m).wrapping_mul(k) + self.seed % m) % m + 1;
            let id = id as u32;
            meta.client = Some(id);
            let crow = self.client_from_prospect(p, row, meta, id);
            self.overlap_clients.push((id, crow));
        }
        if self.chance(self.plan.opposition_p) {
            self.plant_opposition(meta);
        }
    }

    fn client_from_prospect(
        &mut self,
        p: &Person,
        row: &Row,
        meta: &mut Meta,
        id: u32,
    ) -> ClientRow {
        let mut c: ClientRow = empty_row();
        let _ = write!(c[0], "CL{id:07}");
        if self.chance(0.3) {
            strip_accents_into(&mut c[1], &p.first);
            strip_accents_into(&mut c[2], &p.last);
        } else {
            c[1].push_str(&p.first);
            c[2].push_str(&p.last);
        }
        let can_email = !meta.email_key.is_empty();
        let can_phone = meta.mob.is_some() || meta.tel.is_some();
        let how = match (can_email, can_phone) {
            (true, true) => ["email", "email", "phone", "both"][self.rng.gen_range(0..4)],
            (true, false) => "email",
            _ => "phone",
        };
        meta.entity_tag("client_overlap");
        self.scratch.clear();
        let _ = write!(self.scratch, "client_match={how}");
        meta.entity_tag(&std::mem::take(&mut self.scratch));
        if how != "phone" {
            if self.chance(0.3) {
                capitalise_email(&meta.email_key, &mut c[3]);
            } else {
                c[3].push_str(&meta.email_key);
            }
        } else if self.chance(0.5) {
            // An older address of the same person, known only to the client file.
            let mut tmp = std::mem::take(&mut self.person);
            tmp.first.clone_from(&p.first);
            tmp.last.clone_from(&p.last);
            let d = self.webmail();
            self.fresh_email(&mut tmp, d, false);
            c[3].push_str(&tmp.email);
            self.person = tmp;
        }
        if how != "email" {
            let style = pick_num_style(&mut self.rng);
            if meta.tel.is_some() {
                write_num(&mut c[4], &meta.tel, (style + 3) % 8);
            }
            if meta.mob.is_some() {
                write_num(&mut c[5], &meta.mob, (style + 3) % 8);
            }
        }
        c[6].push_str(&p.address);
        c[7].push_str(&p.postcode);
        c[8].push_str(&p.city);
        c[9].push_str(if p.foreign { "BE" } else { "FR" });
        c[10].push_str(&row[col::COMPANY]);
        c[11].push_str(&row[col::SIRET]);
        let status = self.client_status(&mut c);
        if !status.is_empty() {
            meta.entity_tag(status);
        }
        for (i, ch) in ["email", "sms", "phone", "post"].iter().enumerate() {
            if c[15 + i] == "yes" {
                self.scratch.clear();
                let _ = write!(self.scratch, "client_opposed={ch}");
                meta.entity_tag(&std::mem::take(&mut self.scratch));
            }
        }
        c
    }

    /// Relationship dates, contract and objections of a client row; returns
    /// the planted status tag.
    fn client_status(&mut self, c: &mut ClientRow) -> &'static str {
        for f in c[12..].iter_mut() {
            f.clear();
        }
        let r = self.rng.gen_range(0..100);
        let status = if r < 8 {
            let end = random_date(&mut self.rng, ymd(2019, 1, 1), ymd(2023, 10, 31));
            write_iso(&mut c[12], end);
            let purchase = end - Duration::days(self.rng.gen_range(0..700));
            write_iso(&mut c[13], purchase);
            c[14].push_str("no");
            "client_ended_old"
        } else if r < 16 {
            let end = random_date(&mut self.rng, ymd(2024, 1, 1), ymd(2026, 10, 31));
            write_iso(&mut c[12], end);
            let purchase = end - Duration::days(self.rng.gen_range(0..500));
            write_iso(&mut c[13], purchase);
            c[14].push_str("no");
            "client_ended_recent"
        } else {
            if self.chance(0.9) {
                let purchase = random_date(&mut self.rng, ymd(2021, 1, 1), ymd(2026, 11, 20));
                write_iso(&mut c[13], purchase);
            }
            c[14].push_str(if self.chance(0.4) { "yes" } else { "no" });
            ""
        };
        for objection in c[15..].iter_mut() {
            if self.chance(0.05) {
                objection.push_str("yes");
            }
        }
        status
    }

    fn plant_opposition(&mut self, meta: &mut Meta) {
        let use_email = !meta.email_key.is_empty()
            && (self.chance(0.6) || !(meta.mob.is_some() || meta.tel.is_some()));
        let mut key = String::new();
        if use_email {
            key.clone_from(&meta.email_key);
        } else if meta.mob.is_some() {
            meta.mob.e164_into(&mut key);
        } else {
            meta.tel.e164_into(&mut key);
        }
        let channel = ["all", "all", "all", "email", "email", "sms", "phone", ""]
            .choose(&mut self.rng)
            .copied()
            .expect("non-empty");
        let mut e = OppEntry {
            email: String::new(),
            phone: String::new(),
            sha256: String::new(),
            md5: String::new(),
            channel,
            date: String::new(),
        };
        if self.chance(0.8) {
            let d = random_date(&mut self.rng, ymd(2024, 1, 1), ymd(2026, 11, 20));
            write_iso(&mut e.date, d);
        }
        let r = self.rng.gen_range(0..100);
        let how = if r < 45 {
            e.sha256 = hex::encode(Sha256::digest(key.as_bytes()));
            "opposed_hash"
        } else if r < 75 {
            e.md5 = hex::encode(Md5::digest(key.as_bytes()));
            "opposed_hash"
        } else if use_email {
            if self.chance(0.5) {
                capitalise_email(&key, &mut e.email);
            } else {
                e.email.push_str(&key);
            }
            "opposed_plain"
        } else {
            let n = if meta.mob.is_some() {
                &meta.mob
            } else {
                &meta.tel
            };
            let style = pick_num_style(&mut self.rng);
            write_num(&mut e.phone, n, style);
            "opposed_plain"
        };
        let ch = if channel.is_empty() { "all" } else { channel };
        self.scratch.clear();
        let _ = write!(self.scratch, "{how}={ch}");
        meta.entity_tag(&std::mem::take(&mut self.scratch));
        self.opposition.push(e);
    }

    /// Writes `rows` list rows; `sink` receives each one in order.
    fn generate(&mut self, mut sink: impl FnMut(&Row, &Meta) -> Result<()>) -> Result<()> {
        let mut history: Vec<(Row, Meta)> = Vec::with_capacity(HISTORY.min(self.plan.rows));
        let mut next_slot = 0usize;
        let mut row: Row = empty_row();
        let mut meta = Meta::default();
        let mut person = Person::default();
        for i in 0..self.plan.rows {
            let source_row = i as u64 + 1;
            let mut done = false;
            if history.len() >= 20 && self.chance(0.085) {
                let h = self.rng.gen_range(0..history.len());
                let (orig, om) = &history[h];
                if self.gen_duplicate(orig, om, &mut row, &mut meta) {
                    self.dup_targets.insert(om.source_row);
                    done = true;
                }
            }
            if !done {
                self.gen_person(&mut person);
                meta.entity = self.next_entity;
                self.next_entity += 1;
                self.gen_prospect(&person, &mut row, &mut meta);
                meta.source_row = source_row;
                self.plant_links(&person, &row, &mut meta);
                if history.len() < HISTORY {
                    history.push((row.clone(), meta.clone()));
                } else {
                    let slot = &mut history[next_slot];
                    copy_row(&mut slot.0, &row);
                    slot.1.clone_from(&meta);
                    next_slot = (next_slot + 1) % HISTORY;
                }
            }
            meta.source_row = source_row;
            sink(&row, &meta)?;
        }
        Ok(())
    }

    /// Writes clients.csv: the overlapping clients at their ids, new
    /// invented persons at the others.
    fn write_clients(&mut self, path: &Path) -> Result<()> {
        let m = self.plan.clients;
        let mut by_id: Vec<Option<usize>> = vec![None; m + 1];
        for (i, (id, _)) in self.overlap_clients.iter().enumerate() {
            by_id[*id as usize] = Some(i);
        }
        let mut w = create(path)?;
        let mut line = String::with_capacity(512);
        push_csv_record(&mut line, &CLIENT_HEADERS, ',', "\n");
        let mut c: ClientRow = empty_row();
        let mut p = Person::default();
        for (id, slot) in by_id.iter().enumerate().skip(1) {
            if let Some(i) = slot {
                copy_row(&mut c, &self.overlap_clients[*i].1);
            } else {
                self.gen_person(&mut p);
                self.next_entity += 1;
                for f in c.iter_mut() {
                    f.clear();
                }
                let _ = write!(c[0], "CL{id:07}");
                c[1].push_str(&p.first);
                c[2].push_str(&p.last);
                c[3].push_str(&p.email);
                if p.tel.is_some() {
                    write_num(&mut c[4], &p.tel, 0);
                }
                if p.mob.is_some() {
                    write_num(&mut c[5], &p.mob, 0);
                }
                c[6].push_str(&p.address);
                c[7].push_str(&p.postcode);
                c[8].push_str(&p.city);
                c[9].push_str(if p.foreign { "BE" } else { "FR" });
                c[10].push_str(&p.company);
                c[11].push_str(&p.siret);
                self.client_status(&mut c);
            }
            push_csv_record(&mut line, &c, ',', "\n");
            if line.len() > 1 << 16 {
                w.write_all(line.as_bytes())?;
                line.clear();
            }
        }
        w.write_all(line.as_bytes())?;
        w.flush()?;
        Ok(())
    }

    /// Writes opposition.csv: the planted entries plus entries that hit nobody.
    fn write_opposition(&mut self, path: &Path) -> Result<usize> {
        let mut entries = std::mem::take(&mut self.opposition);
        let mut key = String::new();
        for i in 0..self.plan.opposition_misses {
            let mut e = OppEntry {
                email: String::new(),
                phone: String::new(),
                sha256: String::new(),
                md5: String::new(),
                channel: ["all", "email", "sms", "phone", ""][i % 5],
                date: String::new(),
            };
            key.clear();
            match i % 4 {
                0 | 1 => {
                    // A hash of an address nobody in the data has.
                    loop {
                        key.clear();
                        let _ = write!(
                            key,
                            "ancien.abonne{}@{}",
                            self.rng.gen_range(0..10_000_000),
                            self.webmail()
                        );
                        if !self.used_emails.contains(&fnv(key.as_bytes())) {
                            break;
                        }
                    }
                    if i % 4 == 0 {
                        e.sha256 = hex::encode(Sha256::digest(key.as_bytes()));
                    } else {
                        e.md5 = hex::encode(Md5::digest(key.as_bytes()));
                    }
                }
                2 => loop {
                    key.clear();
                    let _ = write!(
                        key,
                        "ex.client{}@{}",
                        self.rng.gen_range(0..10_000_000),
                        self.webmail()
                    );
                    if !self.used_emails.contains(&fnv(key.as_bytes())) {
                        e.email.clone_from(&key);
                        break;
                    }
                },
                _ => {
                    let mut n = Num::default();
                    loop {
                        random_nsn(&mut self.rng, Metro(1), NumKind::Mobile, &mut n);
                        if !self.used_phones.contains(&n.key()) {
                            break;
                        }
                    }
                    if i % 8 == 3 {
                        n.e164_into(&mut key);
                        e.sha256 = hex::encode(Sha256::digest(key.as_bytes()));
                    } else {
                        write_num(&mut e.phone, &n, 0);
                    }
                }
            }
            entries.push(e);
        }
        entries.shuffle(&mut self.rng);
        let mut w = create(path)?;
        let mut line = String::with_capacity(256);
        push_csv_record(
            &mut line,
            &["email", "phone", "sha256", "md5", "channel", "date"],
            ',',
            "\n",
        );
        for e in &entries {
            push_csv_record(
                &mut line,
                &[
                    &e.email,
                    &e.phone,
                    &e.sha256,
                    &e.md5,
                    &e.channel.to_string(),
                    &e.date,
                ],
                ',',
                "\n",
            );
        }
        w.write_all(line.as_bytes())?;
        w.flush()?;
        Ok(entries.len())
    }
}

/// A multiplier coprime with `m`, so that `k -> a*k + b mod m` is a permutation.
fn affine_multiplier(m: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let mut a = (m as f64 * 0.618_033_988_7) as u64 | 1;
    while gcd(a, m) != 1 {
        a += 1;
    }
    a.max(1)
}

fn corrupt_email(rng: &mut ChaCha8Rng, email: &str, out: &mut String) {
    out.clear();
    let (local, domain) = email.split_once('@').unwrap_or((email, "gmail.com"));
    match rng.gen_range(0..6) {
        0 => {
            out.push_str(local);
            out.push_str(domain);
        }
        1 => {
            out.push_str(local);
            out.push_str("@@");
            out.push_str(domain);
        }
        2 => {
            out.push_str(&local.replacen(['.', '_', '-'], " ", 1));
            if !out.contains(' ') {
                out.push(' ');
            }
            out.push('@');
            out.push_str(domain);
        }
        3 => {
            out.push_str(local);
            out.push('@');
            out.push_str(&domain.replacen('.', ",", 1));
        }
        4 => {
            out.push_str(local);
            out.push('@');
        }
        _ => {
            out.push('@');
            out.push_str(domain);
        }
    }
}

fn capitalise_email(email: &str, out: &mut String) {
    out.clear();
    let mut up = true;
    for c in email.chars() {
        if up {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        up = matches!(c, '.' | '@' | '-' | '_');
    }
}

/// Makes a written number invalid: too short, too long, no trunk zero, or zeros.
fn corrupt_phone(rng: &mut ChaCha8Rng, cell: &mut String) {
    let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
    let national = if let Some(rest) = digits.strip_prefix("0033") {
        format!("0{rest}")
    } else if let Some(rest) = digits.strip_prefix("33").filter(|_| cell.starts_with('+')) {
        format!("0{}", rest.trim_start_matches('0'))
    } else {
        digits
    };
    cell.clear();
    match rng.gen_range(0..4) {
        0 => {
            let keep = national.len().saturating_sub(rng.gen_range(1..4)).max(2);
            pairs(cell, &national[..keep]);
        }
        1 => {
            let mut s = national.clone();
            push_digits(rng, &mut s, 1);
            pairs(cell, &s);
        }
        2 => pairs(cell, national.get(2..).unwrap_or("12345678")),
        _ => cell.push_str("00 00 00 00 00"),
    }
}

fn pairs(out: &mut String, digits: &str) {
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && i % 2 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
}
