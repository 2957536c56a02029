//! The paperwork a run documents. In: the run's summary value, the config
//! (controller, contact, recipients, language) and whether the certificate
//! is signed. Out: `processing-record.md` and `processing-record.json`, the
//! entry for the register of processing activities (GDPR art. 30) that a
//! small business can paste into its register, and `notice.txt`, the items
//! of the GDPR art. 14 information the first message must carry, to adapt.
//!
//! Both are drafts for a person to review: what the run cannot know (a
//! contact address that is not configured) is written as a visible
//! "[à compléter]" / "[to complete]" marker, never invented. The date is the
//! run's as-of date, not the clock, so the files are deterministic.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::config::Config;
use crate::output::i18n::{self, Lang, L};
use crate::summary::Summary;

/// Canonical columns by data category, for "categories of data kept".
const CATEGORIES: &[(L, &[&str])] = &[
    (L::CatIdentity, &["first_name", "last_name", "full_name"]),
    (
        L::CatContact,
        &[
            "email",
            "phone",
            "mobile",
            "fax",
            "address_line1",
            "address_line2",
            "postcode",
            "city",
            "country",
        ],
    ),
    (
        L::CatProfessional,
        &["company_name", "siren", "siret", "job_title"],
    ),
    (
        L::CatProvenance,
        &["collected_at", "last_contact_at", "source"],
    ),
    (
        L::CatConsent,
        &[
            "consent_email",
            "consent_email_at",
            "consent_sms",
            "consent_sms_at",
            "consent_phone",
            "consent_phone_at",
            "consent_autocall",
            "consent_autocall_at",
            "consent_fax",
            "consent_fax_at",
            "consent_post",
            "consent_post_at",
            "consent_partners",
            "consent_proof",
        ],
    ),
];

/// The categories of data the run's qualified.csv carries: each category
/// whose columns the list actually mapped, with those columns.
/// With `columns`, each category names its columns (for the register);
/// without, only the category (for the people the notice addresses).
fn categories(summary: &Summary, lang: Lang, columns: bool) -> Vec<String> {
    let mapped: Vec<&str> = summary
        .columns
        .mapped
        .iter()
        .map(|m| m.canonical.as_str())
        .collect();
    let mut out = Vec::new();
    for (label, cols) in CATEGORIES {
        let present: Vec<&str> = cols
            .iter()
            .copied()
            .filter(|c| mapped.contains(c))
            .collect();
        if present.is_empty() {
            continue;
        }
        if columns {
            out.push(format!(
                "{}{}{}",
                label.get(lang),
                sep(lang),
                present.join(", ")
            ));
        } else {
            out.push(label.get(lang).to_owned());
        }
    }
    let kept: Vec<&str> = summary.columns.kept.iter().map(String::as_str).collect();
    if columns && !kept.is_empty() {
        out.push(format!(
            "{}{}{}",
            L::CatKept.get(lang),
            sep(lang),
            kept.join(", ")
        ));
    }
    out.push(L::CatDecision.get(lang).to_owned());
    out
}

/// French puts a (no-break) space before a colon; English does not.
fn sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "\u{a0}: ",
        Lang::En => ": ",
    }
}

fn todo(lang: Lang) -> String {
    L::RecordToComplete.get(lang).to_owned()
}

fn controller(config: &Config, lang: Lang) -> String {
    match (&config.buyer, &config.buyer_siren) {
        (Some(b), Some(s)) => format!("{b} (SIREN {s})"),
        (Some(b), None) => b.clone(),
        (None, _) => todo(lang),
    }
}

/// One sentence naming the source precisely: vendor, SIREN, where, how and
/// when the data was collected; addressed to the person for the notice,
/// neutral for the register.
fn source_sentence(summary: &Summary, lang: Lang, for_notice: bool) -> String {
    let Some(p) = &summary.provenance else {
        return format!("{} {}", L::NoManifest.get(lang), todo(lang));
    };
    let vendor = match &p.vendor_siren {
        Some(s) => format!("{} (SIREN {s})", p.vendor),
        None => p.vendor.clone(),
    };
    let (lead, collected) = if for_notice {
        (
            format!("{} ", L::NoticeSourceValue.get(lang)),
            L::NoticeCollected.get(lang),
        )
    } else {
        (String::new(), L::RecordSourceCollected.get(lang))
    };
    format!(
        "{lead}{vendor}, {} {} ({}), {} {} {} {}.",
        collected,
        p.collected_from,
        i18n::method(&p.method, lang),
        L::NoticeBetween.get(lang),
        p.collected_between[0],
        L::NoticeAnd.get(lang),
        p.collected_between[1],
    )
}

/// `processing-record.json`: keys in English (stable, for tools), values in
/// the run's language.
pub fn record_json(summary: &Summary, config: &Config, signed: bool) -> Value {
    let lang = config.lang;
    let t = |l: L| l.get(lang).to_owned();
    let removed: Vec<&str> = summary
        .columns
        .removed
        .iter()
        .map(|r| r.column.as_str())
        .collect();
    let mut security = vec![
        if removed.is_empty() {
            t(L::SecMinimisation)
        } else {
            format!("{} ({})", t(L::SecMinimisation), removed.join(", "))
        },
        t(L::SecHashed),
        t(L::SecMasked),
        t(L::SecIntegrity),
        t(L::SecFormulas),
    ];
    if signed {
        security.push(t(L::SecSigned));
    }
    let years = summary.config["retention_years"].as_u64().unwrap_or(3);
    json!({
        "title": t(L::RecordTitle),
        "activity": t(L::RecordActivityValue),
        "controller": controller(config, lang),
        "rights_contact": config.controller_contact.clone().unwrap_or_else(|| todo(lang)),
        "purpose": t(L::RecordPurposeValue),
        "legal_basis": t(L::RecordLegalBasisValue),
        "data_subjects": t(L::RecordSubjectsValue),
        "data_subjects_counts": {
            "qualified": summary.counts.qualified,
            "rows_read": summary.counts.rows_read,
            "b2b": summary.audience.b2b,
            "b2c": summary.audience.b2c,
            "unknown": summary.audience.unknown,
        },
        "data_categories": categories(summary, lang, true),
        "sources": match &summary.provenance { None => json!([]), Some(p) => json!([{
            "vendor": p.vendor,
            "vendor_siren": p.vendor_siren,
            "method": p.method,
            "collected_from": p.collected_from,
            "collected_between": p.collected_between,
            "description": source_sentence(summary, lang, false),
        }]) },
        "recipients": if config.recipients.is_empty() { json!([todo(lang)]) } else { json!(config.recipients) },
        "transfers_outside_eu": t(L::RecordTransfersValue),
        "retention": format!("{years} {}", t(L::RecordRetentionValue)),
        "retention_years": years,
        "security_measures": security,
        "date": summary.as_of,
        "run": {
            "list": crate::output::report::file_name(&summary.inputs.list.path),
            "list_sha256": summary.inputs.list.sha256,
            "rule_pack": summary.rule_pack,
            "tool_version": summary.version,
        },
    })
}

/// `processing-record.md`, the same entry for people.
pub fn record_markdown(record: &Value, lang: Lang) -> String {
    let t = |l: L| l.get(lang);
    let v = |k: &str| record[k].as_str().unwrap_or("").to_owned();
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", t(L::RecordTitle));
    let _ = writeln!(o, "_{}_\n", t(L::RecordIntro));
    let _ = writeln!(o, "| | |\n|---|---|");
    let row = |o: &mut String, k: L, val: &str| {
        let _ = writeln!(o, "| **{}** | {} |", t(k), val.replace('|', "\\|"));
    };
    row(&mut o, L::RecordActivity, &v("activity"));
    row(&mut o, L::RecordDate, &v("date"));
    row(&mut o, L::RecordController, &v("controller"));
    row(&mut o, L::RecordContact, &v("rights_contact"));
    row(&mut o, L::RecordPurpose, &v("purpose"));
    row(&mut o, L::RecordLegalBasis, &v("legal_basis"));
    let c = &record["data_subjects_counts"];
    row(
        &mut o,
        L::RecordSubjects,
        &format!(
            "{}{}{} {} / {} {} (B2B {}, B2C {}, {} {})",
            v("data_subjects"),
            sep(lang),
            lang.int(c["qualified"].as_u64().unwrap_or(0)),
            t(L::Contactable).to_lowercase(),
            lang.int(c["rows_read"].as_u64().unwrap_or(0)),
            t(L::FunnelRead).to_lowercase(),
            lang.int(c["b2b"].as_u64().unwrap_or(0)),
            lang.int(c["b2c"].as_u64().unwrap_or(0)),
            t(L::UnknownShort),
            lang.int(c["unknown"].as_u64().unwrap_or(0)),
        ),
    );
    row(&mut o, L::RecordTransfers, &v("transfers_outside_eu"));
    row(&mut o, L::RecordRetention, &v("retention"));
    let list = |o: &mut String, k: L, items: &Value| {
        let _ = writeln!(o, "\n## {}\n", t(k));
        for i in items.as_array().into_iter().flatten() {
            let text = i["description"].as_str().or(i.as_str()).unwrap_or("");
            let _ = writeln!(o, "- {text}");
        }
    };
    list(&mut o, L::RecordCategories, &record["data_categories"]);
    list(&mut o, L::RecordSources, &record["sources"]);
    list(&mut o, L::RecordRecipients, &record["recipients"]);
    list(&mut o, L::RecordSecurity, &record["security_measures"]);
    let r = &record["run"];
    let _ = writeln!(
        o,
        "\n## {}\n\n- {} `{}` (SHA-256 `{}`)\n- {} {} {}, qualify {}",
        t(L::RecordRun),
        t(L::RoleList),
        r["list"].as_str().unwrap_or(""),
        r["list_sha256"].as_str().unwrap_or(""),
        t(L::RulePack),
        r["rule_pack"]["name"].as_str().unwrap_or(""),
        r["rule_pack"]["version"].as_str().unwrap_or(""),
        r["tool_version"].as_str().unwrap_or(""),
    );
    o
}

/// `notice.txt`: the GDPR art. 14 items for the first message.
pub fn notice(summary: &Summary, config: &Config) -> String {
    let lang = config.lang;
    let t = |l: L| l.get(lang);
    let sep = sep(lang);
    let years = summary.config["retention_years"].as_u64().unwrap_or(3);
    let contact = config
        .controller_contact
        .clone()
        .unwrap_or_else(|| todo(lang));
    let recipients = if config.recipients.is_empty() {
        todo(lang)
    } else {
        config.recipients.join(", ")
    };
    let mut o = String::new();
    let _ = writeln!(o, "{}\n", t(L::NoticeTitle));
    let _ = writeln!(o, "{}\n", t(L::NoticeIntro));
    let _ = writeln!(o, "----");
    let _ = writeln!(
        o,
        "{}{sep}{}{}{contact}",
        t(L::NoticeController),
        controller(config, lang),
        match lang {
            Lang::Fr => " — contact\u{a0}: ",
            Lang::En => " — contact: ",
        }
    );
    let _ = writeln!(
        o,
        "{}{sep}{} {}",
        t(L::NoticePurpose),
        t(L::NoticePurposeValue),
        t(L::RecordLegalBasisValue)
    );
    let _ = writeln!(
        o,
        "{}{sep}{}",
        t(L::NoticeSource),
        source_sentence(summary, lang, true)
    );
    let _ = writeln!(
        o,
        "{}{sep}{}.",
        t(L::NoticeData),
        categories(summary, lang, false).join("; ")
    );
    let _ = writeln!(o, "{}{sep}{recipients}.", t(L::NoticeRecipients));
    let _ = writeln!(
        o,
        "{}{sep}{years} {}",
        t(L::NoticeRetention),
        t(L::NoticeRetentionValue)
    );
    let _ = writeln!(
        o,
        "{}{sep}{} {contact}. {}",
        t(L::NoticeRights),
        t(L::NoticeRightsValue),
        t(L::NoticeComplaint)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::path::PathBuf;

    fn summary() -> Summary {
        serde_json::from_value(json!({
            "version": "0.1.0", "as_of": "2026-11-23",
            "rule_pack": {"name": "fr", "version": "2026.11.23"},
            "inputs": {"list": {"path": "/x/prospects.csv", "sha256": "ab"}},
            "provenance": {"vendor": "Data Horizon SARL", "vendor_siren": "814527339", "method": "purchased",
                "collected_from": "https://jeux.example.fr", "collected_between": ["2022-03-01", "2026-10-31"]},
            "config": {"retention_years": 3},
            "columns": {"mapped": [{"canonical": "email"}, {"canonical": "last_name"}, {"canonical": "consent_email"}],
                "kept": [], "removed": [{"column": "Santé"}]},
            "counts": {"qualified": 10, "rows_read": 12}, "audience": {"b2b": 4, "b2c": 5, "unknown": 1}
        }))
        .unwrap()
    }

    fn config(lang: Lang) -> Config {
        let mut c = Config::new(
            PathBuf::from("l.csv"),
            PathBuf::from("out"),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        );
        c.lang = lang;
        c.buyer = Some("Menuiseries Bellerive SAS".into());
        c
    }

    #[test]
    fn the_notice_names_the_source_the_controller_and_the_right_to_object() {
        let n = notice(&summary(), &config(Lang::Fr));
        assert!(n.contains("Data Horizon SARL (SIREN 814527339)"), "{n}");
        assert!(
            n.contains("via https://jeux.example.fr (liste achetée)"),
            "{n}"
        );
        assert!(n.contains("entre le 2022-03-01 et le 2026-10-31"), "{n}");
        assert!(n.contains("Menuiseries Bellerive SAS"));
        assert!(n.contains("vous opposer à la prospection"));
        // No contact configured: a visible marker, not an invented address.
        assert!(n.contains("[à compléter]"));
        let mut c = config(Lang::En);
        c.controller_contact = Some("dpo@bellerive.example".into());
        let n = notice(&summary(), &c);
        assert!(n.contains("by writing to dpo@bellerive.example"), "{n}");
        // Only the recipients, which are not configured, are left to complete.
        assert_eq!(n.matches("[to complete]").count(), 1, "{n}");
    }

    #[test]
    fn the_record_lists_categories_present_and_the_security_measures() {
        let r = record_json(&summary(), &config(Lang::En), true);
        let cats = r["data_categories"].to_string();
        assert!(cats.contains("contact details: email"), "{cats}");
        assert!(cats.contains("identity (first and last name): last_name"));
        assert!(
            !cats.contains("professional"),
            "no professional column mapped"
        );
        let sec = r["security_measures"].to_string();
        assert!(sec.contains("Santé") && sec.contains("ed25519"), "{sec}");
        assert_eq!(r["date"], "2026-11-23");
        assert_eq!(r["run"]["list"], "prospects.csv");
        let md = record_markdown(&r, Lang::En);
        assert!(md.starts_with("# Record of processing activities entry"));
        assert!(md.contains("| **Controller** | Menuiseries Bellerive SAS |"));
        assert!(md.contains("3 years from the person's last contact"));
        // Audience counts are of the rows read, and say so.
        assert!(
            md.contains(": 10 contactable / 12 rows read (B2B 4, B2C 5, unknown 1)"),
            "{md}"
        );
        // The register describes the source; it does not address the person.
        assert!(
            md.contains(
                "- Data Horizon SARL (SIREN 814527339), collected through https://jeux.example.fr"
            ),
            "{md}"
        );
    }
}
