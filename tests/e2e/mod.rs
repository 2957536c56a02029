mod cli;
mod fixtures;
mod formats;
mod remote;
mod sample;
pub mod util;
