//! The whole run, stage after stage: import and normalise (batch by batch:
//! each batch of rows is read, normalised and its cells spilled before the
//! next is read) -> link & dedupe -> rules -> outputs, then the
//! conservation check. Each stage is a function of the previous stage's
//! output and the validated [`Config`]; this module only wires them and
//! times them.
//!
//! One file per step, each saying what goes in and what comes out:
//! [`prepare`] (the list imported and normalised), [`decide`] (reference
//! files, company check, link, rules), [`write()`] (the run folder).

mod decide;
mod prepare;
mod timer;
mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::Config;
use crate::error::Result;
use crate::link::suppression::{BloctelList, Suppression};
use crate::link::Links;
use crate::normalise::records::ValueWarning;
use crate::progress::Progress;
use crate::rules::Decision;
use crate::state::RemoteState;

pub use decide::{decide, Clients, Rows};
pub use prepare::{prepare, List, Prepared};
pub use write::{conservation_check, start, write, Started};

use timer::Timer;

/// What the caller learns about a finished run.
#[derive(Debug)]
pub struct Outcome {
    pub out: PathBuf,
    /// `--out` held a previous run, which this one replaced.
    pub replaced: bool,
    pub rows: usize,
    pub qualified: usize,
    pub rejected: usize,
    pub allowed_per_channel: Vec<(String, usize)>,
    pub no_provenance: bool,
    pub warnings: Vec<String>,
    /// The `--labels` answers against the model's decisions.
    pub labels: Option<crate::link::fuzzy::LabelStats>,
    /// Records in repermission.csv.
    pub repermission: u64,
    /// With `--previous` / `state_dir`: what changed (None: nothing to
    /// compare with).
    pub changes: Option<crate::output::changes::Transitions>,
}

/// Run-to-run facts the core does not read itself (clock, host).
pub struct RunMeta<'a> {
    /// Working directory of the run: relative input paths in summary.json
    /// are relative to it (`explain` needs it to replay the run).
    pub cwd: String,
    pub started_at: String,
    pub host: String,
    pub now: &'a dyn Fn() -> String,
    /// URL inputs the binary fetched before the run.
    pub fetched: Vec<crate::state::Fetched>,
    /// Random bits for the staging folder's name (unpredictable, so that
    /// nobody can plant it in advance).
    pub token: u64,
}

/// Everything the stages computed, before anything is written.
pub struct Computed {
    pub list: List,
    pub warnings: BTreeMap<String, usize>,
    /// Cells read as unknown, by file name (the list, the client file).
    pub value_warnings: Vec<(String, ValueWarning)>,
    pub clients: Option<Clients>,
    pub suppression: Suppression,
    pub bloctel: Option<BloctelList>,
    pub links: Links,
    pub decisions: Vec<Decision>,
    pub pack: Box<dyn crate::rules::RulePack>,
    pub companies: crate::company::CompanyCheck,
    timer: Timer,
}

/// Runs every stage up to the decisions, writing nothing, for a run that
/// needs no answers from outside (no company check through the API).
/// The binary runs [`prepare`], its look-ups, then [`decide`].
pub fn compute(config: &Config, state: &RemoteState, progress: Progress) -> Result<Computed> {
    decide(
        prepare(config, state, progress, None)?,
        None,
        config,
        state,
        progress,
        Rows::Kept,
    )
}

/// Runs the whole pipeline and writes the output folder (a run that needs
/// no answers from outside; the binary wires [`start`], [`prepare`], its
/// look-ups, [`decide`] and [`write()`] itself).
pub fn run(
    config: &Config,
    state: &RemoteState,
    progress: Progress,
    meta: &RunMeta,
) -> Result<Outcome> {
    let mut started = start(config, meta)?;
    let computed = started
        .scratch_files()
        .and_then(|(cells, rows)| {
            let prepared = prepare(config, state, progress, Some(cells))?;
            decide(prepared, None, config, state, progress, rows)
        })
        .map_err(|e| state.name_error(e))?;
    write(started, computed, config, state, progress, meta)
}
