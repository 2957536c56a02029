//! qualify: vets prospect lists before anyone contacts the people in them.
//!
//! The stages are in [`qualify_core`], re-exported here whole
//! (`qualify::link`, `qualify::pipeline`, ...). This crate holds what sits
//! around them: the command line ([`cli`]), fetching URL inputs
//! ([`fetch`]), the company directory API client ([`company_api`]),
//! terminal progress bars ([`terminal`]), the run as the binary makes it
//! ([`job`]: look-ups between the core's stages), and the commands that
//! replay a finished run ([`explain`], [`review`]) and answer people's
//! requests ([`requests`]).

pub use qualify_core::*;

pub mod cli;
pub mod company_api;
pub mod explain;
pub mod fetch;
pub mod job;
pub mod requests;
pub mod review;
pub mod terminal;
