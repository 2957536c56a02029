//! The run's summary, typed. In: built once by [`crate::pipeline`] from the
//! stages' results. Out: `summary.json` is its serialisation (member order
//! is field order), and the report, the processing record, the notice, the
//! certificate and `explain` read its fields, not JSON by string: a typo is
//! a compile error, not a blank cell.
//!
//! Maps keyed by reason code or channel keep catalogue order
//! ([`indexmap::IndexMap`]); they are written only with the keys the run
//! has, as before. Two members are still plain JSON: `config` (the
//! decision-relevant settings, which become a typed settings struct in a
//! later step) and `fuzzy` (the matcher's own report).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// The bytes of summary.json: pretty JSON and a final newline.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("the summary is plain data")
    }
}
