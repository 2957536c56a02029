//! qualify: vets prospect lists before anyone contacts the people in them.
//!
//! The modules follow the pipeline (docs/pipeline.md#the-pipeline):
//! [`ingest`] (read any file, map its columns) -> [`normalise`] (emails,
//! phones, names, postcodes, company ids, consents) -> [`link`] (dedupe
//! inside the list, match the client file and the suppression lists) ->
//! [`rules`] (B2B/B2C and per-channel decisions, rule pack `fr`) ->
//! [`summary`] (the typed summary of the run) -> [`output`] (the run
//! folder). [`pipeline`] wires them; [`config`] is the validated
//! configuration every stage reads.

pub mod cli;
pub mod company;
pub mod config;
pub mod error;
pub mod explain;
pub mod fetch;
pub mod ingest;
pub mod link;
pub mod manifest;
pub mod minimise;
pub mod normalise;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod review;
pub mod rules;
pub mod schema;
pub mod summary;

pub use error::{Error, Result};
