//! The layout of the rows the generator writes: the column indexes of a
//! prospect row ([`col`]), the list's vendor (French) and canonical (English)
//! headers, the headers of clients.csv, and the row types.
//!
//! In: nothing (constants). Out: [`Row`] and [`ClientRow`], filled by the
//! generator, and the header rows `sample`, `scale` and `fixtures` write
//! above them. The indexes and the headers sit together so that a column is
//! added or moved in one place.

/// Column indexes of a prospect [`Row`].
pub(super) mod col {
    pub const CIVILITY: usize = 0;
    pub const FIRST: usize = 1;
    pub const LAST: usize = 2;
    pub const COMPANY: usize = 3;
    pub const SIRET: usize = 4;
    pub const JOB: usize = 5;
    pub const EMAIL: usize = 6;
    pub const PHONE: usize = 7;
    pub const MOBILE: usize = 8;
    pub const FAX: usize = 9;
    pub const ADDRESS: usize = 10;
    pub const POSTCODE: usize = 11;
    pub const CITY: usize = 12;
    pub const COUNTRY: usize = 13;
    pub const COLLECTED: usize = 14;
    pub const LAST_CONTACT: usize = 15;
    pub const SOURCE: usize = 16;
    pub const C_EMAIL: usize = 17;
    pub const C_EMAIL_AT: usize = 18;
    pub const C_SMS: usize = 19;
    pub const C_SMS_AT: usize = 20;
    pub const C_PHONE: usize = 21;
    pub const C_PHONE_AT: usize = 22;
    pub const C_FAX: usize = 23;
    pub const C_AUTOCALL: usize = 24;
    pub const C_POST: usize = 25;
    pub const C_PARTNERS: usize = 26;
    pub const PROOF: usize = 27;
}
pub(super) const COLS: usize = 28;

/// Vendor headers of the sample list (synonyms of docs/pipeline.md#inputs).
pub(super) const FR_HEADERS: [&str; COLS] = [
    "Civilité",
    "Prénom",
    "Nom",
    "Société",
    "SIRET",
    "Fonction",
    "E-mail",
    "Tél",
    "Portable",
    "Fax",
    "Adresse",
    "Code postal",
    "Ville",
    "Pays",
    "Date de collecte",
    "Date du dernier contact",
    "Source",
    "Opt-in email",
    "Date opt-in email",
    "Opt-in SMS",
    "Date opt-in SMS",
    "Opt-in téléphone",
    "Date opt-in téléphone",
    "Opt-in fax",
    "Opt-in automate",
    "Opt-in courrier",
    "Opt-in partenaires",
    "Preuve consentement",
];

/// Canonical names (docs/pipeline.md#inputs). `civility` is not canonical: the scale and
/// JSON/Parquet outputs leave column 0 out.
pub(super) const EN_HEADERS: [&str; COLS] = [
    "civility",
    "first_name",
    "last_name",
    "company_name",
    "siret",
    "job_title",
    "email",
    "phone",
    "mobile",
    "fax",
    "address_line1",
    "postcode",
    "city",
    "country",
    "collected_at",
    "last_contact_at",
    "source",
    "consent_email",
    "consent_email_at",
    "consent_sms",
    "consent_sms_at",
    "consent_phone",
    "consent_phone_at",
    "consent_fax",
    "consent_autocall",
    "consent_post",
    "consent_partners",
    "consent_proof",
];

const CLIENT_COLS: usize = 19;
pub(super) const CLIENT_HEADERS: [&str; CLIENT_COLS] = [
    "client_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "address_line1",
    "postcode",
    "city",
    "country",
    "company_name",
    "siret",
    "relationship_end_at",
    "last_purchase_at",
    "contract_in_progress",
    "opposed_email",
    "opposed_sms",
    "opposed_phone",
    "opposed_post",
];

pub(super) type Row = [String; COLS];
pub(super) type ClientRow = [String; CLIENT_COLS];

pub(super) fn empty_row<const N: usize>() -> [String; N] {
    std::array::from_fn(|_| String::new())
}

pub(super) fn copy_row<const N: usize>(dst: &mut [String; N], src: &[String; N]) {
    for (d, s) in dst.iter_mut().zip(src) {
        d.clone_from(s);
    }
}
