//! Run configuration: the flags of `qualify run` and the keys of the TOML
//! config file are one struct ([`RunOptions`]), so every key is a flag and
//! vice versa (docs/pipeline.md#exact-formats). [`Config::resolve`] merges the two (the command line
//! wins; `opposition` lists add up), resolves paths (config-file paths are
//! relative to the config file) and validates everything once. Stages only
//! ever see the resolved [`Config`]; nothing below reads the environment or
//! the clock — the as-of date is a value in here.

pub mod remote;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::output::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum ExistingClients {
    /// A bought list is not the way to reach your own clients.
    #[default]
    Reject,
    /// Keep them and judge them with the client rules.
    Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum BloctelMode {
    /// The file lists numbers registered on Bloctel.
    #[default]
    Registered,
    /// The file is Bloctel's cleaned return: numbers cleared for calling.
    Cleaned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
// The flag takes the config file's spelling (docs/pipeline.md#exact-formats: `energy_renovation`).
#[cfg_attr(feature = "cli", value(rename_all = "snake_case"))]
pub enum Sector {
    #[default]
    General,
    EnergyRenovation,
    HomeAdaptation,
}

/// How a run reports on stderr (the binary's business: the core only says
/// which).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Progress bars on a terminal, a closing report in words.
    #[default]
    Text,
    /// One JSON object per line: each stage as it ends (rows, seconds), then
    /// the counts and warnings; never a record's data.
    Json,
}

/// Options of `qualify run`, shared by the command line and the TOML config
/// file. Every field is optional here; [`Config::resolve`] applies defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    /// TOML config file; its keys are the long flags in snake_case.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// The prospect list (CSV, XLSX, Parquet, JSON or NDJSON); `-` reads it from standard input.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub list: Option<PathBuf>,
    /// The list's manifest [default: <list stem>.manifest.toml beside the list].
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub manifest: Option<PathBuf>,
    /// Column mapping for the vendor's headers (format: schemas/mapping.example.toml).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub mapping: Option<PathBuf>,
    /// XLSX sheet to read [default: the first one].
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME"))]
    pub sheet: Option<String>,
    /// The company's client file.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub clients: Option<PathBuf>,
    /// Opposition list (plain or hashed); repeat for several. Added to the config's.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    #[serde(default)]
    pub opposition: Vec<PathBuf>,
    /// Bloctel file (one column `phone`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub bloctel: Option<PathBuf>,
    /// Date the Bloctel file was produced (YYYY-MM-DD).
    #[cfg_attr(feature = "cli", arg(long, value_name = "DATE", value_parser = parse_date))]
    pub bloctel_date: Option<NaiveDate>,
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub bloctel_mode: Option<BloctelMode>,
    /// Maximum age of the Bloctel file, in days [default: 30].
    #[cfg_attr(feature = "cli", arg(long, value_name = "DAYS"))]
    pub bloctel_max_age_days: Option<u32>,
    /// Date the decisions are made for (YYYY-MM-DD) [default: today, Europe/Paris].
    #[cfg_attr(feature = "cli", arg(long, value_name = "DATE", value_parser = parse_date))]
    pub as_of: Option<NaiveDate>,
    /// The company that will make contact (checked against the manifest's partners).
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME"))]
    pub buyer: Option<String>,
    #[cfg_attr(feature = "cli", arg(long, value_name = "SIREN"))]
    pub buyer_siren: Option<String>,
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub sector: Option<Sector>,
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub existing_clients: Option<ExistingClients>,
    /// Soft opt-in for clients: the campaign is for products similar to what they bought.
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub similar_products: Option<bool>,
    /// The campaign relates to a contract in progress (phone exception).
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub campaign_related_to_contract: Option<bool>,
    /// Job keywords a B2B campaign concerns (comma-separated); empty: not checked.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_delimiter = ',', value_name = "WORDS")
    )]
    pub campaign_functions: Option<Vec<String>>,
    /// Accept a consent wording that says only "partners" (CJEU C-317/25 pending).
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub accept_generic_partners: Option<bool>,
    /// Allow the B2B opt-out channels of scraped B2B records.
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub allow_scraped_b2b: Option<bool>,
    /// Freshness window in years [default: 3].
    #[cfg_attr(feature = "cli", arg(long, value_name = "YEARS"))]
    pub retention_years: Option<u32>,
    /// Unmapped vendor columns to carry to the outputs (comma-separated).
    #[cfg_attr(
        feature = "cli",
        arg(long, value_delimiter = ',', value_name = "COLUMNS")
    )]
    pub keep_columns: Option<Vec<String>>,
    /// Output folder.
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub out: Option<PathBuf>,
    /// The previous run's output folder (it may be --out itself): write changes.csv,
    /// what changed per person and channel since that run.
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub previous: Option<PathBuf>,
    /// A folder where each run keeps what the next compares with: the run writes changes.csv
    /// against the last state kept there, then keeps its own (instead of --previous).
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub state_dir: Option<PathBuf>,
    /// repermission.csv lists the contactable records whose freshness window
    /// closes within this many days [default: 90].
    #[cfg_attr(feature = "cli", arg(long, value_name = "DAYS"))]
    pub repermission_days: Option<u32>,
    /// Also write qualified.parquet.
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub parquet: Option<bool>,
    /// Write CSV outputs `;`-separated with a BOM, for French Excel.
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub excel: Option<bool>,
    /// Records per batch when reading the list and the client file and when
    /// writing the outputs: what a stage holds of the rows as read at once.
    /// The files are the same whatever its value [default: 65536].
    #[cfg_attr(feature = "cli", arg(long, value_name = "ROWS"))]
    pub batch_rows: Option<usize>,
    /// What stderr gets: text (bars, a closing report) or json (one object per line) [default: text].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub log_format: Option<LogFormat>,
    /// No progress bars, no report on stderr.
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub quiet: Option<bool>,
    /// Language of report.html, processing-record.* and notice.txt [default: fr].
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub lang: Option<Lang>,
    /// Sign certificate.json with this ed25519 secret key (made by `qualify keygen`).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub sign_key: Option<PathBuf>,
    /// Where people exercise their rights (address or email), for notice.txt and the processing record.
    #[cfg_attr(feature = "cli", arg(long, value_name = "TEXT"))]
    pub controller_contact: Option<String>,
    /// Recipients of the data (comma-separated), for notice.txt and the processing record.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_delimiter = ',', value_name = "NAMES")
    )]
    pub recipients: Option<Vec<String>>,
    // --- Remote sources and company check (src/fetch, src/company) ---------
    /// Cache folder for URL inputs and company look-ups [default: $XDG_CACHE_HOME/qualify, else ~/.cache/qualify].
    #[cfg_attr(feature = "cli", arg(long, value_name = "DIR"))]
    pub cache_dir: Option<PathBuf>,
    /// Use only the cache: no network access at all.
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub offline: Option<bool>,
    /// Total time allowed for one download, in seconds [default: 300].
    #[cfg_attr(feature = "cli", arg(long, value_name = "SECONDS"))]
    pub fetch_timeout: Option<f64>,
    /// Time allowed to connect, in seconds [default: 10].
    #[cfg_attr(feature = "cli", arg(long, value_name = "SECONDS"))]
    pub connect_timeout: Option<f64>,
    /// Retries after a 5xx answer or a connection failure [default: 3].
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub fetch_retries: Option<u32>,
    /// Largest download accepted, in bytes [default: 4 GiB].
    #[cfg_attr(feature = "cli", arg(long, value_name = "BYTES"))]
    pub max_download_bytes: Option<u64>,
    /// Name of the environment variable holding the token sent to URL sources.
    #[cfg_attr(feature = "cli", arg(long, value_name = "VAR"))]
    pub auth_token_env: Option<String>,
    /// Header carrying the token [default: Authorization, sent as "Bearer TOKEN"].
    #[cfg_attr(feature = "cli", arg(long, value_name = "HEADER"))]
    pub auth_header: Option<String>,
    /// The SELECT that reads the client file when --clients is a postgres:// URL (instead of its ?table=).
    #[cfg_attr(feature = "cli", arg(long, value_name = "SQL"))]
    pub clients_query: Option<String>,
    /// Name of the environment variable holding the PostgreSQL password.
    #[cfg_attr(feature = "cli", arg(long, value_name = "VAR"))]
    pub postgres_password_env: Option<String>,
    /// Sources that may be unavailable (clients, opposition, bloctel, companies, or a URL):
    /// the decisions they inform then fail closed.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_delimiter = ',', value_name = "SOURCES")
    )]
    pub optional: Option<Vec<String>>,
    /// Check each SIREN/SIRET against the company directory (closed or unknown companies).
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub check_companies: Option<bool>,
    /// Base URL of the company directory API [default: https://recherche-entreprises.api.gouv.fr].
    #[cfg_attr(feature = "cli", arg(long, value_name = "URL"))]
    pub company_api_url: Option<String>,
    /// Company look-ups per second [default: 7, the API's published limit].
    #[cfg_attr(feature = "cli", arg(long, value_name = "PER_SECOND"))]
    pub company_rate_limit: Option<f64>,
    /// Company look-ups in flight at once [default: 4].
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub company_concurrency: Option<usize>,
    /// How long a company look-up stays valid in the cache, in days [default: 30].
    #[cfg_attr(feature = "cli", arg(long, value_name = "DAYS"))]
    pub company_cache_ttl_days: Option<u32>,
    /// Offline company check: a local copy of the SIRENE stock file (Parquet or CSV).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub sirene_file: Option<PathBuf>,
    /// Fuzzy matching on names and addresses, after the exact keys [default: true].
    #[cfg_attr(feature = "cli", arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL"))]
    pub fuzzy: Option<bool>,
    /// Where the match model comes from: `trained` on this run's data, or
    /// `fixed`, the built-in parameters of schemas/model.md [default: trained].
    #[cfg_attr(feature = "cli", arg(long, value_name = "trained|fixed"))]
    pub matcher: Option<String>,
    /// A match model to reuse without training (a model.json of an earlier run).
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub model: Option<PathBuf>,
    /// Answers about fuzzy pairs (the review.csv of `qualify review`, label column filled):
    /// `match` / `no_match` override the model on those pairs.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE"))]
    pub labels: Option<PathBuf>,
    /// Match probability from which two list records are the same person [default: 0.9].
    #[cfg_attr(feature = "cli", arg(long, value_name = "P"))]
    pub match_probability: Option<f64>,
    /// Match probability from which a list record is the client [default: 0.8].
    #[cfg_attr(feature = "cli", arg(long, value_name = "P"))]
    pub client_probability: Option<f64>,
    /// Match probability from which a pair is listed for review in matches.csv [default: 0.2].
    #[cfg_attr(feature = "cli", arg(long, value_name = "P"))]
    pub review_probability: Option<f64>,
    /// Seed of the model's training samples [default: 42].
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub match_seed: Option<u64>,
    /// Blocks larger than this are scanned with a window instead of whole [default: 50].
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub fuzzy_max_block: Option<usize>,
    /// Each record of an oversized block is compared with this many neighbours [default: 10].
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub fuzzy_window: Option<usize>,
    /// Each record is compared with this many neighbours in each sorted pass (0: off) [default: 0].
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub fuzzy_sorted_window: Option<usize>,
    /// A fuzzy link never makes a cluster larger than this [default: 8].
    #[cfg_attr(feature = "cli", arg(long, value_name = "N"))]
    pub fuzzy_max_cluster: Option<usize>,
    /// Never match two records whose first names clearly differ (relatives at one address); auto: when the data show households [default: auto].
    #[cfg_attr(feature = "cli", arg(long, value_name = "auto|true|false"))]
    pub fuzzy_first_name_guard: Option<crate::link::fuzzy::FirstNameGuard>,
}

/// The list's name for standard input (`--list -`).
pub const STDIN: &str = "-";

/// What summary.json and run.json call a list read from standard input
/// (`explain` and `review` recognise it: there is no file to read again).
pub const STDIN_NAME: &str = "stdin";

/// Records per batch (read and written) unless `batch_rows` says
/// otherwise: large enough that per-batch overhead is lost in the noise,
/// small enough that a batch of qualified.csv's widest rows stays within
/// tens of megabytes.
pub const DEFAULT_BATCH_ROWS: usize = 65_536;

/// The validated configuration every stage reads.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub list: PathBuf,
    pub manifest_path: Option<PathBuf>,
    #[serde(skip)]
    pub manifest: Option<Manifest>,
    pub mapping: Option<PathBuf>,
    pub sheet: Option<String>,
    pub clients: Option<PathBuf>,
    pub opposition: Vec<PathBuf>,
    pub bloctel: Option<PathBuf>,
    pub bloctel_date: Option<NaiveDate>,
    pub bloctel_mode: BloctelMode,
    pub bloctel_max_age_days: u32,
    pub as_of: NaiveDate,
    pub buyer: Option<String>,
    pub buyer_siren: Option<String>,
    pub sector: Sector,
    pub existing_clients: ExistingClients,
    pub similar_products: bool,
    pub campaign_related_to_contract: bool,
    pub campaign_functions: Vec<String>,
    pub accept_generic_partners: bool,
    pub allow_scraped_b2b: bool,
    pub retention_years: u32,
    pub keep_columns: Vec<String>,
    pub out: PathBuf,
    /// The run changes.csv compares with (`--previous`).
    pub previous: Option<PathBuf>,
    /// The folder that keeps the last run's state (`state_dir`).
    pub state_dir: Option<PathBuf>,
    pub repermission_days: u32,
    pub parquet: bool,
    pub excel: bool,
    /// A resource setting, like the thread count: not in the summary,
    /// since it changes no output byte.
    #[serde(skip)]
    pub batch_rows: usize,
    #[serde(skip)]
    pub quiet: bool,
    #[serde(skip)]
    pub log_format: LogFormat,
    pub lang: Lang,
    /// Secret key that signs certificate.json; never written to an output.
    #[serde(skip)]
    pub sign_key: Option<PathBuf>,
    pub controller_contact: Option<String>,
    pub recipients: Vec<String>,
    /// URL sources, cache and company check (see [`remote`]).
    pub remote: remote::RemoteConfig,
    pub fuzzy: crate::link::fuzzy::FuzzySettings,
}

/// What the binary reads from outside before the settings are built (the
/// core reads none of it itself).
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    /// Today's date where the run is decided (Europe/Paris for the CLI).
    pub today: NaiveDate,
    /// The cache folder when neither the command line nor the config file
    /// names one (the CLI: `$XDG_CACHE_HOME/qualify` or `~/.cache/qualify`).
    pub default_cache_dir: Option<PathBuf>,
    /// Print the time of each fuzzy step on stderr (`QUALIFY_FUZZY_TIMING`).
    pub fuzzy_timing: bool,
}

impl Config {
    /// A configuration with every default of docs/pipeline.md#exact-formats, for library callers
    /// and tests: no manifest, no reference files.
    pub fn new(list: PathBuf, out: PathBuf, as_of: NaiveDate) -> Config {
        Config {
            list,
            manifest_path: None,
            manifest: None,
            mapping: None,
            sheet: None,
            clients: None,
            opposition: Vec::new(),
            bloctel: None,
            bloctel_date: None,
            bloctel_mode: BloctelMode::default(),
            bloctel_max_age_days: 30,
            as_of,
            buyer: None,
            buyer_siren: None,
            sector: Sector::default(),
            existing_clients: ExistingClients::default(),
            similar_products: false,
            campaign_related_to_contract: false,
            campaign_functions: Vec::new(),
            accept_generic_partners: false,
            allow_scraped_b2b: false,
            retention_years: 3,
            keep_columns: Vec::new(),
            out,
            previous: None,
            state_dir: None,
            repermission_days: 90,
            parquet: false,
            excel: false,
            batch_rows: DEFAULT_BATCH_ROWS,
            quiet: true,
            log_format: LogFormat::Text,
            lang: Lang::default(),
            sign_key: None,
            controller_contact: None,
            recipients: Vec::new(),
            remote: Default::default(),
            fuzzy: crate::link::fuzzy::FuzzySettings::default(),
        }
    }

    /// Merges the command line over the config file, applies defaults and
    /// validates. `today` is the caller's idea of today (the CLI passes the
    /// date in Europe/Paris); the core never asks the clock. No default
    /// cache folder, no timing output: see [`Config::resolve_in`].
    pub fn resolve(cli: RunOptions, today: NaiveDate) -> Result<Config> {
        Config::resolve_in(
            cli,
            &Surroundings {
                today,
                ..Surroundings::default()
            },
        )
    }

    /// [`Config::resolve`] with what the binary read from outside: the
    /// settings are complete when this returns and never change after.
    pub fn resolve_in(cli: RunOptions, outside: &Surroundings) -> Result<Config> {
        let today = outside.today;
        let file = match &cli.config {
            Some(path) => load_file_config(path)?,
            None => RunOptions::default(),
        };
        let mut remote = remote::RemoteConfig::resolve(&cli, &file)?;
        if remote.cache_dir.is_none() {
            remote.cache_dir = outside.default_cache_dir.clone();
        }
        let mut fuzzy = fuzzy_settings(&cli, &file)?;
        fuzzy.timing = outside.fuzzy_timing;
        let mut opposition = file.opposition.clone();
        opposition.extend(cli.opposition.iter().cloned());

        let list = cli.list.or(file.list).ok_or_else(|| {
            Error::Usage("no list given: use --list FILE or `list = ...` in --config".into())
        })?;
        let out = cli.out.or(file.out).ok_or_else(|| {
            Error::Usage("no output folder given: use --out DIR or `out = ...` in --config".into())
        })?;
        // URL inputs are fetched later (by the binary, outside the core), with the
        // sidecar manifest of a URL list.
        // `-` is standard input, which the binary copies to a file first.
        let remote_list = remote::path_is_url(&list) || list == Path::new(STDIN);
        if !remote_list && !list.exists() {
            return Err(Error::input(&list, "file not found"));
        }

        let explicit_manifest = cli.manifest.or(file.manifest);
        let manifest_path = match explicit_manifest {
            Some(p) if remote::path_is_url(&p) => Some(p),
            Some(p) => {
                if !p.exists() {
                    return Err(Error::input(&p, "manifest file not found"));
                }
                Some(p)
            }
            None if remote_list => None,
            None => Some(sidecar_manifest(&list)).filter(|p| p.exists()),
        };
        let manifest = manifest_path
            .as_deref()
            .filter(|p| !remote::path_is_url(p))
            .map(Manifest::load)
            .transpose()?;

        for p in [
            cli.mapping.as_ref().or(file.mapping.as_ref()),
            cli.clients.as_ref().or(file.clients.as_ref()),
            cli.bloctel.as_ref().or(file.bloctel.as_ref()),
            cli.sign_key.as_ref().or(file.sign_key.as_ref()),
        ]
        .into_iter()
        .flatten()
        .chain(opposition.iter())
        {
            if !remote::path_is_url(p) && !p.exists() {
                return Err(Error::input(p, "file not found"));
            }
        }

        let repermission_days = cli
            .repermission_days
            .or(file.repermission_days)
            .unwrap_or(90);
        if repermission_days > 3660 {
            return Err(Error::Usage(format!(
                "repermission_days must be at most 3660 (ten years), got {repermission_days}"
            )));
        }
        let previous = cli.previous.or(file.previous);
        let state_dir = cli.state_dir.or(file.state_dir);
        if previous.is_some() && state_dir.is_some() {
            return Err(Error::Usage(
                "previous and state_dir both say what to compare with: give one".into(),
            ));
        }
        let batch_rows = cli
            .batch_rows
            .or(file.batch_rows)
            .unwrap_or(DEFAULT_BATCH_ROWS);
        if batch_rows == 0 {
            return Err(Error::Usage("batch_rows must be at least 1".into()));
        }
        let retention_years = cli.retention_years.or(file.retention_years).unwrap_or(3);
        if retention_years == 0 {
            return Err(Error::Usage("retention_years must be at least 1".into()));
        }
        let campaign_functions: Vec<String> = cli
            .campaign_functions
            .or(file.campaign_functions)
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();

        Ok(Config {
            list,
            manifest_path,
            manifest,
            mapping: cli.mapping.or(file.mapping),
            sheet: cli.sheet.or(file.sheet),
            clients: cli.clients.or(file.clients),
            opposition,
            bloctel: cli.bloctel.or(file.bloctel),
            bloctel_date: cli.bloctel_date.or(file.bloctel_date),
            bloctel_mode: cli.bloctel_mode.or(file.bloctel_mode).unwrap_or_default(),
            bloctel_max_age_days: cli
                .bloctel_max_age_days
                .or(file.bloctel_max_age_days)
                .unwrap_or(30),
            as_of: cli.as_of.or(file.as_of).unwrap_or(today),
            buyer: cli.buyer.or(file.buyer).filter(|s| !s.trim().is_empty()),
            buyer_siren: cli
                .buyer_siren
                .or(file.buyer_siren)
                .filter(|s| !s.trim().is_empty()),
            sector: cli.sector.or(file.sector).unwrap_or_default(),
            existing_clients: cli
                .existing_clients
                .or(file.existing_clients)
                .unwrap_or_default(),
            similar_products: cli
                .similar_products
                .or(file.similar_products)
                .unwrap_or(false),
            campaign_related_to_contract: cli
                .campaign_related_to_contract
                .or(file.campaign_related_to_contract)
                .unwrap_or(false),
            campaign_functions,
            accept_generic_partners: cli
                .accept_generic_partners
                .or(file.accept_generic_partners)
                .unwrap_or(false),
            allow_scraped_b2b: cli
                .allow_scraped_b2b
                .or(file.allow_scraped_b2b)
                .unwrap_or(false),
            retention_years,
            keep_columns: cli.keep_columns.or(file.keep_columns).unwrap_or_default(),
            out,
            previous,
            state_dir,
            repermission_days,
            parquet: cli.parquet.or(file.parquet).unwrap_or(false),
            excel: cli.excel.or(file.excel).unwrap_or(false),
            batch_rows,
            quiet: cli.quiet.or(file.quiet).unwrap_or(false),
            log_format: cli.log_format.or(file.log_format).unwrap_or_default(),
            lang: cli.lang.or(file.lang).unwrap_or_default(),
            sign_key: cli.sign_key.or(file.sign_key),
            controller_contact: cli
                .controller_contact
                .or(file.controller_contact)
                .filter(|s| !s.trim().is_empty()),
            recipients: cli
                .recipients
                .or(file.recipients)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            remote,
            fuzzy,
        })
    }
}

/// The fuzzy matcher's settings: command line over file over defaults.
/// A `--model` file is read and checked here, once.
fn fuzzy_settings(
    cli: &RunOptions,
    file: &RunOptions,
) -> Result<crate::link::fuzzy::FuzzySettings> {
    use crate::link::fuzzy::{Model, ModelSource};
    let d = crate::link::fuzzy::FuzzySettings::default();
    let model_path = cli.model.clone().or_else(|| file.model.clone());
    let (source, model) = match (cli.matcher.as_deref().or(file.matcher.as_deref()), &model_path) {
        (Some("trained") | None, None) => (ModelSource::Trained, None),
        (Some("fixed"), None) => (ModelSource::Fixed, None),
        (None, Some(p)) => {
            // Hashed from the bytes parsed, so that the certificate names
            // exactly the model that scored the pairs.
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            let m: Model = serde_json::from_slice(&bytes)
                .map_err(|e| Error::config(p, format!("not a valid model file: {e}")))?;
            let m = m.validate().map_err(|e| Error::config(p, e.to_string()))?;
            let sha256 = crate::output::certificate::sha256_hex(&bytes);
            (
                ModelSource::File {
                    path: p.clone(),
                    sha256,
                },
                Some(m),
            )
        }
        (Some(m), Some(_)) if m == "trained" || m == "fixed" => {
            return Err(Error::Usage(format!(
                "matcher = \"{m}\" and a model file cannot be used together: --model already says where the model comes from"
            )))
        }
        (Some(m), _) => {
            return Err(Error::Usage(format!(
                "matcher must be \"trained\" or \"fixed\", got \"{m}\""
            )))
        }
    };
    let mut training = d.training.clone();
    training.seed = cli.match_seed.or(file.match_seed).unwrap_or(training.seed);
    let s = crate::link::fuzzy::FuzzySettings {
        enabled: cli.fuzzy.or(file.fuzzy).unwrap_or(d.enabled),
        match_probability: cli
            .match_probability
            .or(file.match_probability)
            .unwrap_or(d.match_probability),
        client_probability: cli
            .client_probability
            .or(file.client_probability)
            .unwrap_or(d.client_probability),
        review_probability: cli
            .review_probability
            .or(file.review_probability)
            .unwrap_or(d.review_probability),
        max_block: cli
            .fuzzy_max_block
            .or(file.fuzzy_max_block)
            .unwrap_or(d.max_block),
        window: cli.fuzzy_window.or(file.fuzzy_window).unwrap_or(d.window),
        sorted_window: cli
            .fuzzy_sorted_window
            .or(file.fuzzy_sorted_window)
            .unwrap_or(d.sorted_window),
        max_cluster: cli
            .fuzzy_max_cluster
            .or(file.fuzzy_max_cluster)
            .unwrap_or(d.max_cluster),
        first_name_guard: cli
            .fuzzy_first_name_guard
            .or(file.fuzzy_first_name_guard)
            .unwrap_or(d.first_name_guard),
        source,
        model,
        training,
        labels: cli
            .labels
            .clone()
            .or_else(|| file.labels.clone())
            .map(|p| crate::link::fuzzy::LabelFile::load(&p))
            .transpose()?,
        progress: d.progress,
        timing: d.timing,
    };
    for (name, p) in [
        ("match_probability", s.match_probability),
        ("client_probability", s.client_probability),
        ("review_probability", s.review_probability),
    ] {
        if !(p > 0.0 && p < 1.0) {
            return Err(Error::Usage(format!(
                "{name} must be a probability strictly between 0 and 1, got {p}"
            )));
        }
    }
    if !(s.review_probability <= s.match_probability
        && s.review_probability <= s.client_probability)
    {
        return Err(Error::Usage(format!(
            "review_probability ({}) must not be above match_probability ({}) or client_probability ({})",
            s.review_probability, s.match_probability, s.client_probability
        )));
    }
    if s.max_block < 2 || s.max_cluster < 2 || s.window < 1 {
        return Err(Error::Usage(
            "fuzzy_max_block and fuzzy_max_cluster must be at least 2, fuzzy_window at least 1"
                .into(),
        ));
    }
    // A block is scored whole up to this size (every pair: 2 billion at
    // 65,535); bigger ones are windowed anyway.
    if s.max_block > usize::from(u16::MAX) {
        return Err(Error::Usage(format!(
            "fuzzy_max_block must be at most {}, got {}",
            u16::MAX,
            s.max_block
        )));
    }
    Ok(s)
}

/// `<dir>/<stem>.manifest.toml` beside the list.
pub fn sidecar_manifest(list: &Path) -> PathBuf {
    let stem = list
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    list.with_file_name(format!("{stem}.manifest.toml"))
}

fn load_file_config(path: &Path) -> Result<RunOptions> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut opts: RunOptions = toml::from_str(&text).map_err(|e| {
        Error::config(
            path,
            format!("invalid config: {}", crate::manifest::toml_error(&text, &e)),
        )
    })?;
    // Paths in the config are relative to the config file (docs/pipeline.md#exact-formats).
    let base = path.parent().unwrap_or(Path::new(""));
    // URLs stay as they are.
    let rel = |p: &mut Option<PathBuf>| {
        if let Some(x) = p.as_mut().filter(|x| !remote::path_is_url(x)) {
            *x = base.join(&*x);
        }
    };
    rel(&mut opts.list);
    rel(&mut opts.manifest);
    rel(&mut opts.mapping);
    rel(&mut opts.clients);
    rel(&mut opts.bloctel);
    rel(&mut opts.out);
    rel(&mut opts.previous);
    rel(&mut opts.state_dir);
    rel(&mut opts.sign_key);
    rel(&mut opts.cache_dir);
    rel(&mut opts.sirene_file);
    rel(&mut opts.model);
    rel(&mut opts.labels);
    for p in &mut opts.opposition {
        if !remote::path_is_url(p) {
            *p = base.join(&*p);
        }
    }
    Ok(opts)
}

/// The configuration that changes decisions (for the summary and certificate).
pub fn effective_config(c: &Config) -> serde_json::Value {
    serde_json::json!({
        "as_of": c.as_of.to_string(),
        "buyer": c.buyer,
        "buyer_siren": c.buyer_siren,
        "sector": c.sector,
        "existing_clients": c.existing_clients,
        "similar_products": c.similar_products,
        "campaign_related_to_contract": c.campaign_related_to_contract,
        "campaign_functions": c.campaign_functions,
        "accept_generic_partners": c.accept_generic_partners,
        "allow_scraped_b2b": c.allow_scraped_b2b,
        "retention_years": c.retention_years,
        "bloctel_date": c.bloctel_date,
        "bloctel_mode": c.bloctel_mode,
        "bloctel_max_age_days": c.bloctel_max_age_days,
        "keep_columns": c.keep_columns,
        "repermission_days": c.repermission_days,
        // Which client rows were read (a PostgreSQL query); `explain` reads
        // it back to find the run's cached copy.
        "clients_query": c.remote.clients_query,
        // Fuzzy settings under their config keys, so that `explain` can read
        // this object back as a config.
        // The model itself is model.json; a model file is named, not its path.
        "fuzzy": c.fuzzy.enabled,
        "matcher": match &c.fuzzy.source {
            crate::link::fuzzy::ModelSource::Trained => "trained",
            crate::link::fuzzy::ModelSource::Fixed => "fixed",
            crate::link::fuzzy::ModelSource::File { .. } => "file",
        },
        "match_probability": c.fuzzy.match_probability,
        "client_probability": c.fuzzy.client_probability,
        "review_probability": c.fuzzy.review_probability,
        "match_seed": c.fuzzy.training.seed,
        "fuzzy_max_block": c.fuzzy.max_block,
        "fuzzy_window": c.fuzzy.window,
        "fuzzy_sorted_window": c.fuzzy.sorted_window,
        "fuzzy_max_cluster": c.fuzzy.max_cluster,
        "fuzzy_first_name_guard": c.fuzzy.first_name_guard,
    })
}

/// A date on the command line: ISO 8601 only, said in the error, since a
/// French user types 23/11/2026 first.
#[cfg(feature = "cli")]
fn parse_date(s: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        format!("{s:?} is not a date as YYYY-MM-DD (for example 2026-11-23 for 23 November 2026)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn command_line_wins_and_oppositions_add_up() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "l.csv", "email\n");
        write(dir.path(), "o1.csv", "email\n");
        let o2 = write(dir.path(), "o2.csv", "email\n");
        let cfg = write(
            dir.path(),
            "q.toml",
            "list = \"l.csv\"\nout = \"out\"\nopposition = [\"o1.csv\"]\nretention_years = 5\nbuyer = \"A\"\n",
        );
        let cli = RunOptions {
            config: Some(cfg),
            opposition: vec![o2.clone()],
            buyer: Some("B".into()),
            ..Default::default()
        };
        let c = Config::resolve(cli, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()).unwrap();
        assert_eq!(c.list, dir.path().join("l.csv"));
        assert_eq!(c.opposition, vec![dir.path().join("o1.csv"), o2]);
        assert_eq!(c.retention_years, 5);
        assert_eq!(c.buyer.as_deref(), Some("B"));
        assert_eq!(c.as_of, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
        assert!(c.manifest.is_none());
    }

    #[test]
    fn what_the_binary_read_outside_completes_the_settings_once() {
        let dir = tempfile::tempdir().unwrap();
        let list = write(dir.path(), "l.csv", "email\n");
        let outside = Surroundings {
            today: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            default_cache_dir: Some(dir.path().join("cache")),
            fuzzy_timing: true,
        };
        let opts = |cache: Option<PathBuf>| RunOptions {
            list: Some(list.clone()),
            out: Some(dir.path().join("out")),
            cache_dir: cache,
            ..Default::default()
        };
        let c = Config::resolve_in(opts(None), &outside).unwrap();
        assert_eq!(c.remote.cache_dir, Some(dir.path().join("cache")));
        assert!(c.fuzzy.timing);
        // A folder the user names wins over the default.
        let mine = dir.path().join("mine");
        let c = Config::resolve_in(opts(Some(mine.clone())), &outside).unwrap();
        assert_eq!(c.remote.cache_dir, Some(mine));
        // A library caller gives nothing: no cache folder, no timing.
        let c = Config::resolve(opts(None), outside.today).unwrap();
        assert_eq!((c.remote.cache_dir, c.fuzzy.timing), (None, false));
    }

    #[test]
    fn the_first_name_guard_is_auto_true_or_false() {
        use crate::link::fuzzy::FirstNameGuard;
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "l.csv", "email\na@b.fr\n");
        for (value, expected) in [
            ("\"auto\"", Some(FirstNameGuard::Auto)),
            ("true", Some(FirstNameGuard::On)),
            ("false", Some(FirstNameGuard::Off)),
            ("\"sometimes\"", None),
        ] {
            let cfg = write(
                dir.path(),
                "q.toml",
                &format!("list = \"l.csv\"\nout = \"o\"\nfuzzy_first_name_guard = {value}\n"),
            );
            let cli = RunOptions {
                config: Some(cfg),
                ..Default::default()
            };
            match (
                Config::resolve(cli, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()),
                expected,
            ) {
                (Ok(c), Some(e)) => {
                    assert_eq!(c.fuzzy.first_name_guard, e);
                    // effective_config writes it back as the file spells it.
                    assert_eq!(
                        effective_config(&c)["fuzzy_first_name_guard"].to_string(),
                        value
                    );
                }
                (Err(e), None) => assert!(e.to_string().contains("sometimes"), "{e}"),
                (got, _) => panic!("{value}: {got:?}"),
            }
        }
        assert_eq!(
            crate::link::fuzzy::FuzzySettings::default().first_name_guard,
            FirstNameGuard::Auto
        );
    }

    #[test]
    fn unknown_config_key_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write(dir.path(), "q.toml", "lsit = \"l.csv\"\n");
        let cli = RunOptions {
            config: Some(cfg),
            ..Default::default()
        };
        let e = Config::resolve(cli, NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()).unwrap_err();
        assert!(e.to_string().contains("lsit"), "{e}");
    }

    #[test]
    fn report_keys_resolve_and_the_sign_key_is_relative_to_the_config() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "l.csv", "email\n");
        write(dir.path(), "v.key", "x");
        let cfg = write(
            dir.path(),
            "q.toml",
            "list = \"l.csv\"\nout = \"out\"\nlang = \"en\"\nsign_key = \"v.key\"\nrecipients = [\" Sales \", \"\"]\ncontroller_contact = \"dpo@x.example\"\n",
        );
        let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let cli = RunOptions {
            config: Some(cfg),
            ..Default::default()
        };
        let c = Config::resolve(cli, day).unwrap();
        assert_eq!(c.lang, Lang::En);
        assert_eq!(c.sign_key, Some(dir.path().join("v.key")));
        assert_eq!(c.recipients, vec!["Sales".to_owned()]);
        assert_eq!(c.controller_contact.as_deref(), Some("dpo@x.example"));

        let cfg = write(
            dir.path(),
            "q2.toml",
            "list = \"l.csv\"\nout = \"out\"\nsign_key = \"nope.key\"\n",
        );
        let cli = RunOptions {
            config: Some(cfg),
            ..Default::default()
        };
        let e = Config::resolve(cli, day).unwrap_err().to_string();
        assert!(e.contains("nope.key"), "{e}");
        assert_eq!(Config::new("l".into(), "o".into(), day).lang, Lang::Fr);
    }

    #[test]
    fn sidecar_manifest_sits_beside_the_list() {
        assert_eq!(
            sidecar_manifest(Path::new("a/b/list.csv")),
            PathBuf::from("a/b/list.manifest.toml")
        );
    }
}
