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

#[path = "qualify-gen/scenarios.rs"]
mod scenarios;

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

// ---------------------------------------------------------------------------
// sample
// ---------------------------------------------------------------------------

fn sample(seed: u64, out: &Path, rows: usize, clients: usize) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let base_rows = rows as f64 * 0.91;
    let overlap = (clients * 3 / 20).min(clients).min(rows);
    let plan = Plan {
        rows,
        clients,
        client_overlap_target: overlap,
        client_overlap_p: (overlap as f64 / base_rows * 1.15).min(1.0),
        opposition_p: (80.0 / base_rows).min(1.0),
        opposition_misses: 28,
    };
    let mut g = Gen::new(seed, plan);
    let mut records: Vec<(Row, Meta)> = Vec::with_capacity(rows);
    g.generate(|r, m| {
        records.push((r.clone(), m.clone()));
        Ok(())
    })?;
    plant_csv_traps(&mut g, &mut records);

    // prospects.csv: Windows-1252, `;`, CRLF.
    let mut text = String::with_capacity(rows * 300);
    push_csv_record(&mut text, &FR_HEADERS, ';', "\r\n");
    for (r, _) in &records {
        push_csv_record(&mut text, r, ';', "\r\n");
    }
    let path = out.join("prospects.csv");
    write_file(&path, &encode_cp1252(&text, &path)?)?;
    write_file(
        &out.join("prospects.manifest.toml"),
        manifest_text().as_bytes(),
    )?;
    write_file(&out.join("qualify.toml"), config_text("../out").as_bytes())?;
    g.write_clients(&out.join("clients.csv"))?;
    let n_opp = g.write_opposition(&out.join("opposition.csv"))?;
    let counts = write_truth(&out.join("truth.csv"), &records)?;
    eprintln!(
        "wrote {}: prospects.csv ({} records), clients.csv ({} records, {} from the list), opposition.csv ({} entries), truth.csv",
        out.display(),
        rows,
        clients,
        g.overlap_clients.len(),
        n_opp
    );
    print_counts(&counts);
    Ok(())
}

/// Sample only: CSV traps and edge dates on base rows nobody else refers to.
fn plant_csv_traps(g: &mut Gen, records: &mut [(Row, Meta)]) {
    let mut eligible: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| {
            !m.is_dup
                && !g.dup_targets.contains(&m.source_row)
                && m.entity_tags.is_empty()
                && m.client.is_none()
        })
        .map(|(i, _)| i)
        .collect();
    eligible.shuffle(&mut g.rng);

    let b2b = |_: &Row, m: &Meta| m.b2b;
    let any = |_: &Row, _: &Meta| true;

    // Formula injection attempts.
    let traps: [(usize, &str, bool); 5] = [
        (
            col::COMPANY,
            "=HYPERLINK(\"http://offre.example.com/promo\";\"Cliquez ici\")",
            true,
        ),
        (col::JOB, "=1+2", true),
        (col::SOURCE, "@SOMME(A1:A9)", false),
        (col::ADDRESS, "+33 rue de la Paix", false),
        (col::CITY, "=cmd|' /C calc'!A0", false),
    ];
    for (c, value, needs_b2b) in traps {
        let pick = if needs_b2b {
            take(&mut eligible, records, &b2b)
        } else {
            take(&mut eligible, records, &any)
        };
        if let Some(i) = pick {
            records[i].0[c] = value.to_string();
            records[i].1.tag("formula");
        }
    }
    // Embedded separators and quotes.
    if let Some(i) = take(&mut eligible, records, &any) {
        let a = format!(
            "Résidence Les Tilleuls; bât. B, {}",
            records[i].0[col::ADDRESS]
        );
        records[i].0[col::ADDRESS] = a;
        records[i].1.tag("quoted_semicolon");
    }
    if let Some(i) = take(&mut eligible, records, &b2b) {
        records[i].0[col::JOB] = "Responsable achats; logistique".to_string();
        records[i].1.tag("quoted_semicolon");
    }
    if let Some(i) = take(&mut eligible, records, &b2b) {
        records[i].0[col::COMPANY] = "Boulangerie \"Au Pain Doré\" SARL".to_string();
        records[i].1.tag("quote_in_field");
    }
    if let Some(i) = take(&mut eligible, records, &|r: &Row, _: &Meta| {
        !r[col::ADDRESS].is_empty()
    }) {
        let a = format!("{}\nBâtiment C, 3e étage", records[i].0[col::ADDRESS]);
        records[i].0[col::ADDRESS] = a;
        records[i].1.tag("embedded_newline");
    }
    // One cell of junk (Windows-1252-encodable).
    if let Some(i) = take(&mut eligible, records, &any) {
        let alphabet: Vec<char> = "§¤¶µ‰†‡•…¿¡ÆØÞßðñ÷×©®°±²³¼½¾~^`|\\{}[]<>#%&*@$£€ \t"
            .chars()
            .collect();
        let junk: String = (0..400)
            .map(|_| *alphabet.choose(&mut g.rng).expect("non-empty"))
            .collect();
        records[i].0[col::SOURCE] = junk;
        records[i].1.tag("junk_cell");
    }
    // A La Poste establishment: its SIRETs follow a digit-sum rule, not Luhn.
    if let Some(i) = take(&mut eligible, records, &|r: &Row, m: &Meta| {
        m.b2b && !r[col::SIRET].is_empty()
    }) {
        records[i].0[col::COMPANY] = "La Poste".to_string();
        records[i].0[col::SIRET] = "35600000010000".to_string();
        let tags = records[i].1.tags.replace(";siret_invalid", "");
        records[i].1.tags = tags;
        records[i].1.tag("siret_laposte");
    }
    // Freshness boundary: collected exactly 3 years before the as-of date
    // (fresh), and one day earlier (stale).
    let no_dates = |r: &Row, m: &Meta| {
        m.has_tag("missing_consent") && r[col::LAST_CONTACT].is_empty() && m.collected.is_some()
    };
    for (d, tag) in [
        (ymd(2023, 11, 23), Some("boundary_fresh")),
        (ymd(2023, 11, 22), None),
    ] {
        if let Some(i) = take(&mut eligible, records, &no_dates) {
            write_date(&mut records[i].0[col::COLLECTED], d, DateStyle::French);
            records[i].1.collected = Some(d);
            if let Some(tag) = tag {
                records[i].1.tag(tag);
            }
        }
    }
}

/// Removes and returns the first eligible record index that `want` accepts.
fn take(
    eligible: &mut Vec<usize>,
    records: &[(Row, Meta)],
    want: &dyn Fn(&Row, &Meta) -> bool,
) -> Option<usize> {
    let pos = eligible
        .iter()
        .position(|&i| want(&records[i].0, &records[i].1))?;
    Some(eligible.swap_remove(pos))
}

/// Writes truth.csv and returns the count of each tag name (before `=`).
fn write_truth(path: &Path, records: &[(Row, Meta)]) -> Result<Vec<(String, usize)>> {
    let mut w = create(path)?;
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut line = String::new();
    let mut planted = String::new();
    w.write_all(b"source_row,entity_id,client_id,planted\n")?;
    for (_, m) in records {
        truth_line(&mut line, &mut planted, m);
        w.write_all(line.as_bytes())?;
        for t in planted.split(';').filter(|t| !t.is_empty()) {
            let name = if t.starts_with("duplicate_of=") {
                "duplicate_of"
            } else {
                t
            };
            match counts.iter_mut().find(|(n, _)| n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name.to_string(), 1)),
            }
        }
    }
    w.flush()?;
    counts.sort();
    Ok(counts)
}

fn truth_line(line: &mut String, planted: &mut String, m: &Meta) {
    line.clear();
    m.planted_into(planted);
    let _ = write!(line, "{},E{:07},", m.source_row, m.entity);
    if let Some(c) = m.client {
        let _ = write!(line, "CL{c:07}");
    }
    line.push(',');
    push_csv_field(line, planted, ',');
    line.push('\n');
}

fn print_counts(counts: &[(String, usize)]) {
    eprintln!("planted (records carrying each tag):");
    for (name, n) in counts {
        eprintln!("  {name:<40} {n}");
    }
}

// ---------------------------------------------------------------------------
// scale
// ---------------------------------------------------------------------------

fn scale(seed: u64, out: &Path, rows: usize, clients: usize) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let base_rows = (rows as f64 * 0.91).max(1.0);
    let overlap = (rows / 10).min(clients);
    let plan = Plan {
        rows,
        clients,
        client_overlap_target: overlap,
        client_overlap_p: (overlap as f64 / base_rows * 1.15).min(1.0),
        opposition_p: 0.0085,
        opposition_misses: rows / 500,
    };
    let mut g = Gen::new(seed, plan);
    let mut list = create(&out.join("prospects.csv"))?;
    let mut truth = create(&out.join("truth.csv"))?;
    let mut buf = String::with_capacity(1 << 17);
    let mut tbuf = String::with_capacity(1 << 16);
    let mut line = String::new();
    let mut planted = String::new();
    push_csv_record(&mut buf, &EN_HEADERS[1..], ',', "\n");
    tbuf.push_str("source_row,entity_id,client_id,planted\n");
    g.generate(|r, m| {
        push_csv_record(&mut buf, &r[1..], ',', "\n");
        truth_line(&mut line, &mut planted, m);
        tbuf.push_str(&line);
        if buf.len() > 1 << 16 {
            list.write_all(buf.as_bytes())?;
            buf.clear();
        }
        if tbuf.len() > 1 << 15 {
            truth.write_all(tbuf.as_bytes())?;
            tbuf.clear();
        }
        Ok(())
    })?;
    list.write_all(buf.as_bytes())?;
    list.flush()?;
    truth.write_all(tbuf.as_bytes())?;
    truth.flush()?;
    write_file(
        &out.join("prospects.manifest.toml"),
        manifest_text().as_bytes(),
    )?;
    write_file(&out.join("qualify.toml"), config_text("out").as_bytes())?;
    g.write_clients(&out.join("clients.csv"))?;
    let n_opp = g.write_opposition(&out.join("opposition.csv"))?;
    eprintln!(
        "wrote {}: prospects.csv ({rows} records), clients.csv ({clients} records, {} from the list), opposition.csv ({n_opp} entries), truth.csv",
        out.display(),
        g.overlap_clients.len()
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// fixtures
// ---------------------------------------------------------------------------

/// One hand-picked prospect: what it is for, and its cells in [`FR_HEADERS`] order.
struct Fixture {
    intent: &'static str,
    cells: [&'static str; COLS],
}

/// The ten fixture prospects. Run with `--as-of 2026-11-23` and
/// `--buyer "Menuiseries Bellerive SAS"` (named in the manifest's partners).
const FIXTURES: [Fixture; 10] = [
    // Row 1: B2C consumer who opted in to email, SMS and phone, dated, with proof,
    // and accepted the transfer to partners. Survivor of the cluster {1, 3}; the
    // `non` of row 3 binds it, so email is denied; sms, phone, post allowed.
    Fixture {
        intent: "B2C, opt-in email/SMS/phone dated with proof, partners yes; survivor of {1,3}: row 3's email `non` binds it (email denied; sms, phone, post allowed)",
        cells: [
            "Mme", "Chloé", "Lefèvre", "", "", "", "chloe.lefevre@orange.fr", "", "06 12 34 56 78", "",
            "14 rue des Œillets", "69003", "Lyon", "France", "15/03/2025", "02/09/2026",
            "Jeu concours été 2025", "oui", "15/03/2025", "oui", "15/03/2025", "oui", "15/03/2025",
            "", "", "", "oui", "JEU-ETE-2025-v3#104223",
        ],
    },
    // Row 2: B2B named professional at work: company, valid SIRET, job title,
    // corporate email, landline, no consent. Opt-out channels: email, phone, post
    // allowed; sms has no mobile.
    Fixture {
        intent: "B2B named professional (company, Luhn-valid SIRET, job, corporate email, landline), no consent: email, phone, post allowed by opt-out; sms no_contact_data",
        cells: [
            "M.", "Jérôme", "Ménard", "Menuiserie Azurel SARL", "81452733900018", "Directeur commercial",
            "jerome.menard@menuiserie-azurel.fr", "04 78 12 34 56", "", "", "3 avenue Foch", "69006",
            "Lyon", "France", "2025-06-10", "", "Salon Habitat & Déco Lyon 2025", "", "", "", "", "",
            "", "", "", "", "", "",
        ],
    },
    // Row 3: duplicate of row 1 by phone (+33 format, mobile only), name without
    // accents, and `non` to email: rejected `duplicate`, matched_record_id = row 1.
    Fixture {
        intent: "duplicate of row 1 by phone (+33 6 12 34 56 78), name without accents, email opt-in `non`: rejected duplicate of row 1",
        cells: [
            "", "Chloe", "LEFEVRE", "", "", "", "", "", "+33 6 12 34 56 78", "", "", "69003", "Lyon",
            "", "01/10/2025", "", "Formulaire devis en ligne", "non", "", "", "", "", "", "", "", "",
            "oui", "DEVIS-WEB-v1#220871",
        ],
    },
    // Row 4: invalid email (double @); mobile with a dated SMS opt-in. In
    // small.xlsx the mobile is a numeric cell 687654321 (Excel dropped the 0).
    Fixture {
        intent: "invalid email (`@@`): email_invalid; sms allowed (dated opt-in; in small.xlsx the mobile is the numeric cell 687654321); phone no_consent; post allowed",
        cells: [
            "M.", "Marc", "Girard", "", "", "", "marc.girard@@free.fr", "", "06 87 65 43 21", "",
            "27 rue Pasteur", "33000", "Bordeaux", "France", "2026-02-14", "", "Newsletter Data Horizon",
            "oui", "14/02/2026", "oui", "14/02/2026", "", "", "", "", "", "oui", "NEWS-DH-v2#318840",
        ],
    },
    // Row 5: disposable email domain, no phone, no address: rejected.
    Fixture {
        intent: "disposable email (yopmail.com), no phone, no address: rejected (email_disposable; no_contact_data elsewhere)",
        cells: [
            "Mme", "Anaïs", "Rivière", "", "", "", "anais.riviere@yopmail.com", "", "", "", "", "", "",
            "", "20/05/2026", "", "Jeu concours été 2025", "oui", "20/05/2026", "", "", "", "", "", "",
            "", "oui", "JEU-ETE-2025-v3#377120",
        ],
    },
    // Row 6: collected 10/01/2023, no later contact: more than 3 years before
    // 2026-11-23, rejected `stale` and listed in to_delete.csv.
    Fixture {
        intent: "stale: collected 10/01/2023, no later contact (more than 3 years before 2026-11-23): rejected stale, in to_delete.csv",
        cells: [
            "M.", "Gérard", "Besnard", "", "", "", "gerard.besnard@wanadoo.fr", "", "07 81 22 33 44", "",
            "5 place de l'Église", "35000", "Rennes", "France", "10/01/2023", "", "Parrainage", "oui",
            "10/01/2023", "oui", "10/01/2023", "", "", "", "", "", "oui", "PARRAIN-v1#004512",
        ],
    },
    // Row 7: email opt-in without a date (consent_without_proof), premium 08 99
    // number (phone_premium), address without postcode (address_incomplete).
    Fixture {
        intent: "email `oui` without date (consent_without_proof), 08 99 premium number (phone_premium), no postcode (address_incomplete), no mobile: rejected",
        cells: [
            "Mme", "Hélène", "Lévêque", "", "", "", "helene.leveque@hotmail.fr", "08 99 12 34 56", "", "",
            "18 rue Jean-Jaurès", "", "Nîmes", "France", "03/04/2026", "", "Jeu concours été 2025",
            "oui", "", "", "", "oui", "03/04/2026", "", "", "", "oui", "JEU-ETE-2025-v3#118270",
        ],
    },
    // Row 8: Guadeloupe (97110): 0690 is a valid mobile there (+590 690 41 52 63).
    Fixture {
        intent: "overseas: Pointe-à-Pitre 97110, mobile 0690 41 52 63 is valid in Guadeloupe (+590690415263): email, sms, post allowed",
        cells: [
            "M.", "Loïc", "N'Diaye", "", "", "", "loic.ndiaye@gmail.com", "", "0690 41 52 63", "",
            "9 rue Schœlcher", "97110", "Pointe-à-Pitre", "Guadeloupe", "2026-07-01", "",
            "Webinaire RGPD & marketing", "oui", "2026-07-01", "oui", "2026-07-01", "", "", "", "", "",
            "oui", "https://preuves.data-horizon.example.fr/webi-rgpd/5f3a9c21",
        ],
    },
    // Row 9: refused the transfer to partners: every channel denied, to_delete.csv.
    Fixture {
        intent: "refused transfer to partners (Opt-in partenaires = non): every channel denied, in to_delete.csv",
        cells: [
            "Mme", "Cécile", "Fabre", "", "", "", "cecile.fabre@laposte.net", "", "06 45 78 90 12", "",
            "2 chemin des Prés", "25000", "Besançon", "France", "12/12/2025", "", "Newsletter Data Horizon",
            "oui", "12/12/2025", "oui", "12/12/2025", "oui", "12/12/2025", "", "", "oui", "non",
            "NEWS-DH-v3#512208",
        ],
    },
    // Row 10: no person named: generic company address (contact@), a company
    // name that is a formula (must be neutralised with `'` in outputs), a
    // Luhn-invalid SIRET (signal dropped), an unrecognised consent value.
    Fixture {
        intent: "generic company address contact@ (no person), formula company name `=HYPERLINK(...)` (neutralised in outputs), Luhn-invalid SIRET, email opt-in `peut-être` (warning): B2B opt-out email, phone, post allowed",
        cells: [
            "", "", "", "=HYPERLINK(\"http://offre.example.com\";\"Cliquez ici\")", "42719856900028", "",
            "contact@transports-brivane.fr", "03 88 45 67 89", "", "", "40 route de Besançon", "67000",
            "Strasbourg", "France", "05/09/2026", "", "Salon des Entrepreneurs Paris 2024", "peut-être",
            "", "", "", "", "", "", "", "", "", "",
        ],
    },
];

fn fixtures(out: &Path) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let manifest = manifest_text();
    for stem in ["small", "small-cp1252"] {
        write_file(
            &out.join(format!("{stem}.manifest.toml")),
            manifest.as_bytes(),
        )?;
    }

    // small-cp1252.csv: French headers, `;`, Windows-1252, CRLF.
    let mut text = String::new();
    push_csv_record(&mut text, &FR_HEADERS, ';', "\r\n");
    for f in &FIXTURES {
        push_csv_record(&mut text, &f.cells, ';', "\r\n");
    }
    let path = out.join("small-cp1252.csv");
    write_file(&path, &encode_cp1252(&text, &path)?)?;

    write_fixture_xlsx(&out.join("small.xlsx"))?;
    write_fixture_parquet(&out.join("small.parquet"))?;
    write_fixture_json(out)?;
    write_fixture_readme(&out.join("README.md"))?;
    eprintln!(
        "wrote {}: small.xlsx, small.parquet, small.json, small.ndjson, small-cp1252.csv ({} records each) and manifests",
        out.display(),
        FIXTURES.len()
    );
    Ok(())
}

/// First sheet, French headers; row 4's mobile is a number, dates of
/// collection are date cells.
fn write_fixture_xlsx(path: &Path) -> Result<()> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    // A fixed creation time, so the file is byte-identical on every run.
    let created = ExcelDateTime::from_ymd(2026, 11, 23)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet();
    ws.set_name("Prospects")?;
    for (c, h) in FR_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, f) in FIXTURES.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, cell) in f.cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let colnum = c as u16;
            if r == 3 && c == col::MOBILE {
                ws.write_number(row, colnum, 687_654_321.0)?;
            } else if c == col::COLLECTED {
                match parse_fixture_date(cell) {
                    Some(d) => {
                        let dt = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )?;
                        ws.write_datetime_with_format(row, colnum, &dt, &date_format)?;
                    }
                    None => {
                        ws.write_string(row, colnum, *cell)?;
                    }
                }
            } else {
                ws.write_string(row, colnum, *cell)?;
            }
        }
    }
    wb.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn parse_fixture_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

/// Canonical English column names (no `civility`), String columns, nulls for empty cells.
fn write_fixture_parquet(path: &Path) -> Result<()> {
    use polars::prelude::*;
    let columns: Vec<Column> = (1..COLS)
        .map(|c| {
            let values: Vec<Option<&str>> = FIXTURES
                .iter()
                .map(|f| Some(f.cells[c]).filter(|s| !s.is_empty()))
                .collect();
            Column::new(EN_HEADERS[c].into(), values)
        })
        .collect();
    let mut df = DataFrame::new_infer_height(columns)?;
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(file).finish(&mut df)?;
    Ok(())
}

/// small.json: an array of objects with every key (empty cells are null);
/// small.ndjson: one object per line, empty cells left out. Canonical English keys.
fn write_fixture_json(out: &Path) -> Result<()> {
    use serde_json::{Map, Value};
    let mut array = Vec::new();
    let mut ndjson = String::new();
    for f in &FIXTURES {
        let mut full = Map::new();
        let mut sparse = Map::new();
        for (name, v) in EN_HEADERS.iter().zip(f.cells).skip(1) {
            if v.is_empty() {
                full.insert(name.to_string(), Value::Null);
            } else {
                full.insert(name.to_string(), Value::String(v.to_string()));
                sparse.insert(name.to_string(), Value::String(v.to_string()));
            }
        }
        array.push(Value::Object(full));
        ndjson.push_str(&serde_json::to_string(&Value::Object(sparse))?);
        ndjson.push('\n');
    }
    let mut json = serde_json::to_string_pretty(&Value::Array(array))?;
    json.push('\n');
    write_file(&out.join("small.json"), json.as_bytes())?;
    write_file(&out.join("small.ndjson"), ndjson.as_bytes())?;
    Ok(())
}

fn write_fixture_readme(path: &Path) -> Result<()> {
    let mut s = String::new();
    s.push_str(
        "# Generated fixtures\n\n\
         Written by `qualify-gen` (src/bin/qualify-gen.rs); do not edit by hand. Regenerate with:\n\n\
         ```sh\n\
         cargo run --bin qualify-gen -- fixtures --out tests/data/gen\n\
         ```\n\n\
         The same ten invented prospects in every format, each with a sidecar `<stem>.manifest.toml`\n\
         (vendor `Data Horizon SARL`, method `purchased`, partners naming `Menuiseries Bellerive SAS`):\n\n\
         | file | format |\n|---|---|\n\
         | `small-cp1252.csv` | `;`-separated, Windows-1252, CRLF, French headers (`Civilité`, `Prénom`, `E-mail`, `Tél`, `Portable`, `Opt-in email`, ...) |\n\
         | `small.xlsx` | first sheet `Prospects`, French headers; `Date de collecte` cells are Excel dates; row 4's `Portable` is the number 687654321 |\n\
         | `small.parquet` | canonical English column names (no civility), all String columns, null for empty cells |\n\
         | `small.json` | array of objects, canonical English keys, every key present (null when empty) |\n\
         | `small.ndjson` | one object per line, canonical English keys, empty cells left out |\n\n\
         Run them with `--as-of 2026-11-23 --buyer \"Menuiseries Bellerive SAS\"` (the buyer is a named partner,\n\
         so consents transfer). Expected outcome per `source_row`:\n\n\
         | row | intent |\n|---|---|\n",
    );
    for (i, f) in FIXTURES.iter().enumerate() {
        let _ = writeln!(s, "| {} | {} |", i + 1, f.intent.replace('|', "\\|"));
    }
    s.push_str(
        "\nThe larger demo set lives in `sample-data/` (`qualify-gen sample --seed 42 --out sample-data`),\n\
         with its ground truth in `sample-data/truth.csv`.\n",
    );
    write_file(path, s.as_bytes())
}

// ---------------------------------------------------------------------------
// linkage: people with noisy duplicates and a client file, with ground truth
// ---------------------------------------------------------------------------

/// Noise model of `linkage` (`--profile`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
enum Profile {
    /// The first, lighter noise model (rates in the `noise` module).
    Easy,
    /// Heavier, more realistic noise (rates in the `harsh` module).
    Harsh,
}

/// Columns of the `linkage` files (`--columns`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
enum LinkColumns {
    /// Names, email, phone, mobile and address.
    All,
    /// Names and address only (no identifiers), like public linkage benchmarks.
    NamesAddress,
}

/// Options of `linkage`, as given on the command line.
struct LinkArgs {
    seed: u64,
    rows: usize,
    clients: usize,
    dup_rate: f64,
    overlap: f64,
    noise: f64,
    profile: Profile,
    columns: LinkColumns,
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

fn linkage(out: &Path, a: &LinkArgs) -> Result<()> {
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
