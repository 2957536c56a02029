//! The French rule pack (`fr`): the audience split of
//! docs/pipeline.md#b2b-or-b2c and the rules of docs/rules-fr.md (legal
//! sources there), documented rule by rule in `schemas/rules.md`. Effective dates are constants here and are compared
//! with the run's as-of date, never with the clock.
//!
//! Sources of the main rules:
//! - email / SMS opt-in, soft opt-in, B2B opt-out: CPCE art. L34-5; CNIL
//!   "La prospection commerciale par courrier électronique / par SMS".
//! - automated calls and fax: CPCE art. L34-5 (prior consent).
//! - calls by a person: Code de la consommation art. L223-1 (Bloctel regime
//!   until 2026-08-10); loi n° 2025-594 art. 13 III, new L223-1 (prior
//!   consent from 2026-08-11, exception for a contract in progress).
//! - banned sectors: loi n° 2025-594 (energy renovation, home adaptation,
//!   from 2025-07-02).
//! - transfer to partners: CNIL "transmettre des données à des partenaires"
//!   (B2C), open question CJEU C-317/25.
//! - freshness: CNIL référentiel "gestion des activités commerciales" (3
//!   years from collection or last contact from the person).

use chrono::{Months, NaiveDate};

use super::{deny_all, Audience, Basis, Context, Decision, Facts, Reasons, RuleInfo, RulePack};
use crate::company::CompanyStatus;
use crate::config::{BloctelMode, ExistingClients, Sector};
use crate::manifest::{ManifestAudience, Method};
use crate::normalise::records::{mobiles_of, ClientFields};
use crate::normalise::{fold_key, EmailClass, Phone, PhoneKind, YesNo};
use crate::schema::{Channel, Reason, CHANNELS};

/// Loi n° 2025-594: consumer phone canvassing needs prior consent from this day.
pub const PHONE_OPT_IN_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2026, 8, 11) {
    Some(d) => d,
    None => panic!(),
};
/// Loi n° 2025-594: canvassing ban for energy renovation and home adaptation.
pub const BANNED_SECTOR_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2025, 7, 2) {
    Some(d) => d,
    None => panic!(),
};

/// The last day of the Bloctel (opt-out) regime for consumer calls.
pub const PHONE_OPT_OUT_UNTIL: NaiveDate = match PHONE_OPT_IN_FROM.pred_opt() {
    Some(d) => d,
    None => panic!(),
};

pub struct FrancePack;

const ALL: &[Channel] = &crate::schema::CHANNELS;
const CONSENT_CHANNELS: &[Channel] = &[
    Channel::Email,
    Channel::Sms,
    Channel::Phone,
    Channel::Autocall,
    Channel::Fax,
];

macro_rules! rule {
    ($id:literal, $ch:expr, $who:literal, $from:expr, $until:expr, $rule:literal, $src:literal, [$($r:ident),*]) => {
        RuleInfo {
            id: $id,
            channels: $ch,
            applies_to: $who,
            effective_from: $from,
            effective_until: $until,
            rule: $rule,
            source: $src,
            reasons: &[$(Reason::$r),*],
        }
    };
}

/// The rules of the pack, documented in `schemas/rules.md` (a unit test
/// keeps the two in step).
pub const RULES: &[RuleInfo] = &[
    rule!("fr.readable", ALL, "every row", None, None,
        "A row that cannot be read (ragged, a NUL byte, a cell over 1 MB, a value no cell can hold) is rejected, never guessed at.",
        "docs/outputs.md#run-outputs", [MalformedRow]),
    rule!("fr.provenance", ALL, "every record", None, None,
        "A list must come with a manifest saying who collected the data, when, how and with what consent wording; without one, nothing can be shown to be lawful.",
        "GDPR art. 5(2) (accountability) and art. 14; CNIL, \"Vente de fichiers clients : la CNIL rappelle les règles\"", [NoProvenance]),
    rule!("fr.duplicate", ALL, "every record", None, None,
        "One person is contacted once: duplicates inside the list are rejected in favour of one survivor, which inherits every objection and refusal of its cluster.",
        "GDPR art. 5(1)(c)-(d) (minimisation, accuracy); docs/pipeline.md#linking-and-deduplication", [Duplicate]),
    rule!("fr.existing_client", ALL, "records matching the client file", None, None,
        "With existing_clients = reject (default), a record that is already a client is not reached through a bought list; with keep, the client rules apply. A relationship ended more than the retention window ago is not a client relationship.",
        "CNIL référentiel \"gestion des activités commerciales\" (2022); docs/pipeline.md#linking-and-deduplication", [ExistingClient]),
    rule!("fr.freshness", ALL, "prospects", None, None,
        "A prospect may be kept and contacted for 3 years (retention_years) from the last contact coming from the person (a click, an order, a reply; not an email open), else from collection; older records are stale and must be deleted. No date at all: freshness cannot be shown. A collection or last-contact date after the as-of date proves nothing (it would stretch the window): the record is rejected.",
        "CNIL référentiel \"gestion des activités commerciales\" (2022), retention of prospect data; CNIL SAN-2020-003 (Spartoo); GDPR art. 5(2) (accountability)", [Stale, UnknownCollectionDate, DateInFuture]),
    rule!("fr.scraped", ALL, "lists collected by scraping", None, None,
        "Scraped data: nobody was informed at collection, so nobody may be contacted; allow_scraped_b2b = true allows the B2B opt-out channels of B2B records.",
        "GDPR art. 14; CNIL guidance on B2B prospection", [ScrapedSource]),
    rule!("fr.public_directory", CONSENT_CHANNELS, "lists from public directories", None, None,
        "Public directories carry no consent: consent-based channels are denied; the opt-out ones follow their own rule.",
        "CPCE art. L34-5; GDPR art. 14", [NoConsent]),
    rule!("fr.partners", ALL, "lists bought, rented or received from a partner (vendor is not the buyer)", None, None,
        "Consent-based channels need the person's consent to the transfer (consent_partners = yes) with the buyer named in the consent wording's partner list; a wording saying only \"partners\" is refused unless accept_generic_partners = true. A person who refused the transfer may not be contacted at all, and the record must be deleted.",
        "CNIL, \"La prospection vers les particuliers (B2C) : quelles règles pour transmettre des données à des partenaires ?\"; CNIL SAN-2023-015 (Canal+); CJEU case C-317/25 (pending)", [ConsentNotForPartners]),
    rule!("fr.consent_proof", CONSENT_CHANNELS, "opt-in channels", None, None,
        "A recorded consent counts only with its date and a reference to its proof (form id and version, URL, log id).",
        "GDPR art. 7(1) (the controller must be able to demonstrate consent); loi n° 2025-594 (burden of proof on the professional for calls)", [ConsentWithoutProof]),
    rule!("fr.consent_date", CONSENT_CHANNELS, "opt-in channels", None, None,
        "A consent dated after the as-of date, or before the record was collected, is not a valid consent.",
        "GDPR art. 4(11) and 7", [ConsentInvalidDate]),
    rule!("fr.opposition", ALL, "every record", None, None,
        "An objection in any opposition list, or recorded in the client file, denies the channel it covers (or all), whatever the consent says.",
        "GDPR art. 21(2)-(3); CPCE art. L34-5", [Opposed]),
    rule!("fr.contact_data", ALL, "every record", None, None,
        "A channel needs valid contact data of the right kind: a valid, non-disposable email; a mobile for SMS; a callable, non-premium number for calls; a complete postal address (street, postcode, city).",
        "Data quality (GDPR art. 5(1)(d)); docs/rules-fr.md#french-rules", [NoContactData, EmailInvalid, EmailDisposable, PhoneInvalid, PhonePremium, AddressIncomplete]),
    rule!("fr.email.b2c_opt_in", &[Channel::Email], "consumers (and any personal webmail address)", None, None,
        "Prior consent (opt-in) for email, with date and proof.",
        "CPCE art. L34-5; CNIL, \"La prospection commerciale par courrier électronique\"", [NoConsent]),
    rule!("fr.email.client_soft_opt_in", &[Channel::Email], "existing consumer clients", None, None,
        "Soft opt-in: the address was collected at a sale (a purchase on record) and the campaign is for similar products (similar_products = true), with an easy opt-out.",
        "CPCE art. L34-5 al. 4", []),
    rule!("fr.email.b2b_opt_out", &[Channel::Email], "professionals at a work address", None, None,
        "Opt-out: informed at collection and not opposed; the message must concern the person's job (campaign_functions).",
        "CNIL deliberation of 17 Feb 2005; CNIL, \"La prospection commerciale par courrier électronique\"", [NotB2bRelevant]),
    rule!("fr.email.generic_address", &[Channel::Email], "generic company addresses (contact@, info@...)", None, None,
        "A generic company address is not a person's address: opt-out.",
        "CNIL, \"La prospection commerciale par courrier électronique\"", []),
    rule!("fr.sms.b2c_opt_in", &[Channel::Sms], "consumers", None, None,
        "Prior consent (opt-in) for SMS, with date and proof.",
        "CPCE art. L34-5; CNIL, \"La prospection commerciale par SMS/MMS\"", [NoConsent]),
    rule!("fr.sms.client_soft_opt_in", &[Channel::Sms], "existing consumer clients", None, None,
        "Soft opt-in, as for email.",
        "CPCE art. L34-5 al. 4; CNIL, \"La prospection commerciale par SMS/MMS\"", []),
    rule!("fr.sms.b2b_opt_out", &[Channel::Sms], "professionals", None, None,
        "Opt-out, as for B2B email (job relevance included).",
        "CNIL, \"La prospection commerciale par SMS/MMS\" (B2B: the email rule applied)", [NotB2bRelevant]),
    rule!("fr.phone.b2c_bloctel", &[Channel::Phone], "consumers", None, Some(PHONE_OPT_OUT_UNTIL),
        "Until 2026-08-10: opt-out; a number registered on Bloctel may not be called, and the list must have been checked against Bloctel within 30 days (bloctel_max_age_days).",
        "Code de la consommation art. L223-1 (2020 version) and R223-6; pro.bloctel.gouv.fr FAQ", [NoConsent, Bloctel, BloctelOutdated]),
    rule!("fr.phone.b2c_opt_in", &[Channel::Phone], "consumers", Some(PHONE_OPT_IN_FROM), None,
        "From 2026-08-11: no call without prior consent (free, specific, informed, unambiguous, revocable), proven by the professional.",
        "Loi n° 2025-594 of 30 June 2025, art. 13 III; new art. L223-1 Code de la consommation", [NoConsent]),
    rule!("fr.phone.contract_in_progress", &[Channel::Phone], "existing consumer clients with a contract in progress", None, None,
        "A call related to a contract in progress is allowed (campaign_related_to_contract = true).",
        "Code de la consommation art. L223-1 (both versions)", []),
    rule!("fr.phone.b2b_opt_out", &[Channel::Phone], "professionals", None, None,
        "Opt-out; Bloctel covers consumers only.",
        "Code de la consommation art. L223-1 (consumers only); CNIL, \"La prospection commerciale par téléphone\"", []),
    rule!("fr.autocall.opt_in", &[Channel::Autocall], "everyone", None, None,
        "Automated calling machines need prior consent, consumers and professionals alike.",
        "CPCE art. L34-5", [NoConsent]),
    rule!("fr.fax.opt_in", &[Channel::Fax], "consumers and named professionals", None, None,
        "Fax needs prior consent.",
        "CPCE art. L34-5", [NoConsent]),
    rule!("fr.fax.company_opt_out", &[Channel::Fax], "a company's general fax (no person named)", None, None,
        "A company's general fax is outside L34-5: opt-out.",
        "CPCE art. L34-5 (natural persons)", []),
    rule!("fr.post.opt_out", &[Channel::Post], "everyone", None, None,
        "Postal mail: opt-out (informed at collection, able to object simply and free of charge).",
        "CNIL, \"La prospection commerciale par courrier postal\"", [NoConsent]),
    rule!("fr.company", ALL, "records with a valid SIREN or SIRET, when the company check runs", None, None,
        "A company that has ceased activity (etat_administratif C) is not a professional to reach: the record is rejected. A SIREN the company directory does not know is not a B2B signal: the record is judged on its other signals, usually as a consumer.",
        "docs/pipeline.md#b2b-or-b2c; CNIL guidance on B2B prospection (the opt-out regime is for professionals at work)", [CompanyClosed, CompanyUnknown]),
    rule!("fr.source_unavailable", ALL, "every record, when an optional source could not be read", None, None,
        "When a client file, an opposition list or the company check the run was configured with could not be read, nobody can show the record is not opposed, not a client, or a live company: every channel fails closed.",
        "GDPR art. 21(3) (an objection must be honoured); docs/pipeline.md#inputs", [SourceUnavailable]),
    rule!("fr.banned_sector", &[Channel::Email, Channel::Sms, Channel::Phone, Channel::Autocall], "consumers, campaigns for energy renovation or home adaptation", Some(BANNED_SECTOR_FROM), None,
        "Canvassing by phone, SMS, email or automated call for energy renovation or home adaptation is banned, even with consent, unless a contract is in progress.",
        "Loi n° 2025-594 of 30 June 2025 (Code de la consommation art. L223-1)", [BannedSector]),
];

/// How a channel may be used for this record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Regime {
    /// Prior consent for the channel, with date and proof.
    OptIn,
    /// Informed at collection and not opposed.
    OptOut,
    /// Client soft opt-in (email/SMS): a purchase on record, similar products.
    SoftOptIn,
    /// Call within a contract in progress, related to it.
    ContractException,
}

impl RulePack for FrancePack {
    fn name(&self) -> &'static str {
        "fr"
    }
    fn version(&self) -> &'static str {
        "2026.11.23"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn decide(&self, f: &Facts, ctx: &Context) -> Decision {
        let mut denied = [Reasons::default(); 6];
        if f.malformed {
            deny_all(&mut denied, Reason::MalformedRow);
            return Decision {
                audience: Audience::Unknown,
                audience_reason: "malformed_row",
                denied,
                contactable_until: None,
                purge: None,
                basis: [const { Basis::of("fr.readable") }; 6],
            };
        }
        let cfg = ctx.config;
        let n = f.list;
        let i = f.row;
        let as_of = cfg.as_of;
        let (audience, audience_reason) = classify(f, ctx);
        let consumer = audience != Audience::B2b;
        let method = ctx.manifest.map(|m| m.method);

        // --- Record level ---------------------------------------------------
        if ctx.manifest.is_none() {
            deny_all(&mut denied, Reason::NoProvenance);
        }
        if f.links.survivor_of[i].is_some() {
            deny_all(&mut denied, Reason::Duplicate);
        }
        let client = ClientView::of(f, ctx);
        // A list of the company's own customers is judged with the client
        // rules (docs/pipeline.md#linking-and-deduplication), so matching the client file is no reason to reject.
        if client.is_some()
            && f.links.client[i].is_some()
            && cfg.existing_clients == ExistingClients::Reject
            && method != Some(Method::OwnCustomers)
        {
            deny_all(&mut denied, Reason::ExistingClient);
        }
        let scraped = method == Some(Method::Scraped);
        let scraped_b2b_allowed = scraped && cfg.allow_scraped_b2b && audience == Audience::B2b;
        if scraped && !scraped_b2b_allowed {
            deny_all(&mut denied, Reason::ScrapedSource);
        }
        match f.company {
            CompanyStatus::Closed => deny_all(&mut denied, Reason::CompanyClosed),
            CompanyStatus::Unavailable => deny_all(&mut denied, Reason::SourceUnavailable),
            _ => {}
        }
        if ctx.sources_unavailable {
            deny_all(&mut denied, Reason::SourceUnavailable);
        }

        // Freshness: prospects by their own dates; clients by the relationship.
        let mut purge = None;
        let contactable_until = match &client {
            Some(c) => c
                .relationship_end
                .and_then(|d| d.checked_add_months(Months::new(12 * cfg.retention_years))),
            None => {
                let reference = n
                    .last_contact_at
                    .get(i)
                    .or(n.collected_at.get(i))
                    .or(ctx.manifest.map(|m| m.collected_between[0]));
                // A date after the as-of date is a typo or a forgery: it
                // cannot show freshness (it would extend the window).
                let future = [n.collected_at.get(i), n.last_contact_at.get(i)]
                    .into_iter()
                    .flatten()
                    .any(|d| d > as_of);
                match reference.filter(|_| !future) {
                    None if future => {
                        deny_all(&mut denied, Reason::DateInFuture);
                        None
                    }
                    None => {
                        deny_all(&mut denied, Reason::UnknownCollectionDate);
                        None
                    }
                    Some(r) => {
                        let until = r.checked_add_months(Months::new(12 * cfg.retention_years));
                        if until.is_some_and(|u| as_of > u) {
                            deny_all(&mut denied, Reason::Stale);
                            purge = Some(Reason::Stale);
                        }
                        until
                    }
                }
            }
        };

        // Transfer to partners: whenever the list comes from someone else.
        let transfer = ctx.manifest.is_some_and(|m| is_transfer(m, cfg));
        let partners_refused = transfer && f.links.cluster_partners_no[i];
        if partners_refused {
            deny_all(&mut denied, Reason::ConsentNotForPartners);
            purge.get_or_insert(Reason::ConsentNotForPartners);
        }
        let partner_consent_ok = !transfer || partner_consent_covers_buyer(f, ctx);

        // --- Channel level --------------------------------------------------
        let contract_in_progress = client.as_ref().is_some_and(|c| c.contract_in_progress);
        let email_consumer = match n.email[i].as_ref().map(|e| e.class) {
            Some(EmailClass::Webmail) => true,
            Some(EmailClass::Role) => false,
            _ => consumer,
        };
        let generic_email = n.email[i]
            .as_ref()
            .is_some_and(|e| e.class == EmailClass::Role);
        let mut basis = [Basis::NONE; 6];
        for ch in CHANNELS {
            let d = &mut denied[ch.index()];
            contact_data(f, ch, d);

            let is_consumer = if ch == Channel::Email {
                email_consumer
            } else {
                consumer
            };
            let regime = regime(ch, is_consumer, f, ctx, client.as_ref());
            basis[ch.index()] = basis_rule(ch, regime, is_consumer, generic_email, as_of);
            let no = f.links.cluster_no[i] & (1 << ch.index()) != 0;
            match regime {
                Regime::OptIn => {
                    consent_checks(f, ch, ctx, d);
                    if !partner_consent_ok {
                        d.insert(Reason::ConsentNotForPartners);
                    }
                    if method == Some(Method::PublicDirectory) || scraped {
                        d.insert(Reason::NoConsent);
                    }
                }
                Regime::OptOut | Regime::SoftOptIn | Regime::ContractException => {
                    if no {
                        d.insert(Reason::NoConsent);
                    }
                }
            }
            if regime == Regime::OptOut
                && !is_consumer
                && matches!(ch, Channel::Email | Channel::Sms)
                && !(ch == Channel::Email
                    && n.email[i]
                        .as_ref()
                        .is_some_and(|e| e.class == EmailClass::Role))
                && !job_relevant(f.job_title, &cfg.campaign_functions)
            {
                d.insert(Reason::NotB2bRelevant);
            }
            if f.links.opposed[i] & (1 << ch.index()) != 0 {
                d.insert(Reason::Opposed);
            }
            if ch == Channel::Phone
                && is_consumer
                && regime == Regime::OptOut
                && as_of < PHONE_OPT_IN_FROM
            {
                bloctel_checks(f, ctx, d);
            }
            if is_consumer
                && matches!(
                    ch,
                    Channel::Phone | Channel::Autocall | Channel::Sms | Channel::Email
                )
                && matches!(
                    cfg.sector,
                    Sector::EnergyRenovation | Sector::HomeAdaptation
                )
                && as_of >= BANNED_SECTOR_FROM
                && !contract_in_progress
            {
                d.insert(Reason::BannedSector);
            }
            // Scraped data: nobody was informed, so nothing is allowed, except
            // (by configuration) the B2B opt-out channels of B2B records.
            if scraped && (!scraped_b2b_allowed || regime != Regime::OptOut) {
                d.insert(Reason::ScrapedSource);
            }
        }

        // The dropped signal explains the stricter regime wherever a
        // channel ends up denied.
        if f.company == CompanyStatus::Unknown {
            for d in denied.iter_mut().filter(|d| !d.is_empty()) {
                d.insert(Reason::CompanyUnknown);
            }
        }

        Decision {
            audience,
            audience_reason,
            denied,
            contactable_until,
            purge,
            basis,
        }
    }
}

/// The id of the rule (in [`RULES`]) that set a channel's regime.
fn basis_rule(
    ch: Channel,
    regime: Regime,
    consumer: bool,
    generic_email: bool,
    as_of: NaiveDate,
) -> Basis {
    match (ch, regime) {
        (Channel::Email, Regime::OptOut) if generic_email => {
            const { Basis::of("fr.email.generic_address") }
        }
        (Channel::Email, Regime::OptOut) => const { Basis::of("fr.email.b2b_opt_out") },
        (Channel::Email, Regime::SoftOptIn) => const { Basis::of("fr.email.client_soft_opt_in") },
        (Channel::Email, _) => const { Basis::of("fr.email.b2c_opt_in") },
        (Channel::Sms, Regime::OptOut) => const { Basis::of("fr.sms.b2b_opt_out") },
        (Channel::Sms, Regime::SoftOptIn) => const { Basis::of("fr.sms.client_soft_opt_in") },
        (Channel::Sms, _) => const { Basis::of("fr.sms.b2c_opt_in") },
        (Channel::Phone, Regime::ContractException) => {
            const { Basis::of("fr.phone.contract_in_progress") }
        }
        (Channel::Phone, _) if !consumer => const { Basis::of("fr.phone.b2b_opt_out") },
        (Channel::Phone, _) if as_of >= PHONE_OPT_IN_FROM => {
            const { Basis::of("fr.phone.b2c_opt_in") }
        }
        (Channel::Phone, _) => const { Basis::of("fr.phone.b2c_bloctel") },
        (Channel::Autocall, _) => const { Basis::of("fr.autocall.opt_in") },
        (Channel::Fax, Regime::OptOut) => const { Basis::of("fr.fax.company_opt_out") },
        (Channel::Fax, _) => const { Basis::of("fr.fax.opt_in") },
        (Channel::Post, _) => const { Basis::of("fr.post.opt_out") },
    }
}

/// docs/pipeline.md#b2b-or-b2c: record signals first; the manifest's audience only when the
/// record has none; unknown otherwise (and treated as B2C by the caller).
pub fn classify(f: &Facts, ctx: &Context) -> (Audience, &'static str) {
    let n = f.list;
    let i = f.row;
    // A SIREN the company directory does not know is no signal (docs/pipeline.md#b2b-or-b2c).
    let id_signal = f.company != CompanyStatus::Unknown;
    if id_signal && n.siret[i].as_ref().is_some_and(|s| s.valid) {
        return (Audience::B2b, "siret");
    }
    if id_signal && n.siren[i].as_ref().is_some_and(|s| s.valid) {
        return (Audience::B2b, "siren");
    }
    if f.company_name.is_some_and(|c| !is_placeholder(c)) {
        return (Audience::B2b, "company_name");
    }
    if f.job_title
        .is_some_and(|j| !is_placeholder(j) && !is_not_at_work(j))
    {
        return (Audience::B2b, "job_title");
    }
    match n.email[i].as_ref().map(|e| e.class) {
        Some(EmailClass::Corporate) => return (Audience::B2b, "corporate_email"),
        Some(EmailClass::Role) => return (Audience::B2b, "role_email"),
        Some(EmailClass::Webmail) => return (Audience::B2c, "webmail_no_company"),
        _ => {}
    }
    match ctx.manifest.map(|m| m.audience) {
        Some(ManifestAudience::B2b) => (Audience::B2b, "manifest_b2b"),
        Some(ManifestAudience::B2c) => (Audience::B2c, "manifest_b2c"),
        _ => (Audience::Unknown, "no_signal"),
    }
}

/// A cell that says "none" rather than naming a company or a job: vendors
/// fill mandatory columns with these, and reading them as a B2B signal
/// would put a consumer under the B2B opt-out rules.
fn is_placeholder(value: &str) -> bool {
    let k = fold_key(value);
    k.is_empty()
        || matches!(
            k.as_str(),
            "particulier"
                | "particuliers"
                | "prive"
                | "personnel"
                | "perso"
                | "na"
                | "n a"
                | "nc"
                | "n c"
                | "nr"
                | "neant"
                | "aucun"
                | "aucune"
                | "none"
                | "null"
                | "nil"
                | "inconnu"
                | "inconnue"
                | "unknown"
                | "sans"
                | "x"
                | "xx"
                | "xxx"
                | "0"
                | "private"
                | "individual"
                | "self"
                | "home"
                | "tbd"
                | "a completer"
                | "non renseigne"
                | "non communique"
                | "not applicable"
        )
}

/// Job titles of people who are not at work (docs/rules-fr.md#french-rules's B2B column is "a
/// named professional at work").
fn is_not_at_work(job: &str) -> bool {
    let k = fold_key(job);
    [
        "retraite",
        "retraitee",
        "etudiant",
        "etudiante",
        "sans emploi",
        "sans profession",
        "au foyer",
        "chomeur",
        "chomeuse",
        "demandeur d emploi",
        "demandeuse d emploi",
        "lyceen",
        "lyceenne",
        "retired",
        "student",
        "unemployed",
        "homemaker",
        "pensioner",
    ]
    .iter()
    .any(|w| k == *w || k.starts_with(&format!("{w} ")))
}

/// The client data that applies to this record, when client rules apply:
/// a matched client whose relationship has not ended more than the
/// retention window ago, or a list of the company's own customers.
struct ClientView {
    last_purchase: Option<NaiveDate>,
    relationship_end: Option<NaiveDate>,
    contract_in_progress: bool,
}

impl ClientView {
    fn of(f: &Facts, ctx: &Context) -> Option<ClientView> {
        let cfg = ctx.config;
        let from = |cf: &ClientFields, ci: usize| ClientView {
            last_purchase: cf.last_purchase_at.get(ci),
            relationship_end: cf.relationship_end_at.get(ci),
            contract_in_progress: cf.contract_in_progress[ci] == YesNo::Yes,
        };
        let view = match (f.links.client[f.row], f.clients) {
            (Some(ci), Some((_, cf))) => Some(from(cf, ci)),
            _ if ctx
                .manifest
                .is_some_and(|m| m.method == Method::OwnCustomers) =>
            {
                f.list_client.map(|cf| from(cf, f.row))
            }
            _ => None,
        }?;
        // docs/pipeline.md#linking-and-deduplication: a relationship that ended more than the window ago is
        // not a client relationship any more.
        let ended_long_ago = view.relationship_end.is_some_and(|end| {
            end.checked_add_months(Months::new(12 * cfg.retention_years))
                .is_some_and(|u| cfg.as_of > u)
        });
        (!ended_long_ago).then_some(view)
    }
}

/// Soft opt-in covers the details the client gave at the sale (CPCE art.
/// L34-5 al. 4), not an address or number a vendor attached to the same
/// person: the channel's value on the record must be the client's own.
fn client_gave(ch: Channel, f: &Facts, ctx: &Context) -> bool {
    let own_list = ctx
        .manifest
        .is_some_and(|m| m.method == Method::OwnCustomers);
    if own_list && f.list_client.is_some() {
        return true;
    }
    let (Some(ci), Some((cc, _))) = (f.links.client[f.row], f.clients) else {
        return false;
    };
    let (n, i) = (f.list, f.row);
    match ch {
        Channel::Email => n.email[i]
            .as_ref()
            .is_some_and(|e| cc.gave_email(ci, e.key())),
        Channel::Sms => mobiles_of(n, i).any(|m| cc.gave_mobile(ci, m)),
        _ => false,
    }
}

fn regime(
    ch: Channel,
    consumer: bool,
    f: &Facts,
    ctx: &Context,
    client: Option<&ClientView>,
) -> Regime {
    let cfg = ctx.config;
    // Client rules apply when the record is judged as a client: kept clients
    // and own-customer lists.
    let judged_as_client = client.is_some()
        && (cfg.existing_clients == ExistingClients::Keep
            || ctx
                .manifest
                .is_some_and(|m| m.method == Method::OwnCustomers));
    match ch {
        Channel::Email | Channel::Sms => {
            if !consumer {
                Regime::OptOut
            } else if judged_as_client
                && cfg.similar_products
                && client.is_some_and(|c| c.last_purchase.is_some())
                && client_gave(ch, f, ctx)
            {
                Regime::SoftOptIn
            } else {
                Regime::OptIn
            }
        }
        Channel::Autocall => Regime::OptIn,
        Channel::Fax => {
            // A company's general fax, no person named, is outside L34-5.
            if !consumer && f.list.name_key.is_none(f.row) {
                Regime::OptOut
            } else {
                Regime::OptIn
            }
        }
        Channel::Phone => {
            if !consumer {
                Regime::OptOut
            } else if judged_as_client
                && cfg.campaign_related_to_contract
                && client.is_some_and(|c| c.contract_in_progress)
            {
                Regime::ContractException
            } else if cfg.as_of >= PHONE_OPT_IN_FROM {
                Regime::OptIn
            } else {
                Regime::OptOut
            }
        }
        Channel::Post => Regime::OptOut,
    }
}

/// Valid contact data for the channel, or the reason there is none.
fn contact_data(f: &Facts, ch: Channel, d: &mut Reasons) {
    let n = f.list;
    let i = f.row;
    let numbers = |ps: &[&Option<Phone>], ok: &dyn Fn(PhoneKind) -> bool| {
        let present: Vec<&Phone> = ps.iter().filter_map(|p| p.as_ref()).collect();
        if present.iter().any(|p| p.e164.is_some() && ok(p.kind)) {
            None
        } else if present.iter().any(|p| p.kind == PhoneKind::Premium) {
            Some(Reason::PhonePremium)
        } else if present.iter().any(|p| p.kind == PhoneKind::Invalid) {
            Some(Reason::PhoneInvalid)
        } else {
            Some(Reason::NoContactData)
        }
    };
    let callable =
        |k: PhoneKind| matches!(k, PhoneKind::Mobile | PhoneKind::Landline | PhoneKind::Voip);
    let reason = match ch {
        Channel::Email => match n.email[i].as_ref().map(|e| e.class) {
            None => Some(Reason::NoContactData),
            Some(EmailClass::Invalid) => Some(Reason::EmailInvalid),
            Some(EmailClass::Disposable) => Some(Reason::EmailDisposable),
            Some(_) => None,
        },
        // SMS needs a mobile; the number's type decides, not its column.
        Channel::Sms => numbers(&[&n.mobile[i], &n.phone[i]], &|k| k == PhoneKind::Mobile),
        Channel::Phone | Channel::Autocall => numbers(&[&n.phone[i], &n.mobile[i]], &callable),
        Channel::Fax => numbers(&[&n.fax[i]], &callable),
        Channel::Post => {
            if n.address_complete[i] {
                None
            } else if n.address_any[i] {
                Some(Reason::AddressIncomplete)
            } else {
                Some(Reason::NoContactData)
            }
        }
    };
    if let Some(r) = reason {
        d.insert(r);
    }
}

/// Opt-in checks: a `yes`, dated, with proof, dated inside the window.
fn consent_checks(f: &Facts, ch: Channel, ctx: &Context, d: &mut Reasons) {
    let n = f.list;
    let i = f.row;
    let said_no_somewhere = f.links.cluster_no[i] & (1 << ch.index()) != 0;
    if n.consent[ch.index()][i] != YesNo::Yes || said_no_somewhere {
        d.insert(Reason::NoConsent);
        return;
    }
    let date = n.consent_at[ch.index()].get(i);
    if date.is_none() || !n.consent_proof[i] {
        d.insert(Reason::ConsentWithoutProof);
    }
    if let Some(date) = date {
        // Without the record's own collection date, the manifest's first
        // collection day is the earliest the data can have been collected.
        let collected = n
            .collected_at
            .get(i)
            .or(ctx.manifest.map(|m| m.collected_between[0]));
        if date > ctx.config.as_of || collected.is_some_and(|c| date < c) {
            d.insert(Reason::ConsentInvalidDate);
        }
    }
}

/// The transfer rule applies when the list comes from someone other than
/// the buyer. Without a configured buyer, every list but `own_customers` is
/// a transfer to an unknown buyer (fail closed).
fn is_transfer(m: &crate::manifest::Manifest, cfg: &crate::config::Config) -> bool {
    match (&cfg.buyer, &cfg.buyer_siren, &m.vendor_siren) {
        (_, Some(b), Some(v)) if digits(b) == digits(v) => false,
        (Some(b), _, _) if fold_key(b) == fold_key(&m.vendor) => false,
        // No buyer configured: nothing shows that the vendor is the one who
        // will make contact, so any list but the company's own customers is
        // a transfer (fail closed; the summary warns).
        (None, None, _) => m.method != Method::OwnCustomers,
        _ => true,
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Consent-based channels need `consent_partners = yes` and the buyer named
/// in the manifest's partners (or `*` with `accept_generic_partners`).
fn partner_consent_covers_buyer(f: &Facts, ctx: &Context) -> bool {
    let Some(m) = ctx.manifest else { return false };
    if f.list.consent_partners[f.row] != YesNo::Yes {
        return false;
    }
    let Some(buyer) = &ctx.config.buyer else {
        return false;
    };
    let buyer = fold_key(buyer);
    m.partners.iter().any(|p| fold_key(p) == buyer)
        || (m.generic_partners() && ctx.config.accept_generic_partners)
}

/// A B2B opt-out message must concern the person's job.
fn job_relevant(job: Option<&str>, functions: &[String]) -> bool {
    if functions.is_empty() {
        return true;
    }
    let Some(job) = job else { return false };
    let job = format!(" {} ", fold_key(job));
    functions.iter().any(|w| {
        let w = fold_key(w);
        !w.is_empty() && job.contains(&format!(" {w}"))
    })
}

fn bloctel_checks(f: &Facts, ctx: &Context, d: &mut Reasons) {
    let cfg = ctx.config;
    let fresh = match (ctx.bloctel, cfg.bloctel_date) {
        (Some(_), Some(date)) => {
            (cfg.as_of - date).num_days() <= i64::from(cfg.bloctel_max_age_days)
                && date <= cfg.as_of
        }
        _ => false,
    };
    let Some(list) = ctx.bloctel.filter(|_| fresh) else {
        d.insert(Reason::BloctelOutdated);
        return;
    };
    let n = f.list;
    let numbers: Vec<&str> = [&n.phone[f.row], &n.mobile[f.row]]
        .into_iter()
        .flatten()
        .filter_map(|p| p.e164.as_deref())
        .collect();
    let hit = match cfg.bloctel_mode {
        BloctelMode::Registered => numbers.iter().any(|e| list.numbers.contains(*e)),
        BloctelMode::Cleaned => !numbers.iter().all(|e| list.numbers.contains(*e)),
    };
    if hit {
        d.insert(Reason::Bloctel);
    }
}

#[cfg(test)]
#[path = "fr_tests.rs"]
mod tests;
