//! A run as the binary makes it: the core's stages with the company
//! directory's answers fetched in between, by the network code that lives
//! outside the core. In: validated settings, the run's state (inputs
//! already fetched) and the terminal. Out: what the core computed, or the
//! written run folder.

use crate::config::Config;
use crate::error::Result;
use crate::pipeline::{self, Computed, Outcome, Prepared, Rows, RunMeta};
use crate::state::RemoteState;
use crate::terminal::Terminal;

/// Every stage up to the decisions, writing nothing (`explain`, `review`).
pub fn compute(config: &Config, state: &RemoteState, terminal: Terminal) -> Result<Computed> {
    let prepared = pipeline::prepare(config, state, terminal.progress(), None)?;
    decide(prepared, config, state, terminal, Rows::Kept)
}

/// The company directory's answers for the list, then the decisions.
fn decide(
    prepared: Prepared,
    config: &Config,
    state: &RemoteState,
    terminal: Terminal,
    rows: Rows,
) -> Result<Computed> {
    let looked_up = crate::company_api::look_up_for(config, state, &prepared.list.norm, terminal)?;
    pipeline::decide(
        prepared,
        looked_up,
        config,
        state,
        terminal.progress(),
        rows,
    )
}

/// The whole run: the folder is staged first, then the stages, then the
/// outputs.
pub fn run(
    config: &Config,
    state: &RemoteState,
    terminal: Terminal,
    meta: &RunMeta,
) -> Result<Outcome> {
    let mut started = pipeline::start(config, meta)?;
    let progress = terminal.progress();
    let computed = started
        .scratch_files()
        .and_then(|(cells, rows)| {
            let prepared = pipeline::prepare(config, state, progress, Some(cells))?;
            decide(prepared, config, state, terminal, rows)
        })
        .map_err(|e| state.name_error(e))?;
    pipeline::write(started, computed, config, state, progress, meta)
}
