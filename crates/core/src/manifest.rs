//! The list's manifest (docs/pipeline.md#exact-formats): who collected the data, when, how, with
//! what consent wording and for which partners. Parsed strictly: an unknown
//! or missing field is an error naming the field and the file, because a
//! provenance we misread is worse than none.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Form,
    Event,
    Purchased,
    Rented,
    Partner,
    PublicDirectory,
    Scraped,
    OwnCustomers,
}

impl Method {
    /// Lists that come from a third party: their consent must cover the
    /// transfer to the buyer.
    pub fn is_third_party(self) -> bool {
        matches!(self, Method::Purchased | Method::Rented | Method::Partner)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestAudience {
    B2b,
    B2c,
    Mixed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub vendor: String,
    #[serde(default)]
    pub vendor_siren: Option<String>,
    pub method: Method,
    pub collected_from: String,
    #[serde(deserialize_with = "period")]
    pub collected_between: [NaiveDate; 2],
    pub consent_wording: String,
    pub partners: Vec<String>,
    pub audience: ManifestAudience,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Manifest::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Manifest> {
        let m: Manifest = toml::from_str(text).map_err(|e| {
            Error::config(path, format!("invalid manifest: {}", toml_error(text, &e)))
        })?;
        if m.vendor.trim().is_empty() {
            return Err(Error::config(path, "field `vendor` is empty"));
        }
        if m.collected_between[0] > m.collected_between[1] {
            return Err(Error::config(
                path,
                format!(
                    "field `collected_between`: first date {} is after last date {}",
                    m.collected_between[0], m.collected_between[1]
                ),
            ));
        }
        let needs_wording = !matches!(m.method, Method::PublicDirectory | Method::Scraped);
        if needs_wording && m.consent_wording.trim().is_empty() {
            return Err(Error::config(
                path,
                format!(
                    "field `consent_wording` is empty, but method `{}` collects consent: give the exact text shown at collection",
                    serde_plain(&m.method)
                ),
            ));
        }
        Ok(m)
    }

    /// True when the partner list says only "partners" (`["*"]`).
    pub fn generic_partners(&self) -> bool {
        self.partners.iter().any(|p| p.trim() == "*")
    }
}

/// A toml error as "line N, field `key`: message": serde's own message for
/// a wrong type or a bad value does not say which field it is about, and a
/// manifest is read by people who need to find the line to fix.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end().to_owned();
    let Some(span) = e.span() else {
        return message;
    };
    // A span over the whole document (a missing field) locates nothing;
    // the message already names the field.
    if span.start == 0 && span.end >= text.trim_end().len() {
        return message;
    }
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"'))
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    match key {
        Some(k) => format!("line {line_no}, field `{k}`: {message}"),
        None => format!("line {line_no}: {message}"),
    }
}

/// `collected_between`: two dates, as strings (`"2026-01-01"`) or TOML's
/// own dates (`2026-01-01`), with a message that says what is wrong.
fn period<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<[NaiveDate; 2], D::Error> {
    use serde::de::Error as _;
    let values = Vec::<toml::Value>::deserialize(d)?;
    let dates = values
        .iter()
        .map(|v| match v {
            toml::Value::String(s) => {
                NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                    D::Error::custom(format!(
                        "{s:?} is not a date (expected YYYY-MM-DD, e.g. \"2026-01-31\")"
                    ))
                })
            }
            toml::Value::Datetime(dt) => match (dt.date, dt.time) {
                (Some(date), None) => {
                    NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
                        .ok_or_else(|| D::Error::custom(format!("{dt} is not a date")))
                }
                _ => Err(D::Error::custom(format!(
                    "{dt} is not a plain date (give YYYY-MM-DD, without a time)"
                ))),
            },
            other => Err(D::Error::custom(format!(
                "{other} is not a date (expected YYYY-MM-DD)"
            ))),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    match dates.as_slice() {
        [first, last] => Ok([*first, *last]),
        _ => Err(D::Error::custom(format!(
            "needs exactly two dates [first, last], got {}",
            dates.len()
        ))),
    }
}

fn serde_plain<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
vendor = "Acme Data SARL"
vendor_siren = "732829320"
method = "purchased"
collected_from = "https://jeu.example.fr/concours-2025"
collected_between = ["2025-01-01", "2026-06-30"]
consent_wording = "J'accepte de recevoir des offres de Acme Data et de ses partenaires : Maison Dupont SAS"
partners = ["Maison Dupont SAS"]
audience = "mixed"
"#;

    #[test]
    fn parses_the_spec_example() {
        let m = Manifest::parse(GOOD, Path::new("m.toml")).unwrap();
        assert_eq!(m.method, Method::Purchased);
        assert_eq!(m.audience, ManifestAudience::Mixed);
        assert!(!m.generic_partners());
    }

    #[test]
    fn unknown_field_is_named() {
        let text = format!("{GOOD}\ncolour = \"blue\"\n");
        let e = Manifest::parse(&text, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("m.toml") && e.contains("colour"), "{e}");
    }

    #[test]
    fn missing_field_is_named() {
        let text = GOOD.replace("audience = \"mixed\"", "");
        let e = Manifest::parse(&text, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("audience"), "{e}");
    }

    #[test]
    fn wrong_method_is_named() {
        let text = GOOD.replace("\"purchased\"", "\"bought\"");
        let e = Manifest::parse(&text, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bought"), "{e}");
    }

    fn err(text: &str) -> String {
        Manifest::parse(text, Path::new("m.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn type_and_value_errors_name_the_field_and_line() {
        let e = err(&GOOD.replace(
            "partners = [\"Maison Dupont SAS\"]",
            "partners = \"Maison Dupont SAS\"",
        ));
        assert!(
            e.contains("field `partners`") && e.contains("line 8"),
            "{e}"
        );
        let e = err(&GOOD.replace(
            "\"2025-01-01\", \"2026-06-30\"",
            "\"2026-02-30\", \"2026-06-30\"",
        ));
        assert!(
            e.contains("field `collected_between`") && e.contains("2026-02-30"),
            "{e}"
        );
        let e = err(&GOOD.replace("\"2025-01-01\", \"2026-06-30\"", "\"2026-01-01\""));
        assert!(
            e.contains("field `collected_between`") && e.contains("two dates"),
            "{e}"
        );
    }

    #[test]
    fn toml_native_dates_are_accepted() {
        let text = GOOD.replace("\"2025-01-01\", \"2026-06-30\"", "2025-01-01, 2026-06-30");
        let m = Manifest::parse(&text, Path::new("m.toml")).unwrap();
        assert_eq!(
            m.collected_between,
            [
                NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
            ]
        );
        let e = err(&GOOD.replace(
            "\"2025-01-01\", \"2026-06-30\"",
            "2025-01-01T10:00:00, 2026-06-30",
        ));
        assert!(e.contains("collected_between"), "{e}");
    }

    #[test]
    fn reversed_period_is_refused() {
        let text = GOOD.replace(
            "[\"2025-01-01\", \"2026-06-30\"]",
            "[\"2026-06-30\", \"2025-01-01\"]",
        );
        assert!(Manifest::parse(&text, Path::new("m.toml")).is_err());
    }
}
