//! Progress of the long stages, as the core reports it. The core says what
//! it is doing (a stage over so many rows, a pass over so many candidate
//! pairs, a step of unknown size); how that is shown is the binary's
//! business ([`Bars`] is implemented with terminal bars outside the core),
//! so the core depends on no terminal library. [`Progress::hidden`] shows
//! nothing: what library callers and tests use.

use std::fmt;

/// One bar or spinner of a running step.
pub trait Bar: Send + Sync {
    fn inc(&self, n: u64);
    fn set_message(&self, message: String);
    fn finish_and_clear(&self);
}

/// What draws the bars.
pub trait Bars: Send + Sync {
    /// A stage over `len` rows.
    fn stage(&self, name: &str, len: u64) -> Box<dyn Bar>;
    /// A pass over `len` candidate pairs (the fuzzy matcher).
    fn pairs(&self, name: &str, len: u64) -> Box<dyn Bar>;
    /// A step whose size is not known in advance.
    fn spinner(&self, name: &str) -> Box<dyn Bar>;
}

/// The handle the stages take: copied freely, shows nothing when hidden.
#[derive(Clone, Copy, Default)]
pub struct Progress {
    bars: Option<&'static dyn Bars>,
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Progress({})",
            if self.bars.is_some() {
                "shown"
            } else {
                "hidden"
            }
        )
    }
}

struct Hidden;

impl Bar for Hidden {
    fn inc(&self, _: u64) {}
    fn set_message(&self, _: String) {}
    fn finish_and_clear(&self) {}
}

impl Progress {
    pub fn new(bars: &'static dyn Bars) -> Progress {
        Progress { bars: Some(bars) }
    }
    pub fn hidden() -> Progress {
        Progress { bars: None }
    }
    pub fn stage(&self, name: &str, len: u64) -> Box<dyn Bar> {
        self.bars
            .map_or_else(|| Box::new(Hidden) as _, |b| b.stage(name, len))
    }
    pub fn pairs(&self, name: &str, len: u64) -> Box<dyn Bar> {
        self.bars
            .map_or_else(|| Box::new(Hidden) as _, |b| b.pairs(name, len))
    }
    pub fn spinner(&self, name: &str) -> Box<dyn Bar> {
        self.bars
            .map_or_else(|| Box::new(Hidden) as _, |b| b.spinner(name))
    }
}
