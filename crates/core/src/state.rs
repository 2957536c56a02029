//! The run's state: what the binary learned outside the core before the
//! run (where each fetched input came from, which optional source could
//! not be fetched, the time for the company cache) and hands to the stages
//! beside the validated settings, never inside them. Plain data: the
//! network code that fills it sits outside the core.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;

/// Facts from outside the core, set by the binary, and what fetching found:
/// the run's state, kept beside its settings ([`Config`](crate::config::Config) never changes
/// after it is validated) and handed to the stages that need it.
#[derive(Debug, Clone, Default)]
pub struct RemoteState {
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

impl RemoteState {
    /// Whether a missing source makes every decision fail closed.
    pub fn fails_closed(&self) -> bool {
        self.unavailable
            .iter()
            .any(|u| u.source == "clients" || u.source == "opposition")
    }

    /// Whether the company check's source itself could not be fetched.
    pub fn companies_unavailable(&self) -> bool {
        self.unavailable.iter().any(|u| u.source == "companies")
    }

    /// An error about a fetched file names its URL, not its place in the
    /// cache (row and column stay as they are).
    pub fn name_error(&self, e: Error) -> Error {
        let url = |p: &PathBuf| self.origins.get(p).map(PathBuf::from);
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
        match self.origins.get(p) {
            Some(url) => url.clone(),
            None => p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string()),
        }
    }

    /// Where an input was read from: its URL, else its path as resolved.
    pub fn source_path(&self, p: &Path) -> String {
        self.origins
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

/// What run.json records about one fetched URL.
#[derive(Debug, Clone, Serialize)]
pub struct Fetched {
    pub url: String,
    /// Where the bytes are (in the cache folder).
    #[serde(skip)]
    pub path: PathBuf,
    /// The last HTTP status (200, 304); `None` when `--offline` answered
    /// from the cache without asking.
    pub status: Option<u16>,
    pub from_cache: bool,
    /// Set when the server redirected.
    pub final_url: Option<String>,
    pub bytes: u64,
    pub attempts: u32,
}
