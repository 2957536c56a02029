//! The company directory API ("API Recherche d'entreprises",
//! `GET <base>/search?q=<siren>`, no key, a published limit of 7 requests
//! per second per IP). In: distinct SIRENs. Out: per SIREN a
//! [`CompanyStatus`] or the cause it could not be had.
//!
//! The answer is `{"results": [{"siren", "nom_complet",
//! "etat_administratif": "A"|"C", "siege": {...}, "matching_etablissements":
//! [...]}, ...], "total_results", "page", "per_page", "total_pages"}`. A
//! search by SIREN may also return other companies (it is a full-text
//! search), so only a result whose `siren` is the one asked counts; none is
//! [`CompanyStatus::Unknown`].
//!
//! Politeness: a tokio semaphore bounds the requests in flight; a shared
//! rate limiter spaces request starts to stay under the configured rate,
//! and a 429 pushes every later start back by its `Retry-After` (or the
//! backoff). 5xx and connection failures are retried with backoff. Answers
//! are cached on disk, one small JSON file per SIREN, for the configured
//! time-to-live, so that tonight's batch does not ask again about
//! yesterday's companies.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

pub use crate::company::{search_url, Lookups};
use crate::company::{CompanyStatus, RunStats};
use crate::config::remote::{CompanySettings, RemoteConfig};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::normalise::records::Normalised;
use crate::state::RemoteState;
use crate::terminal::Terminal;

/// The look-ups the run's company check needs (none unless it asks the
/// API), made before the core links and decides: the core is handed the
/// answers ([`crate::company::check_records`]) and never asks itself.
pub fn look_up_for(
    config: &Config,
    state: &RemoteState,
    norm: &Normalised,
    terminal: Terminal,
) -> Result<Option<Lookups>> {
    let (Some(settings), Some(sirens)) = (
        config.remote.company.as_ref(),
        crate::company::api_sirens(config, state, norm),
    ) else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let mut out = lookup_all(&sirens, settings, &config.remote, state.now_unix, terminal)?;
    out.stats.seconds = started.elapsed().as_secs_f64();
    Ok(Some(out))
}

/// Reads an answer of `/search` for `siren`.
pub fn parse_search(json: &Value, siren: &str) -> std::result::Result<CompanyStatus, String> {
    let results = json["results"]
        .as_array()
        .ok_or_else(|| "the answer has no `results` array".to_owned())?;
    let Some(r) = results.iter().find(|r| r["siren"].as_str() == Some(siren)) else {
        return Ok(CompanyStatus::Unknown);
    };
    Ok(match r["etat_administratif"].as_str() {
        Some("A") => CompanyStatus::Active,
        Some("C") => CompanyStatus::Closed,
        // Not a documented state: the company cannot be shown to be active,
        // so its signal is not trusted (the stricter reading).
        _ => CompanyStatus::Unknown,
    })
}

/// Spaces request starts `1 / rate` apart, across tasks; a 429 pauses all.
pub struct RateLimiter {
    next: Mutex<Instant>,
    interval: Duration,
}

impl RateLimiter {
    pub fn new(per_second: f64) -> RateLimiter {
        // 5% under the limit: exact spacing puts limit + 1 starts in a
        // closed one-second window, and network jitter bunches requests.
        RateLimiter {
            next: Mutex::new(Instant::now()),
            interval: Duration::from_secs_f64(1.05 / per_second),
        }
    }
    /// Waits for this request's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
    /// No request starts before `now + d`.
    pub async fn pause(&self, d: Duration) {
        let mut next = self.next.lock().await;
        *next = (*next).max(Instant::now() + d);
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheEntry {
    siren: String,
    status: CompanyStatus,
    checked_at: u64,
}

/// `<cache>/companies/<hash of the API base>/`: answers of two directories
/// (or two test servers) never mix.
fn cache_folder(cache_dir: &Path, base: &str) -> PathBuf {
    let key = hex::encode(Sha256::digest(base.as_bytes()));
    cache_dir.join("companies").join(&key[..16])
}

struct Client {
    http: reqwest::Client,
    base: String,
    limiter: RateLimiter,
    permits: Semaphore,
    retries: u32,
    backoff: Duration,
    timeout: Duration,
    cache: Option<PathBuf>,
    ttl_secs: u64,
    now: u64,
    offline: bool,
    queried: AtomicUsize,
    hits: AtomicUsize,
    retried: AtomicUsize,
    limited: AtomicUsize,
}

impl Client {
    fn cached(&self, siren: &str) -> Option<CompanyStatus> {
        let path = self.cache.as_ref()?.join(format!("{siren}.json"));
        let e: CacheEntry = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        // Offline, any answer we have is better than none; online, only a
        // fresh one.
        let fresh = self.now.saturating_sub(e.checked_at) < self.ttl_secs;
        (e.siren == siren && (fresh || self.offline)).then_some(e.status)
    }

    fn store(&self, siren: &str, status: CompanyStatus) {
        let Some(dir) = &self.cache else { return };
        let e = CacheEntry {
            siren: siren.to_owned(),
            status,
            checked_at: self.now,
        };
        // A cache that cannot be written costs a query next time, nothing more.
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        let _ = b.create(dir).and_then(|_| {
            use std::io::Write as _;
            let tmp = dir.join(format!("{siren}.json.part"));
            let _ = std::fs::remove_file(&tmp);
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            o.open(&tmp)?
                .write_all(&serde_json::to_vec(&e).expect("entry serialises"))?;
            std::fs::rename(tmp, dir.join(format!("{siren}.json")))
        });
    }

    async fn lookup(&self, siren: &str) -> std::result::Result<CompanyStatus, String> {
        if let Some(s) = self.cached(siren) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(s);
        }
        if self.offline {
            return Err("--offline and not in the company cache".into());
        }
        let url = search_url(&self.base, siren);
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                self.retried.fetch_add(1, Ordering::Relaxed);
            }
            let answer = {
                let _permit = self.permits.acquire().await.expect("semaphore open");
                self.limiter.wait().await;
                self.queried.fetch_add(1, Ordering::Relaxed);
                match self.http.get(&url).send().await {
                    Ok(r) => {
                        let status = r.status();
                        let retry_after = r
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<f64>().ok());
                        if status.is_success() {
                            match r.json::<Value>().await {
                                Ok(v) => Ok(v),
                                Err(e) => Err((
                                    true,
                                    None,
                                    format!("unreadable answer: {}", crate::fetch::chain(&e)),
                                )),
                            }
                        } else if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                            self.limited.fetch_add(1, Ordering::Relaxed);
                            // Without Retry-After, back off as for a 5xx,
                            // but for every task (see below).
                            let backoff = self.backoff.as_secs_f64()
                                * f64::from(2u32.saturating_pow(attempt));
                            Err((
                                true,
                                Some(retry_after.unwrap_or(backoff)),
                                format!("HTTP {status}"),
                            ))
                        } else {
                            Err((status.is_server_error(), None, format!("HTTP {status}")))
                        }
                    }
                    Err(e) => {
                        let (retry, msg) = crate::fetch::transport(&e, self.timeout);
                        Err((retry, None, msg))
                    }
                }
            };
            match answer {
                Ok(json) => {
                    let st = parse_search(&json, siren)?;
                    self.store(siren, st);
                    return Ok(st);
                }
                Err((retry, retry_after, msg)) => {
                    last = msg;
                    if !retry {
                        return Err(last);
                    }
                    let wait = retry_after
                        .map(|s| Duration::from_secs_f64(s.clamp(0.0, 120.0)))
                        .unwrap_or(self.backoff * 2u32.saturating_pow(attempt));
                    if retry_after.is_some() {
                        // Everyone waits: the limit is per IP, not per task.
                        self.limiter.pause(wait).await;
                    } else {
                        tokio::time::sleep(wait).await;
                    }
                }
            }
        }
        Err(format!("{last} (after {} attempts)", self.retries + 1))
    }
}

/// Looks every SIREN up (blocking: runs its own small tokio runtime).
/// `now_unix` (seconds since the epoch, from the binary) dates the cache.
pub fn lookup_all(
    sirens: &[String],
    settings: &CompanySettings,
    remote: &RemoteConfig,
    now_unix: u64,
    terminal: Terminal,
) -> Result<Lookups> {
    let rt = crate::fetch::runtime()?;
    rt.block_on(lookup_all_async(
        sirens, settings, remote, now_unix, terminal,
    ))
}

/// The async core of [`lookup_all`].
pub async fn lookup_all_async(
    sirens: &[String],
    settings: &CompanySettings,
    remote: &RemoteConfig,
    now_unix: u64,
    terminal: Terminal,
) -> Result<Lookups> {
    let timeout = Duration::from_secs_f64(remote.fetch_timeout.min(60.0));
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs_f64(remote.connect_timeout))
        .timeout(timeout)
        .user_agent(concat!("qualify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Usage(format!("cannot build the HTTP client: {e}")))?;
    let client = Arc::new(Client {
        http,
        base: settings.api_url.clone(),
        limiter: RateLimiter::new(settings.rate_limit),
        permits: Semaphore::new(settings.concurrency),
        retries: remote.fetch_retries,
        backoff: Duration::from_millis(250),
        timeout,
        cache: remote
            .cache_dir
            .as_deref()
            .map(|d| cache_folder(d, &settings.api_url)),
        ttl_secs: u64::from(settings.cache_ttl_days) * 86_400,
        now: now_unix,
        offline: remote.offline,
        queried: AtomicUsize::new(0),
        hits: AtomicUsize::new(0),
        retried: AtomicUsize::new(0),
        limited: AtomicUsize::new(0),
    });
    let bar = terminal.items("companies", sirens.len() as u64, "companies");
    let tasks = sirens.iter().map(|s| {
        let client = Arc::clone(&client);
        let bar = bar.clone();
        let s = s.clone();
        async move {
            let r = client.lookup(&s).await;
            bar.inc(1);
            (s, r)
        }
    });
    let results = futures_util::future::join_all(tasks).await;
    bar.finish_and_clear();
    let stats = RunStats {
        queried: client.queried.load(Ordering::Relaxed),
        cache_hits: client.hits.load(Ordering::Relaxed),
        retries: client.retried.load(Ordering::Relaxed),
        rate_limited: client.limited.load(Ordering::Relaxed),
        seconds: 0.0,
    };
    Ok(Lookups { results, stats })
}

#[cfg(test)]
mod tests;
