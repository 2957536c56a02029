//! Progress bars on the terminal (indicatif), with rows per second: what
//! the binary draws for the core's [`Progress`] and for its own downloads
//! and company look-ups. Silent when asked (`--quiet`) or when stderr is not
//! a terminal, so that a scheduler's log never fills with bar redraws.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

use crate::progress::{Bar, Bars, Progress};

/// A whole number of items per second with thousands separators
/// (`2,317,072/s`): indicatif's `{per_sec}` prints four decimals.
fn rate(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let n = state.per_sec().max(0.0).round() as u64;
    let _ = write!(w, "{}/s", crate::output::i18n::Lang::En.int(n));
}

#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    enabled: bool,
    /// `--log-format json`: the core's stages as JSON lines, no bars.
    json: bool,
}

/// The bars the core's [`Progress`] draws when shown.
static SHOWN: Terminal = Terminal {
    enabled: true,
    json: false,
};

/// The core's stages as JSON lines ([`JsonLines`]).
static JSON: JsonLines = JsonLines;

impl Terminal {
    pub fn new(quiet: bool) -> Terminal {
        Terminal {
            enabled: !quiet && std::io::stderr().is_terminal(),
            json: false,
        }
    }

    /// JSON lines on stderr for a scheduler's log, terminal or not.
    pub fn json(quiet: bool) -> Terminal {
        Terminal {
            enabled: false,
            json: !quiet,
        }
    }

    pub fn hidden() -> Terminal {
        Terminal {
            enabled: false,
            json: false,
        }
    }

    /// The handle the core's stages report to.
    pub fn progress(self) -> Progress {
        if self.json {
            Progress::new(&JSON)
        } else if self.enabled {
            Progress::new(&SHOWN)
        } else {
            Progress::hidden()
        }
    }

    /// A bar for a stage over `len` rows.
    pub fn stage(&self, name: &str, len: u64) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        if len == 0 {
            // Rows not known in advance (a list read batch by batch): a
            // count, not a bar.
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>10} {spinner} {pos} rows ({rate}, {elapsed})",
                )
                .expect("static template")
                .with_key("rate", rate),
            );
            bar.set_prefix(name.to_owned());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            return bar;
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10} [{bar:30}] {pos}/{len} rows ({rate}, {elapsed})",
            )
            .expect("static template")
            .with_key("rate", rate)
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_owned());
        bar
    }

    /// A bar over `len` candidate pairs (the fuzzy matcher), with pairs/s.
    pub fn pairs(&self, name: &str, len: u64) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10} [{bar:30}] {pos}/{len} pairs ({rate}, {elapsed})",
            )
            .expect("static template")
            .with_key("rate", rate)
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_owned());
        bar
    }

    /// A spinner for a stage whose size is not known in advance.
    pub fn spinner(&self, name: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10} {spinner} {msg} ({elapsed})")
                .expect("static template"),
        );
        bar.set_prefix(name.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }

    /// A bar for a download, in bytes (a spinner-like bar when the size is
    /// not announced).
    pub fn bytes(&self, name: &str, len: Option<u64>) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len.unwrap_or(0));
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>10} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {elapsed})",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_owned());
        bar
    }

    /// A bar over `len` items of a kind (`companies`), with items per second.
    pub fn items(&self, name: &str, len: u64, unit: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{prefix:>10}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{rate}}, {{elapsed}})"
            ))
            .expect("static template")
            .with_key("rate", rate)
            .progress_chars("=> "),
        );
        bar.set_prefix(name.to_owned());
        bar
    }
}

/// An indicatif bar as the core's [`Bar`].
struct Shown(ProgressBar);

impl Bar for Shown {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }
    fn set_message(&self, message: String) {
        self.0.set_message(message);
    }
    fn finish_and_clear(&self) {
        self.0.finish_and_clear();
    }
}

impl Bars for Terminal {
    fn stage(&self, name: &str, len: u64) -> Box<dyn Bar> {
        Box::new(Shown(Terminal::stage(self, name, len)))
    }
    fn pairs(&self, name: &str, len: u64) -> Box<dyn Bar> {
        Box::new(Shown(Terminal::pairs(self, name, len)))
    }
    fn spinner(&self, name: &str) -> Box<dyn Bar> {
        Box::new(Shown(Terminal::spinner(self, name)))
    }
}

/// `--log-format json`: a line per stage as it ends, `{"event":"stage",
/// "stage":"normalise","rows":2000,"seconds":0.41}` (`pairs` instead of
/// `rows` for the matcher's passes, neither for a step of unknown size).
/// Only names, counts and times: never a value of the data.
struct JsonLines;

struct JsonBar {
    stage: String,
    unit: Option<&'static str>,
    len: u64,
    /// Rows counted as they come, for a stage whose length was not known
    /// when it began (a list read batch by batch).
    counted: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
    done: std::sync::atomic::AtomicBool,
}

impl JsonLines {
    fn bar(name: &str, unit: Option<&'static str>, len: u64) -> Box<dyn Bar> {
        Box::new(JsonBar {
            stage: name.to_owned(),
            unit,
            len,
            counted: std::sync::atomic::AtomicU64::new(0),
            started: std::time::Instant::now(),
            done: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

impl Bars for JsonLines {
    fn stage(&self, name: &str, len: u64) -> Box<dyn Bar> {
        JsonLines::bar(name, Some("rows"), len)
    }
    fn pairs(&self, name: &str, len: u64) -> Box<dyn Bar> {
        JsonLines::bar(name, Some("pairs"), len)
    }
    fn spinner(&self, name: &str) -> Box<dyn Bar> {
        JsonLines::bar(name, None, 0)
    }
}

impl Bar for JsonBar {
    fn inc(&self, n: u64) {
        self.counted
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    // A spinner's message is a file name or a URL: not logged.
    fn set_message(&self, _: String) {}
    fn finish_and_clear(&self) {
        if self.stage.is_empty() || self.done.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let mut line = serde_json::json!({
            "event": "stage",
            "stage": self.stage,
            "seconds": (self.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        });
        if let Some(unit) = self.unit {
            let counted = self.counted.load(std::sync::atomic::Ordering::Relaxed);
            line[unit] = self.len.max(counted).into();
        }
        eprintln!("{line}");
    }
}
