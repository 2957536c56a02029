//! The run's remote side. In: the `qualify run` options about URL inputs,
//! the cache and the company check (merged into [`RemoteConfig`] by
//! [`crate::config::Config::resolve`]), then — from the binary, which alone
//! reads the environment and the clock — the cache folder, the token's
//! value and the current time ([`RemoteState`], kept beside the settings,
//! never inside them). Out: [`resolve_sources`] returns the settings of the
//! run that reads local files (every URL input replaced by the file it was
//! fetched into, the sidecar manifest of a URL list loaded) and what was
//! fetched for run.json; the state records where each file came from. The
//! validated settings themselves never change.
//!
//! A source that cannot be fetched fails the run with the URL and the cause,
//! unless `optional` names it: then it is dropped, recorded in
//! [`RemoteState::unavailable`], and the decisions it would have informed
//! fail closed (the rules deny every channel `source_unavailable` when the
//! client file or an opposition list is missing; a missing Bloctel file is
//! already `bloctel_outdated`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::postgres;
use super::{path_is_url, Credential, FetchOptions, Fetcher};
pub use crate::config::remote::{CompanySettings, RemoteConfig, COMPANY_API_URL, OPTIONAL_KINDS};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
pub use crate::state::{sidecar_url, Fetched, RemoteState, Unavailable};
use crate::terminal::Terminal;

/// Options for fetching sources. The binary always sets a cache folder; a
/// library caller with URL inputs must set one too.
pub fn fetch_options(
    remote: &RemoteConfig,
    credential: Option<&Credential>,
) -> Result<FetchOptions> {
    let cache_dir = remote
        .cache_dir
        .clone()
        .ok_or_else(|| Error::Usage("URL inputs need a cache folder (--cache-dir)".into()))?;
    Ok(FetchOptions {
        cache_dir,
        offline: remote.offline,
        connect_timeout: Duration::from_secs_f64(remote.connect_timeout),
        timeout: Duration::from_secs_f64(remote.fetch_timeout),
        retries: remote.fetch_retries,
        backoff: Duration::from_millis(250),
        max_bytes: remote.max_download_bytes,
        credential: credential.cloned(),
    })
}

fn url_of(p: &Path) -> Option<String> {
    path_is_url(p).then(|| p.to_string_lossy().into_owned())
}

/// What the binary read from the environment for the sources: the HTTP
/// token and the PostgreSQL password. Never in `Debug` output.
#[derive(Clone, Default)]
pub struct Secrets {
    pub http: Option<Credential>,
    pub postgres_password: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// Reads a `postgres://` source into the cache folder; `--offline` reads
/// the copy the last run that read it left there.
fn fetch_postgres(
    remote: &RemoteConfig,
    url: &str,
    query: Option<&str>,
    password: Option<&str>,
) -> Result<Fetched> {
    let mut source = postgres::Source::parse(url, query, password)?;
    source.max_bytes = remote.max_download_bytes;
    let cache = remote.cache_dir.as_deref().ok_or_else(|| {
        Error::Usage("PostgreSQL sources need a cache folder (--cache-dir)".into())
    })?;
    let dest = postgres::cache_path(cache, &source);
    if remote.offline {
        let bytes = std::fs::metadata(&dest)
            .map_err(|_| {
                Error::fetch(
                    &source.display,
                    "--offline, and the cache holds no copy of these rows",
                )
            })?
            .len();
        return Ok(Fetched {
            url: source.display.clone(),
            path: dest,
            status: None,
            from_cache: true,
            final_url: None,
            bytes,
            attempts: 0,
        });
    }
    source.copy_to(&dest, Duration::from_secs_f64(remote.fetch_timeout))
}

/// Fetches every URL input of `config`. Returns the settings of the run
/// that reads the local copies (the same settings, each URL input replaced
/// by the file it was fetched into) and what was fetched (for run.json), in
/// input order; `state` records where each copy came from and which
/// optional source could not be fetched. `config` itself is not changed.
pub fn resolve_sources(
    config: &Config,
    state: &mut RemoteState,
    secrets: &Secrets,
    terminal: Terminal,
) -> Result<(Config, Vec<Fetched>)> {
    let mut config = config.clone();
    let log = fetch_into(&mut config, state, secrets, terminal)?;
    Ok((config, log))
}

fn fetch_into(
    config: &mut Config,
    state: &mut RemoteState,
    secrets: &Secrets,
    terminal: Terminal,
) -> Result<Vec<Fetched>> {
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
    // The list and its companions are files or HTTP: a table is not a
    // vendor's delivery.
    for (what, p) in [
        ("--list", Some(config.list.as_path())),
        ("--manifest", config.manifest_path.as_deref()),
        ("--mapping", config.mapping.as_deref()),
        ("--bloctel", config.bloctel.as_deref()),
        ("--sirene-file", sirene_url.as_deref().map(Path::new)),
    ] {
        if p.and_then(|p| p.to_str())
            .is_some_and(postgres::is_postgres)
        {
            return Err(Error::Usage(format!(
                "{what}: PostgreSQL is a source of the client file (--clients) and of opposition lists (--opposition) only"
            )));
        }
    }
    let fetcher = Fetcher::new(
        fetch_options(&config.remote, secrets.http.as_ref())?,
        terminal,
    )?;
    let mut log = Vec::new();
    let origin = |state: &mut RemoteState, f: &Fetched| {
        state.origins.insert(f.path.clone(), f.url.clone());
    };

    // The list and what must come with it: no tolerance for failure.
    if let Some(url) = url_of(&config.list) {
        let f = fetcher.fetch(&url)?;
        origin(state, &f);
        config.list = f.path.clone();
        log.push(f);
        if config.manifest_path.is_none() {
            // Same rule as for local lists: no sidecar manifest is not an
            // error, it is `no_provenance`.
            if let Some(m) = fetcher.fetch_if_exists(&sidecar_url(&url))? {
                origin(state, &m);
                config.manifest_path = Some(m.path.clone());
                log.push(m);
            }
        }
    }
    if let Some(url) = config.manifest_path.as_deref().and_then(url_of) {
        let f = fetcher.fetch(&url)?;
        origin(state, &f);
        config.manifest_path = Some(f.path.clone());
        log.push(f);
    }
    if config.manifest.is_none() {
        if let Some(p) = &config.manifest_path {
            config.manifest = Some(Manifest::load(p).map_err(|e| state.name_error(e))?);
        }
    }
    if let Some(url) = config.mapping.as_deref().and_then(url_of) {
        let f = fetcher.fetch(&url)?;
        origin(state, &f);
        config.mapping = Some(f.path.clone());
        log.push(f);
    }

    // Reference files: `optional` may tolerate their absence.
    let mut fetch_ref = |config: &Config,
                         state: &mut RemoteState,
                         kind: &str,
                         url: String|
     -> Result<Option<PathBuf>> {
        if postgres::is_postgres(&url) {
            let query = match kind {
                "clients" => config.remote.clients_query.as_deref(),
                _ => None,
            };
            return match fetch_postgres(
                &config.remote,
                &url,
                query,
                secrets.postgres_password.as_deref(),
            ) {
                Ok(f) => {
                    origin(state, &f);
                    let p = f.path.clone();
                    log.push(f);
                    Ok(Some(p))
                }
                Err(e @ Error::Fetch { .. }) if config.remote.is_optional(kind, &url) => {
                    let Error::Fetch {
                        url: shown,
                        message,
                    } = e
                    else {
                        unreachable!()
                    };
                    state.unavailable.push(Unavailable {
                        source: kind.to_owned(),
                        url: shown,
                        cause: message,
                    });
                    Ok(None)
                }
                Err(e) => Err(e),
            };
        }
        match fetcher.try_fetch(&url) {
            Ok(f) => {
                origin(state, &f);
                let p = f.path.clone();
                log.push(f);
                Ok(Some(p))
            }
            Err(fail) if config.remote.is_optional(kind, &url) => {
                state.unavailable.push(Unavailable {
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
        config.clients = fetch_ref(config, state, "clients", url)?;
    }
    let mut opposition = Vec::new();
    for p in std::mem::take(&mut config.opposition) {
        match url_of(&p) {
            Some(url) => opposition.extend(fetch_ref(config, state, "opposition", url)?),
            None => opposition.push(p),
        }
    }
    config.opposition = opposition;
    if let Some(url) = config.bloctel.as_deref().and_then(url_of) {
        config.bloctel = fetch_ref(config, state, "bloctel", url)?;
    }
    if let Some(url) = sirene_url {
        let local = fetch_ref(config, state, "companies", url)?;
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
    use crate::config::RunOptions;

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
        let e = resolve_sources(
            &c,
            &mut RemoteState::default(),
            &Secrets::default(),
            Terminal::hidden(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("--cache-dir"), "{e}");
    }

    #[test]
    fn local_inputs_need_no_fetcher_and_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("l.csv");
        std::fs::write(&list, "email\n").unwrap();
        let c = Config::new(
            list.clone(),
            dir.path().join("out"),
            chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        );
        let mut state = RemoteState::default();
        let (local, fetched) =
            resolve_sources(&c, &mut state, &Secrets::default(), Terminal::hidden()).unwrap();
        assert!(fetched.is_empty());
        assert_eq!(local.list, c.list);
        assert_eq!(state.source_name(&list), "l.csv");
        assert_eq!(state.source_path(&list), list.display().to_string());
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
