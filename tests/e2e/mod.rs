mod cli;
mod fixtures;
mod formats;
mod fuzzy;
mod sample;
pub mod util;
