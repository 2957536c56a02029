//! Typed errors of the library. Every error that comes from bad input names
//! the file and, where there is one, the row and the column, so that the
//! binary can print it as it is and exit with the documented code.

use std::path::PathBuf;

/// What can go wrong in a run. The binary maps these onto exit codes
/// (see [`Error::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // Not a `source` (thiserror would chain it): the cause is in the
    // message, said once, where a chain printer would repeat it.
    #[error("{}: {}", path.display(), describe_io(cause))]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// A file that cannot be read as what it claims to be.
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    /// A precise location inside an input file.
    #[error("{path}: row {row}, column {column:?}: {message}")]
    Cell {
        path: PathBuf,
        row: usize,
        column: String,
        message: String,
    },
    /// A configuration, manifest or mapping problem.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    /// A problem with the options themselves (no file involved).
    #[error("{0}")]
    Usage(String),
    /// Another run holds the output folder (its lock): nothing was done.
    #[error("{0}")]
    Busy(String),
    /// The run lost or duplicated a row: a bug, never silently accepted.
    #[error("conservation check failed: {0}")]
    Conservation(String),
    /// `qualify verify` found a file or a certificate that does not match.
    #[error("verification failed: {0}")]
    Verification(String),
    /// A remote source (or the company directory) that could not be read.
    /// Never carries a credential: only the URL and the cause.
    #[error("{url}: {message}")]
    Fetch { url: String, message: String },
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

impl Error {
    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn fetch(url: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Fetch {
            url: url.into(),
            message: message.into(),
        }
    }
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause: source,
        }
    }

    /// Exit codes, documented in the README: 1 bad input or config, 2 usage,
    /// 3 conservation check failed, 4 verification failed, 5 another run
    /// is writing the same output folder.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Conservation(_) => 3,
            Error::Verification(_) => 4,
            Error::Usage(_) => 2,
            Error::Busy(_) => 5,
            _ => 1,
        }
    }
}

/// An OS error in words a user reads once, without the `(os error N)`
/// suffix, saying what was expected where it helps.
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or folder".into(),
        K::PermissionDenied => "permission denied".into(),
        K::IsADirectory => "is a folder, where a file was expected".into(),
        K::NotADirectory => "a part of this path is a file, where a folder was expected".into(),
        K::AlreadyExists => "already exists (qualify never overwrites it)".into(),
        K::StorageFull => "the disk is full".into(),
        K::ReadOnlyFilesystem => "the file system is read-only".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
