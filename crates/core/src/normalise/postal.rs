//! Countries (ISO 3166-1 alpha-2) and postcodes.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::name::fold_key;

/// ISO 3166-1: alpha-2 codes, alpha-3 -> alpha-2, and folded English and
/// French names -> alpha-2 (from Debian iso-codes, see `data/README.md`),
/// plus the spellings vendors use that ISO lacks (`data/country_aliases.tsv`).
struct Countries {
    alpha2: HashSet<&'static str>,
    alpha3: HashMap<&'static str, &'static str>,
    names: HashMap<String, &'static str>,
}

static COUNTRIES: LazyLock<Countries> = LazyLock::new(|| {
    let mut countries = Countries {
        alpha2: HashSet::new(),
        alpha3: HashMap::new(),
        names: HashMap::new(),
    };
    let rows = include_str!("data/countries.tsv")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for row in rows {
        let mut cols = row.split('\t');
        let (Some(a2), Some(a3), Some(names)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        countries.alpha2.insert(a2);
        countries.alpha3.insert(a3, a2);
        for name in names.split('|') {
            // First one wins: ISO's main names come before official ones.
            countries.names.entry(fold_key(name)).or_insert(a2);
        }
    }
    // Aliases override ISO names: they are the reviewed, intended readings
    // (e.g. "Guyane" is French Guiana, not Guyana, for a French list).
    let aliases = include_str!("data/country_aliases.tsv")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for row in aliases {
        if let Some((alias, a2)) = row.split_once('\t') {
            if let Some(code) = countries.alpha2.get(a2.trim()) {
                countries.names.insert(fold_key(alias), code);
            }
        }
    }
    countries
});

/// ISO 3166-1 alpha-2 code (uppercase) for an alpha-2 or alpha-3 code in any
/// case, or an English or French country name (accents, case, punctuation
/// and spacing ignored: `Royaume-Uni`, `royaume uni`, `ROYAUME UNI`).
/// `None` for an empty cell or a name it does not know: a wrong guess would
/// send the wrong rule pack, unknown is safer.
pub fn normalise_country(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let countries = &*COUNTRIES;
    let upper = trimmed.to_ascii_uppercase();
    if upper.len() == 2 {
        if let Some(code) = countries.alpha2.get(upper.as_str()) {
            return Some((*code).to_string());
        }
    }
    if upper.len() == 3 {
        if let Some(code) = countries.alpha3.get(upper.as_str()) {
            return Some((*code).to_string());
        }
    }
    countries
        .names
        .get(&fold_key(trimmed))
        .map(|code| (*code).to_string())
}

/// Countries that use the French 5-digit postcode system: France, its
/// overseas departments and collectivities, and Monaco (980xx).
fn uses_french_postcodes(country: &str) -> bool {
    matches!(
        country.trim().to_ascii_uppercase().as_str(),
        "FR" | "GP" | "MQ" | "GF" | "RE" | "YT" | "PM" | "BL" | "MF" | "WF" | "PF" | "NC" | "MC"
    )
}

/// Normalises a postcode for the record's country (ISO alpha-2, or `None`
/// when unknown, read as France: the tool's audience is French lists).
///
/// French system: spaces removed (`75 001`), a `F-`/`FR-` country prefix
/// dropped (`F-75001`), a thousands dot read as one (`75.001`) and a
/// spreadsheet's `.0` dropped (`75001.0`, what pandas writes for an integer
/// column with gaps); then exactly 5 digits; 4 digits get back the leading
/// zero a spreadsheet stripped (`1000` → `01000`, Bourg-en-Bresse). Any
/// other dot (`1.5`), or 5 digits outside the French ranges
/// ([`is_valid_fr_postcode`]: `00100`, `99999`), is `None`: unknown, so the
/// address counts as incomplete rather than as a wrong town.
/// Other countries: trimmed, uppercased, inner spaces collapsed
/// (`sw1a  1aa` → `SW1A 1AA`); their formats are not checked.
pub fn normalise_postcode(raw: &str, country: Option<&str>) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    if country.is_none_or(uses_french_postcodes) {
        let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        let upper = compact.to_ascii_uppercase();
        let body = upper
            .strip_prefix("FR-")
            .or_else(|| upper.strip_prefix("F-"))
            .unwrap_or(&upper);
        // A float's zero fraction, as written by pandas or a spreadsheet.
        let body = match body.split_once('.') {
            Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => {
                int.to_owned()
            }
            // `75.001`: a thousands separator, the only other dot accepted.
            Some((dep, rest)) if dep.len() == 2 && rest.len() == 3 => format!("{dep}{rest}"),
            Some(_) => return None,
            None => body.to_owned(),
        };
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let code = match body.len() {
            5 => body,
            4 => format!("0{body}"),
            _ => return None,
        };
        return is_valid_fr_postcode(&code).then_some(code);
    }
    Some(
        trimmed
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase(),
    )
}

/// Whether a normalised French postcode is plausible: 5 ASCII digits in
/// 01000..=98999 (no department 00; 99 is not used for addresses).
pub fn is_valid_fr_postcode(pc: &str) -> bool {
    pc.len() == 5 && pc.bytes().all(|b| b.is_ascii_digit()) && ("01000"..="98999").contains(&pc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(raw: &str) -> Option<String> {
        normalise_country(raw)
    }

    #[test]
    fn countries() {
        for (raw, code) in [
            ("France", "FR"),
            ("FR", "FR"),
            ("fr", "FR"),
            ("FRA", "FR"),
            ("fra", "FR"),
            (" france ", "FR"),
            ("FRANCE", "FR"),
            ("France métropolitaine", "FR"),
            ("Belgique", "BE"),
            ("Belgium", "BE"),
            ("BEL", "BE"),
            ("Suisse", "CH"),
            ("Switzerland", "CH"),
            ("Luxembourg", "LU"),
            ("Monaco", "MC"),
            ("Allemagne", "DE"),
            ("Germany", "DE"),
            ("Espagne", "ES"),
            ("Spain", "ES"),
            ("Italie", "IT"),
            ("Italy", "IT"),
            ("Royaume-Uni", "GB"),
            ("Royaume Uni", "GB"),
            ("United Kingdom", "GB"),
            ("UK", "GB"),
            ("GBR", "GB"),
            ("Canada", "CA"),
            ("Guadeloupe", "GP"),
            ("Martinique", "MQ"),
            ("Guyane", "GF"),
            ("Guyane française", "GF"),
            ("La Réunion", "RE"),
            ("la reunion", "RE"),
            ("Réunion", "RE"),
            ("Mayotte", "YT"),
            ("États-Unis", "US"),
            ("USA", "US"),
            ("Pays-Bas", "NL"),
            ("Côte d'Ivoire", "CI"),
            ("Cote d Ivoire", "CI"),
            ("Tchéquie", "CZ"),
        ] {
            assert_eq!(c(raw).as_deref(), Some(code), "{raw}");
        }
        for raw in ["", "  ", "Narnia", "XX", "ZZZ", "Paris", "-"] {
            assert_eq!(c(raw), None, "{raw}");
        }
    }

    #[test]
    fn postcodes_fr() {
        assert_eq!(normalise_postcode("75001", None).as_deref(), Some("75001"));
        assert_eq!(
            normalise_postcode(" 75 001 ", Some("FR")).as_deref(),
            Some("75001")
        );
        assert_eq!(
            normalise_postcode("1000", Some("FR")).as_deref(),
            Some("01000")
        );
        assert_eq!(normalise_postcode("1000", None).as_deref(), Some("01000"));
        assert_eq!(
            normalise_postcode("97110", Some("GP")).as_deref(),
            Some("97110")
        );
        assert_eq!(
            normalise_postcode("98000", Some("MC")).as_deref(),
            Some("98000")
        );
        assert_eq!(normalise_postcode("", Some("FR")), None);
        assert_eq!(normalise_postcode("750", Some("FR")), None);
        assert_eq!(normalise_postcode("750011", Some("FR")), None);
        assert_eq!(normalise_postcode("75001 Paris", Some("FR")), None);
        assert_eq!(
            normalise_postcode("F-75001", Some("FR")).as_deref(),
            Some("75001")
        );
        assert_eq!(
            normalise_postcode("fr-75001", None).as_deref(),
            Some("75001")
        );
        assert_eq!(normalise_postcode("75.001", None).as_deref(), Some("75001"));
        // Floats from Parquet/JSON/pandas: the `.0` goes, the digits stay.
        assert_eq!(
            normalise_postcode("75001.0", None).as_deref(),
            Some("75001")
        );
        assert_eq!(normalise_postcode("1000.0", None).as_deref(), Some("01000"));
        assert_eq!(
            normalise_postcode("1000.00", Some("FR")).as_deref(),
            Some("01000")
        );
        assert_eq!(normalise_postcode("7500.1", None), None);
        assert_eq!(normalise_postcode("75001.5", None), None);
        assert_eq!(normalise_postcode(".0", None), None);
        // Five digits outside the French ranges are unknown.
        assert_eq!(normalise_postcode("00100", None), None);
        assert_eq!(normalise_postcode("99999", Some("FR")), None);
        assert_eq!(normalise_postcode("7500A", None), None);
    }

    #[test]
    fn postcodes_other() {
        assert_eq!(
            normalise_postcode(" sw1a  1aa ", Some("GB")).as_deref(),
            Some("SW1A 1AA")
        );
        assert_eq!(
            normalise_postcode("1000", Some("BE")).as_deref(),
            Some("1000")
        );
        assert_eq!(
            normalise_postcode("10115", Some("DE")).as_deref(),
            Some("10115")
        );
        assert_eq!(
            normalise_postcode("h2x 1y4", Some("CA")).as_deref(),
            Some("H2X 1Y4")
        );
        assert_eq!(normalise_postcode("  ", Some("GB")), None);
    }

    #[test]
    fn fr_postcode_validity() {
        for ok in ["01000", "75001", "97110", "98000", "98999", "20000"] {
            assert!(is_valid_fr_postcode(ok), "{ok}");
        }
        for bad in [
            "00123",
            "00999",
            "99000",
            "0100",
            "750011",
            "7500A",
            "",
            "７５００１",
        ] {
            assert!(!is_valid_fr_postcode(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn postcode_idempotent(
            raw in "[0-9 .]{0,8}|[a-zA-Z0-9 -]{0,10}|\\PC{0,10}",
            country in prop::sample::select(vec![None, Some("FR"), Some("GB"), Some("BE"), Some("GP")]),
        ) {
            if let Some(once) = normalise_postcode(&raw, country) {
                prop_assert_eq!(normalise_postcode(&once, country), Some(once.clone()));
            }
        }

        #[test]
        fn country_idempotent(raw in "\\PC{0,12}|[a-zA-Z]{2,3}") {
            if let Some(code) = normalise_country(&raw) {
                prop_assert_eq!(normalise_country(&code), Some(code.clone()));
                prop_assert!(code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()));
            }
        }
    }
}
