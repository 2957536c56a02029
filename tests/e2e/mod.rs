mod certificate;
mod cli;
mod fixtures;
mod formats;
mod report;
mod sample;
pub mod util;
