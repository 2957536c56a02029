//! One test per rule of the `fr` pack, read like the rule, on both sides of
//! each effective date, for consumers and professionals, prospects and
//! clients; then property tests of the pack's invariants.

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::NaiveDate;
use polars::prelude::*;
use proptest::prelude::*;

use super::*;
use crate::config::{BloctelMode, Config, ExistingClients, Sector};
use crate::link::suppression::BloctelList;
use crate::link::{link, LinkInputs, Suppression};
use crate::manifest::{Manifest, ManifestAudience, Method};
use crate::normalise::records::{client_fields, normalise_frame, ClientContacts};
use crate::rules::{Audience, Context, Decision, Facts, RulePack};
use crate::schema::{Channel, Reason, CANONICAL_COLUMNS, CHANNELS, CLIENT_COLUMNS};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

type Rec = Vec<(&'static str, &'static str)>;

/// A consumer prospect with dated, proven opt-ins on every channel it has
/// data for, collected from a purchased list naming the buyer.
fn consumer() -> Rec {
    vec![
        ("first_name", "Alice"),
        ("last_name", "Moreau"),
        ("email", "alice.moreau@gmail.com"),
        ("mobile", "06 12 34 56 78"),
        ("fax", "01 45 00 00 99"),
        ("address_line1", "1 rue A"),
        ("postcode", "75001"),
        ("city", "Paris"),
        ("collected_at", "2026-01-10"),
        ("consent_email", "oui"),
        ("consent_email_at", "2026-01-10"),
        ("consent_sms", "oui"),
        ("consent_sms_at", "2026-01-10"),
        ("consent_phone", "oui"),
        ("consent_phone_at", "2026-01-10"),
        ("consent_autocall", "oui"),
        ("consent_autocall_at", "2026-01-10"),
        ("consent_fax", "oui"),
        ("consent_fax_at", "2026-01-10"),
        ("consent_partners", "oui"),
        ("consent_proof", "form-v3#1"),
    ]
}

/// A professional at work, no consent recorded anywhere.
fn professional() -> Rec {
    vec![
        ("first_name", "Bernard"),
        ("last_name", "Petit"),
        ("email", "b.petit@petit-menuiserie.fr"),
        ("phone", "01 45 00 00 00"),
        ("mobile", "06 98 76 54 32"),
        ("fax", "01 45 00 00 01"),
        ("address_line1", "5 av Foch"),
        ("postcode", "69006"),
        ("city", "Lyon"),
        ("company_name", "Petit Menuiserie SARL"),
        ("job_title", "Directeur des achats"),
        ("collected_at", "2025-02-01"),
    ]
}

/// The consumer of [`consumer`], collected (and consenting) on `date`.
fn consumer_on(date: &'static str) -> Rec {
    consumer()
        .into_iter()
        .map(|(k, v)| (k, if v == "2026-01-10" { date } else { v }))
        .collect()
}

fn set(mut r: Rec, k: &'static str, v: &'static str) -> Rec {
    r.retain(|(c, _)| *c != k);
    r.push((k, v));
    r
}

fn without(mut r: Rec, k: &str) -> Rec {
    r.retain(|(c, _)| *c != k);
    r
}

struct World {
    cfg: Config,
    manifest: Option<Manifest>,
    client: Option<Rec>,
    bloctel: Option<Vec<&'static str>>,
    opposed: u8,
}

fn manifest(method: Method, partners: &[&str]) -> Manifest {
    Manifest {
        vendor: "Acme Data SARL".into(),
        vendor_siren: None,
        method,
        collected_from: "https://jeu.example.fr".into(),
        collected_between: [day("2024-01-01"), day("2026-06-30")],
        consent_wording: "J'accepte ... partenaires".into(),
        partners: partners.iter().map(|s| s.to_string()).collect(),
        audience: ManifestAudience::Mixed,
    }
}

fn world(as_of: &str) -> World {
    let mut cfg = Config::new(PathBuf::from("l.csv"), PathBuf::from("out"), day(as_of));
    cfg.buyer = Some("Maison Dupont SAS".into());
    World {
        cfg,
        manifest: Some(manifest(Method::Purchased, &["Maison Dupont SAS"])),
        client: None,
        bloctel: None,
        opposed: 0,
    }
}

fn frame(rec: &[(&str, &str)], names: &[&str]) -> DataFrame {
    let cols: Vec<Column> = names
        .iter()
        .map(|n| {
            let v = rec.iter().find(|(c, _)| c == n).map(|(_, v)| *v);
            Column::new((*n).into(), [v])
        })
        .collect();
    DataFrame::new(1, cols).unwrap()
}

fn decide(rec: &[(&str, &str)], w: &World) -> Decision {
    let names: Vec<&str> = CANONICAL_COLUMNS.iter().map(|(c, _)| *c).collect();
    let norm = normalise_frame(&frame(rec, &names));
    let client = w.client.as_ref().map(|c| {
        let all: Vec<&str> = CANONICAL_COLUMNS
            .iter()
            .chain(CLIENT_COLUMNS)
            .map(|(c, _)| *c)
            .collect();
        let df = frame(c, &all);
        let n = normalise_frame(&df);
        (
            ClientContacts::of(&n),
            n,
            client_fields(&df, &mut Default::default()),
        )
    });
    let mut links = link(
        &norm,
        LinkInputs::whole(&norm, client.as_ref().map(|(_, n, _)| n), &w.cfg.fuzzy),
        client.as_ref().map(|(_, _, f)| f),
        &Suppression::default(),
        &w.cfg.fuzzy,
        &[],
    );
    links.opposed[0] |= w.opposed;
    let bloctel = w.bloctel.as_ref().map(|nums| BloctelList {
        numbers: nums.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
        sha256: String::new(),
    });
    let ctx = Context {
        config: &w.cfg,
        manifest: w.manifest.as_ref(),
        bloctel: bloctel.as_ref(),
        sources_unavailable: false,
    };
    let get = |k: &str| rec.iter().find(|(c, _)| *c == k).map(|(_, v)| *v);
    let facts = Facts {
        row: 0,
        list: &norm,
        list_client: None,
        links: &links,
        clients: client.as_ref().map(|(c, _, f)| (c, f)),
        malformed: false,
        job_title: get("job_title"),
        company_name: get("company_name"),
        company: Default::default(),
    };
    FrancePack.decide(&facts, &ctx)
}

fn why(d: &Decision, ch: Channel) -> String {
    d.denied[ch.index()].codes()
}

fn allowed(d: &Decision) -> Vec<&'static str> {
    CHANNELS
        .iter()
        .filter(|c| d.allowed(**c))
        .map(|c| c.as_str())
        .collect()
}

// --- Audience (docs/pipeline.md#b2b-or-b2c) ------------------------------------------------------

#[test]
fn audience_follows_record_signals_then_the_manifest() {
    let w = world("2026-11-23");
    assert_eq!(decide(&professional(), &w).audience, Audience::B2b);
    assert_eq!(decide(&consumer(), &w).audience, Audience::B2c);
    let bare = vec![("last_name", "X"), ("collected_at", "2026-01-01")];
    assert_eq!(decide(&bare, &w).audience, Audience::Unknown);
    let mut w2 = world("2026-11-23");
    w2.manifest.as_mut().unwrap().audience = ManifestAudience::B2b;
    assert_eq!(decide(&bare, &w2).audience_reason, "manifest_b2b");
}

#[test]
fn unknown_audience_gets_consumer_rules() {
    let w = world("2026-11-23");
    // No signal at all, a landline, no consent: a consumer call needs consent.
    let rec = vec![
        ("last_name", "X"),
        ("phone", "01 45 00 00 07"),
        ("collected_at", "2026-01-01"),
    ];
    let d = decide(&rec, &w);
    assert_eq!(d.audience, Audience::Unknown);
    assert!(why(&d, Channel::Phone).contains("no_consent"));
}

// --- Email and SMS -------------------------------------------------------------

#[test]
fn consumer_email_needs_dated_proven_opt_in() {
    let w = world("2026-11-23");
    assert_eq!(why(&decide(&consumer(), &w), Channel::Email), "");
    assert_eq!(
        why(
            &decide(&without(consumer(), "consent_email"), &w),
            Channel::Email
        ),
        "no_consent"
    );
    assert_eq!(
        why(
            &decide(&set(consumer(), "consent_email", "non"), &w),
            Channel::Email
        ),
        "no_consent"
    );
    assert_eq!(
        why(
            &decide(&without(consumer(), "consent_email_at"), &w),
            Channel::Email
        ),
        "consent_without_proof"
    );
    assert_eq!(
        why(
            &decide(&without(consumer(), "consent_proof"), &w),
            Channel::Sms
        ),
        "consent_without_proof"
    );
}

#[test]
fn consent_dated_after_as_of_or_before_collection_is_invalid() {
    let w = world("2026-11-23");
    let future = set(consumer(), "consent_email_at", "2026-11-24");
    assert_eq!(
        why(&decide(&future, &w), Channel::Email),
        "consent_invalid_date"
    );
    let before = set(consumer(), "consent_sms_at", "2026-01-09");
    assert_eq!(
        why(&decide(&before, &w), Channel::Sms),
        "consent_invalid_date"
    );
}

#[test]
fn professional_email_and_sms_are_opt_out_and_job_relevant() {
    let mut w = world("2026-11-23");
    let d = decide(&professional(), &w);
    assert_eq!(why(&d, Channel::Email), "");
    assert_eq!(why(&d, Channel::Sms), "");
    w.cfg.campaign_functions = vec!["achats".into()];
    assert_eq!(why(&decide(&professional(), &w), Channel::Email), "");
    w.cfg.campaign_functions = vec!["comptable".into()];
    let d = decide(&professional(), &w);
    assert_eq!(why(&d, Channel::Email), "not_b2b_relevant");
    assert_eq!(why(&d, Channel::Sms), "not_b2b_relevant");
    // A generic company address is not a person's: no job to match.
    let generic = set(professional(), "email", "contact@petit-menuiserie.fr");
    assert_eq!(why(&decide(&generic, &w), Channel::Email), "");
}

#[test]
fn a_personal_webmail_address_gets_consumer_rules_even_on_a_professional() {
    let w = world("2026-11-23");
    let rec = set(professional(), "email", "bernard.petit@gmail.com");
    let d = decide(&rec, &w);
    assert_eq!(d.audience, Audience::B2b);
    assert!(why(&d, Channel::Email).contains("no_consent"));
    assert_eq!(
        why(&d, Channel::Phone),
        "",
        "the rest of the record stays B2B"
    );
}

#[test]
fn client_soft_opt_in_needs_a_purchase_and_similar_products() {
    let mut w = world("2026-11-23");
    w.cfg.existing_clients = ExistingClients::Keep;
    w.client = Some(vec![
        ("client_id", "C-1"),
        ("email", "alice.moreau@gmail.com"),
        ("mobile", "06 12 34 56 78"),
        ("last_purchase_at", "2026-05-01"),
    ]);
    let no_consent = without(without(consumer(), "consent_email"), "consent_sms");
    assert_eq!(why(&decide(&no_consent, &w), Channel::Email), "no_consent");
    w.cfg.similar_products = true;
    let d = decide(&no_consent, &w);
    assert_eq!(why(&d, Channel::Email), "");
    assert_eq!(why(&d, Channel::Sms), "");
    // Only for the details the client gave: a mobile the vendor attached to
    // the same person is not covered.
    let other_mobile = set(no_consent.clone(), "mobile", "07 56 12 34 56");
    let d = decide(&other_mobile, &w);
    assert_eq!(why(&d, Channel::Email), "");
    assert_eq!(why(&d, Channel::Sms), "no_consent");
    // Soft opt-in is for email and SMS only.
    assert_eq!(
        why(
            &decide(&without(no_consent.clone(), "consent_autocall"), &w),
            Channel::Autocall
        ),
        "no_consent"
    );
    // No purchase on record: no soft opt-in.
    w.client = Some(vec![
        ("client_id", "C-1"),
        ("email", "alice.moreau@gmail.com"),
    ]);
    assert_eq!(why(&decide(&no_consent, &w), Channel::Email), "no_consent");
}

#[test]
fn existing_clients_are_rejected_by_default_and_their_objections_always_apply() {
    let mut w = world("2026-11-23");
    w.client = Some(vec![
        ("client_id", "C-1"),
        ("email", "alice.moreau@gmail.com"),
        ("opposed_sms", "yes"),
    ]);
    let d = decide(&consumer(), &w);
    assert_eq!(why(&d, Channel::Email), "existing_client");
    assert_eq!(why(&d, Channel::Sms), "existing_client;opposed");
    w.cfg.existing_clients = ExistingClients::Keep;
    let d = decide(&consumer(), &w);
    assert_eq!(why(&d, Channel::Email), "");
    assert_eq!(why(&d, Channel::Sms), "opposed");
}

#[test]
fn a_relationship_ended_over_three_years_ago_is_judged_as_a_prospect() {
    let mut w = world("2026-11-23");
    w.cfg.existing_clients = ExistingClients::Keep;
    w.cfg.similar_products = true;
    w.client = Some(vec![
        ("client_id", "C-1"),
        ("email", "alice.moreau@gmail.com"),
        ("last_purchase_at", "2020-01-01"),
        ("relationship_end_at", "2023-11-22"),
        ("opposed_post", "yes"),
    ]);
    let rec = without(consumer(), "consent_email");
    let d = decide(&rec, &w);
    assert_eq!(
        why(&d, Channel::Email),
        "no_consent",
        "no soft opt-in for a former client"
    );
    assert_eq!(why(&d, Channel::Post), "opposed", "objections still apply");
    w.client.as_mut().unwrap()[3] = ("relationship_end_at", "2023-11-23");
    assert_eq!(
        why(&decide(&rec, &w), Channel::Email),
        "",
        "same day three years later: still a client"
    );
}

// --- Calls ---------------------------------------------------------------------

#[test]
fn consumer_calls_before_2026_08_11_follow_bloctel() {
    let no_phone_consent = without(consumer(), "consent_phone");
    let mut w = world("2026-08-10");
    // No Bloctel file: cannot clear any consumer call.
    assert_eq!(
        why(&decide(&no_phone_consent, &w), Channel::Phone),
        "bloctel_outdated"
    );
    w.bloctel = Some(vec!["+33699999999"]);
    w.cfg.bloctel_date = Some(day("2026-07-20"));
    assert_eq!(
        why(&decide(&no_phone_consent, &w), Channel::Phone),
        "",
        "opt-out, not on Bloctel"
    );
    w.bloctel = Some(vec!["+33612345678"]);
    assert_eq!(
        why(&decide(&no_phone_consent, &w), Channel::Phone),
        "bloctel"
    );
    // A file more than 30 days old.
    w.bloctel = Some(vec![]);
    w.cfg.bloctel_date = Some(day("2026-07-10"));
    assert_eq!(
        why(&decide(&no_phone_consent, &w), Channel::Phone),
        "bloctel_outdated"
    );
    w.cfg.bloctel_date = Some(day("2026-07-11"));
    assert_eq!(
        why(&decide(&no_phone_consent, &w), Channel::Phone),
        "",
        "exactly 30 days is fine"
    );
}

#[test]
fn cleaned_bloctel_mode_lists_numbers_cleared_for_calling() {
    let mut w = world("2026-08-10");
    w.cfg.bloctel_mode = BloctelMode::Cleaned;
    w.cfg.bloctel_date = Some(day("2026-08-01"));
    w.bloctel = Some(vec!["+33612345678"]);
    let rec = without(consumer(), "consent_phone");
    assert_eq!(why(&decide(&rec, &w), Channel::Phone), "");
    w.bloctel = Some(vec!["+33600000000"]);
    assert_eq!(why(&decide(&rec, &w), Channel::Phone), "bloctel");
}

#[test]
fn consumer_calls_from_2026_08_11_need_prior_consent() {
    let rec = without(consumer(), "consent_phone");
    let w = world("2026-08-11");
    assert_eq!(why(&decide(&rec, &w), Channel::Phone), "no_consent");
    assert_eq!(why(&decide(&consumer(), &w), Channel::Phone), "");
    // The Bloctel regime no longer applies: no bloctel_outdated.
    assert_eq!(
        decide(&consumer(), &w).basis[Channel::Phone.index()].id(),
        "fr.phone.b2c_opt_in"
    );
    assert_eq!(
        decide(&consumer(), &world("2026-08-10")).basis[Channel::Phone.index()].id(),
        "fr.phone.b2c_bloctel"
    );
}

#[test]
fn a_call_related_to_a_contract_in_progress_is_allowed() {
    let mut w = world("2026-11-23");
    w.cfg.existing_clients = ExistingClients::Keep;
    w.client = Some(vec![
        ("client_id", "C-1"),
        ("email", "alice.moreau@gmail.com"),
        ("contract_in_progress", "yes"),
    ]);
    let rec = without(consumer(), "consent_phone");
    assert_eq!(why(&decide(&rec, &w), Channel::Phone), "no_consent");
    w.cfg.campaign_related_to_contract = true;
    assert_eq!(why(&decide(&rec, &w), Channel::Phone), "");
    // Before 2026-08-11 the same exception also spares the Bloctel check.
    w.cfg.as_of = day("2026-08-10");
    assert_eq!(why(&decide(&rec, &w), Channel::Phone), "");
}

#[test]
fn professional_calls_are_opt_out_on_both_sides_of_2026_08_11() {
    for as_of in ["2026-08-10", "2026-08-11"] {
        let d = decide(&professional(), &world(as_of));
        assert_eq!(why(&d, Channel::Phone), "", "{as_of}");
    }
}

#[test]
fn automated_calls_need_consent_for_everyone() {
    let w = world("2026-11-23");
    assert_eq!(
        why(&decide(&professional(), &w), Channel::Autocall),
        "no_consent;consent_not_for_partners"
    );
    assert_eq!(why(&decide(&consumer(), &w), Channel::Autocall), "");
}

#[test]
fn fax_needs_consent_unless_it_is_a_company_fax() {
    let w = world("2026-11-23");
    assert!(why(&decide(&professional(), &w), Channel::Fax).contains("no_consent"));
    let company_fax = without(without(professional(), "first_name"), "last_name");
    assert_eq!(why(&decide(&company_fax, &w), Channel::Fax), "");
}

#[test]
fn post_is_opt_out_with_a_complete_address() {
    let w = world("2026-11-23");
    assert_eq!(
        why(
            &decide(&without(consumer(), "consent_email"), &w),
            Channel::Post
        ),
        ""
    );
    assert_eq!(
        why(&decide(&without(consumer(), "city"), &w), Channel::Post),
        "address_incomplete"
    );
    let none = without(
        without(without(consumer(), "city"), "postcode"),
        "address_line1",
    );
    assert_eq!(why(&decide(&none, &w), Channel::Post), "no_contact_data");
    assert_eq!(
        why(
            &decide(&set(consumer(), "consent_post", "non"), &w),
            Channel::Post
        ),
        "no_consent"
    );
}

// --- Contact data --------------------------------------------------------------

#[test]
fn invalid_contact_data_denies_its_channel() {
    let w = world("2026-11-23");
    assert_eq!(
        why(
            &decide(&set(consumer(), "email", "alice@"), &w),
            Channel::Email
        ),
        "email_invalid"
    );
    assert_eq!(
        why(
            &decide(&set(consumer(), "email", "a@yopmail.com"), &w),
            Channel::Email
        ),
        "email_disposable"
    );
    assert_eq!(
        why(
            &decide(&set(consumer(), "mobile", "0899 12 34 56"), &w),
            Channel::Sms
        ),
        "phone_premium"
    );
    assert_eq!(
        why(&decide(&set(consumer(), "mobile", "12"), &w), Channel::Sms),
        "phone_invalid"
    );
    // SMS needs a mobile: a landline in the mobile column does not do.
    assert_eq!(
        why(
            &decide(&set(consumer(), "mobile", "01 45 00 00 02"), &w),
            Channel::Sms
        ),
        "no_contact_data"
    );
    // ...and a mobile in the phone column does.
    let moved = set(without(consumer(), "mobile"), "phone", "06 12 34 56 78");
    assert_eq!(why(&decide(&moved, &w), Channel::Sms), "");
}

// --- Provenance, partners, scraped ---------------------------------------------

#[test]
fn no_manifest_means_no_provenance_everywhere() {
    let mut w = world("2026-11-23");
    w.manifest = None;
    let d = decide(&consumer(), &w);
    assert!(CHANNELS
        .iter()
        .all(|c| d.denied[c.index()].contains(Reason::NoProvenance)));
}

#[test]
fn bought_lists_need_the_buyer_named_in_the_partner_consent() {
    let mut w = world("2026-11-23");
    w.manifest = Some(manifest(Method::Purchased, &["Someone Else"]));
    let d = decide(&consumer(), &w);
    assert_eq!(why(&d, Channel::Email), "consent_not_for_partners");
    assert_eq!(
        why(&d, Channel::Post),
        "",
        "post is opt-out: information suffices"
    );
    // Generic "partners": refused by default, accepted by an explicit switch.
    w.manifest = Some(manifest(Method::Purchased, &["*"]));
    assert_eq!(
        why(&decide(&consumer(), &w), Channel::Email),
        "consent_not_for_partners"
    );
    w.cfg.accept_generic_partners = true;
    assert_eq!(why(&decide(&consumer(), &w), Channel::Email), "");
    // The buyer is the vendor: no transfer, no partner consent needed.
    let mut w = world("2026-11-23");
    w.cfg.buyer = Some("ACME data sarl".into());
    assert_eq!(
        why(
            &decide(&without(consumer(), "consent_partners"), &w),
            Channel::Email
        ),
        ""
    );
}

#[test]
fn a_refused_transfer_denies_everything_and_asks_for_deletion() {
    let w = world("2026-11-23");
    let d = decide(&set(consumer(), "consent_partners", "non"), &w);
    assert!(allowed(&d).is_empty());
    assert_eq!(d.purge, Some(Reason::ConsentNotForPartners));
}

#[test]
fn scraped_data_is_refused_unless_b2b_opt_out_is_allowed() {
    let mut w = world("2026-11-23");
    w.manifest = Some(manifest(Method::Scraped, &[]));
    assert!(allowed(&decide(&professional(), &w)).is_empty());
    assert!(decide(&professional(), &w).denied[0].contains(Reason::ScrapedSource));
    w.cfg.allow_scraped_b2b = true;
    let d = decide(&professional(), &w);
    assert_eq!(allowed(&d), ["email", "sms", "phone", "post"]);
    assert!(
        allowed(&decide(&consumer(), &w)).is_empty(),
        "consumers never"
    );
}

#[test]
fn public_directories_carry_no_consent() {
    let mut w = world("2026-11-23");
    w.manifest = Some(manifest(Method::PublicDirectory, &[]));
    w.cfg.buyer = None;
    let d = decide(&consumer(), &w);
    assert_eq!(allowed(&d), ["post"]);
    assert_eq!(
        allowed(&decide(&professional(), &w)),
        ["email", "sms", "phone", "post"]
    );
}

// --- Freshness -----------------------------------------------------------------

#[test]
fn stale_after_three_years_the_same_day_is_still_fresh() {
    let w = world("2026-11-23");
    let fresh = set(consumer(), "collected_at", "2023-11-23");
    let fresh = set(
        set(fresh, "consent_email_at", "2023-11-23"),
        "consent_sms_at",
        "2023-11-23",
    );
    let d = decide(&fresh, &w);
    assert_eq!(why(&d, Channel::Email), "");
    assert_eq!(d.contactable_until, Some(day("2026-11-23")));
    let stale = set(fresh, "collected_at", "2023-11-22");
    let d = decide(&stale, &w);
    assert!(allowed(&d).is_empty());
    assert_eq!(d.purge, Some(Reason::Stale));
    // A recent contact from the person refreshes the window.
    let d = decide(&set(stale, "last_contact_at", "2025-06-01"), &w);
    assert_eq!(d.contactable_until, Some(day("2028-06-01")));
    assert!(d.qualified());
}

#[test]
fn a_date_after_the_as_of_date_proves_nothing_and_fails_closed() {
    let w = world("2026-11-23");
    for col in ["collected_at", "last_contact_at"] {
        let rec = set(consumer(), col, "2027-05-15");
        let d = decide(&rec, &w);
        assert!(allowed(&d).is_empty(), "{col}");
        assert_eq!(d.main_reason(), Some(Reason::DateInFuture), "{col}");
        assert_eq!(d.contactable_until, None, "{col}");
    }
    // The as-of date itself is today, not the future.
    let d = decide(&set(consumer(), "last_contact_at", "2026-11-23"), &w);
    assert!(d.qualified());
}

#[test]
fn the_manifest_period_is_the_last_resort_reference_date() {
    let mut w = world("2026-11-23");
    let rec = without(consumer(), "collected_at");
    assert_eq!(decide(&rec, &w).contactable_until, Some(day("2027-01-01")));
    w.manifest = None;
    assert!(decide(&rec, &w).denied[0].contains(Reason::UnknownCollectionDate));
}

// --- Opposition, banned sectors --------------------------------------------------

#[test]
fn objections_win_over_consent() {
    let mut w = world("2026-11-23");
    w.opposed = 1 << Channel::Email.index();
    let d = decide(&consumer(), &w);
    assert_eq!(why(&d, Channel::Email), "opposed");
    assert_eq!(why(&d, Channel::Sms), "");
}

#[test]
fn banned_sectors_from_2025_07_02_for_consumers() {
    // Collected and consenting before the ban, so that only the date moves.
    let before_ban = consumer_on("2025-01-10");
    let mut w = world("2025-07-01");
    w.cfg.sector = Sector::EnergyRenovation;
    // The day before: everything the consent covers (phone needs a Bloctel
    // check before 2026-08-11, and this world has no Bloctel file).
    assert_eq!(
        allowed(&decide(&before_ban, &w)),
        ["email", "sms", "autocall", "fax", "post"]
    );
    w.cfg.as_of = day("2025-07-02");
    let d = decide(&before_ban, &w);
    for ch in [
        Channel::Email,
        Channel::Sms,
        Channel::Phone,
        Channel::Autocall,
    ] {
        assert!(d.denied[ch.index()].contains(Reason::BannedSector), "{ch}");
    }
    assert_eq!(allowed(&d), ["fax", "post"]);
    w.cfg.sector = Sector::HomeAdaptation;
    assert!(
        !decide(&professional(), &w).denied[0].contains(Reason::BannedSector),
        "professionals are outside the ban"
    );
    // A contract in progress lifts the ban.
    w.client = Some(vec![
        ("client_id", "C-1"),
        ("email", "alice.moreau@gmail.com"),
        ("contract_in_progress", "oui"),
    ]);
    w.cfg.existing_clients = ExistingClients::Keep;
    assert!(!decide(&before_ban, &w).denied[0].contains(Reason::BannedSector));
}

#[test]
fn every_rule_is_documented_in_schemas_rules_md() {
    let doc = include_str!("../../../../schemas/rules.md");
    assert_eq!(
        doc,
        crate::reference::rules_markdown(),
        "schemas/rules.md is stale: run `qualify schema --rules-markdown > schemas/rules.md`"
    );
    for r in RULES {
        assert!(doc.contains(r.id), "{} missing from schemas/rules.md", r.id);
    }
    assert!(doc.contains("2026-08-11") && doc.contains("2025-07-02"));
}

// --- Properties ------------------------------------------------------------------

fn yes_no() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["oui", "non", "", "x", "peut-être"])
}
fn a_date() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        "2022-01-01",
        "2024-05-05",
        "2026-01-10",
        "2026-12-31",
    ])
}

prop_compose! {
    fn record()(
        email in prop::sample::select(vec!["", "a.b@gmail.com", "contact@acme.fr", "p.q@acme-industrie.fr", "bad@", "x@yopmail.com"]),
        phone in prop::sample::select(vec!["", "01 45 00 00 00", "0899 12 34 56", "12"]),
        mobile in prop::sample::select(vec!["", "06 12 34 56 78", "07 56 12 34 56"]),
        company in prop::sample::select(vec!["", "Acme SAS"]),
        city in prop::sample::select(vec!["", "Paris"]),
        collected in a_date(),
        consents in prop::collection::vec(yes_no(), 6),
        dates in prop::collection::vec(a_date(), 6),
        partners in yes_no(),
        proof in prop::sample::select(vec!["", "form-1"]),
    ) -> Rec {
        let mut r: Rec = vec![("last_name", "Martin"), ("address_line1", "1 rue A"), ("postcode", "75001")];
        for (k, v) in [("email", email), ("phone", phone), ("mobile", mobile), ("company_name", company), ("city", city), ("collected_at", collected), ("consent_partners", partners), ("consent_proof", proof)] {
            if !v.is_empty() { r.push((k, v)); }
        }
        for (i, ch) in CHANNELS.iter().enumerate() {
            if !consents[i].is_empty() { r.push((crate::schema::consent_column(*ch), consents[i])); }
            if !dates[i].is_empty() { r.push((crate::schema::consent_date_column(*ch), dates[i])); }
        }
        r
    }
}

fn subset(after: &Decision, before: &Decision) -> bool {
    CHANNELS
        .iter()
        .all(|c| !after.allowed(*c) || before.allowed(*c))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn removing_a_consent_never_adds_a_channel(rec in record(), which in 0usize..6, to in prop::sample::select(vec!["", "non"]), as_of in prop::sample::select(vec!["2026-08-10", "2026-11-23"])) {
        let w = world(as_of);
        let before = decide(&rec, &w);
        let col = crate::schema::consent_column(CHANNELS[which]);
        // Weakening a consent: yes -> unknown, yes -> no, unknown -> no. Going
        // from "no" to unknown lifts a refusal, which may rightly open an
        // opt-out channel, so it is not a removal of consent.
        let refused = rec.iter().any(|(c, v)| *c == col && *v == "non");
        prop_assume!(!(refused && to.is_empty()));
        let after_rec = if to.is_empty() { without(rec.clone(), col) } else { set(rec.clone(), col, to) };
        let after = decide(&after_rec, &w);
        prop_assert!(subset(&after, &before), "{:?} -> {:?}", allowed(&before), allowed(&after));
    }

    #[test]
    fn adding_an_objection_never_adds_a_channel(rec in record(), mask in 0u8..64) {
        let mut w = world("2026-11-23");
        let before = decide(&rec, &w);
        w.opposed = mask;
        let after = decide(&rec, &w);
        prop_assert!(subset(&after, &before));
        for ch in CHANNELS {
            if mask & (1 << ch.index()) != 0 { prop_assert!(!after.allowed(ch)); }
        }
    }

    #[test]
    fn unknown_consent_never_allows_an_opt_in_channel(rec in record(), as_of in prop::sample::select(vec!["2026-08-10", "2026-11-23"])) {
        let w = world(as_of);
        let d = decide(&rec, &w);
        for ch in CHANNELS {
            let opt_in = matches!(d.basis[ch.index()].id(), "fr.email.b2c_opt_in" | "fr.sms.b2c_opt_in" | "fr.phone.b2c_opt_in" | "fr.autocall.opt_in" | "fr.fax.opt_in");
            let consent = rec.iter().find(|(c, _)| *c == crate::schema::consent_column(ch)).map(|(_, v)| *v);
            let yes = matches!(consent, Some("oui") | Some("x"));
            if opt_in && !yes {
                prop_assert!(!d.allowed(ch), "{ch} allowed without a yes: {rec:?}");
            }
        }
    }
}

// --- Found in review: each of these once allowed what the law denies ------------

#[test]
fn placeholder_companies_and_jobs_outside_work_are_no_b2b_signal() {
    let w = world("2026-11-23");
    let base = without(consumer(), "email");
    for (col, value) in [
        ("company_name", "Particulier"),
        ("company_name", "N/A"),
        ("company_name", "-"),
        ("job_title", "Retraitée"),
        ("job_title", "Étudiant en droit"),
        ("job_title", "Sans emploi"),
    ] {
        let d = decide(&set(base.clone(), col, value), &w);
        assert_ne!(d.audience, Audience::B2b, "{col} = {value:?}");
    }
    let d = decide(&set(base.clone(), "company_name", "Boulangerie Moreau"), &w);
    assert_eq!(d.audience, Audience::B2b);
    let d = decide(&set(base, "job_title", "Responsable achats"), &w);
    assert_eq!(d.audience, Audience::B2b);
}

#[test]
fn without_a_buyer_every_list_but_own_customers_is_a_transfer() {
    let mut w = world("2026-11-23");
    w.cfg.buyer = None;
    w.manifest = Some(manifest(Method::Form, &["Maison Dupont SAS"]));
    let d = decide(&consumer(), &w);
    assert!(
        why(&d, Channel::Email).contains("consent_not_for_partners"),
        "nothing shows the vendor is the one who calls"
    );
    w.manifest = Some(manifest(Method::OwnCustomers, &[]));
    let d = decide(&consumer(), &w);
    assert!(!why(&d, Channel::Email).contains("consent_not_for_partners"));
}

#[test]
fn a_consent_before_the_manifest_collection_period_is_invalid_without_a_record_date() {
    let w = world("2026-11-23");
    // The manifest says collection started on 2024-01-01.
    let rec = set(
        without(consumer(), "collected_at"),
        "consent_email_at",
        "2019-01-01",
    );
    assert_eq!(
        why(&decide(&rec, &w), Channel::Email),
        "consent_invalid_date"
    );
}

#[test]
fn own_customer_lists_are_judged_as_clients_not_rejected_as_clients() {
    let mut w = world("2026-11-23");
    w.manifest = Some(manifest(Method::OwnCustomers, &[]));
    w.client = Some(vec![
        ("client_id", "C-1"),
        ("email", "alice.moreau@gmail.com"),
    ]);
    assert_eq!(w.cfg.existing_clients, ExistingClients::Reject);
    let d = decide(&consumer(), &w);
    assert!(!d.denied[0].contains(Reason::ExistingClient));
    assert!(d.qualified());
}
