//! Remote inputs over HTTP(S). In: a URL and [`FetchOptions`] (timeouts,
//! retries, size limit, cache folder, and the *value* of a credential that
//! the binary read from the environment). Out: a local file in the cache
//! folder holding exactly the bytes the server sent, and a [`Fetched`]
//! record (URL, HTTP status, whether the cache served it) for run.json.
//! [`sources`] applies this to every input of a [`crate::config::Config`].
//!
//! What it does: connect and total timeouts; retries with exponential
//! backoff on 5xx answers and connection-level failures only (a 4xx is the
//! server's considered answer, asking again changes nothing); a maximum
//! size checked on `Content-Length` and again while streaming; a body that
//! ends before its announced length is a failure, never a short file; the
//! body streams to `<name>.part` and is renamed when complete, so an
//! interrupted download never looks like a cached one; ETag /
//! Last-Modified revalidation so an unchanged file is not downloaded twice;
//! `offline` answers from the cache only.
//!
//! What it must never do: read the environment or the clock, or write the
//! credential anywhere (not in the cache metadata, not in an error message,
//! not in `Debug` output).

pub mod postgres;
pub mod sources;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
pub use crate::state::Fetched;
use crate::terminal::Terminal;

pub use crate::config::remote::{is_url, path_is_url};

/// A header to send with every source request. Its value never appears in
/// `Debug` output, logs or files.
#[derive(Clone)]
pub struct Credential {
    header: reqwest::header::HeaderName,
    value: reqwest::header::HeaderValue,
}

impl Credential {
    /// `header` = `Authorization` sends `Bearer <token>`; any other header
    /// name sends the token as it is (e.g. `X-Api-Key`).
    pub fn new(header: &str, token: &str) -> Result<Credential> {
        let name = reqwest::header::HeaderName::from_bytes(header.trim().as_bytes())
            .map_err(|_| Error::Usage(format!("auth_header {header:?} is not a header name")))?;
        let token = token.trim();
        // A variable that already holds "Bearer ..." is taken as it is.
        let has_scheme = token
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("bearer "));
        let raw = if name == reqwest::header::AUTHORIZATION && !has_scheme {
            format!("Bearer {token}")
        } else {
            token.to_owned()
        };
        let mut value = reqwest::header::HeaderValue::from_str(&raw).map_err(|_| {
            Error::Usage("the auth token holds characters a header cannot carry".into())
        })?;
        value.set_sensitive(true);
        Ok(Credential {
            header: name,
            value,
        })
    }
    fn is_authorization(&self) -> bool {
        self.header == reqwest::header::AUTHORIZATION
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({}: <redacted>)", self.header)
    }
}

/// How to fetch. Built from the config by [`sources`].
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub cache_dir: PathBuf,
    pub offline: bool,
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub timeout: Duration,
    /// Extra attempts after the first, on 5xx and connection failures.
    pub retries: u32,
    /// First backoff; doubled at each retry.
    pub backoff: Duration,
    pub max_bytes: u64,
    pub credential: Option<Credential>,
}

/// Cache metadata beside a cached body. No credential in here.
#[derive(Debug, Serialize, Deserialize)]
struct CacheMeta {
    url: String,
    file: String,
    etag: Option<String>,
    last_modified: Option<String>,
    bytes: u64,
}

/// A failed fetch: the HTTP status when there was one (404 matters to the
/// sidecar-manifest lookup) and a cause without any credential in it.
#[derive(Debug)]
pub struct Failure {
    pub status: Option<u16>,
    pub message: String,
}

impl Failure {
    fn new(status: Option<u16>, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }
    pub fn into_error(self, url: &str) -> Error {
        Error::fetch(url, self.message)
    }
}

/// The cache entry of a URL: `<cache>/http/<hash of the URL>/`. The body
/// keeps the URL's file name, because the importer tells formats apart by
/// extension.
pub fn cache_entry(cache_dir: &Path, url: &str) -> PathBuf {
    let key = hex::encode(Sha256::digest(url.as_bytes()));
    cache_dir.join("http").join(&key[..24])
}

/// The last path segment of a URL, made safe as a file name.
pub fn file_name_of(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let after_host = no_query
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(no_query);
    let seg = after_host
        .split_once('/')
        .map(|(_, p)| p.rsplit('/').next().unwrap_or(""))
        .unwrap_or("");
    let safe: String = seg
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() || safe.starts_with('.') {
        format!("body{safe}")
    } else {
        safe
    }
}

/// An HTTP client for sources: timeouts, and a redirect policy that keeps
/// credentials on their host (reqwest already drops `Authorization` on a
/// cross-host redirect; a custom header would be forwarded, so such a
/// redirect is refused instead).
pub fn client(opts: &FetchOptions) -> Result<reqwest::Client> {
    let custom_header = opts
        .credential
        .as_ref()
        .is_some_and(|c| !c.is_authorization());
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            return attempt.error("more than 5 redirects");
        }
        // Host and port, as reqwest compares them when it drops
        // `Authorization`.
        let first = attempt
            .previous()
            .first()
            .map(|u| (u.host_str().map(str::to_owned), u.port_or_known_default()));
        let next = (
            attempt.url().host_str().map(str::to_owned),
            attempt.url().port_or_known_default(),
        );
        if custom_header && first.as_ref() != Some(&next) {
            return attempt
                .error("redirect to another host refused: it would carry the credential");
        }
        attempt.follow()
    });
    reqwest::Client::builder()
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.timeout)
        .redirect(policy)
        .user_agent(concat!("qualify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Usage(format!("cannot build the HTTP client: {}", chain(&e))))
}

/// An error and its causes on one line (reqwest's top-level message alone
/// says little: "error sending request").
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

/// Describes a transport error; says whether asking again may help.
pub(crate) fn transport(e: &reqwest::Error, timeout: Duration) -> (bool, String) {
    if e.is_timeout() {
        (
            true,
            format!("timed out after {:.1} s", timeout.as_secs_f64()),
        )
    } else if e.is_redirect() {
        (false, format!("redirect refused: {}", chain(e)))
    } else if e.is_connect() {
        (true, format!("cannot connect: {}", chain(e)))
    } else {
        (e.is_request() || e.is_body(), chain(e))
    }
}

fn header_str(h: &reqwest::header::HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn read_meta(dir: &Path) -> Option<(CacheMeta, PathBuf)> {
    let text = std::fs::read_to_string(dir.join("meta.json")).ok()?;
    let meta: CacheMeta = serde_json::from_str(&text).ok()?;
    let body = dir.join(&meta.file);
    body.is_file().then_some((meta, body))
}

/// Fetches `url` into the cache. Async core of [`Fetcher::fetch`].
pub async fn fetch_async(
    client: &reqwest::Client,
    url: &str,
    opts: &FetchOptions,
    terminal: Terminal,
) -> std::result::Result<Fetched, Failure> {
    let dir = cache_entry(&opts.cache_dir, url);
    let cached = read_meta(&dir).filter(|(m, _)| m.url == url);
    if opts.offline {
        return match cached {
            Some((m, body)) => Ok(Fetched {
                url: url.to_owned(),
                path: body,
                status: None,
                from_cache: true,
                final_url: None,
                bytes: m.bytes,
                attempts: 0,
            }),
            None => Err(Failure::new(
                None,
                format!(
                    "--offline and not in the cache ({})",
                    opts.cache_dir.display()
                ),
            )),
        };
    }
    private_dirs(&dir)
        .await
        .map_err(|e| Failure::new(None, format!("cache {}: {e}", dir.display())))?;

    let mut last = String::new();
    let mut attempts = 0;
    for attempt in 0..=opts.retries {
        if attempt > 0 {
            tokio::time::sleep(opts.backoff * 2u32.saturating_pow(attempt - 1)).await;
        }
        attempts += 1;
        let mut req = client.get(url);
        if let Some(c) = &opts.credential {
            req = req.header(c.header.clone(), c.value.clone());
        }
        if let Some((m, _)) = &cached {
            if let Some(e) = &m.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, e);
            }
            if let Some(l) = &m.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, l);
            }
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let (retry, msg) = transport(&e, opts.timeout);
                last = msg;
                if retry {
                    continue;
                }
                return Err(Failure::new(None, last));
            }
        };
        let status = resp.status();
        let final_url = (resp.url().as_str() != url).then(|| resp.url().to_string());
        if status == reqwest::StatusCode::NOT_MODIFIED {
            if let Some((m, body)) = &cached {
                return Ok(Fetched {
                    url: url.to_owned(),
                    path: body.clone(),
                    status: Some(304),
                    from_cache: true,
                    final_url,
                    bytes: m.bytes,
                    attempts,
                });
            }
        }
        if status.is_server_error() {
            last = format!("HTTP {status}");
            continue;
        }
        if !status.is_success() {
            return Err(Failure::new(
                Some(status.as_u16()),
                format!("HTTP {status}"),
            ));
        }
        let announced = resp.content_length();
        if let Some(len) = announced.filter(|&l| l > opts.max_bytes) {
            return Err(Failure::new(
                Some(status.as_u16()),
                format!(
                    "the body is {len} bytes, over the limit of {} bytes (max_download_bytes)",
                    opts.max_bytes
                ),
            ));
        }
        let etag = header_str(resp.headers(), reqwest::header::ETAG);
        let last_modified = header_str(resp.headers(), reqwest::header::LAST_MODIFIED);
        let file = file_name_of(final_url.as_deref().unwrap_or(url));
        // A name of its own: two runs fetching the same URL at once must
        // not write into each other's file.
        let part = dir.join(format!("{file}.{:016x}.part", rand::random::<u64>()));
        match stream_body(resp, &part, opts.max_bytes, announced, terminal, url).await {
            Ok(bytes) => {
                let body = dir.join(&file);
                let meta = CacheMeta {
                    url: url.to_owned(),
                    file: file.clone(),
                    etag,
                    last_modified,
                    bytes,
                };
                // Old metadata goes first: a crash before the new one is
                // written leaves no ETag describing the wrong body, only a
                // full download next time.
                let write = async {
                    match tokio::fs::remove_file(dir.join("meta.json")).await {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                        _ => {}
                    }
                    tokio::fs::rename(&part, &body).await?;
                    let json = serde_json::to_vec_pretty(&meta).expect("meta serialises");
                    let tmp = dir.join(format!("meta.json.{:016x}.part", rand::random::<u64>()));
                    {
                        use tokio::io::AsyncWriteExt as _;
                        let mut f = private_file(&tmp).await?;
                        f.write_all(&json).await?;
                        f.flush().await?;
                    }
                    tokio::fs::rename(&tmp, dir.join("meta.json")).await
                };
                write
                    .await
                    .map_err(|e| Failure::new(None, format!("cache {}: {e}", dir.display())))?;
                return Ok(Fetched {
                    url: url.to_owned(),
                    path: body,
                    status: Some(status.as_u16()),
                    from_cache: false,
                    final_url,
                    bytes,
                    attempts,
                });
            }
            Err((retry, msg)) => {
                let _ = tokio::fs::remove_file(&part).await;
                last = msg;
                if !retry {
                    return Err(Failure::new(Some(status.as_u16()), last));
                }
            }
        }
    }
    Err(Failure::new(
        None,
        format!(
            "{last} ({attempts} attempt{})",
            if attempts == 1 { "" } else { "s" }
        ),
    ))
}

/// Streams a body to `part`; `Err((retry, message))` on failure.
async fn stream_body(
    resp: reqwest::Response,
    part: &Path,
    max: u64,
    announced: Option<u64>,
    terminal: Terminal,
    url: &str,
) -> std::result::Result<u64, (bool, String)> {
    let io = |e: std::io::Error| (false, format!("cache {}: {e}", part.display()));
    let mut out = private_file(part).await.map_err(io)?;
    let bar = terminal.bytes(&file_name_of(url), announced);
    let mut n: u64 = 0;
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            (
                true,
                format!("the connection broke after {n} bytes: {}", chain(&e)),
            )
        })?;
        n += chunk.len() as u64;
        if n > max {
            bar.finish_and_clear();
            return Err((
                false,
                format!("the body is over the limit of {max} bytes (max_download_bytes)"),
            ));
        }
        out.write_all(&chunk).await.map_err(io)?;
        bar.set_position(n);
    }
    bar.finish_and_clear();
    out.flush().await.map_err(io)?;
    out.sync_all().await.map_err(io)?;
    if let Some(len) = announced.filter(|&l| l != n) {
        return Err((
            true,
            format!("truncated body: {n} of the {len} bytes announced"),
        ));
    }
    Ok(n)
}

/// A blocking front end: the pipeline is synchronous, so the fetcher owns a
/// small tokio runtime and blocks on it.
pub struct Fetcher {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    opts: FetchOptions,
    terminal: Terminal,
}

impl Fetcher {
    pub fn new(opts: FetchOptions, terminal: Terminal) -> Result<Fetcher> {
        let rt = runtime()?;
        // reqwest's client must be built where a runtime is reachable.
        let client = {
            let _g = rt.enter();
            client(&opts)?
        };
        Ok(Fetcher {
            rt,
            client,
            opts,
            terminal,
        })
    }

    pub fn fetch(&self, url: &str) -> Result<Fetched> {
        self.try_fetch(url).map_err(|f| f.into_error(url))
    }

    pub fn try_fetch(&self, url: &str) -> std::result::Result<Fetched, Failure> {
        self.rt
            .block_on(fetch_async(&self.client, url, &self.opts, self.terminal))
    }

    /// Like [`Fetcher::fetch`], but a 404 (or, offline, an uncached URL)
    /// is `None`: for optional companions such as the sidecar manifest.
    pub fn fetch_if_exists(&self, url: &str) -> Result<Option<Fetched>> {
        match self.try_fetch(url) {
            Ok(f) => Ok(Some(f)),
            Err(f) if f.status == Some(404) || (self.opts.offline && f.status.is_none()) => {
                Ok(None)
            }
            Err(f) => Err(f.into_error(url)),
        }
    }
}

/// The runtime the blocking front ends use: two workers, enough for I/O.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the I/O runtime: {e}")))
}

/// Cache folders hold downloaded personal data: owner only (0700).
async fn private_dirs(dir: &Path) -> std::io::Result<()> {
    let mut b = tokio::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir).await
}

/// A cache file for writing: owner only (0600), truncated, never opened
/// through a link.
async fn private_file(path: &Path) -> std::io::Result<tokio::fs::File> {
    let mut o = tokio::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        o.mode(0o600);
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path).await
}

#[cfg(test)]
mod tests;
