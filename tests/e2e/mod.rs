mod cli;
mod fixtures;
mod formats;
mod sample;
pub mod util;
