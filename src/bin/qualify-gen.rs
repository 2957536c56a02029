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

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

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

// What the subcommands are built from, also in src/bin/qualify-gen/: the
// generator of `sample` and `scale` (its state and loop, then one module per
// thing it makes), and the tables and helpers it shares with `linkage` and
// `fixtures`.
#[path = "qualify-gen/clients.rs"]
mod clients;
#[path = "qualify-gen/columns.rs"]
mod columns;
#[path = "qualify-gen/formats.rs"]
mod formats;
#[path = "qualify-gen/generator.rs"]
mod generator;
#[path = "qualify-gen/opposition.rs"]
mod opposition;
#[path = "qualify-gen/people.rs"]
mod people;
#[path = "qualify-gen/phone.rs"]
mod phone;
#[path = "qualify-gen/prospect.rs"]
mod prospect;
#[path = "qualify-gen/text.rs"]
mod text;
#[path = "qualify-gen/vocab.rs"]
mod vocab;

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
    /// The rates are in src/bin/qualify-gen/linkage.rs (modules `harsh` and `noise`); `--noise`
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
