//! Column-wise normalisation of a whole canonical frame: each column is
//! taken out of polars once, normalised in parallel (rayon), and kept as a
//! typed vector indexed by row. Unrecognised yes/no and date values are
//! counted per column for the summary's warnings.

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;

use super::{
    clean_name, default_region, fold_key, normalise_country, normalise_email, normalise_phone,
    normalise_postcode, normalise_siren, normalise_siret, parse_date, parse_yes_no, CompanyId,
    Email, Phone, Texts, YesNo,
};
use crate::schema::{consent_column, consent_date_column, opposed_column, CHANNELS};

/// A string column of the canonical frame as a vector of `Option<&str>`.
pub fn strs<'a>(df: &'a DataFrame, name: &str) -> Vec<Option<&'a str>> {
    match df.column(name) {
        Ok(c) => c
            .str()
            .map(|ca| ca.iter().collect())
            .unwrap_or_else(|_| vec![None; df.height()]),
        Err(_) => vec![None; df.height()],
    }
}

/// The normalised fields of every record of a frame, by row index.
#[derive(Debug, Default)]
pub struct Normalised {
    pub rows: usize,
    pub first_name: Texts,
    pub last_name: Texts,
    pub full_name: Texts,
    /// Folded "first last" (or full name) for matching.
    pub name_key: Texts,
    /// Folded last name (or last word of the full name) for matching.
    pub last_key: Texts,
    pub email: Vec<Option<Email>>,
    pub phone: Vec<Option<Phone>>,
    pub mobile: Vec<Option<Phone>>,
    pub fax: Vec<Option<Phone>>,
    pub postcode: Texts,
    /// Street line and city as cleaned text, for fuzzy matching only.
    pub address_line1: Texts,
    pub city: Texts,
    pub country: Texts,
    pub siren: Vec<Option<CompanyId>>,
    pub siret: Vec<Option<CompanyId>>,
    /// Street, postcode and city all present.
    pub address_complete: Vec<bool>,
    /// Some part of the postal address present.
    pub address_any: Vec<bool>,
    pub collected_at: Vec<Option<NaiveDate>>,
    pub last_contact_at: Vec<Option<NaiveDate>>,
    /// Per channel, in [`CHANNELS`] order.
    pub consent: [Vec<YesNo>; 6],
    pub consent_at: [Vec<Option<NaiveDate>>; 6],
    pub consent_partners: Vec<YesNo>,
    pub consent_proof: Vec<bool>,
    /// Cells read as unknown, per column, for the summary and the report.
    pub warnings: Vec<ValueWarning>,
}

/// Client-file extras (docs/pipeline.md#inputs).
#[derive(Debug, Default)]
pub struct ClientFields {
    pub client_id: Vec<Option<String>>,
    pub relationship_end_at: Vec<Option<NaiveDate>>,
    pub last_purchase_at: Vec<Option<NaiveDate>>,
    pub contract_in_progress: Vec<YesNo>,
    /// Objections per channel, in [`CHANNELS`] order; `opposed_all` folded in.
    pub opposed: [Vec<bool>; 6],
}

fn par_texts(col: &[Option<&str>], f: impl Fn(&str) -> Option<String> + Sync) -> Texts {
    col.par_iter().map(|c| c.and_then(&f)).collect()
}

fn par_map<T: Send>(col: &[Option<&str>], f: impl Fn(&str) -> Option<T> + Sync) -> Vec<Option<T>> {
    col.par_iter().map(|c| c.and_then(&f)).collect()
}

/// What kind of value a column expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Date,
    YesNo,
}

/// Cells of one column that could not be read as what it holds, and were
/// read as unknown: how many, the first rows, a few distinct examples, so
/// that the report can say where to look and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValueWarning {
    pub column: String,
    pub kind: ValueKind,
    pub rows: usize,
    /// `source_row` of the first few (at most [`FIRST_ROWS`]).
    pub first_rows: Vec<usize>,
    /// Up to [`EXAMPLES`] distinct values, cut to 40 characters.
    pub examples: Vec<String>,
}

pub const FIRST_ROWS: usize = 5;
pub const EXAMPLES: usize = 3;

impl ValueWarning {
    fn collect(column: &str, kind: ValueKind, col: &[Option<&str>], bad: &[bool]) -> Option<Self> {
        let rows = bad.iter().filter(|b| **b).count();
        if rows == 0 {
            return None;
        }
        let mut first_rows = Vec::new();
        let mut examples: Vec<String> = Vec::new();
        for (i, _) in bad.iter().enumerate().filter(|(_, b)| **b) {
            if first_rows.len() < FIRST_ROWS {
                first_rows.push(i + 1);
            }
            let v: String = col[i].unwrap_or("").chars().take(40).collect();
            if examples.len() < EXAMPLES && !examples.contains(&v) {
                examples.push(v);
            }
            if first_rows.len() == FIRST_ROWS && examples.len() == EXAMPLES {
                break;
            }
        }
        Some(ValueWarning {
            column: column.to_owned(),
            kind,
            rows,
            first_rows,
            examples,
        })
    }

    /// The summary's one-line text (English, like its other warnings).
    pub fn message(&self) -> String {
        match self.kind {
            ValueKind::Date => format!("{}: unrecognised date, read as unknown", self.column),
            ValueKind::YesNo => format!(
                "{}: unrecognised yes/no value, read as unknown",
                self.column
            ),
        }
    }
}

fn yes_no_column(df: &DataFrame, name: &str, warnings: &mut Vec<ValueWarning>) -> Vec<YesNo> {
    let col = strs(df, name);
    let parsed: Vec<(YesNo, bool)> = col
        .par_iter()
        .map(|c| c.map_or((YesNo::Unknown, true), parse_yes_no))
        .collect();
    let bad: Vec<bool> = parsed.iter().map(|(_, ok)| !ok).collect();
    warnings.extend(ValueWarning::collect(name, ValueKind::YesNo, &col, &bad));
    parsed.into_iter().map(|(v, _)| v).collect()
}

fn date_column(
    df: &DataFrame,
    name: &str,
    warnings: &mut Vec<ValueWarning>,
) -> Vec<Option<NaiveDate>> {
    let col = strs(df, name);
    let parsed: Vec<(Option<NaiveDate>, bool)> = col
        .par_iter()
        .map(|c| c.map_or((None, true), parse_date))
        .collect();
    let bad: Vec<bool> = parsed.iter().map(|(_, ok)| !ok).collect();
    warnings.extend(ValueWarning::collect(name, ValueKind::Date, &col, &bad));
    parsed.into_iter().map(|(v, _)| v).collect()
}

/// Normalises every canonical column of `df` that the pipeline reads.
pub fn normalise_frame(df: &DataFrame) -> Normalised {
    let rows = df.height();
    let mut warnings = Vec::new();
    let first_name = par_texts(&strs(df, "first_name"), clean_name);
    let last_name = par_texts(&strs(df, "last_name"), clean_name);
    let full_name = par_texts(&strs(df, "full_name"), clean_name);
    let (name_key, last_key): (Vec<_>, Vec<_>) = (0..rows)
        .into_par_iter()
        .map(|i| name_keys(first_name.get(i), last_name.get(i), full_name.get(i)))
        .unzip();
    let name_key: Texts = name_key.into_par_iter().collect();
    let last_key: Texts = last_key.into_par_iter().collect();

    let country = par_texts(&strs(df, "country"), normalise_country);
    let postcode_raw = strs(df, "postcode");
    let postcode: Texts = postcode_raw
        .par_iter()
        .enumerate()
        .map(|(i, p)| p.and_then(|p| normalise_postcode(p, country.get(i))))
        .collect();
    let regions: Vec<&'static str> = (0..rows)
        .into_par_iter()
        .map(|i| default_region(country.get(i), postcode.get(i)))
        .collect();
    let phones = |name: &str| -> Vec<Option<Phone>> {
        strs(df, name)
            .par_iter()
            .zip(regions.par_iter())
            .map(|(c, r)| c.and_then(|c| normalise_phone(c, r)))
            .collect()
    };
    let phone = phones("phone");
    let mobile = phones("mobile");
    let fax = phones("fax");
    let email = par_map(&strs(df, "email"), normalise_email);
    let siret = par_map(&strs(df, "siret"), normalise_siret);
    let siren_given = par_map(&strs(df, "siren"), normalise_siren);
    // A valid SIRET carries its SIREN; use it when the SIREN column is empty.
    let siren = siren_given
        .into_iter()
        .zip(&siret)
        .map(|(s, t)| match (s, t) {
            (Some(s), _) => Some(s),
            (None, Some(t)) if t.valid => normalise_siren(super::siren_of_siret(&t.digits)),
            _ => None,
        })
        .collect();
    let line1 = strs(df, "address_line1");
    let city = strs(df, "city");
    let address_complete = (0..rows)
        .map(|i| line1[i].is_some() && postcode.is_some(i) && city[i].is_some())
        .collect();
    let address_any = (0..rows)
        .map(|i| line1[i].is_some() || postcode_raw[i].is_some() || city[i].is_some())
        .collect();

    let collected_at = date_column(df, "collected_at", &mut warnings);
    let last_contact_at = date_column(df, "last_contact_at", &mut warnings);
    let consent = CHANNELS.map(|ch| yes_no_column(df, consent_column(ch), &mut warnings));
    let consent_at = CHANNELS.map(|ch| date_column(df, consent_date_column(ch), &mut warnings));
    let consent_partners = yes_no_column(df, "consent_partners", &mut warnings);
    let consent_proof = strs(df, "consent_proof")
        .iter()
        .map(Option::is_some)
        .collect();

    let address_line1 = par_texts(&line1, clean_name);
    let city = par_texts(&city, clean_name);
    Normalised {
        rows,
        first_name,
        last_name,
        full_name,
        name_key,
        last_key,
        email,
        phone,
        mobile,
        fax,
        postcode,
        address_line1,
        city,
        country,
        siren,
        siret,
        address_complete,
        address_any,
        collected_at,
        last_contact_at,
        consent,
        consent_at,
        consent_partners,
        consent_proof,
        warnings,
    }
}

/// Reads the client-only columns of a client frame.
pub fn client_fields(df: &DataFrame, warnings: &mut Vec<ValueWarning>) -> ClientFields {
    let all = yes_no_column(df, "opposed_all", warnings);
    let opposed = CHANNELS.map(|ch| {
        yes_no_column(df, opposed_column(ch), warnings)
            .into_iter()
            .zip(&all)
            .map(|(v, a)| v == YesNo::Yes || *a == YesNo::Yes)
            .collect()
    });
    ClientFields {
        client_id: strs(df, "client_id")
            .into_iter()
            .map(|s| s.map(str::to_owned))
            .collect(),
        relationship_end_at: date_column(df, "relationship_end_at", warnings),
        last_purchase_at: date_column(df, "last_purchase_at", warnings),
        contract_in_progress: yes_no_column(df, "contract_in_progress", warnings),
        opposed,
    }
}

fn name_keys(
    first: Option<&str>,
    last: Option<&str>,
    full: Option<&str>,
) -> (Option<String>, Option<String>) {
    let nonempty = |s: String| Some(s).filter(|s| !s.is_empty());
    match (first, last) {
        (f, Some(l)) => {
            let lk = fold_key(l);
            let nk = match f {
                Some(f) => format!("{} {}", fold_key(f), lk),
                None => lk.clone(),
            };
            (nonempty(nk.trim().to_owned()), nonempty(lk))
        }
        (Some(f), None) => match full {
            Some(full) => {
                let k = fold_key(full);
                let lk = k.rsplit(' ').next().unwrap_or("").to_owned();
                (nonempty(k), nonempty(lk))
            }
            None => (nonempty(fold_key(f)), None),
        },
        (None, None) => match full {
            Some(full) => {
                let k = fold_key(full);
                let lk = k.rsplit(' ').next().unwrap_or("").to_owned();
                (nonempty(k), nonempty(lk))
            }
            None => (None, None),
        },
    }
}
