//! Column-wise normalisation of a canonical frame, batch by batch: each
//! column is taken out of polars once, normalised in parallel (rayon), and
//! kept as a typed vector indexed by row; the batches are then joined in
//! row order ([`Normalised::concat`]). Unrecognised yes/no and date values
//! are counted per column for the summary's warnings, the same whatever
//! the batches.

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;

use super::{
    clean_name, default_region, fold_key, normalise_country, normalise_email, normalise_phone,
    normalise_postcode, normalise_siren, normalise_siret, parse_date, parse_yes_no, CompanyId,
    Dates, Email, Phone, Texts, YesNo,
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
#[derive(Debug, Default, Clone, PartialEq)]
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
    pub collected_at: Dates,
    pub last_contact_at: Dates,
    /// Per channel, in [`CHANNELS`] order.
    pub consent: [Vec<YesNo>; 6],
    pub consent_at: [Dates; 6],
    pub consent_partners: Vec<YesNo>,
    pub consent_proof: Vec<bool>,
    /// Cells read as unknown, per column, for the summary and the report.
    pub warnings: Vec<ValueWarning>,
}

/// A client's own contact details, as the rules compare them with a list
/// record's (soft opt-in covers only the details the client gave): its
/// email's matching key and its mobiles, per client row. Digests and
/// numbers rather than the normalised rows, which a run frees as soon as
/// they are linked (half a gigabyte at a million clients; these are 32
/// bytes a client).
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientContacts {
    /// XXH3-128 of the email's matching key; 0: no email. (Two keys share
    /// a digest with a chance of about n² / 2¹²⁹, as the exact keys do.)
    email: Vec<u128>,
    /// The E.164 digits of its mobiles, as numbers; 0: none.
    mobiles: Vec<[u64; 2]>,
}

/// The mobiles of a normalised row: its mobile and phone columns, when
/// valid and of kind mobile.
pub fn mobiles_of(n: &Normalised, i: usize) -> impl Iterator<Item = super::E164> + '_ {
    [&n.mobile[i], &n.phone[i]]
        .into_iter()
        .flatten()
        .filter(|p| p.kind == super::PhoneKind::Mobile)
        .filter_map(|p| p.e164)
}

fn email_digest(key: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(key.as_bytes()).max(1)
}

fn mobile_number(e: super::E164) -> u64 {
    e.as_str()
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0, |n, d| n * 10 + u64::from(d - b'0'))
}

impl ClientContacts {
    pub fn of(n: &Normalised) -> ClientContacts {
        let (email, mobiles) = (0..n.rows)
            .into_par_iter()
            .map(|i| {
                let email = n.email[i].as_ref().map_or(0, |e| email_digest(e.key()));
                let mut m = [0u64; 2];
                for (slot, e) in m.iter_mut().zip(mobiles_of(n, i)) {
                    *slot = mobile_number(e);
                }
                (email, m)
            })
            .unzip();
        ClientContacts { email, mobiles }
    }

    /// Appends the contacts of the next batch of the same file.
    pub fn append(&mut self, mut later: ClientContacts) {
        self.email.append(&mut later.email);
        self.mobiles.append(&mut later.mobiles);
    }

    /// Whether client row `ci` has an email with this matching key.
    pub fn gave_email(&self, ci: usize, key: &str) -> bool {
        self.email
            .get(ci)
            .is_some_and(|&d| d != 0 && d == email_digest(key))
    }

    /// Whether client row `ci` has this mobile.
    pub fn gave_mobile(&self, ci: usize, e: super::E164) -> bool {
        let m = mobile_number(e);
        self.mobiles
            .get(ci)
            .is_some_and(|ms| m != 0 && ms.contains(&m))
    }
}

/// Client-file extras (docs/pipeline.md#inputs).
#[derive(Debug, Default, PartialEq, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClientFields {
    pub client_id: Vec<Option<String>>,
    pub relationship_end_at: Dates,
    pub last_purchase_at: Dates,
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
    /// The column's bad cells in a batch whose first row is `start` (none
    /// is a warning of zero rows, kept so that every batch's warnings line
    /// up column by column for [`merge`]).
    fn collect(
        column: &str,
        kind: ValueKind,
        col: &[Option<&str>],
        bad: &[bool],
        start: usize,
    ) -> Self {
        let rows = bad.iter().filter(|b| **b).count();
        let mut first_rows = Vec::new();
        let mut examples: Vec<String> = Vec::new();
        for (i, _) in bad.iter().enumerate().filter(|(_, b)| **b) {
            if first_rows.len() < FIRST_ROWS {
                first_rows.push(start + i + 1);
            }
            let v: String = col[i].unwrap_or("").chars().take(40).collect();
            if examples.len() < EXAMPLES && !examples.contains(&v) {
                examples.push(v);
            }
            if first_rows.len() == FIRST_ROWS && examples.len() == EXAMPLES {
                break;
            }
        }
        ValueWarning {
            column: column.to_owned(),
            kind,
            rows,
            first_rows,
            examples,
        }
    }

    /// Adds a later batch's warning of the same column: the first rows and
    /// examples a scan of both batches at once would have found.
    fn absorb(&mut self, later: ValueWarning) {
        debug_assert_eq!((&self.column, self.kind), (&later.column, later.kind));
        self.rows += later.rows;
        for r in later.first_rows {
            if self.first_rows.len() < FIRST_ROWS {
                self.first_rows.push(r);
            }
        }
        for e in later.examples {
            if self.examples.len() < EXAMPLES && !self.examples.contains(&e) {
                self.examples.push(e);
            }
        }
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

/// Joins the batches' warnings (each batch's list names the same columns
/// in the same order) and keeps the columns that had any.
pub fn merge_warnings(batches: impl IntoIterator<Item = Vec<ValueWarning>>) -> Vec<ValueWarning> {
    let mut batches = batches.into_iter();
    let mut out = batches.next().unwrap_or_default();
    for later in batches {
        assert_eq!(
            out.len(),
            later.len(),
            "every batch checks the same columns"
        );
        for (w, l) in out.iter_mut().zip(later) {
            w.absorb(l);
        }
    }
    out.retain(|w| w.rows > 0);
    out
}

/// A batch's rows `start..` of one column, read and checked.
struct Batch<'a> {
    df: &'a DataFrame,
    start: usize,
    warnings: &'a mut Vec<ValueWarning>,
}

fn yes_no_column(b: &mut Batch, name: &str) -> Vec<YesNo> {
    let (df, warnings) = (b.df, &mut *b.warnings);
    let col = strs(df, name);
    let parsed: Vec<(YesNo, bool)> = col
        .par_iter()
        .map(|c| c.map_or((YesNo::Unknown, true), parse_yes_no))
        .collect();
    let bad: Vec<bool> = parsed.iter().map(|(_, ok)| !ok).collect();
    warnings.push(ValueWarning::collect(
        name,
        ValueKind::YesNo,
        &col,
        &bad,
        b.start,
    ));
    parsed.into_iter().map(|(v, _)| v).collect()
}

fn date_column(b: &mut Batch, name: &str) -> Dates {
    let (df, warnings) = (b.df, &mut *b.warnings);
    let col = strs(df, name);
    let parsed: Vec<(Option<NaiveDate>, bool)> = col
        .par_iter()
        .map(|c| c.map_or((None, true), parse_date))
        .collect();
    let bad: Vec<bool> = parsed.iter().map(|(_, ok)| !ok).collect();
    warnings.push(ValueWarning::collect(
        name,
        ValueKind::Date,
        &col,
        &bad,
        b.start,
    ));
    parsed.into_iter().map(|(v, _)| v).collect()
}

/// Normalises every canonical column of `df` that the pipeline reads.
pub fn normalise_frame(df: &DataFrame) -> Normalised {
    Normalised::concat(vec![normalise_batch(df, 0)])
}

/// [`normalise_frame`] of the rows `start..start + df.height()` of a file,
/// to be joined with the other batches by [`Normalised::concat`].
pub fn normalise_batch(df: &DataFrame, start: usize) -> Normalised {
    let rows = df.height();
    let mut warnings = Vec::new();
    let mut b = Batch {
        df,
        start,
        warnings: &mut warnings,
    };
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

    let collected_at = date_column(&mut b, "collected_at");
    let last_contact_at = date_column(&mut b, "last_contact_at");
    let consent = CHANNELS.map(|ch| yes_no_column(&mut b, consent_column(ch)));
    let consent_at = CHANNELS.map(|ch| date_column(&mut b, consent_date_column(ch)));
    let consent_partners = yes_no_column(&mut b, "consent_partners");
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
    let (fields, w) = ClientFields::concat(vec![client_batch(df, 0)]);
    warnings.extend(w);
    fields
}

/// [`client_fields`] of the rows `start..` of a file, with the batch's
/// warnings, to be joined by [`ClientFields::concat`].
pub fn client_batch(df: &DataFrame, start: usize) -> (ClientFields, Vec<ValueWarning>) {
    let mut warnings = Vec::new();
    let mut b = Batch {
        df,
        start,
        warnings: &mut warnings,
    };
    let all = yes_no_column(&mut b, "opposed_all");
    let opposed = CHANNELS.map(|ch| {
        yes_no_column(&mut b, opposed_column(ch))
            .into_iter()
            .zip(&all)
            .map(|(v, a)| v == YesNo::Yes || *a == YesNo::Yes)
            .collect()
    });
    let fields = ClientFields {
        client_id: strs(df, "client_id")
            .into_iter()
            .map(|s| s.map(str::to_owned))
            .collect(),
        relationship_end_at: date_column(&mut b, "relationship_end_at"),
        last_purchase_at: date_column(&mut b, "last_purchase_at"),
        contract_in_progress: yes_no_column(&mut b, "contract_in_progress"),
        opposed,
    };
    (fields, warnings)
}

impl ClientFields {
    /// The batches, in row order, as one file's fields and warnings.
    pub fn concat(
        parts: Vec<(ClientFields, Vec<ValueWarning>)>,
    ) -> (ClientFields, Vec<ValueWarning>) {
        let mut out = ClientFields::default();
        let mut warnings = Vec::with_capacity(parts.len());
        for (f, w) in parts {
            out.client_id.extend(f.client_id);
            let (mut end, mut bought) = (f.relationship_end_at, f.last_purchase_at);
            out.relationship_end_at.append(&mut end);
            out.last_purchase_at.append(&mut bought);
            out.contract_in_progress.extend(f.contract_in_progress);
            for (o, p) in out.opposed.iter_mut().zip(f.opposed) {
                o.extend(p);
            }
            warnings.push(w);
        }
        (out, merge_warnings(warnings))
    }
}

impl Normalised {
    /// The batches of one file, in row order, as one: every row as a
    /// single [`normalise_frame`] of the whole file would have it, warnings
    /// included.
    pub fn concat(parts: Vec<Normalised>) -> Normalised {
        if parts.len() == 1 {
            let mut one = parts.into_iter().next().expect("one part");
            one.warnings = merge_warnings([std::mem::take(&mut one.warnings)]);
            return one;
        }
        let mut parts = parts;
        let rows = parts.iter().map(|p| p.rows).sum();
        // Column by column, each part's column is moved out and freed as
        // it is copied, so that the file's rows are held about once, not
        // twice, while they are joined.
        fn texts(parts: &mut [Normalised], f: impl Fn(&mut Normalised) -> &mut Texts) -> Texts {
            let columns: Vec<Texts> = parts.iter_mut().map(|p| std::mem::take(f(p))).collect();
            Texts::concat(&columns.iter().collect::<Vec<_>>())
        }
        fn joined<T>(
            parts: &mut [Normalised],
            rows: usize,
            f: impl Fn(&mut Normalised) -> &mut Vec<T>,
        ) -> Vec<T> {
            let mut v = Vec::with_capacity(rows);
            for p in parts.iter_mut() {
                v.extend(std::mem::take(f(p)));
            }
            v
        }
        fn dates(
            parts: &mut [Normalised],
            rows: usize,
            f: impl Fn(&mut Normalised) -> &mut Dates,
        ) -> Dates {
            let mut d = Dates::with_capacity(rows);
            for p in parts.iter_mut() {
                d.append(&mut std::mem::take(f(p)));
            }
            d
        }
        let mut out = Normalised {
            rows,
            first_name: texts(&mut parts, |p| &mut p.first_name),
            last_name: texts(&mut parts, |p| &mut p.last_name),
            full_name: texts(&mut parts, |p| &mut p.full_name),
            name_key: texts(&mut parts, |p| &mut p.name_key),
            last_key: texts(&mut parts, |p| &mut p.last_key),
            postcode: texts(&mut parts, |p| &mut p.postcode),
            address_line1: texts(&mut parts, |p| &mut p.address_line1),
            city: texts(&mut parts, |p| &mut p.city),
            country: texts(&mut parts, |p| &mut p.country),
            email: joined(&mut parts, rows, |p| &mut p.email),
            phone: joined(&mut parts, rows, |p| &mut p.phone),
            mobile: joined(&mut parts, rows, |p| &mut p.mobile),
            fax: joined(&mut parts, rows, |p| &mut p.fax),
            siren: joined(&mut parts, rows, |p| &mut p.siren),
            siret: joined(&mut parts, rows, |p| &mut p.siret),
            address_complete: joined(&mut parts, rows, |p| &mut p.address_complete),
            address_any: joined(&mut parts, rows, |p| &mut p.address_any),
            collected_at: dates(&mut parts, rows, |p| &mut p.collected_at),
            last_contact_at: dates(&mut parts, rows, |p| &mut p.last_contact_at),
            consent_partners: joined(&mut parts, rows, |p| &mut p.consent_partners),
            consent_proof: joined(&mut parts, rows, |p| &mut p.consent_proof),
            ..Normalised::default()
        };
        for c in 0..CHANNELS.len() {
            out.consent[c] = joined(&mut parts, rows, |p| &mut p.consent[c]);
            out.consent_at[c] = dates(&mut parts, rows, |p| &mut p.consent_at[c]);
        }
        let warnings: Vec<Vec<ValueWarning>> = parts.into_iter().map(|p| p.warnings).collect();
        out.warnings = merge_warnings(warnings);
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame whose bad cells straddle any batch boundary.
    fn frame(rows: usize) -> DataFrame {
        let col = |name: &str, f: &dyn Fn(usize) -> Option<String>| {
            let ca: StringChunked = (0..rows).map(f).collect();
            ca.with_name(name.into()).into_column()
        };
        DataFrame::new(
            rows,
            vec![
                col("first_name", &|i| (i % 4 != 0).then(|| format!("jean-{i}"))),
                col("last_name", &|i| Some(format!("Dupont Lagarde {i}"))),
                col("email", &|i| Some(format!("Jean.{i}@Example.FR"))),
                col("mobile", &|i| {
                    (i % 3 == 0).then(|| format!("06 12 34 {:02} {:02}", i % 100, i % 97))
                }),
                col("postcode", &|i| Some(format!("{:05}", 75001 + i % 20))),
                col("city", &|i| Some(format!("Paris {}", i % 20))),
                col("siret", &|i| {
                    (i % 5 == 0).then(|| "73282932000074".to_owned())
                }),
                col("collected_at", &|i| {
                    Some(if i % 6 == 1 {
                        format!("le {i} mai")
                    } else {
                        "2026-01-10".into()
                    })
                }),
                col("consent_email", &|i| {
                    Some(if i % 4 == 2 {
                        format!("bof{}", i % 5)
                    } else {
                        "oui".into()
                    })
                }),
                col("opposed_sms", &|i| {
                    Some(if i % 9 == 0 { "?".into() } else { "non".into() })
                }),
                col("last_purchase_at", &|i| {
                    (i % 8 == 3).then(|| "hier".to_owned())
                }),
            ],
        )
        .unwrap()
    }

    #[test]
    fn batches_joined_are_the_whole_frame_warnings_included() {
        let df = frame(50);
        let whole = normalise_frame(&df);
        let mut w = Vec::new();
        let whole_fields = client_fields(&df, &mut w);
        assert!(
            whole.warnings.len() >= 2 && !w.is_empty(),
            "{:?} {w:?}",
            whole.warnings
        );
        for size in [1, 3, 7, 49, 50] {
            let starts: Vec<usize> = (0..50).step_by(size).collect();
            let slice = |s: usize| df.slice(s as i64, size.min(50 - s));
            let norm = Normalised::concat(
                starts
                    .iter()
                    .map(|&s| normalise_batch(&slice(s), s))
                    .collect(),
            );
            assert_eq!(norm, whole, "batches of {size}");
            let (fields, fw) =
                ClientFields::concat(starts.iter().map(|&s| client_batch(&slice(s), s)).collect());
            assert_eq!(
                (fields, fw),
                (whole_fields.clone(), w.clone()),
                "batches of {size}"
            );
        }
    }
}
