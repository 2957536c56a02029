//! The remote settings: URL inputs, the download cache, the company check.
//! In: the `qualify run` options (command line over config file). Out: a
//! validated [`RemoteConfig`], part of [`super::Config`]. Fetching itself
//! (the binary's `fetch::sources`, outside the core) reads these settings;
//! nothing here does I/O, so the settings never depend on the network code.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::RunOptions;
use crate::error::{Error, Result};

/// Whether an input names a remote source: an HTTP(S) URL, or a
/// PostgreSQL one (`postgres://`, `postgresql://`; any case).
pub fn is_url(s: &str) -> bool {
    is_http(s) || is_postgres(s)
}

/// `http://` or `https://`, any case.
pub fn is_http(s: &str) -> bool {
    let l = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// `postgres://` or `postgresql://`, any case.
pub fn is_postgres(s: &str) -> bool {
    let l = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    l.starts_with("postgres://") || l.starts_with("postgresql://")
}

/// [`is_url`] for paths (inputs travel as `PathBuf` through the config).
pub fn path_is_url(p: &Path) -> bool {
    p.to_str().is_some_and(is_url)
}

/// Default base URL of the state's company directory ("recherche
/// d'entreprises"): no key, 7 requests per second per IP.
pub const COMPANY_API_URL: &str = "https://recherche-entreprises.api.gouv.fr";

/// Remote settings, validated. Serialised into nothing decision-relevant
/// except what [`crate::pipeline`] chooses to report.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteConfig {
    /// `None` when neither the options nor the caller name one (the binary
    /// gives a default: [`crate::config::Surroundings::default_cache_dir`]).
    pub cache_dir: Option<PathBuf>,
    pub offline: bool,
    pub fetch_timeout: f64,
    pub connect_timeout: f64,
    pub fetch_retries: u32,
    pub max_download_bytes: u64,
    /// The *name* of the variable holding the token; its value is read by
    /// the binary and handed to the fetching code only: never in the
    /// settings, the run's state or any output.
    pub auth_token_env: Option<String>,
    pub auth_header: String,
    /// The SELECT that reads the client file from a `postgres://` source
    /// (instead of its `?table=`).
    pub clients_query: Option<String>,
    /// The *name* of the variable holding the PostgreSQL password (read
    /// by the binary, like the token).
    pub postgres_password_env: Option<String>,
    pub optional: Vec<String>,
    /// `None`: no company check.
    pub company: Option<CompanySettings>,
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
            clients_query: None,
            postgres_password_env: None,
            optional: Vec::new(),
            company: None,
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
            if !is_http(&api_url) {
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
            clients_query: cli
                .clients_query
                .clone()
                .or(file.clients_query.clone())
                .filter(|s| !s.trim().is_empty()),
            postgres_password_env: cli
                .postgres_password_env
                .clone()
                .or(file.postgres_password_env.clone())
                .filter(|s| !s.trim().is_empty()),
            optional,
            company,
        })
    }

    /// Whether a failure of this source may be tolerated.
    pub fn is_optional(&self, kind: &str, url: &str) -> bool {
        self.optional.iter().any(|o| o == kind || o == url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
