//! qualify-core: the stages of qualify, with no command line, network,
//! async runtime or terminal in them (those sit in the `qualify` crate,
//! around this one).
//!
//! The modules follow the pipeline (docs/pipeline.md#the-pipeline):
//! [`ingest`] (read any file, map its columns) -> [`normalise`] (emails,
//! phones, names, postcodes, company ids, consents) -> [`link`] (dedupe
//! inside the list, match the client file and the suppression lists) ->
//! [`company`] (closed or unknown companies, from answers fetched outside)
//! -> [`rules`] (B2B/B2C and per-channel decisions, rule pack `fr`) ->
//! [`summary`] (the typed summary of the run) -> [`output`] (the run
//! folder). [`pipeline`] wires them; [`config`] is the validated
//! configuration every stage reads, [`state`] what the binary learned
//! outside before the run, [`progress`] how the stages report progress.
//!
//! The optional feature `cli` derives the command-line parsers of the
//! settings' types (clap), for the binary; the core itself never parses a
//! command line.

pub mod company;
pub mod config;
pub mod error;
pub mod ingest;
pub mod link;
pub mod manifest;
pub mod minimise;
pub mod normalise;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod reference;
pub mod rules;
pub mod schema;
pub mod state;
pub mod summary;

pub use error::{Error, Result};
