//! French company identifiers: SIREN (9 digits, the legal unit) and SIRET
//! (14 digits, an establishment: SIREN + 5-digit NIC).
//!
//! INSEE's rules: a SIREN passes the Luhn check; a SIRET passes the Luhn
//! check on its 14 digits *and* its SIREN is valid. La Poste (SIREN
//! 356000000) numbered its thousands of establishments before that rule, so
//! its SIRETs (except the head office, 356 000 000 00048, which passes Luhn)
//! are valid when the sum of their digits is a multiple of 5 (same rule as
//! python-stdnum's `fr.siret`).

/// A normalised SIREN or SIRET.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CompanyId {
    /// Only the digits of the cell (spaces, dots, dashes and any letters such
    /// as `RCS Paris B` removed). Boxed, not a `String`: two per row.
    pub digits: Box<str>,
    /// Right length and checksum.
    pub valid: bool,
}

const LA_POSTE_SIREN: &str = "356000000";
const LA_POSTE_HEAD_OFFICE: &str = "35600000000048";

/// Normalises a SIREN cell. `None` when empty or only whitespace.
pub fn normalise_siren(raw: &str) -> Option<CompanyId> {
    let digits = digits_of(raw)?;
    let valid = is_valid_siren(&digits);
    Some(CompanyId {
        digits: digits.into_boxed_str(),
        valid,
    })
}

/// Normalises a SIRET cell. `None` when empty or only whitespace.
pub fn normalise_siret(raw: &str) -> Option<CompanyId> {
    let digits = digits_of(raw)?;
    let valid = digits.len() == 14
        && is_valid_siren(siren_of_siret(&digits))
        && if digits.starts_with(LA_POSTE_SIREN) && digits != LA_POSTE_HEAD_OFFICE {
            digit_sum(&digits).is_multiple_of(5)
        } else {
            luhn(&digits)
        };
    Some(CompanyId {
        digits: digits.into_boxed_str(),
        valid,
    })
}

/// The SIREN part (first 9 digits) of a SIRET given as digits (e.g.
/// [`CompanyId::digits`]); the whole input when it is shorter.
pub fn siren_of_siret(siret: &str) -> &str {
    siret.get(..9).unwrap_or(siret)
}

/// Keeps the digits of a non-empty cell. Letters are dropped rather than
/// making the cell invalid because vendors write `RCS Paris B 552 100 554`
/// or `SIRET : 552...`; the length and checksum still have to be right.
fn digits_of(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(trimmed.chars().filter(char::is_ascii_digit).collect())
}

fn is_valid_siren(digits: &str) -> bool {
    digits.len() == 9 && luhn(digits)
}

fn digit_sum(digits: &str) -> u32 {
    digits.bytes().map(|b| u32::from(b - b'0')).sum()
}

/// Luhn check on ASCII digits: from the right, every second digit doubled
/// (minus 9 when above 9), total a multiple of 10.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn siren() {
        for raw in [
            "552008443",
            "552 100 554",
            "552.100.554",
            "552-100-554",
            " 732829320 ",
            "RCS Paris B 552 100 554",
        ] {
            let id = normalise_siren(raw).unwrap();
            assert!(id.valid, "{raw}");
        }
        assert_eq!(
            &*normalise_siren("552 100 554").unwrap().digits,
            "552100554"
        );
        let bad = normalise_siren("552100555").unwrap();
        assert_eq!(
            bad,
            CompanyId {
                digits: "552100555".into(),
                valid: false
            }
        );
        assert!(!normalise_siren("55210055").unwrap().valid);
        assert!(!normalise_siren("5521005540").unwrap().valid);
        assert!(!normalise_siren("n/a").unwrap().valid);
        assert_eq!(&*normalise_siren("n/a").unwrap().digits, "");
        assert_eq!(normalise_siren(""), None);
        assert_eq!(normalise_siren("   "), None);
    }

    #[test]
    fn siret() {
        for raw in [
            "732 829 320 00074",
            "73282932000074",
            "SIRET : 732.829.320.00074",
        ] {
            let id = normalise_siret(raw).unwrap();
            assert!(id.valid, "{raw}");
            assert_eq!(id.digits.len(), 14);
        }
        assert!(!normalise_siret("73282932000075").unwrap().valid);
        assert!(!normalise_siret("7328293200007").unwrap().valid);
        assert_eq!(normalise_siret(""), None);
        assert_eq!(siren_of_siret("73282932000074"), "732829320");
        assert_eq!(siren_of_siret("7328"), "7328");
    }

    #[test]
    fn siret_luhn_requires_valid_siren() {
        // Build a 14-digit number whose whole passes Luhn but whose SIREN
        // does not: SIREN 552100555 (bad) + a NIC chosen to fix the total.
        let siren = "552100555";
        let siret = (0..100_000)
            .map(|nic| format!("{siren}{nic:05}"))
            .find(|s| luhn(s))
            .unwrap();
        assert!(!normalise_siret(&siret).unwrap().valid);
    }

    #[test]
    fn la_poste() {
        assert!(normalise_siren("356000000").unwrap().valid);
        // Head office: regular Luhn.
        assert!(normalise_siret("356 000 000 00048").unwrap().valid);
        // Post offices: digit sum multiple of 5, not Luhn.
        let found: Vec<String> = (0..100_000)
            .map(|nic| format!("356000000{nic:05}"))
            .filter(|s| digit_sum(s).is_multiple_of(5) && !luhn(s))
            .take(3)
            .collect();
        for s in &found {
            assert!(normalise_siret(s).unwrap().valid, "{s}");
        }
        let not_mult5 = (0..100_000)
            .map(|nic| format!("356000000{nic:05}"))
            .find(|s| !digit_sum(s).is_multiple_of(5) && luhn(s) && s != LA_POSTE_HEAD_OFFICE)
            .unwrap();
        assert!(!normalise_siret(&not_mult5).unwrap().valid, "{not_mult5}");
        assert!(normalise_siret("35600000000048").unwrap().valid);
    }

    proptest! {
        #[test]
        fn idempotent(raw in "[0-9 .-]{0,20}|\\PC{0,20}") {
            // A cell with no digit at all normalises to empty digits, which
            // reads back as an empty cell: only non-empty digits are checked.
            if let Some(id) = normalise_siren(&raw) {
                if !id.digits.is_empty() {
                    prop_assert_eq!(normalise_siren(&id.digits), Some(id.clone()));
                }
            }
            if let Some(id) = normalise_siret(&raw) {
                if !id.digits.is_empty() {
                    prop_assert_eq!(normalise_siret(&id.digits), Some(id.clone()));
                }
            }
        }

        #[test]
        fn siret_of_valid_siren_with_any_valid_siret_is_consistent(nic in 0u32..100_000) {
            let siret = format!("732829320{nic:05}");
            let id = normalise_siret(&siret).unwrap();
            prop_assert_eq!(id.valid, luhn(&siret));
        }
    }
}
