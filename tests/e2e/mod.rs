mod certificate;
mod cli;
mod coverage;
mod fixtures;
mod formats;
mod remote;
mod report;
mod sample;
pub mod util;
