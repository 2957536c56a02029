//! The run's remote side. In: the `qualify run` options about URL inputs,
//! the cache and the company check (merged into [`RemoteConfig`] by
//! [`crate::config::Config::resolve`]), then — from the binary, which alone
//! reads the environment and the clock — the cache folder, the token's
//! value and the current time ([`RemoteState`]). Out: [`resolve_sources`]
//! replaces every URL input of the config by the local file it was fetched
//! into, loads the sidecar manifest of a URL list, and returns what was
//! fetched for run.json.
//!
//! A source that cannot be fetched fails the run with the URL and the cause,
//! unless `optional` names it: then it is dropped, recorded in
//! [`RemoteState::unavailable`], and the decisions it would have informed
//! fail closed (the rules deny every channel `source_unavailable` when the
//! client file or an opposition list is missing; a missing Bloctel file is
//! already `bloctel_outdated`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::{is_url, path_is_url, Credential, FetchOptions, Fetched, Fetcher};
use crate::config::{Config, RunOptions};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::progress::Progress;

/// Default base URL of the state's company directory ("recherche
/// d'entreprises"): no key, 7 requests per second per IP.
pub const COMPANY_API_URL: &str = "https://recherche-entreprises.api.gouv.fr";

/// Remote settings, validated. Serialised into nothing decision-relevant
/// except what [`crate::pipeline`] chooses to report.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteConfig {
    /// `None` until the binary fills in the default folder.
    pub cache_dir: Option<PathBuf>,
    pub offline: bool,
    pub fetch_timeout: f64,
    pub connect_timeout: f64,
    pub fetch_retries: u32,
    pub max_download_bytes: u64,
    /// The *name* of the variable holding the token; its value lives in
    /// [`RemoteState`] and is never serialised.
    pub auth_token_env: Option<String>,
    pub auth_header: String,
    pub optional: Vec<String>,
    /// `None`: no company check.
    pub company: Option<CompanySettings>,
    #[serde(skip)]
    pub state: RemoteState,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompanySettings {
    pub api_url: String,
    pub rate_limit: f64,
    pub concurrency: usize,
    pub cache_ttl_days: u32,
    /// Offline check against this SIRENE stock file instead of the API.
    pub sirene_file: Option<PathBuf>,
}

/// Facts from outside the core, set by the binary, and what fetching found.
#[derive(Debug, Clone, Default)]
pub struct RemoteState {
    pub credential: Option<Credential>,
    /// Seconds since the Unix epoch, for the company cache's time-to-live.
    pub now_unix: u64,
    /// Local file -> the URL it was fetched from.
    pub origins: BTreeMap<PathBuf, String>,
    /// Optional sources that could not be fetched.
    pub unavailable: Vec<Unavailable>,
}

/// An optional source that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct Unavailable {
    /// `clients`, `opposition`, `bloctel` or `companies`.
    pub source: String,
    pub url: String,
    pub cause: String,
}

/// Source kinds `optional` may name.
pub const OPTIONAL_KINDS: &[&str] = &["clients", "opposition", "bloctel", "companies"];

impl Default for RemoteConfig {
    fn default() -> Self {
        RemoteConfig {
            cache_dir: None,
            offline: false,
            fetch_timeout: 300.0,
            connect_timeout: 10.0,
            fetch_retries: 3,
            max_download_bytes: 4 << 30,
            auth_token_env: None,
            auth_header: "Authorization".into(),
            optional: Vec::new(),
            company: None,
            state: RemoteState::default(),
        }
    }
}

impl RemoteConfig {
    /// Merges the command line over the config file (the command line
    /// wins) and validates.
    pub fn resolve(cli: &RunOptions, file: &RunOptions) -> Result<RemoteConfig> {
        let d = RemoteConfig::default();
        let positive = |name: &str, v: f64| -> Result<f64> {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(Error::Usage(format!("{name} must be a positive number")))
            }
        };
        let optional: Vec<String> = cli
            .optional
            .clone()
            .or(file.optional.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        for o in &optional {
            if !is_url(o) && !OPTIONAL_KINDS.contains(&o.as_str()) {
                return Err(Error::Usage(format!(
                    "optional: {o:?} is neither a source kind ({}) nor a URL",
                    OPTIONAL_KINDS.join(", ")
                )));
            }
        }
        let sirene_file = cli.sirene_file.clone().or(file.sirene_file.clone());
        if let Some(p) = sirene_file.as_ref().filter(|p| !path_is_url(p)) {
            if !p.exists() {
                return Err(Error::input(p, "SIRENE file not found"));
            }
        }
        let check = cli
            .check_companies
            .or(file.check_companies)
            .unwrap_or(false)
            || sirene_file.is_some();
        let company = if check {
            let api_url = cli
                .company_api_url
                .clone()
                .or(file.company_api_url.clone())
                .unwrap_or_else(|| COMPANY_API_URL.into());
            if !is_url(&api_url) {
                return Err(Error::Usage(format!(
                    "company_api_url {api_url:?} is not an http(s) URL"
                )));
            }
            let concurrency = cli
                .company_concurrency
                .or(file.company_concurrency)
                .unwrap_or(4);
            if concurrency == 0 {
                return Err(Error::Usage(
                    "company_concurrency must be at least 1".into(),
                ));
            }
            Some(CompanySettings {
                api_url: api_url.trim_end_matches('/').to_owned(),
                rate_limit: positive(
                    "company_rate_limit",
                    cli.company_rate_limit
                        .or(file.company_rate_limit)
                        .unwrap_or(7.0),
                )?,
                concurrency,
                cache_ttl_days: cli
                    .company_cache_ttl_days
                    .or(file.company_cache_ttl_days)
                    .unwrap_or(30),
                sirene_file,
            })
        } else {
            None
        };
        Ok(RemoteConfig {
            cache_dir: cli.cache_dir.clone().or(file.cache_dir.clone()),
            offline: cli.offline.or(file.offline).unwrap_or(false),
            fetch_timeout: positive(
                "fetch_timeout",
                cli.fetch_timeout
                    .or(file.fetch_timeout)
                    .unwrap_or(d.fetch_timeout),
            )?,
            connect_timeout: positive(
                "connect_timeout",
                cli.connect_timeout
                    .or(file.connect_timeout)
                    .unwrap_or(d.connect_timeout),
            )?,
            fetch_retries: cli
                .fetch_retries
                .or(file.fetch_retries)
                .unwrap_or(d.fetch_retries),
            max_download_bytes: cli
                .max_download_bytes
                .or(file.max_download_bytes)
                .unwrap_or(d.max_download_bytes),
            auth_token_env: cli
                .auth_token_env
                .clone()
                .or(file.auth_token_env.clone())
                .filter(|s| !s.trim().is_empty()),
            auth_header: cli
                .auth_header
                .clone()
                .or(file.auth_header.clone())
                .unwrap_or(d.auth_header),
            optional,
            company,
            state: RemoteState::default(),
        })
    }

    /// Whether the company check's source itself could not be fetched.
    pub fn companies_unavailable(&self) -> bool {
        self.state
            .unavailable
            .iter()
            .any(|u| u.source == "companies")
    }

    /// Options for fetching sources. The binary always sets a cache folder;
    /// a library caller with URL inputs must set one too.
    pub fn fetch_options(&self) -> Result<FetchOptions> {
        let cache_dir = self
            .cache_dir
            .clone()
            .ok_or_else(|| Error::Usage("URL inputs need a cache folder (--cache-dir)".into()))?;
        Ok(FetchOptions {
            cache_dir,
            offline: self.offline,
            connect_timeout: Duration::from_secs_f64(self.connect_timeout),
            timeout: Duration::from_secs_f64(self.fetch_timeout),
            retries: self.fetch_retries,
            backoff: Duration::from_millis(250),
            max_bytes: self.max_download_bytes,
            credential: self.state.credential.clone(),
        })
    }

    /// Whether a failure of this source may be tolerated.
    pub fn is_optional(&self, kind: &str, url: &str) -> bool {
        self.optional.iter().any(|o| o == kind || o == url)
    }

    /// Whether a missing source makes every decision fail closed.
    pub fn fails_closed(&self) -> bool {
        self.state
            .unavailable
            .iter()
            .any(|u| u.source == "clients" || u.source == "opposition")
    }

    /// An error about a fetched file names its URL, not its place in the
    /// cache (row and column stay as they are).
    pub fn name_error(&self, e: Error) -> Error {
        let url = |p: &PathBuf| self.state.origins.get(p).map(PathBuf::from);
        match e {
            Error::Io { path, cause } => Error::Io {
                path: url(&path).unwrap_or(path),
                cause,
            },
            Error::Input { path, message } => Error::Input {
                path: url(&path).unwrap_or(path),
                message,
            },
            Error::Config { path, message } => Error::Config {
                path: url(&path).unwrap_or(path),
                message,
            },
            Error::Cell {
                path,
                row,
                column,
                message,
            } => Error::Cell {
                path: url(&path).unwrap_or(path),
                row,
                column,
                message,
            },
            other => other,
        }
    }

    /// How the deterministic outputs name an input: its URL when it was
    /// fetched, else its file name. Not the path: the same config run from
    /// another folder, or given as an absolute path, must write the same
    /// summary.json (docs/pipeline.md#the-pipeline); run.json keeps the paths ([`Self::source_path`]).
    pub fn source_name(&self, p: &Path) -> String {
        match self.state.origins.get(p) {
            Some(url) => url.clone(),
            None => p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
        }
    }

    /// Where an input was read from: its URL, else its path as resolved.
    pub fn source_path(&self, p: &Path) -> String {
        self.state
            .origins
            .get(p)
            .cloned()
            .unwrap_or_else(|| p.display().to_string())
    }
}

/// `<list stem>.manifest.toml` at the same place as a list URL.
pub fn sidecar_url(list_url: &str) -> String {
    let no_query = list_url.split(['?', '#']).next().unwrap_or(list_url);
    let (dir, name) = no_query.rsplit_once('/').unwrap_or(("", no_query));
    let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name);
    format!("{dir}/{stem}.manifest.toml")
}

fn url_of(p: &Path) -> Option<String> {
    path_is_url(p).then(|| p.to_string_lossy().into_owned())
}

/// Fetches every URL input of `config` and points the config at the local
/// copies. Returns what was fetched (for run.json), in input order.
pub fn resolve_sources(config: &mut Config, progress: Progress) -> Result<Vec<Fetched>> {
    let sirene_url = config
        .remote
        .company
        .as_ref()
        .and_then(|c| c.sirene_file.as_deref())
        .and_then(url_of);
    let any = url_of(&config.list).is_some()
        || config.manifest_path.as_deref().and_then(url_of).is_some()
        || config.mapping.as_deref().and_then(url_of).is_some()
        || config.clients.as_deref().and_then(url_of).is_some()
        || config.bloctel.as_deref().and_then(url_of).is_some()
        || config.opposition.iter().any(|p| path_is_url(p))
        || sirene_url.is_some();
    if !any {
        return Ok(Vec::new());
    }
    let fetcher = Fetcher::new(config.remote.fetch_options()?, progress)?;
    let mut log = Vec::new();
    let origin = |config: &mut Config, f: &Fetched| {
        config
            .remote
            .state
            .origins
            .insert(f.path.clone(), f.url.clone());
    };

    // The list and what must come with it: no tolerance for failure.
    if let Some(url) = url_of(&config.list) {
        let f = fetcher.fetch(&url)?;
        origin(config, &f);
        config.list = f.path.clone();
        log.push(f);
        if config.manifest_path.is_none() {
            // Same rule as for local lists: no sidecar manifest is not an
            // error, it is `no_provenance`.
            if let Some(m) = fetcher.fetch_if_exists(&sidecar_url(&url))? {
                origin(config, &m);
                config.manifest_path = Some(m.path.clone());
                log.push(m);
            }
        }
    }
    if let Some(url) = config.manifest_path.as_deref().and_then(url_of) {
        let f = fetcher.fetch(&url)?;
        origin(config, &f);
        config.manifest_path = Some(f.path.clone());
        log.push(f);
    }
    if config.manifest.is_none() {
        if let Some(p) = &config.manifest_path {
            config.manifest = Some(Manifest::load(p).map_err(|e| config.remote.name_error(e))?);
        }
    }
    if let Some(url) = config.mapping.as_deref().and_then(url_of) {
        let f = fetcher.fetch(&url)?;
        origin(config, &f);
        config.mapping = Some(f.path.clone());
        log.push(f);
    }

    // Reference files: `optional` may tolerate their absence.
    let mut fetch_ref = |config: &mut Config, kind: &str, url: String| -> Result<Option<PathBuf>> {
        match fetcher.try_fetch(&url) {
            Ok(f) => {
                origin(config, &f);
                let p = f.path.clone();
                log.push(f);
                Ok(Some(p))
            }
            Err(fail) if config.remote.is_optional(kind, &url) => {
                config.remote.state.unavailable.push(Unavailable {
                    source: kind.to_owned(),
                    url,
                    cause: fail.message,
                });
                Ok(None)
            }
            Err(fail) => Err(fail.into_error(&url)),
        }
    };
    if let Some(url) = config.clients.as_deref().and_then(url_of) {
        config.clients = fetch_ref(config, "clients", url)?;
    }
    let mut opposition = Vec::new();
    for p in std::mem::take(&mut config.opposition) {
        match url_of(&p) {
            Some(url) => opposition.extend(fetch_ref(config, "opposition", url)?),
            None => opposition.push(p),
        }
    }
    config.opposition = opposition;
    if let Some(url) = config.bloctel.as_deref().and_then(url_of) {
        config.bloctel = fetch_ref(config, "bloctel", url)?;
    }
    if let Some(url) = sirene_url {
        let local = fetch_ref(config, "companies", url)?;
        // When it could not be fetched, `unavailable` says so and the
        // company check fails closed for every company.
        if let Some(c) = config.remote.company.as_mut() {
            c.sirene_file = local;
        }
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_manifest_of_a_url_sits_at_the_same_place() {
        assert_eq!(
            sidecar_url("https://h.example/exports/list.csv"),
            "https://h.example/exports/list.manifest.toml"
        );
        assert_eq!(
            sidecar_url("http://h/a/b.v2.xlsx?x=1"),
            "http://h/a/b.v2.manifest.toml"
        );
    }

    #[test]
    fn optional_names_kinds_or_urls_only() {
        let cli = RunOptions {
            optional: Some(vec!["clients".into(), "http://h/o.csv".into()]),
            ..Default::default()
        };
        let r = RemoteConfig::resolve(&cli, &RunOptions::default()).unwrap();
        assert!(r.is_optional("clients", "http://x/c.csv"));
        assert!(r.is_optional("opposition", "http://h/o.csv"));
        assert!(!r.is_optional("opposition", "http://h/other.csv"));
        let bad = RunOptions {
            optional: Some(vec!["client".into()]),
            ..Default::default()
        };
        let e = RemoteConfig::resolve(&bad, &RunOptions::default()).unwrap_err();
        assert!(e.to_string().contains("\"client\""), "{e}");
    }

    #[test]
    fn urls_in_a_config_file_stay_urls_and_are_not_looked_for_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("local.csv"), "email\n").unwrap();
        let cfg = dir.path().join("q.toml");
        std::fs::write(
            &cfg,
            "list = \"https://h.example/x/list.csv\"\nclients = \"http://h.example/c.csv\"\nopposition = [\"https://h.example/o.csv\", \"local.csv\"]\nout = \"out\"\nauth_token_env = \"NIGHTLY_TOKEN\"\noptional = [\"opposition\"]\n",
        )
        .unwrap();
        let cli = RunOptions {
            config: Some(cfg),
            ..Default::default()
        };
        let c = Config::resolve(cli, chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()).unwrap();
        assert_eq!(c.list, PathBuf::from("https://h.example/x/list.csv"));
        assert_eq!(c.clients, Some(PathBuf::from("http://h.example/c.csv")));
        assert_eq!(
            c.opposition,
            vec![
                PathBuf::from("https://h.example/o.csv"),
                dir.path().join("local.csv")
            ]
        );
        // The sidecar of a URL list is fetched later, not guessed on disk.
        assert!(c.manifest_path.is_none() && c.manifest.is_none());
        assert_eq!(c.remote.auth_token_env.as_deref(), Some("NIGHTLY_TOKEN"));
        assert!(c
            .remote
            .is_optional("opposition", "https://h.example/o.csv"));
        // Without a cache folder, URL inputs cannot be fetched: said plainly.
        let mut c = c;
        let e = resolve_sources(&mut c, Progress::hidden()).unwrap_err();
        assert!(e.to_string().contains("--cache-dir"), "{e}");
    }

    #[test]
    fn local_inputs_need_no_fetcher_and_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("l.csv");
        std::fs::write(&list, "email\n").unwrap();
        let mut c = Config::new(
            list.clone(),
            dir.path().join("out"),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        );
        assert!(resolve_sources(&mut c, Progress::hidden())
            .unwrap()
            .is_empty());
        assert_eq!(c.remote.source_name(&list), "l.csv");
        assert_eq!(c.remote.source_path(&list), list.display().to_string());
    }

    #[test]
    fn a_sirene_file_turns_the_company_check_on() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("stock.csv");
        std::fs::write(&f, "siren,etatAdministratifUniteLegale\n").unwrap();
        let cli = RunOptions {
            sirene_file: Some(f.clone()),
            ..Default::default()
        };
        let r = RemoteConfig::resolve(&cli, &RunOptions::default()).unwrap();
        let c = r.company.unwrap();
        assert_eq!(c.sirene_file, Some(f));
        assert_eq!(c.rate_limit, 7.0);
        let none = RemoteConfig::resolve(&RunOptions::default(), &RunOptions::default()).unwrap();
        assert!(none.company.is_none());
    }
}
