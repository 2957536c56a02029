//! Maps a vendor's headers onto canonical column names. Three sources, in
//! order: the user's mapping file (`--mapping`, format in
//! `schemas/mapping.example.toml`), the canonical names themselves, then the built-in
//! French and English synonyms. Headers are compared folded: case, accents,
//! spaces, `-`, `_`, `.` and apostrophes ignored, so `Code postal`,
//! `CODE_POSTAL` and `code-postal` are one header.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::schema::{CANONICAL_COLUMNS, CLIENT_COLUMNS, OPPOSITION_COLUMNS};

/// What kind of file a header row belongs to: decides which canonical
/// columns are valid targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    List,
    Clients,
    Opposition,
}

/// Target meaning "read, not kept" (civility, or what a mapping says to ignore).
pub const IGNORE: &str = "ignore";

/// The result of mapping one header row.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ColumnMap {
    /// canonical name -> index of the first source column mapped to it.
    pub canonical: BTreeMap<String, usize>,
    /// canonical name -> later source columns mapped to it too (`email`,
    /// `Email`, `E-mail`; JSON keys that vary from record to record). Each
    /// row takes the first non-empty of them ([`canonical_frame`]).
    pub also: BTreeMap<String, Vec<usize>>,
    /// (header, canonical) in file order, for `inspect`.
    pub pairs: Vec<(String, String)>,
    /// Headers that map to nothing (reported; kept only by `keep_columns`).
    pub unmapped: Vec<String>,
    /// Headers read but deliberately not kept.
    pub ignored: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    columns: BTreeMap<String, String>,
}

/// A user's mapping: folded vendor header -> canonical name.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    path: Option<std::path::PathBuf>,
    entries: Vec<(String, String, String)>, // (header as written, folded, canonical)
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: MappingFile = toml::from_str(&text).map_err(|e| {
            Error::config(
                path,
                format!(
                    "invalid mapping: {}",
                    crate::manifest::toml_error(&text, &e)
                ),
            )
        })?;
        let mut entries = Vec::new();
        for (header, target) in file.columns {
            let target = target.trim().to_owned();
            if target != IGNORE && !is_known_target(&target) {
                return Err(Error::config(
                    path,
                    format!(
                        "column {header:?} maps to unknown canonical column {target:?} (see `qualify schema` for the names)"
                    ),
                ));
            }
            entries.push((header.clone(), fold_header(&header), target));
        }
        Ok(Mapping {
            path: Some(path.to_owned()),
            entries,
        })
    }
}

fn is_known_target(name: &str) -> bool {
    CANONICAL_COLUMNS
        .iter()
        .chain(CLIENT_COLUMNS)
        .chain(OPPOSITION_COLUMNS)
        .any(|(c, _)| *c == name)
        || name == "civility"
}

fn allowed_targets(kind: TableKind) -> Vec<&'static str> {
    let mut v: Vec<&str> = CANONICAL_COLUMNS.iter().map(|(c, _)| *c).collect();
    v.push("civility");
    match kind {
        TableKind::List => {}
        TableKind::Clients => v.extend(CLIENT_COLUMNS.iter().map(|(c, _)| *c)),
        TableKind::Opposition => v.extend(OPPOSITION_COLUMNS.iter().map(|(c, _)| *c)),
    }
    v
}

/// Folds a header for comparison: lowercase ASCII, accents removed, and
/// spaces, `-`, `_`, `.`, `'`, `’`, `/`, `(`, `)` dropped.
pub fn fold_header(h: &str) -> String {
    deunicode::deunicode(h.trim())
        .chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '-' | '_' | '.' | '\'' | '/' | '(' | ')' | ':' | '\t'
            )
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Built-in synonyms (docs/pipeline.md#inputs): canonical -> vendor habits in French and English.
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "civility",
        &[
            "Civilité",
            "Civ",
            "Titre de civilité",
            "Salutation",
            "Title",
            "Gender",
            "Genre",
            "Sexe",
        ],
    ),
    (
        "first_name",
        &[
            "Prénom",
            "Prenom",
            "First name",
            "Firstname",
            "Given name",
            "Forename",
        ],
    ),
    (
        "last_name",
        &[
            "Nom",
            "Nom de famille",
            "Last name",
            "Lastname",
            "Surname",
            "Family name",
        ],
    ),
    (
        "full_name",
        &[
            "Nom complet",
            "Prénom Nom",
            "Nom Prénom",
            "Full name",
            "Name",
            "Contact",
            "Nom du contact",
            "Contact name",
        ],
    ),
    (
        "email",
        &[
            "E-mail",
            "Email",
            "Mail",
            "Courriel",
            "Adresse e-mail",
            "Adresse email",
            "Adresse mail",
            "Email address",
            "E-mail address",
            "Adresse électronique",
            "Mail pro",
            "Email pro",
        ],
    ),
    (
        "phone",
        &[
            "Tél",
            "Tel",
            "Téléphone",
            "Telephone",
            "Tél fixe",
            "Téléphone fixe",
            "Tél standard",
            "Standard",
            "Phone",
            "Phone number",
            "Telephone number",
            "Landline",
            "Work phone",
            "Tél pro",
            "Ligne directe",
            "Direct line",
        ],
    ),
    (
        "mobile",
        &[
            "Portable",
            "Mobile",
            "Tél portable",
            "Téléphone portable",
            "Tél mobile",
            "Téléphone mobile",
            "GSM",
            "Cellulaire",
            "Mobile phone",
            "Cell",
            "Cell phone",
            "Cellphone",
        ],
    ),
    (
        "fax",
        &[
            "Fax",
            "Télécopie",
            "Télécopieur",
            "Numéro de fax",
            "Fax number",
        ],
    ),
    (
        "address_line1",
        &[
            "Adresse",
            "Adresse 1",
            "Adresse ligne 1",
            "Rue",
            "Voie",
            "Address",
            "Address 1",
            "Address line 1",
            "Street",
            "Street address",
        ],
    ),
    (
        "address_line2",
        &[
            "Adresse 2",
            "Adresse ligne 2",
            "Complément d'adresse",
            "Complément adresse",
            "Complément",
            "Address 2",
            "Address line 2",
        ],
    ),
    (
        "postcode",
        &[
            "Code postal",
            "CP",
            "Code post",
            "Postcode",
            "Postal code",
            "Zip",
            "Zip code",
            "Zipcode",
        ],
    ),
    ("city", &["Ville", "Commune", "Localité", "City", "Town"]),
    ("country", &["Pays", "Country", "Code pays", "Country code"]),
    (
        "company_name",
        &[
            "Raison sociale",
            "Société",
            "Societe",
            "Entreprise",
            "Nom de l'entreprise",
            "Nom société",
            "Dénomination",
            "Company",
            "Company name",
            "Organisation",
            "Organization",
            "Employer",
            "Employeur",
        ],
    ),
    (
        "siren",
        &["SIREN", "N° SIREN", "Numéro SIREN", "Siren number"],
    ),
    (
        "siret",
        &["SIRET", "N° SIRET", "Numéro SIRET", "Siret number"],
    ),
    (
        "job_title",
        &[
            "Fonction",
            "Poste",
            "Titre",
            "Intitulé de poste",
            "Job title",
            "Job",
            "Position",
            "Role",
        ],
    ),
    (
        "collected_at",
        &[
            "Date de collecte",
            "Date d'inscription",
            "Date de création",
            "Date collecte",
            "Date inscription",
            "Collected at",
            "Collection date",
            "Signup date",
            "Created at",
            "Date created",
            "Subscription date",
        ],
    ),
    (
        "last_contact_at",
        &[
            "Date du dernier contact",
            "Dernier contact",
            "Date dernier contact",
            "Dernière activité",
            "Last contact",
            "Last contact date",
            "Last activity",
            "Last contact at",
        ],
    ),
    (
        "source",
        &["Source", "Origine", "Provenance", "Origin", "Lead source"],
    ),
    (
        "consent_email",
        &[
            "Opt-in email",
            "Optin email",
            "Opt-in e-mail",
            "Optin e-mail",
            "Opt-in mail",
            "Consentement email",
            "Consentement e-mail",
            "Accord email",
            "Accord e-mail",
            "Email opt-in",
            "Email optin",
            "Email consent",
            "Consent email",
        ],
    ),
    (
        "consent_email_at",
        &[
            "Date opt-in email",
            "Date optin email",
            "Date opt-in e-mail",
            "Date consentement email",
            "Date consentement e-mail",
            "Date accord email",
            "Email opt-in date",
            "Email consent date",
        ],
    ),
    (
        "consent_sms",
        &[
            "Opt-in SMS",
            "Optin SMS",
            "Consentement SMS",
            "Accord SMS",
            "SMS opt-in",
            "SMS optin",
            "SMS consent",
            "Consent SMS",
        ],
    ),
    (
        "consent_sms_at",
        &[
            "Date opt-in SMS",
            "Date optin SMS",
            "Date consentement SMS",
            "Date accord SMS",
            "SMS opt-in date",
            "SMS consent date",
        ],
    ),
    (
        "consent_phone",
        &[
            "Opt-in téléphone",
            "Optin téléphone",
            "Opt-in tél",
            "Opt-in telephone",
            "Consentement téléphone",
            "Accord téléphone",
            "Accord tél",
            "Phone opt-in",
            "Phone optin",
            "Phone consent",
            "Telephone opt-in",
            "Consent phone",
        ],
    ),
    (
        "consent_phone_at",
        &[
            "Date opt-in téléphone",
            "Date optin téléphone",
            "Date opt-in tél",
            "Date consentement téléphone",
            "Date accord téléphone",
            "Phone opt-in date",
            "Phone consent date",
        ],
    ),
    (
        "consent_autocall",
        &[
            "Opt-in automate",
            "Optin automate",
            "Consentement automate",
            "Accord automate",
            "Opt-in appel automatisé",
            "Autocall opt-in",
            "Automated call opt-in",
            "Robocall opt-in",
            "Autocall consent",
        ],
    ),
    (
        "consent_autocall_at",
        &[
            "Date opt-in automate",
            "Date optin automate",
            "Date consentement automate",
            "Date accord automate",
            "Autocall opt-in date",
            "Autocall consent date",
        ],
    ),
    (
        "consent_fax",
        &[
            "Opt-in fax",
            "Optin fax",
            "Consentement fax",
            "Accord fax",
            "Fax opt-in",
            "Fax consent",
        ],
    ),
    (
        "consent_fax_at",
        &[
            "Date opt-in fax",
            "Date optin fax",
            "Date consentement fax",
            "Date accord fax",
            "Fax opt-in date",
            "Fax consent date",
        ],
    ),
    (
        "consent_post",
        &[
            "Opt-in courrier",
            "Optin courrier",
            "Opt-in postal",
            "Optin postal",
            "Consentement courrier",
            "Consentement postal",
            "Accord courrier",
            "Accord postal",
            "Post opt-in",
            "Postal opt-in",
            "Mail opt-in",
            "Postal consent",
        ],
    ),
    (
        "consent_post_at",
        &[
            "Date opt-in courrier",
            "Date optin courrier",
            "Date opt-in postal",
            "Date consentement courrier",
            "Date consentement postal",
            "Date accord courrier",
            "Postal opt-in date",
            "Post opt-in date",
            "Postal consent date",
        ],
    ),
    (
        "consent_partners",
        &[
            "Opt-in partenaires",
            "Optin partenaires",
            "Consentement partenaires",
            "Accord partenaires",
            "Opt-in partenaire",
            "Partners opt-in",
            "Partner opt-in",
            "Partner consent",
            "Third party opt-in",
        ],
    ),
    (
        "consent_proof",
        &[
            "Preuve",
            "Preuve consentement",
            "Preuve du consentement",
            "Preuve de consentement",
            "Consent proof",
            "Proof",
            "Proof of consent",
        ],
    ),
    (
        "client_id",
        &[
            "Code client",
            "N° client",
            "Numéro client",
            "Id client",
            "Identifiant client",
            "Client id",
            "Customer id",
            "Customer number",
        ],
    ),
    (
        "relationship_end_at",
        &[
            "Date de fin de relation",
            "Fin de relation",
            "Date fin relation",
            "Relationship end",
            "Relationship end date",
            "End of relationship",
        ],
    ),
    (
        "last_purchase_at",
        &[
            "Date du dernier achat",
            "Dernier achat",
            "Date dernier achat",
            "Last purchase",
            "Last purchase date",
            "Last order date",
        ],
    ),
    (
        "contract_in_progress",
        &[
            "Contrat en cours",
            "Contract in progress",
            "Active contract",
        ],
    ),
    (
        "opposed_email",
        &[
            "Opposition email",
            "Opposé email",
            "Email opposed",
            "Unsubscribed email",
        ],
    ),
    (
        "opposed_sms",
        &["Opposition SMS", "Opposé SMS", "SMS opposed"],
    ),
    (
        "opposed_phone",
        &["Opposition téléphone", "Opposé téléphone", "Phone opposed"],
    ),
    (
        "opposed_autocall",
        &["Opposition automate", "Opposé automate", "Autocall opposed"],
    ),
    (
        "opposed_fax",
        &["Opposition fax", "Opposé fax", "Fax opposed"],
    ),
    (
        "opposed_post",
        &[
            "Opposition courrier",
            "Opposé courrier",
            "Post opposed",
            "Postal opposed",
        ],
    ),
    (
        "opposed_all",
        &[
            "Opposition",
            "Opposé",
            "Opposition prospection",
            "Opposed",
            "Do not contact",
        ],
    ),
    ("sha256", &["SHA-256", "SHA256 hash", "Hash SHA-256"]),
    ("md5", &["MD5", "MD5 hash", "Hash MD5"]),
    ("channel", &["Canal", "Channel"]),
    ("date", &["Date", "Date d'opposition", "Date opposition"]),
];

/// Per-channel words vendors use in consent headers, for the generated
/// synonyms below: (channel, its names in French and English).
const CONSENT_CHANNELS: &[(&str, &[&str])] = &[
    (
        "email",
        &["email", "e-mail", "mail", "courriel", "emailing"],
    ),
    ("sms", &["sms", "texto"]),
    (
        "phone",
        &[
            "tél",
            "tel",
            "téléphone",
            "telephone",
            "phone",
            "appel",
            "téléphonique",
        ],
    ),
    (
        "autocall",
        &[
            "automate",
            "appel automatisé",
            "appels automatisés",
            "autocall",
            "automated call",
        ],
    ),
    ("fax", &["fax", "télécopie"]),
    ("post", &["courrier", "postal", "post", "voie postale"]),
];

/// Words meaning "consent" in vendor headers.
const CONSENT_WORDS: &[&str] = &[
    "opt-in",
    "optin",
    "opt in",
    "consentement",
    "accord",
    "consent",
];

/// Every `{consent word} × {channel alias}` header in both orders (`Opt-in
/// courriel`, `Courrier opt-in`, `Consentement par SMS`), and the same with a
/// `Date (de/du/d') …` prefix or a `… date` suffix for the `_at` columns:
/// listing them by hand missed some (docs/pipeline.md#inputs says "the same per channel").
fn generated_consent_synonyms() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (channel, aliases) in CONSENT_CHANNELS {
        for alias in *aliases {
            for word in CONSENT_WORDS {
                let forms = [
                    format!("{word} {alias}"),
                    format!("{word} par {alias}"),
                    format!("{word} {alias}s"),
                    format!("{alias} {word}"),
                ];
                for f in forms {
                    for date in [
                        format!("date {f}"),
                        format!("date de {f}"),
                        format!("date du {f}"),
                        format!("date d'{f}"),
                        format!("{f} date"),
                        format!("{f} at"),
                    ] {
                        out.push((fold_header(&date), format!("consent_{channel}_at")));
                    }
                    out.push((fold_header(&f), format!("consent_{channel}")));
                }
            }
        }
    }
    out
}

static BUILT_IN: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    // Generated first: the hand-written synonyms below override them where
    // English and French disagree (`Mail opt-in` is postal mail).
    let targets: Vec<&'static str> = CANONICAL_COLUMNS.iter().map(|(c, _)| *c).collect();
    for (folded, canon) in generated_consent_synonyms() {
        if let Some(t) = targets.iter().find(|t| **t == canon) {
            m.insert(folded, *t);
        }
    }
    for (canon, syns) in SYNONYMS {
        m.insert(fold_header(canon), *canon);
        for s in *syns {
            m.insert(fold_header(s), *canon);
        }
    }
    for (c, _) in CANONICAL_COLUMNS
        .iter()
        .chain(CLIENT_COLUMNS)
        .chain(OPPOSITION_COLUMNS)
    {
        m.insert(fold_header(c), *c);
    }
    m
});

/// Maps a header row. A mapping entry naming a header that is not in the
/// file is an error: a nightly batch must not quietly lose a column.
pub fn map_headers(
    headers: &[String],
    mapping: &Mapping,
    kind: TableKind,
    file: &Path,
) -> Result<ColumnMap> {
    let allowed = allowed_targets(kind);
    let folded: Vec<String> = headers.iter().map(|h| fold_header(h)).collect();
    let mut user: HashMap<&str, &str> = HashMap::new();
    for (written, f, target) in &mapping.entries {
        if !folded.iter().any(|h| h == f) {
            let mpath = mapping.path.as_deref().unwrap_or(Path::new("mapping"));
            return Err(Error::config(
                mpath,
                format!(
                    "column {written:?} (mapped to {target}) is not in the header of {}; headers are: {}",
                    file.display(),
                    headers.join(", ")
                ),
            ));
        }
        user.insert(f.as_str(), target.as_str());
    }

    let mut out = ColumnMap::default();
    for (i, (h, f)) in headers.iter().zip(&folded).enumerate() {
        let target = user
            .get(f.as_str())
            .copied()
            .or_else(|| BUILT_IN.get(f).copied().filter(|t| allowed.contains(t)));
        match target {
            Some(t) if t == IGNORE || t == "civility" => out.ignored.push(h.clone()),
            Some(t) => {
                if out.canonical.contains_key(t) {
                    // Dropping the second column would lose every row
                    // whose value is only there (JSON keys vary per record):
                    // merge, first non-empty wins, conflicts are warned.
                    out.also.entry(t.to_owned()).or_default().push(i);
                } else {
                    out.canonical.insert(t.to_owned(), i);
                }
                out.pairs.push((h.clone(), t.to_owned()));
            }
            None => out.unmapped.push(h.clone()),
        }
    }
    Ok(out)
}

/// The columns through which a record can be contacted at all.
pub const CONTACT_COLUMNS: &[&str] = &["email", "phone", "mobile", "fax", "address_line1"];

/// What a header cell looks like when it is in fact a record's value.
fn data_like(cell: &str) -> Option<&'static str> {
    let c = cell.trim();
    if c.contains('@') && c.rsplit('@').next().is_some_and(|d| d.contains('.')) {
        return Some("an email address");
    }
    let digits = c.chars().filter(char::is_ascii_digit).count();
    let phone_chars = c
        .chars()
        .all(|ch| ch.is_ascii_digit() || " .-+()/".contains(ch));
    if phone_chars && digits >= 9 {
        return Some(match digits {
            14 if !c.contains('+') => "a SIRET",
            9 if c.chars().all(|ch| ch.is_ascii_digit() || ch == ' ') => {
                "a SIREN or a phone number"
            }
            _ => "a phone number",
        });
    }
    let date = |f: &str| chrono::NaiveDate::parse_from_str(c, f).is_ok();
    if date("%Y-%m-%d") || date("%d/%m/%Y") {
        return Some("a date");
    }
    None
}

/// Stops a list whose header row is a record, or on which nothing a
/// person can be contacted through is recognised. Both would otherwise
/// pass quietly: the first record lost (and its values printed as
/// "unmapped headers"), or every record rejected `no_contact_data`. The
/// messages name columns by position and kind, never the values (they
/// may be a person's).
pub fn check_header(file: &Path, headers: &[String], map: &ColumnMap) -> Result<()> {
    let data: Vec<(usize, &str)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| data_like(h).map(|k| (i + 1, k)))
        .collect();
    let emails = data
        .iter()
        .filter(|(_, k)| *k == "an email address")
        .count();
    let mapped = map.pairs.len();
    if emails > 0 || data.len() >= 2 || (!data.is_empty() && mapped == 0) {
        let seen: Vec<String> = data
            .iter()
            .take(4)
            .map(|(i, k)| format!("column {i} holds {k}"))
            .collect();
        return Err(Error::input(
            file,
            format!(
                "the first row looks like a record, not a header row ({}): qualify reads the first row as column names, so add a header row (email, phone, first_name, ...) or export the file with its headers",
                seen.join(", ")
            ),
        ));
    }
    if headers.is_empty()
        || CONTACT_COLUMNS
            .iter()
            .any(|c| map.canonical.contains_key(*c))
    {
        return Ok(());
    }
    let shown: Vec<&str> = headers.iter().take(12).map(String::as_str).collect();
    Err(Error::input(
        file,
        format!(
            "no contact column recognised (email, phone, mobile, fax or street address) among the headers: {}{}. Run `qualify inspect {}` to see how each header is read, then name the columns in a mapping file (--mapping, format in schemas/mapping.example.toml)",
            shown.join(", "),
            if headers.len() > 12 { ", ..." } else { "" },
            file.display()
        ),
    ))
}

impl ColumnMap {
    /// Every source column index mapped to a canonical column.
    pub fn mapped_indices(&self) -> Vec<usize> {
        self.canonical
            .values()
            .chain(self.also.values().flatten())
            .copied()
            .collect()
    }

    /// The source columns of one canonical column, in file order.
    fn sources(&self, name: &str) -> Vec<usize> {
        let mut v: Vec<usize> = self.canonical.get(name).copied().into_iter().collect();
        if let Some(more) = self.also.get(name) {
            v.extend(more);
        }
        v
    }
}

/// Builds a frame holding exactly the `names` columns, in that order, from
/// the mapped table: a column the file does not have is all nulls, so later
/// stages never need to ask whether a column exists. A canonical column fed
/// by several source columns takes, row by row, the first non-empty one.
pub fn canonical_frame(
    frame: &polars::prelude::DataFrame,
    map: &ColumnMap,
    names: &[&str],
) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let n = frame.height();
    let column = |i: usize| super::column(frame, i);
    let cols: Vec<Column> = names
        .iter()
        .map(|name| match map.sources(name).as_slice() {
            [] => Column::full_null((*name).into(), n, &DataType::String),
            [i] => column(*i).clone().with_name((*name).into()).into_column(),
            many => {
                let srcs: Vec<&StringChunked> = many.iter().map(|&i| column(i)).collect();
                let merged: StringChunked = (0..n)
                    .map(|row| srcs.iter().find_map(|c| c.get(row)))
                    .collect();
                merged.with_name((*name).into()).into_column()
            }
        })
        .collect();
    DataFrame::new(n, cols).expect("all columns have the table's height")
}

/// Summary warnings for rows where two source columns of one canonical
/// column hold different values (the first was used): `warning -> rows`,
/// for the rows of `frame` (a table's or a batch's, under `headers`).
pub fn merge_conflicts(
    headers: &[String],
    frame: &polars::prelude::DataFrame,
    map: &ColumnMap,
) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for name in map.also.keys() {
        let idx = map.sources(name);
        let srcs: Vec<&polars::prelude::StringChunked> =
            idx.iter().map(|&i| super::column(frame, i)).collect();
        let rows = (0..frame.height())
            .filter(|&row| {
                let mut vals = srcs.iter().filter_map(|c| c.get(row));
                let first = vals.next();
                first.is_some_and(|f| vals.any(|v| v != f))
            })
            .count();
        if rows > 0 {
            let headers: Vec<&str> = idx.iter().map(|&i| headers[i].as_str()).collect();
            out.insert(
                format!(
                    "columns {} all map to {name} and disagree: the first non-empty value was used",
                    headers
                        .iter()
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                rows,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(headers: &[&str], kind: TableKind) -> ColumnMap {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        map_headers(&h, &Mapping::default(), kind, Path::new("f.csv")).unwrap()
    }

    #[test]
    fn french_headers_map() {
        let m = map(
            &[
                "Civilité",
                "Prénom",
                "NOM",
                "Courriel",
                "Tél.",
                "Portable",
                "Code postal",
                "CP",
                "Raison sociale",
                "Opt-in e-mail",
                "Date opt-in email",
                "Opt-in partenaires",
                "Preuve consentement",
                "Date de collecte",
                "Zorglub",
            ],
            TableKind::List,
        );
        assert_eq!(m.canonical["first_name"], 1);
        assert_eq!(m.canonical["last_name"], 2);
        assert_eq!(m.canonical["email"], 3);
        assert_eq!(m.canonical["phone"], 4);
        assert_eq!(m.canonical["mobile"], 5);
        assert_eq!(m.canonical["postcode"], 6);
        assert_eq!(m.canonical["company_name"], 8);
        assert_eq!(m.canonical["consent_email"], 9);
        assert_eq!(m.canonical["consent_email_at"], 10);
        assert_eq!(m.canonical["consent_partners"], 11);
        assert_eq!(m.canonical["consent_proof"], 12);
        assert_eq!(m.canonical["collected_at"], 13);
        assert_eq!(m.ignored, vec!["Civilité"]);
        // The second postcode column is merged into the first.
        assert_eq!(m.also["postcode"], vec![7]);
        assert_eq!(m.unmapped, vec!["Zorglub"]);
    }

    #[test]
    fn english_and_canonical_headers_map() {
        let m = map(
            &[
                "First name",
                "Last name",
                "Company",
                "Job title",
                "Mobile phone",
                "Zip",
                "Email opt-in",
                "consent_sms_at",
            ],
            TableKind::List,
        );
        for c in [
            "first_name",
            "last_name",
            "company_name",
            "job_title",
            "mobile",
            "postcode",
            "consent_email",
            "consent_sms_at",
        ] {
            assert!(m.canonical.contains_key(c), "{c}");
        }
    }

    fn table(headers: &[&str], rows: &[&[Option<&str>]]) -> super::super::Table {
        use polars::prelude::*;
        let cols: Vec<Column> = (0..headers.len())
            .map(|i| {
                let c: StringChunked = rows.iter().map(|r| r[i]).collect();
                c.with_name(format!("c{i}").into()).into_column()
            })
            .collect();
        super::super::Table {
            path: "t.json".into(),
            sha256: String::new(),
            info: super::super::SourceInfo {
                format: super::super::Format::Json,
                encoding: None,
                delimiter: None,
                sheet: None,
            },
            headers: headers.iter().map(|s| s.to_string()).collect(),
            frame: DataFrame::new(rows.len(), cols).unwrap(),
            rows: rows.len(),
            malformed: vec![],
        }
    }

    #[test]
    fn columns_mapping_to_one_field_merge_first_non_empty() {
        // keys.json: one key spelling per record.
        let t = table(
            &["email", "Email", "E-mail", "Tél"],
            &[
                &[Some("a@x.fr"), None, None, None],
                &[None, Some("b@x.fr"), None, None],
                &[None, None, Some("c@x.fr"), None],
                &[Some("d@x.fr"), Some("e@x.fr"), Some("d@x.fr"), None],
            ],
        );
        let h = t.headers.clone();
        let m = map_headers(&h, &Mapping::default(), TableKind::List, Path::new("t")).unwrap();
        assert!(m.unmapped.is_empty());
        assert_eq!(m.mapped_indices().len(), 4);
        let df = canonical_frame(&t.frame, &m, &["email", "phone", "mobile"]);
        let email: Vec<Option<&str>> = df.columns()[0].str().unwrap().iter().collect();
        assert_eq!(
            email,
            vec![
                Some("a@x.fr"),
                Some("b@x.fr"),
                Some("c@x.fr"),
                Some("d@x.fr")
            ]
        );
        let w = merge_conflicts(&t.headers, &t.frame, &m);
        assert_eq!(w.len(), 1);
        let (k, v) = w.iter().next().unwrap();
        assert!(k.contains("\"Email\"") && k.contains("email"), "{k}");
        assert_eq!(*v, 1);
    }

    #[test]
    fn consent_headers_for_every_channel_in_both_orders() {
        for (h, want) in [
            ("Opt-in courriel", "consent_email"),
            ("Courriel opt-in", "consent_email"),
            ("Courrier opt-in", "consent_post"),
            ("Accord courrier", "consent_post"),
            ("Consentement par SMS", "consent_sms"),
            ("Optin Téléphone", "consent_phone"),
            ("Accord appel automatisé", "consent_autocall"),
            ("Fax consentement", "consent_fax"),
            ("Date de consentement email", "consent_email_at"),
            ("Date d'opt-in SMS", "consent_sms_at"),
            ("Date accord courrier", "consent_post_at"),
            ("Courriel opt-in date", "consent_email_at"),
            // English "mail" is postal mail: the hand-written entry wins.
            ("Mail opt-in", "consent_post"),
            ("Opt-in mail", "consent_email"),
        ] {
            let m = map(&[h], TableKind::List);
            assert_eq!(m.canonical.get(want), Some(&0), "{h} -> {:?}", m.pairs);
        }
    }

    #[test]
    fn client_columns_only_map_in_client_files() {
        assert!(map(&["client_id"], TableKind::List).canonical.is_empty());
        assert_eq!(
            map(&["Code client"], TableKind::Clients).canonical["client_id"],
            0
        );
    }

    #[test]
    fn mapping_file_wins_and_is_validated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.toml");
        std::fs::write(
            &p,
            "[columns]\n\"Mail pro 2\" = \"email\"\n\"Tel\" = \"mobile\"\n",
        )
        .unwrap();
        let m = Mapping::load(&p).unwrap();
        let h: Vec<String> = ["Mail pro 2", "Tel"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cm = map_headers(&h, &m, TableKind::List, Path::new("f.csv")).unwrap();
        assert_eq!(cm.canonical["email"], 0);
        assert_eq!(cm.canonical["mobile"], 1);

        std::fs::write(&p, "[columns]\n\"X\" = \"emial\"\n").unwrap();
        let e = Mapping::load(&p).unwrap_err().to_string();
        assert!(e.contains("emial") && e.contains("m.toml"), "{e}");

        std::fs::write(&p, "[columns]\n\"Absent\" = \"email\"\n").unwrap();
        let m = Mapping::load(&p).unwrap();
        let e = map_headers(&h, &m, TableKind::List, Path::new("f.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Absent") && e.contains("f.csv"), "{e}");
    }
}
