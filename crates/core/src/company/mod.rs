//! Company check (`--check-companies`). In: the normalised records (their
//! valid SIREN, or the SIREN of their valid SIRET), the validated
//! [`crate::config::remote::RemoteConfig`] and, when the check asks the
//! state's company directory API, the answers the binary fetched before
//! (`Lookups`: the API client, with its concurrency bound, rate limit,
//! retries and on-disk cache, lives outside the core). Out: a
//! [`CompanyStatus`] per record and a [`CompanyReport`] for summary.json
//! and run.json.
//!
//! Each distinct company is looked up once, in those answers or, offline,
//! in a local copy of the SIRENE stock file joined in polars ([`sirene`]).
//!
//! What the rules make of it (docs/pipeline.md#b2b-or-b2c): a closed company rejects the record
//! `company_closed`; a SIREN the directory does not know drops that B2B
//! signal and records `company_unknown`; a company that could not be checked
//! (an `optional` source that failed) fails closed, `source_unavailable`.
//! Nothing here reads the environment or the clock: the cache's "now" is
//! [`crate::state::RemoteState::now_unix`], set by the binary.

pub mod sirene;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::normalise::records::Normalised;
use crate::normalise::siren_of_siret;
use crate::state::RemoteState;

/// What the company directory says about a record's company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompanyStatus {
    /// No check asked, or no valid SIREN/SIRET on the record.
    #[default]
    NotChecked,
    /// `etat_administratif` = A.
    Active,
    /// `etat_administratif` = C: the company has ceased activity.
    Closed,
    /// The directory does not know this SIREN.
    Unknown,
    /// The check could not be made (optional source unavailable).
    Unavailable,
}

/// Counts for the reports. The counts are deterministic for the same
/// answers; `run` holds what varies between runs (run.json only).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CompanyReport {
    /// `api <URL>` or `sirene_file <path or URL>` (`explain` replays the
    /// check from it); `None` when not checked.
    pub source: Option<String>,
    pub companies: usize,
    pub active: usize,
    pub closed: usize,
    pub unknown: usize,
    pub unavailable: usize,
    /// Why companies could not be checked (first causes).
    pub unavailable_causes: Vec<String>,
    #[serde(skip)]
    pub run: RunStats,
}

/// Run-to-run facts about the look-ups (run.json).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunStats {
    pub queried: usize,
    pub cache_hits: usize,
    pub retries: usize,
    pub rate_limited: usize,
    pub seconds: f64,
}

/// The check's result for a whole list.
#[derive(Debug, Clone, Default)]
pub struct CompanyCheck {
    pub per_row: Vec<CompanyStatus>,
    pub report: CompanyReport,
}

impl CompanyCheck {
    pub fn status(&self, row: usize) -> CompanyStatus {
        self.per_row.get(row).copied().unwrap_or_default()
    }
}

/// The SIREN a record's company check uses: its own when valid, else the
/// one inside its valid SIRET.
fn siren_of(norm: &Normalised, i: usize) -> Option<&str> {
    if let Some(s) = norm.siren[i].as_ref().filter(|s| s.valid) {
        return Some(&s.digits);
    }
    norm.siret[i]
        .as_ref()
        .filter(|s| s.valid)
        .map(|s| siren_of_siret(&s.digits))
}

/// The URL of one look-up in the company directory API.
pub fn search_url(base: &str, siren: &str) -> String {
    format!(
        "{}/search?q={siren}&page=1&per_page=5",
        base.trim_end_matches('/')
    )
}

/// The API's answers, in SIREN order, as the binary fetched them.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    pub results: Vec<(String, std::result::Result<CompanyStatus, String>)>,
    pub stats: RunStats,
}

fn distinct_sirens(norm: &Normalised) -> Vec<String> {
    let n = norm.siren.len();
    let distinct: BTreeSet<&str> = (0..n).filter_map(|i| siren_of(norm, i)).collect();
    distinct.iter().map(|s| (*s).to_owned()).collect()
}

/// The SIRENs to ask the API about, in order; `None` when the check does
/// not ask it (no check, a SIRENE file, or the source is unavailable).
pub fn api_sirens(config: &Config, state: &RemoteState, norm: &Normalised) -> Option<Vec<String>> {
    let settings = config.remote.company.as_ref()?;
    (settings.sirene_file.is_none() && !state.companies_unavailable())
        .then(|| distinct_sirens(norm))
}

/// Runs the configured check over every record. `looked_up` holds the API's
/// answers for [`api_sirens`] when the check asks the API.
pub fn check_records(
    config: &Config,
    state: &RemoteState,
    norm: &Normalised,
    looked_up: Option<Lookups>,
) -> Result<CompanyCheck> {
    let n = norm.siren.len();
    let remote = &config.remote;
    let Some(settings) = remote.company.as_ref() else {
        return Ok(CompanyCheck {
            per_row: vec![CompanyStatus::NotChecked; n],
            report: CompanyReport::default(),
        });
    };
    let started = std::time::Instant::now();
    let sirens = distinct_sirens(norm);
    let mut report = CompanyReport {
        companies: sirens.len(),
        ..Default::default()
    };
    let statuses: BTreeMap<String, CompanyStatus> = if state.companies_unavailable() {
        report.source = Some("sirene_file".into());
        report.unavailable_causes = state
            .unavailable
            .iter()
            .filter(|u| u.source == "companies")
            .map(|u| format!("{}: {}", u.url, u.cause))
            .collect();
        sirens
            .iter()
            .map(|s| (s.clone(), CompanyStatus::Unavailable))
            .collect()
    } else if let Some(file) = &settings.sirene_file {
        report.source = Some(format!("sirene_file {}", state.source_name(file)));
        sirene::lookup(file, &sirens)?
    } else {
        report.source = Some(format!("api {}", settings.api_url));
        let out = looked_up.ok_or_else(|| {
            Error::Usage("the company check asks the API, but no answers were fetched".into())
        })?;
        report.run = out.stats;
        let optional = remote.is_optional("companies", &settings.api_url);
        let mut statuses = BTreeMap::new();
        for (siren, r) in out.results {
            match r {
                Ok(st) => {
                    statuses.insert(siren, st);
                }
                Err(cause) if optional => {
                    if report.unavailable_causes.len() < 5 {
                        report.unavailable_causes.push(format!("{siren}: {cause}"));
                    }
                    statuses.insert(siren, CompanyStatus::Unavailable);
                }
                Err(cause) => {
                    return Err(Error::fetch(
                        search_url(&settings.api_url, &siren),
                        format!("company check failed: {cause} (add \"companies\" to `optional` to fail closed instead)"),
                    ));
                }
            }
        }
        statuses
    };
    for st in statuses.values() {
        match st {
            CompanyStatus::Active => report.active += 1,
            CompanyStatus::Closed => report.closed += 1,
            CompanyStatus::Unknown => report.unknown += 1,
            CompanyStatus::Unavailable => report.unavailable += 1,
            CompanyStatus::NotChecked => {}
        }
    }
    // The look-ups' own time (the binary's) plus the join here.
    report.run.seconds += started.elapsed().as_secs_f64();
    let per_row = (0..n)
        .map(|i| {
            siren_of(norm, i)
                .and_then(|s| statuses.get(s).copied())
                .unwrap_or_default()
        })
        .collect();
    Ok(CompanyCheck { per_row, report })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use polars::prelude::*;

    use super::*;
    use crate::normalise::records::normalise_frame;

    fn config_with(sirene: Option<PathBuf>) -> Config {
        let mut c = Config::new(
            PathBuf::from("l.csv"),
            PathBuf::from("out"),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        );
        c.remote.company = Some(crate::config::remote::CompanySettings {
            api_url: "http://127.0.0.1:9".into(),
            rate_limit: 7.0,
            concurrency: 1,
            cache_ttl_days: 30,
            sirene_file: sirene,
        });
        c
    }

    fn records() -> Normalised {
        let df = df!(
            "siren" => [Some("552 081 317"), None, Some("123456789"), Some("123456782"), None],
            "siret" => [None, Some("732 829 320 00009"), None, None, None],
        )
        .unwrap();
        normalise_frame(&df)
    }

    #[test]
    fn each_record_gets_its_company_state_by_siren_or_siret() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/sirene/StockUniteLegale-extract.csv");
        let c = config_with(Some(fixture));
        let got = check_records(&c, &RemoteState::default(), &records(), None).unwrap();
        assert_eq!(
            got.per_row,
            [
                CompanyStatus::Active,
                // The SIRET's SIREN.
                CompanyStatus::Closed,
                // Not a valid SIREN (checksum): nothing to check.
                CompanyStatus::NotChecked,
                CompanyStatus::Unknown,
                CompanyStatus::NotChecked,
            ]
        );
        let r = &got.report;
        assert_eq!((r.companies, r.active, r.closed, r.unknown), (3, 1, 1, 1));
    }

    #[test]
    fn no_check_configured_means_not_checked() {
        let mut c = config_with(None);
        c.remote.company = None;
        let got = check_records(&c, &RemoteState::default(), &records(), None).unwrap();
        assert!(got.per_row.iter().all(|s| *s == CompanyStatus::NotChecked));
        assert!(got.report.source.is_none());
    }

    #[test]
    fn a_company_source_that_could_not_be_fetched_fails_every_company_closed() {
        let c = config_with(None);
        let state = RemoteState {
            unavailable: vec![crate::state::Unavailable {
                source: "companies".into(),
                url: "https://h/stock.parquet".into(),
                cause: "HTTP 503".into(),
            }],
            ..RemoteState::default()
        };
        let got = check_records(&c, &state, &records(), None).unwrap();
        assert_eq!(got.status(0), CompanyStatus::Unavailable);
        assert_eq!(got.status(2), CompanyStatus::NotChecked);
        assert_eq!(got.report.unavailable, 3);
    }

    #[test]
    fn the_api_answers_fetched_before_the_core_decide_each_company() {
        let c = config_with(None);
        let state = RemoteState::default();
        let sirens = api_sirens(&c, &state, &records()).unwrap();
        assert_eq!(sirens, ["123456782", "552081317", "732829320"]);
        let answers = Lookups {
            results: vec![
                ("123456782".into(), Ok(CompanyStatus::Unknown)),
                ("552081317".into(), Ok(CompanyStatus::Closed)),
                ("732829320".into(), Ok(CompanyStatus::Active)),
            ],
            stats: RunStats::default(),
        };
        let got = check_records(&c, &state, &records(), Some(answers)).unwrap();
        assert_eq!(got.status(0), CompanyStatus::Closed);
        assert_eq!(got.status(1), CompanyStatus::Active);
        assert_eq!(got.status(3), CompanyStatus::Unknown);
        assert_eq!(got.report.source.as_deref(), Some("api http://127.0.0.1:9"));
        // Asked to use the API but handed nothing: an error, not a guess.
        assert!(check_records(&c, &state, &records(), None).is_err());
    }
}
