//! The run's summary, typed. In: the stages' results ([`Input`]), built
//! once by [`build`], which [`crate::pipeline`] calls. Out: `summary.json` is its serialisation (member order
//! is field order), and the report, the processing record, the notice, the
//! certificate and `explain` read its fields, not JSON by string: a typo is
//! a compile error, not a blank cell.
//!
//! Maps keyed by reason code or channel keep catalogue order
//! ([`indexmap::IndexMap`]); they are written only with the keys the run
//! has, as before. Two members are still plain JSON: `config` (the
//! decision-relevant settings, which become a typed settings struct in a
//! later step) and `fuzzy` (the matcher's own report).

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{effective_config, Config};
use crate::error::Result;
use crate::ingest::mapping::ColumnMap;
use crate::ingest::{sha256_file, Table};
use crate::link::suppression::BloctelList;
use crate::link::{Links, Suppression};
use crate::normalise::records::{Normalised, ValueKind};
use crate::rules::{Audience, Decision};
use crate::schema::{Reason, CHANNELS, REASONS};

/// Counts keyed by reason code (or channel), in catalogue order.
pub type Counts = IndexMap<String, u64>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    pub tool: String,
    pub version: String,
    pub as_of: String,
    pub rule_pack: RulePack,
    pub inputs: Inputs,
    pub provenance: Option<Provenance>,
    pub config: Value,
    pub columns: Columns,
    pub counts: Stages,
    pub audience: AudienceCounts,
    /// Each rejected record once, under its main reason: adds up to
    /// `counts.rejected`.
    pub rejected_by_main_reason: Counts,
    /// Per channel, the channel-level reasons of the records no
    /// record-level reason excludes.
    pub channel_reasons: IndexMap<String, Counts>,
    /// Records a reason touches on any channel (every code, zeros too).
    pub reasons: Counts,
    pub channels: IndexMap<String, ChannelCounts>,
    pub malformed_rows: Vec<MalformedRow>,
    pub warnings: Vec<String>,
    pub value_warnings: Vec<ValueWarning>,
    /// Only when the company check ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_check: Option<CompanyCheck>,
    /// Only when an optional source could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable_sources: Option<Vec<Unavailable>>,
    pub fuzzy: Value,
    /// repermission.csv's counts.
    pub repermission: Repermission,
    /// Only with `--previous`: what changed since that run (changes.csv).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<crate::output::changes::Changes>,
}

/// Contactable records whose freshness window closes within `days`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Repermission {
    pub days: u32,
    /// Records with at least one channel in repermission.csv.
    pub records: u64,
    /// Per channel (catalogue order, every channel).
    pub channels: Counts,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RulePack {
    pub name: String,
    pub version: String,
}

/// Every input, by file name (URL when fetched), with its SHA-256.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Inputs {
    pub list: ListInput,
    pub manifest: Option<FileInput>,
    pub mapping: Option<FileInput>,
    pub clients: Option<RowsInput>,
    pub opposition: Vec<OppositionInput>,
    pub bloctel: Option<BloctelInput>,
    /// `--model`: the saved model that scored the pairs. Both are left out
    /// when unused, so that the summary of any other run keeps its bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<FileInput>,
    /// `--labels`: a person's answers, which override the model's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<FileInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ListInput {
    pub path: String,
    pub sha256: String,
    pub format: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    pub rows: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FileInput {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RowsInput {
    pub path: String,
    pub sha256: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OppositionInput {
    pub path: String,
    pub sha256: String,
    pub entries: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BloctelInput {
    pub path: Option<String>,
    pub sha256: String,
    pub numbers: u64,
    pub date: Option<String>,
}

/// The manifest as the run read it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Provenance {
    pub vendor: String,
    pub vendor_siren: Option<String>,
    pub method: String,
    pub collected_from: String,
    pub collected_between: [String; 2],
    pub consent_wording: String,
    pub partners: Vec<String>,
    pub audience: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Columns {
    pub mapped: Vec<MappedColumn>,
    pub unmapped: Vec<String>,
    pub read_not_kept: Vec<String>,
    pub kept: Vec<String>,
    pub removed: Vec<RemovedColumn>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MappedColumn {
    pub header: String,
    pub canonical: String,
}

/// A column removed by minimisation: its category (`health`, ...) and why.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RemovedColumn {
    pub column: String,
    pub category: String,
    pub reason: String,
}

/// The funnel and the other whole-run counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Stages {
    pub rows_read: u64,
    pub malformed: u64,
    pub valid: u64,
    pub unique: u64,
    pub not_already_clients: u64,
    pub fresh: u64,
    pub qualified: u64,
    pub rejected: u64,
    pub duplicate_clusters: u64,
    pub matched_clients: u64,
    pub opposition_entries: u64,
    pub to_delete: u64,
}

impl Stages {
    /// A funnel step by its summary.json name.
    pub fn step(&self, key: &str) -> u64 {
        match key {
            "rows_read" => self.rows_read,
            "valid" => self.valid,
            "unique" => self.unique,
            "not_already_clients" => self.not_already_clients,
            "fresh" => self.fresh,
            "qualified" => self.qualified,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AudienceCounts {
    pub b2b: u64,
    pub b2c: u64,
    pub unknown: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelCounts {
    pub allowed: u64,
    pub denied: u64,
    pub allowed_b2b: u64,
    /// Consumers and unknown audiences (judged as consumers).
    pub allowed_b2c: u64,
    pub reasons: Counts,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MalformedRow {
    pub source_row: u64,
    pub message: String,
}

/// Cells of one column read as unknown (see
/// [`crate::normalise::records::ValueWarning`]), with the file and the
/// vendor's header.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueWarning {
    pub column: String,
    /// `date` or `yes_no`.
    pub kind: String,
    pub rows: u64,
    pub first_rows: Vec<u64>,
    pub examples: Vec<String>,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// The company check's deterministic counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanyCheck {
    pub source: Option<String>,
    pub companies: u64,
    pub active: u64,
    pub closed: u64,
    pub unknown: u64,
    pub unavailable: u64,
    pub unavailable_causes: Vec<String>,
}

/// An optional source that could not be read (the decisions fail closed).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Unavailable {
    pub source: String,
    pub url: String,
    pub cause: String,
}

impl Summary {
    /// summary.json as a JSON value (`output::json_bytes` writes it).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("the summary is plain data")
    }
}

// --- Building it -------------------------------------------------------------

/// The client file as the summary names it.
pub struct ClientFile<'a> {
    pub path: &'a Path,
    pub sha256: &'a str,
    pub rows: usize,
}

/// What [`build`] summarises: the stages' results, by reference.
pub struct Input<'a> {
    pub config: &'a Config,
    pub state: &'a crate::state::RemoteState,
    pub table: &'a Table,
    pub norm: &'a Normalised,
    pub colmap: &'a ColumnMap,
    pub removed: &'a [crate::minimise::Removed],
    pub kept: &'a [(String, usize)],
    pub decisions: &'a [Decision],
    pub links: &'a Links,
    pub clients: Option<ClientFile<'a>>,
    pub suppression: &'a Suppression,
    pub bloctel: Option<&'a BloctelList>,
    pub warnings: &'a BTreeMap<String, usize>,
    pub value_warnings: &'a [(String, crate::normalise::records::ValueWarning)],
    pub pack_name: &'static str,
    pub pack_version: &'static str,
    pub companies: &'a crate::company::CompanyReport,
}

/// The per-reason, per-channel and per-audience counts of the decisions,
/// indexed by a reason's bit (its catalogue number) and an audience's.
struct Tally {
    /// Records a reason denies on some channel.
    any: [u64; 32],
    /// Rejected records by main reason.
    main: [u64; 32],
    /// Per channel, records it denies for a reason.
    denied: [[u64; 32]; CHANNELS.len()],
    /// Per channel, the same for records no record-level reason excludes.
    usable: [[u64; 32]; CHANNELS.len()],
    /// Per channel and audience, records allowed.
    allowed: [[u64; 3]; CHANNELS.len()],
    audience: [u64; 3],
}

impl Tally {
    fn of(decisions: &[Decision]) -> Tally {
        let mut t = Tally {
            any: [0; 32],
            main: [0; 32],
            denied: [[0; 32]; CHANNELS.len()],
            usable: [[0; 32]; CHANNELS.len()],
            allowed: [[0; 3]; CHANNELS.len()],
            audience: [0; 3],
        };
        let bits = |r: crate::rules::Reasons| r.iter().map(|r| r as usize);
        for x in decisions {
            let all = x.all_reasons();
            for b in bits(all) {
                t.any[b] += 1;
            }
            if let Some(r) = x.main_reason() {
                t.main[r as usize] += 1;
            }
            let whole = all
                .iter()
                .any(|r| r.level() == crate::schema::Level::Record);
            for (c, denied) in x.denied.iter().enumerate() {
                if denied.is_empty() {
                    t.allowed[c][x.audience as usize] += 1;
                }
                for r in denied.iter() {
                    t.denied[c][r as usize] += 1;
                    if !whole && r.level() == crate::schema::Level::Channel {
                        t.usable[c][r as usize] += 1;
                    }
                }
            }
            t.audience[x.audience as usize] += 1;
        }
        t
    }
}

/// summary.json: deterministic (same inputs, config and as-of date give the
/// same bytes): no times, no host, keys in a fixed order.
pub fn build(s: Input) -> Result<Summary> {
    let c = s.config;
    let state = s.state;
    let d = s.decisions;
    let n = d.len();
    let has = |i: usize, r: Reason| d[i].all_reasons().contains(r);
    let malformed = s.table.malformed.len();
    let valid: Vec<usize> = (0..n).filter(|&i| !has(i, Reason::MalformedRow)).collect();
    let unique: Vec<usize> = valid
        .iter()
        .copied()
        .filter(|&i| !has(i, Reason::Duplicate))
        .collect();
    let not_clients: Vec<usize> = unique
        .iter()
        .copied()
        .filter(|&i| !has(i, Reason::ExistingClient))
        .collect();
    let fresh: Vec<usize> = not_clients
        .iter()
        .copied()
        .filter(|&i| {
            // Fresh = freshness shown: not stale, and dated (in the past).
            ![
                Reason::Stale,
                Reason::UnknownCollectionDate,
                Reason::DateInFuture,
            ]
            .iter()
            .any(|r| has(i, *r))
        })
        .collect();
    let qualified = d.iter().filter(|x| x.qualified()).count();

    // Every count in one pass over the decisions (a reason's bit is its
    // catalogue number): the counts, one pass per reason and channel, were
    // hundreds of passes, seconds at ten million records.
    let tally = Tally::of(d);
    let mut reasons = Counts::new();
    for r in REASONS {
        reasons.insert(r.code().into(), tally.any[*r as usize]);
    }
    // Each rejected record once, under its main reason: these add up to
    // the rejected count, where `reasons` counts every record a reason
    // touches on any channel.
    let mut by_main = Counts::new();
    for r in REASONS {
        let k = tally.main[*r as usize];
        if k > 0 {
            by_main.insert(r.code().into(), k);
        }
    }
    // Per channel, the channel-level reasons of the records no
    // record-level reason excludes: why the usable records are denied.
    let mut channel_reasons = IndexMap::new();
    for ch in CHANNELS {
        let mut per = Counts::new();
        for r in REASONS
            .iter()
            .filter(|r| r.level() == crate::schema::Level::Channel)
        {
            let k = tally.usable[ch.index()][*r as usize];
            if k > 0 {
                per.insert(r.code().into(), k);
            }
        }
        channel_reasons.insert(ch.as_str().to_owned(), per);
    }
    let mut channels = IndexMap::new();
    for ch in CHANNELS {
        let mut per = Counts::new();
        for r in REASONS {
            let k = tally.denied[ch.index()][*r as usize];
            if k > 0 {
                per.insert(r.code().into(), k);
            }
        }
        let c = ch.index();
        let allowed = tally.allowed[c].iter().sum::<u64>();
        channels.insert(
            ch.as_str().to_owned(),
            ChannelCounts {
                allowed,
                denied: n as u64 - allowed,
                allowed_b2b: tally.allowed[c][Audience::B2b as usize],
                allowed_b2c: tally.allowed[c][Audience::B2c as usize]
                    + tally.allowed[c][Audience::Unknown as usize],
                reasons: per,
            },
        );
    }
    let audience = |a: Audience| tally.audience[a as usize];

    let mut warnings: Vec<String> = Vec::new();
    if c.manifest.is_none() {
        let list = state.source_name(&c.list);
        let looked = if crate::config::remote::is_url(&list) {
            crate::state::sidecar_url(&list)
        } else {
            // By file name, beside the list: summary.json names no paths.
            state.source_name(&crate::config::sidecar_manifest(&c.list))
        };
        warnings.push(format!(
            "no manifest for {list} (looked for {looked}): every record is rejected no_provenance"
        ));
    }
    if malformed > 0 {
        warnings.push(format!(
            "{malformed} malformed rows rejected (see malformed_rows)"
        ));
    }
    let future: Vec<usize> = (0..n).filter(|&i| has(i, Reason::DateInFuture)).collect();
    if !future.is_empty() {
        warnings.push(format!(
            "{} rows dated after the as-of date (collected_at or last_contact_at), rejected date_in_future: rows {}",
            future.len(),
            first_rows(&future)
        ));
    }
    // Collected outside the manifest's declared period: the manifest does
    // not describe these rows; said, not rejected (the vendor may have
    // declared the period loosely), so that someone asks.
    if let Some(m) = &c.manifest {
        let outside: Vec<usize> = (0..n)
            .filter(|&i| {
                s.norm
                    .collected_at
                    .get(i)
                    .is_some_and(|d| d < m.collected_between[0] || d > m.collected_between[1])
            })
            .collect();
        if !outside.is_empty() {
            warnings.push(format!(
                "{} rows collected outside the manifest's collected_between ({} to {}): rows {}; ask the vendor how they were collected",
                outside.len(),
                m.collected_between[0],
                m.collected_between[1],
                first_rows(&outside)
            ));
        }
    }
    if c.accept_generic_partners {
        warnings.push(
            "accept_generic_partners = true: consents naming only \"partners\" are accepted (open question before the CJEU, case C-317/25)".into(),
        );
    }
    if c.buyer.is_none()
        && c.manifest
            .as_ref()
            .is_some_and(|m| m.method.is_third_party())
    {
        warnings.push("no buyer configured: consent-based channels of this third-party list cannot be shown to cover the transfer".into());
    }
    if !s.removed.is_empty() {
        warnings.push(format!(
            "{} columns removed by minimisation (GDPR art. 5(1)(c), 9, 10): {}",
            s.removed.len(),
            s.removed
                .iter()
                .map(|r| r.column.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let not_carried: Vec<&str> = s
        .colmap
        .unmapped
        .iter()
        .filter(|u| {
            !s.kept.iter().any(|(k, _)| k == *u) && !s.removed.iter().any(|r| &r.column == *u)
        })
        .map(String::as_str)
        .collect();
    // A contact column the file has but the mapping did not recognise is
    // the usual cause of "email 0": say which header looks like it.
    for (canonical, hints) in [
        ("email", &["mail", "courriel"][..]),
        ("mobile", &["mobile", "portable", "gsm", "cell"][..]),
        ("phone", &["tel", "phone", "fixe"][..]),
        ("address_line1", &["adresse", "address", "rue", "voie"][..]),
    ] {
        if s.colmap.canonical.contains_key(canonical) {
            continue;
        }
        let like: Vec<&str> = s
            .colmap
            .unmapped
            .iter()
            .filter(|h| {
                let f = crate::ingest::mapping::fold_header(h);
                hints.iter().any(|k| f.contains(k))
            })
            .map(String::as_str)
            .take(3)
            .collect();
        if !like.is_empty() {
            warnings.push(format!(
                "no column is read as {canonical}, but {} {} like one: name it in a mapping file (--mapping; see qualify inspect)",
                like.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", "),
                if like.len() == 1 { "looks" } else { "look" }
            ));
        }
    }
    if !not_carried.is_empty() {
        // A wide export (20,000 columns) must not make a 150 KB line: the
        // first names, then how many more (summary.json columns.unmapped
        // has them all).
        const SHOWN: usize = 20;
        let more = not_carried.len().saturating_sub(SHOWN);
        warnings.push(format!(
            "{} unmapped columns not carried to the outputs: {}{}",
            not_carried.len(),
            not_carried[..not_carried.len().min(SHOWN)].join(", "),
            if more > 0 {
                format!(", and {more} more (all in columns.unmapped)")
            } else {
                String::new()
            }
        ));
    }
    for (k, v) in s.warnings {
        warnings.push(format!("{k}: {v} rows"));
    }
    for u in &state.unavailable {
        warnings.push(format!(
            "optional {} source {} could not be read ({}): {}",
            u.source,
            u.url,
            u.cause,
            match u.source.as_str() {
                "bloctel" => "consumer calls fail closed (bloctel_outdated)",
                "companies" => "every record with a SIREN/SIRET fails closed (source_unavailable)",
                _ => "every record fails closed (source_unavailable)",
            }
        ));
    }
    if s.companies.unavailable > 0 && !state.companies_unavailable() {
        warnings.push(format!(
            "{} companies could not be checked: their records fail closed (source_unavailable); first causes: {}",
            s.companies.unavailable,
            s.companies.unavailable_causes.join("; ")
        ));
    }

    let file_entry = |p: &std::path::Path| -> Result<FileInput> {
        Ok(FileInput {
            path: state.source_name(p),
            sha256: sha256_file(p)?,
        })
    };
    let inputs = Inputs {
        list: ListInput {
            path: state.source_name(&c.list),
            sha256: s.table.sha256.clone(),
            format: serde_json::to_value(s.table.info.format)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            encoding: s.table.info.encoding.clone(),
            delimiter: s.table.info.delimiter.clone(),
            sheet: s.table.info.sheet.clone(),
            rows: n as u64,
        },
        manifest: c.manifest_path.as_deref().map(file_entry).transpose()?,
        mapping: c.mapping.as_deref().map(file_entry).transpose()?,
        clients: s.clients.map(|cl| RowsInput {
            path: state.source_name(cl.path),
            sha256: cl.sha256.to_owned(),
            rows: cl.rows as u64,
        }),
        opposition: s
            .suppression
            .files
            .iter()
            .map(|(p, h, e)| OppositionInput {
                path: state.source_name(p),
                sha256: h.clone(),
                entries: *e as u64,
            })
            .collect(),
        bloctel: s.bloctel.map(|b| BloctelInput {
            path: c.bloctel.as_ref().map(|p| state.source_name(p)),
            sha256: b.sha256.clone(),
            numbers: b.numbers.len() as u64,
            date: c.bloctel_date.map(|d| d.to_string()),
        }),
        model: match &c.fuzzy.source {
            crate::link::fuzzy::ModelSource::File { path, sha256 } => Some(FileInput {
                path: state.source_name(path),
                sha256: sha256.clone(),
            }),
            _ => None,
        },
        labels: c.fuzzy.labels.as_ref().map(|l| FileInput {
            path: state.source_name(&l.path),
            sha256: l.sha256.clone(),
        }),
    };
    let list_name = state.source_name(&c.list);
    Ok(Summary {
        tool: "qualify".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        as_of: c.as_of.to_string(),
        rule_pack: RulePack {
            name: s.pack_name.into(),
            version: s.pack_version.into(),
        },
        inputs,
        provenance: c.manifest.as_ref().map(|m| {
            serde_json::from_value(serde_json::to_value(m).expect("manifest serialises"))
                .expect("a manifest reads as provenance")
        }),
        config: effective_config(c),
        columns: Columns {
            mapped: s
                .colmap
                .pairs
                .iter()
                .map(|(h, t)| MappedColumn {
                    header: h.clone(),
                    canonical: t.clone(),
                })
                .collect(),
            unmapped: s.colmap.unmapped.clone(),
            read_not_kept: s.colmap.ignored.clone(),
            kept: s.kept.iter().map(|(k, _)| k.clone()).collect(),
            removed: s
                .removed
                .iter()
                .map(|r| RemovedColumn {
                    column: r.column.clone(),
                    category: r.category.to_owned(),
                    reason: r.reason.clone(),
                })
                .collect(),
        },
        counts: Stages {
            rows_read: n as u64,
            malformed: malformed as u64,
            valid: valid.len() as u64,
            unique: unique.len() as u64,
            not_already_clients: not_clients.len() as u64,
            fresh: fresh.len() as u64,
            qualified: qualified as u64,
            rejected: (n - qualified) as u64,
            duplicate_clusters: s.links.clusters as u64,
            matched_clients: s.links.client.iter().filter(|x| x.is_some()).count() as u64,
            opposition_entries: s.suppression.entries as u64,
            to_delete: d.iter().filter(|x| x.purge.is_some()).count() as u64,
        },
        audience: AudienceCounts {
            b2b: audience(Audience::B2b),
            b2c: audience(Audience::B2c),
            unknown: audience(Audience::Unknown),
        },
        rejected_by_main_reason: by_main,
        channel_reasons,
        reasons,
        channels,
        malformed_rows: s
            .table
            .malformed
            .iter()
            .map(|m| MalformedRow {
                source_row: m.source_row as u64,
                message: m.message.clone(),
            })
            .collect(),
        warnings,
        value_warnings: s
            .value_warnings
            .iter()
            .map(|(file, w)| ValueWarning {
                column: w.column.clone(),
                kind: match w.kind {
                    ValueKind::Date => "date".into(),
                    ValueKind::YesNo => "yes_no".into(),
                },
                rows: w.rows as u64,
                first_rows: w.first_rows.iter().map(|r| *r as u64).collect(),
                examples: w.examples.clone(),
                file: file.clone(),
                // The list's own header for the column (the client file
                // is read with the built-in names only).
                header: (file == &list_name)
                    .then(|| {
                        s.colmap
                            .pairs
                            .iter()
                            .find(|(_, c)| *c == w.column)
                            .map(|(h, _)| h.clone())
                    })
                    .flatten(),
            })
            .collect(),
        // Only when used, so that runs without them keep their summary.
        company_check: s.companies.source.is_some().then(|| CompanyCheck {
            source: s.companies.source.clone(),
            companies: s.companies.companies as u64,
            active: s.companies.active as u64,
            closed: s.companies.closed as u64,
            unknown: s.companies.unknown as u64,
            unavailable: s.companies.unavailable as u64,
            unavailable_causes: s.companies.unavailable_causes.clone(),
        }),
        unavailable_sources: (!state.unavailable.is_empty()).then(|| {
            state
                .unavailable
                .iter()
                .map(|u| Unavailable {
                    source: u.source.clone(),
                    url: u.url.clone(),
                    cause: u.cause.clone(),
                })
                .collect()
        }),
        fuzzy: Value::Null,
        repermission: Repermission::default(),
        changes: None,
    })
}

/// The first few source rows of a set of row indices, for a warning.
fn first_rows(rows: &[usize]) -> String {
    use crate::normalise::records::FIRST_ROWS;
    let mut v: Vec<String> = rows
        .iter()
        .take(FIRST_ROWS)
        .map(|i| (i + 1).to_string())
        .collect();
    if rows.len() > FIRST_ROWS {
        v.push("...".into());
    }
    v.join(", ")
}
