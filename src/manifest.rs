//! The list's manifest (SPEC §10): who collected the data, when, how, with
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
        let m: Manifest = toml::from_str(text)
            .map_err(|e| Error::config(path, format!("invalid manifest: {}", e.message())))?;
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

    #[test]
    fn reversed_period_is_refused() {
        let text = GOOD.replace(
            "[\"2025-01-01\", \"2026-06-30\"]",
            "[\"2026-06-30\", \"2025-01-01\"]",
        );
        assert!(Manifest::parse(&text, Path::new("m.toml")).is_err());
    }
}
