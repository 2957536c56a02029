//! The time each stage took, for run.json's `stages_seconds`.

use std::time::Instant;

pub(super) struct Timer {
    pub(super) stages: Vec<(String, f64)>,
    last: Instant,
}

impl Timer {
    pub(super) fn new() -> Timer {
        Timer {
            stages: Vec::new(),
            last: Instant::now(),
        }
    }
    /// Two stages that ran in turn, batch by batch, `second` taking
    /// `second_secs` of the time since the last lap.
    pub(super) fn split(&mut self, first: &str, second: &str, second_secs: f64) {
        let now = Instant::now();
        let all = (now - self.last).as_secs_f64();
        self.stages
            .push((first.to_owned(), (all - second_secs).max(0.0)));
        self.stages.push((second.to_owned(), second_secs));
        self.last = now;
    }
    pub(super) fn lap(&mut self, name: &str) {
        let now = Instant::now();
        self.stages
            .push((name.to_owned(), (now - self.last).as_secs_f64()));
        self.last = now;
    }
}
