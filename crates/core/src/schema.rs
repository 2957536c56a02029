//! The vocabulary every stage shares: the six channels, the canonical
//! columns a vendor's file is mapped onto, and the stable reason codes of
//! docs/reason-codes.md#reason-codes. Order matters everywhere: channels are always written in
//! [`CHANNELS`] order and reasons in catalogue ([`Reason`] declaration) order.

use std::fmt;

/// A way of reaching a person, in the order used by every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Email,
    Sms,
    /// A call placed by a person.
    Phone,
    /// An automated calling machine.
    Autocall,
    Fax,
    Post,
}

pub const CHANNELS: [Channel; 6] = [
    Channel::Email,
    Channel::Sms,
    Channel::Phone,
    Channel::Autocall,
    Channel::Fax,
    Channel::Post,
];

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Autocall => "autocall",
            Channel::Fax => "fax",
            Channel::Post => "post",
        }
    }
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn parse(s: &str) -> Option<Channel> {
        CHANNELS.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Canonical columns of a prospect record (docs/pipeline.md#inputs), in output order, with
/// one line of meaning each.
pub const CANONICAL_COLUMNS: &[(&str, &str)] = &[
    ("first_name", "first name, as the person spells it"),
    ("last_name", "last name, as the person spells it"),
    (
        "full_name",
        "full name when the vendor gives only one name column",
    ),
    ("email", "email address (domain lowercased)"),
    ("phone", "phone number, E.164 when valid (+33...)"),
    ("mobile", "mobile number, E.164 when valid"),
    ("fax", "fax number, E.164 when valid"),
    ("address_line1", "street address"),
    ("address_line2", "address complement"),
    ("postcode", "postcode (French: 5 digits)"),
    ("city", "city"),
    ("country", "country, ISO 3166-1 alpha-2"),
    ("company_name", "company name (a B2B signal)"),
    ("siren", "SIREN, 9 digits (from the SIRET when absent)"),
    ("siret", "SIRET, 14 digits"),
    ("job_title", "job title (a B2B signal)"),
    (
        "collected_at",
        "date the data was collected from the person",
    ),
    (
        "last_contact_at",
        "last action by the person (click, order, reply, request)",
    ),
    (
        "source",
        "where the data came from (kept for the GDPR art. 14 notice)",
    ),
    (
        "consent_email",
        "recorded opt-in for email: yes / no / empty (unknown)",
    ),
    ("consent_email_at", "date of the email consent"),
    ("consent_sms", "recorded opt-in for SMS"),
    ("consent_sms_at", "date of the SMS consent"),
    ("consent_phone", "recorded opt-in for calls by a person"),
    ("consent_phone_at", "date of the phone consent"),
    ("consent_autocall", "recorded opt-in for automated calls"),
    ("consent_autocall_at", "date of the automated-call consent"),
    ("consent_fax", "recorded opt-in for fax"),
    ("consent_fax_at", "date of the fax consent"),
    (
        "consent_post",
        "recorded opt-in (or objection) for postal mail",
    ),
    ("consent_post_at", "date of the postal consent"),
    (
        "consent_partners",
        "consent to the transfer of the data to partners",
    ),
    (
        "consent_proof",
        "reference to the evidence of consent (form id and version, URL, log id)",
    ),
];

/// Extra columns of the client file (docs/pipeline.md#inputs).
pub const CLIENT_COLUMNS: &[(&str, &str)] = &[
    ("client_id", "the company's identifier of the client"),
    (
        "relationship_end_at",
        "end of the client relationship (empty: ongoing)",
    ),
    ("last_purchase_at", "date of the last purchase"),
    ("contract_in_progress", "yes when a contract is in progress"),
    ("opposed_email", "the client objected to email"),
    ("opposed_sms", "the client objected to SMS"),
    ("opposed_phone", "the client objected to calls"),
    ("opposed_autocall", "the client objected to automated calls"),
    ("opposed_fax", "the client objected to fax"),
    ("opposed_post", "the client objected to postal mail"),
    ("opposed_all", "the client objected to all prospection"),
];

/// Extra columns of an opposition list (docs/pipeline.md#exact-formats).
pub const OPPOSITION_COLUMNS: &[(&str, &str)] = &[
    (
        "sha256",
        "SHA-256 hex of the normalised email or E.164 phone",
    ),
    ("md5", "MD5 hex of the normalised email or E.164 phone"),
    ("channel", "channel the objection covers (all when empty)"),
    ("date", "date of the objection"),
];

/// Columns read but never kept (docs/pipeline.md#inputs: civility is read, not kept).
pub const READ_NOT_KEPT: &[&str] = &["civility"];

pub fn consent_column(ch: Channel) -> &'static str {
    match ch {
        Channel::Email => "consent_email",
        Channel::Sms => "consent_sms",
        Channel::Phone => "consent_phone",
        Channel::Autocall => "consent_autocall",
        Channel::Fax => "consent_fax",
        Channel::Post => "consent_post",
    }
}

pub fn consent_date_column(ch: Channel) -> &'static str {
    match ch {
        Channel::Email => "consent_email_at",
        Channel::Sms => "consent_sms_at",
        Channel::Phone => "consent_phone_at",
        Channel::Autocall => "consent_autocall_at",
        Channel::Fax => "consent_fax_at",
        Channel::Post => "consent_post_at",
    }
}

pub fn opposed_column(ch: Channel) -> &'static str {
    match ch {
        Channel::Email => "opposed_email",
        Channel::Sms => "opposed_sms",
        Channel::Phone => "opposed_phone",
        Channel::Autocall => "opposed_autocall",
        Channel::Fax => "opposed_fax",
        Channel::Post => "opposed_post",
    }
}

/// Whether a reason applies to the whole record or to one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Record,
    Channel,
}

macro_rules! reasons {
    ($( $variant:ident = $code:literal, $level:ident, $meaning:literal; )*) => {
        /// Stable reason codes (docs/reason-codes.md#reason-codes). Declaration order is catalogue
        /// order, which is the order reasons are written in.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reason { $( $variant, )* }

        pub const REASONS: &[Reason] = &[ $( Reason::$variant, )* ];

        impl Reason {
            pub fn code(self) -> &'static str {
                match self { $( Reason::$variant => $code, )* }
            }
            pub fn level(self) -> Level {
                match self { $( Reason::$variant => Level::$level, )* }
            }
            /// One line of plain-language meaning.
            pub fn meaning(self) -> &'static str {
                match self { $( Reason::$variant => $meaning, )* }
            }
            pub fn parse(code: &str) -> Option<Reason> {
                match code { $( $code => Some(Reason::$variant), )* _ => None }
            }
        }
    };
}

reasons! {
    NoProvenance = "no_provenance", Record, "the list has no valid manifest: nobody can say who collected the data, how, or with what consent";
    Duplicate = "duplicate", Record, "the same person appears earlier or more completely in the list (see matched_record_id)";
    ExistingClient = "existing_client", Record, "the person is already a client (see matched_client_id); a bought list is not the way to reach them";
    Stale = "stale", Record, "more than the retention window (3 years) since the last contact from the person or the collection: delete";
    UnknownCollectionDate = "unknown_collection_date", Record, "no collection or last-contact date: freshness cannot be shown";
    DateInFuture = "date_in_future", Record, "a collection or last-contact date after the as-of date: a date that has not come yet proves nothing";
    MalformedRow = "malformed_row", Record, "the row could not be read (ragged, NUL byte, cell over 1 MB or not representable)";
    ScrapedSource = "scraped_source", Record, "the data was scraped: nobody was informed at collection";
    CompanyClosed = "company_closed", Record, "the company has ceased activity";
    SourceUnavailable = "source_unavailable", Record, "an optional source (client file, opposition list, company check) could not be read: the decision fails closed";
    NoContactData = "no_contact_data", Channel, "no contact data usable on this channel";
    NoConsent = "no_consent", Channel, "no recorded prior consent (opt-in) for this channel, or the person said no";
    ConsentWithoutProof = "consent_without_proof", Channel, "a consent is recorded but without its date or its proof";
    ConsentInvalidDate = "consent_invalid_date", Channel, "the consent is dated after the as-of date or before the collection";
    ConsentNotForPartners = "consent_not_for_partners", Channel, "the consent does not cover transfer to the buyer (buyer not named, or generic 'partners', or transfer refused)";
    Opposed = "opposed", Channel, "the person objected (opposition list or client file)";
    Bloctel = "bloctel", Channel, "the consumer's number is registered on Bloctel";
    BloctelOutdated = "bloctel_outdated", Channel, "no Bloctel file, or one older than allowed (30 days): consumer calls cannot be cleared";
    BannedSector = "banned_sector", Channel, "campaign sector banned from this channel for consumers (energy renovation, home adaptation)";
    EmailInvalid = "email_invalid", Channel, "the email address is not valid";
    EmailDisposable = "email_disposable", Channel, "the email address is on a disposable domain";
    PhoneInvalid = "phone_invalid", Channel, "the phone number is not valid";
    PhonePremium = "phone_premium", Channel, "the number is a premium-rate or special number";
    AddressIncomplete = "address_incomplete", Channel, "the postal address is incomplete (street, postcode and city needed)";
    NotB2bRelevant = "not_b2b_relevant", Channel, "B2B opt-out needs the message to concern the person's job; the job title matches none of the campaign's functions";
    CompanyUnknown = "company_unknown", Channel, "the record's SIREN/SIRET is not in the company directory: its B2B signal was dropped (written beside the reasons that deny the channel)";
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Joins reason codes with `;` in catalogue order.
pub fn join_reasons<'a>(reasons: impl IntoIterator<Item = &'a Reason>) -> String {
    let mut v: Vec<Reason> = reasons.into_iter().copied().collect();
    v.sort();
    v.dedup();
    v.iter().map(|r| r.code()).collect::<Vec<_>>().join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_round_trip_and_keep_catalogue_order() {
        for w in REASONS.windows(2) {
            assert!(w[0] < w[1]);
        }
        for r in REASONS {
            assert_eq!(Reason::parse(r.code()), Some(*r));
        }
        // Record-level codes come first in the catalogue (docs/reason-codes.md#reason-codes).
        let first_channel = REASONS
            .iter()
            .position(|r| r.level() == Level::Channel)
            .unwrap();
        assert!(REASONS[first_channel..]
            .iter()
            .all(|r| r.level() == Level::Channel));
    }

    #[test]
    fn join_sorts_and_dedups() {
        let s = join_reasons(&[Reason::Opposed, Reason::NoConsent, Reason::Opposed]);
        assert_eq!(s, "no_consent;opposed");
    }

    #[test]
    fn channels_in_spec_order() {
        let names: Vec<_> = CHANNELS.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["email", "sms", "phone", "autocall", "fax", "post"]);
        for c in CHANNELS {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
    }
}

#[cfg(test)]
mod doc_tests {
    use super::*;

    /// schemas/README.md is the user's copy of this catalogue: keep them equal.
    #[test]
    fn schemas_readme_documents_every_code_and_column() {
        let doc = include_str!("../../../schemas/README.md");
        for r in REASONS {
            assert!(
                doc.contains(&format!("| `{}` |", r.code())),
                "{} undocumented",
                r.code()
            );
        }
        for (c, _) in CANONICAL_COLUMNS
            .iter()
            .chain(CLIENT_COLUMNS)
            .chain(OPPOSITION_COLUMNS)
        {
            assert!(doc.contains(&format!("`{c}`")), "{c} undocumented");
        }
    }
}
