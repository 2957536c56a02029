//! Minimisation (GDPR art. 5(1)(c), 9 and 10): finds the vendor columns that
//! hold data prospection never needs — special categories (health, beliefs,
//! political opinions, union membership, ethnic origin, sex life or
//! orientation, genetic or biometric data), convictions, the NIR (French
//! social security number), ID-document numbers, bank details, birth dates,
//! family status — by header (French and English synonyms) and by content
//! (a NIR with a valid key, an IBAN with a valid checksum).
//!
//! In: the imported table and its column mapping. Out: the list of removed
//! columns with the reason for each. Removed columns are never carried to an
//! output, even when `keep_columns` names them; the summary lists them. The
//! source and vendor are not touched: the GDPR art. 14 notice needs them.

use crate::ingest::mapping::{fold_header, ColumnMap};
use crate::ingest::Table;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Removed {
    pub column: String,
    pub category: &'static str,
    pub reason: String,
}

/// (category, legal basis, header synonyms). A synonym of 4 letters or less
/// must equal the folded header; longer ones may appear inside it.
const CATEGORIES: &[(&str, &str, &[&str])] = &[
    (
        "health",
        "GDPR art. 9",
        &[
            "santé",
            "health",
            "maladie",
            "handicap",
            "disability",
            "médical",
            "medical",
            "pathologie",
            "diabète",
            "diabetique",
            "diabetic",
            "allergie",
            "allergy",
            "grossesse",
            "pregnancy",
            "traitement médical",
            "état de santé",
        ],
    ),
    (
        "religion_or_beliefs",
        "GDPR art. 9",
        &[
            "religion",
            "religieux",
            "confession",
            "croyance",
            "culte",
            "belief",
            "faith",
            "philosophical",
        ],
    ),
    (
        "political_opinions",
        "GDPR art. 9",
        &[
            "opinion politique",
            "parti politique",
            "political",
            "politique",
            "vote",
        ],
    ),
    (
        "union_membership",
        "GDPR art. 9",
        &["syndicat", "syndical", "trade union", "union membership"],
    ),
    (
        "ethnic_origin",
        "GDPR art. 9",
        &[
            "ethnie",
            "ethnique",
            "origine ethnique",
            "ethnic",
            "race",
            "racial",
        ],
    ),
    (
        "sex_life_or_orientation",
        "GDPR art. 9",
        &[
            "orientation sexuelle",
            "sexual orientation",
            "vie sexuelle",
            "sex life",
            "sexualité",
            "sexuality",
        ],
    ),
    (
        "genetic_or_biometric",
        "GDPR art. 9",
        &[
            "génétique",
            "genetic",
            "adn",
            "dna",
            "biométrique",
            "biometric",
            "empreinte digitale",
            "fingerprint",
        ],
    ),
    (
        "criminal_convictions",
        "GDPR art. 10",
        &[
            "condamnation",
            "casier judiciaire",
            "infraction",
            "criminal",
            "conviction",
            "offence",
            "offense",
        ],
    ),
    (
        "nir",
        "GDPR art. 87, CNIL (NIR)",
        &[
            "nir",
            "numéro de sécurité sociale",
            "sécurité sociale",
            "securite sociale",
            "n° ss",
            "num ss",
            "social security",
            "ssn",
            "insee",
        ],
    ),
    (
        "id_document",
        "GDPR art. 5(1)(c)",
        &[
            "carte d'identité",
            "carte identité",
            "numéro cni",
            "cni",
            "pièce d'identité",
            "passeport",
            "passport",
            "permis de conduire",
            "driving licence",
            "driver license",
            "id card",
            "identity document",
            "titre de séjour",
        ],
    ),
    (
        "bank_details",
        "GDPR art. 5(1)(c)",
        &[
            "iban",
            "bic",
            "rib",
            "swift",
            "compte bancaire",
            "bank account",
            "carte bancaire",
            "credit card",
            "card number",
            "numéro de carte",
        ],
    ),
    (
        "birth_date",
        "GDPR art. 5(1)(c)",
        &[
            "date de naissance",
            "naissance",
            "né le",
            "birth date",
            "date of birth",
            "birthdate",
            "birthday",
            "dob",
        ],
    ),
    (
        "family_status",
        "GDPR art. 5(1)(c)",
        &[
            "situation familiale",
            "situation de famille",
            "statut marital",
            "marital status",
            "état civil",
            "etat civil",
            "nombre d'enfants",
            "enfants",
            "children",
            "family status",
        ],
    ),
];

/// The columns to remove. Canonical columns are never removed (they are the
/// fields prospection needs); every other column is checked by header, and
/// its values by content.
pub fn sensitive_columns(table: &Table, map: &ColumnMap) -> Vec<Removed> {
    let mut scan = Sensitive::new(&table.headers, map);
    scan.scan(&table.frame, 0);
    scan.finish()
}

/// [`sensitive_columns`] batch by batch: the headers decide at once, the
/// content as the batches come (the first row that gives a column away is
/// the file's first, since batches come in row order).
pub struct Sensitive {
    /// By column: removed, and why (`None`: not, or not yet).
    found: Vec<Option<Removed>>,
    /// Columns whose cells are still to be checked.
    unread: Vec<usize>,
    headers: Vec<String>,
}

impl Sensitive {
    pub fn new(headers: &[String], map: &ColumnMap) -> Sensitive {
        let mapped: Vec<usize> = map.mapped_indices();
        let mut found = vec![None; headers.len()];
        let mut unread = Vec::new();
        for (i, header) in headers.iter().enumerate() {
            if mapped.contains(&i) {
                continue;
            }
            match by_header(header) {
                Some((cat, basis)) => {
                    found[i] = Some(Removed {
                        column: header.clone(),
                        category: cat,
                        reason: format!("header names {} data ({basis})", cat.replace('_', " ")),
                    })
                }
                None => unread.push(i),
            }
        }
        Sensitive {
            found,
            unread,
            headers: headers.to_vec(),
        }
    }

    /// Checks the cells of the rows `start..` in `frame` (columns by index,
    /// as read).
    pub fn scan(&mut self, frame: &polars::prelude::DataFrame, start: usize) {
        let (found, headers) = (&mut self.found, &self.headers);
        self.unread.retain(
            |&i| match by_content(crate::ingest::column(frame, i), start) {
                Some((cat, what)) => {
                    found[i] = Some(Removed {
                        column: headers[i].clone(),
                        category: cat,
                        reason: what,
                    });
                    false
                }
                None => true,
            },
        );
    }

    /// The columns removed so far.
    pub fn removed_names(&self) -> Vec<String> {
        self.found
            .iter()
            .flatten()
            .map(|r| r.column.clone())
            .collect()
    }

    /// The removed columns, in the file's order.
    pub fn finish(self) -> Vec<Removed> {
        self.found.into_iter().flatten().collect()
    }
}

fn by_header(header: &str) -> Option<(&'static str, &'static str)> {
    let h = fold_header(header);
    CATEGORIES.iter().find_map(|(cat, basis, syns)| {
        syns.iter()
            .any(|s| {
                let f = fold_header(s);
                if f.len() <= 4 {
                    h == f
                } else {
                    h.contains(&f)
                }
            })
            .then_some((*cat, *basis))
    })
}

fn by_content(
    cells: &polars::prelude::StringChunked,
    start: usize,
) -> Option<(&'static str, String)> {
    for (row, cell) in cells.iter().enumerate() {
        let row = start + row;
        let Some(cell) = cell else { continue };
        if is_valid_nir(cell) {
            return Some((
                "nir",
                format!("row {} holds a NIR with a valid key", row + 1),
            ));
        }
        if is_valid_iban(cell) {
            return Some((
                "bank_details",
                format!("row {} holds an IBAN with a valid checksum", row + 1),
            ));
        }
    }
    None
}

/// French NIR: sex digit, year, month, department (2A/2B for Corsica),
/// commune, order number, then a key = 97 - (number mod 97).
pub fn is_valid_nir(s: &str) -> bool {
    let c: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    if c.len() != 15 || !matches!(c.as_bytes()[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return false;
    }
    let (body, key) = c.split_at(13);
    // Corsica: 2A counts as 19, 2B as 18 in the key computation.
    let numeric = match &body[5..7] {
        "2A" => format!("{}19{}", &body[..5], &body[7..]),
        "2B" => format!("{}18{}", &body[..5], &body[7..]),
        _ => body.to_owned(),
    };
    let (Ok(n), Ok(k)) = (numeric.parse::<u64>(), key.parse::<u64>()) else {
        return false;
    };
    numeric.bytes().all(|b| b.is_ascii_digit()) && (1..=97).contains(&k) && 97 - n % 97 == k
}

/// IBAN (ISO 13616): two letters, two check digits, up to 30 alphanumerics;
/// valid when the rearranged number mod 97 is 1.
pub fn is_valid_iban(s: &str) -> bool {
    let c: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let b = c.as_bytes();
    if !(15..=34).contains(&c.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &ch in b[4..].iter().chain(&b[..4]) {
        let v = if ch.is_ascii_digit() {
            u32::from(ch - b'0')
        } else {
            u32::from(ch - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_by_category() {
        assert_eq!(by_header("Date de naissance").unwrap().0, "birth_date");
        assert_eq!(by_header("DOB").unwrap().0, "birth_date");
        assert_eq!(by_header("N° Sécurité Sociale").unwrap().0, "nir");
        assert_eq!(by_header("IBAN").unwrap().0, "bank_details");
        assert_eq!(by_header("Situation familiale").unwrap().0, "family_status");
        assert_eq!(by_header("Religion").unwrap().0, "religion_or_beliefs");
        assert_eq!(by_header("Etat de santé").unwrap().0, "health");
        assert_eq!(
            by_header("Casier judiciaire").unwrap().0,
            "criminal_convictions"
        );
        assert_eq!(by_header("Syndicat").unwrap().0, "union_membership");
        // No false alarms on ordinary columns.
        for h in [
            "Source",
            "Raison sociale",
            "Code postal",
            "Origine",
            "Score",
            "Ville",
            "Commentaire",
            "Segment",
        ] {
            assert!(by_header(h).is_none(), "{h}");
        }
    }

    #[test]
    fn nir_key() {
        // 1 84 12 76 451 089 key 46: a textbook example with a valid key.
        assert!(is_valid_nir("1 84 12 76 451 089 46"));
        assert!(!is_valid_nir("1 84 12 76 451 089 47"));
        // Corsica: 2A counts as 19.
        let body = "2840"; // sex 2, year 84, month 0_
        let n = format!("{body}12A123456");
        let numeric: u64 = format!("{body}119123456").parse().unwrap();
        let key = 97 - numeric % 97;
        assert!(is_valid_nir(&format!("{n}{key:02}")));
        assert!(!is_valid_nir("0612345678"));
        assert!(!is_valid_nir("73282932000009"));
    }

    #[test]
    fn iban_checksum() {
        assert!(is_valid_iban("FR76 3000 6000 0112 3456 7890 189"));
        assert!(is_valid_iban("GB82WEST12345698765432"));
        assert!(!is_valid_iban("FR76 3000 6000 0112 3456 7890 188"));
        assert!(!is_valid_iban("hello world"));
    }
}
