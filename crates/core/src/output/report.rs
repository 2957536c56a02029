//! `report.html`: the run for people who would rather look than read a CSV.
//! In: the run's `summary.json` value (so every number in the page is the
//! number in the summary), a few masked examples of rejected records and
//! the language. Out: one self-contained HTML page — inline CSS, charts
//! drawn here as inline SVG, no script, no font, no image, no link to the
//! network — that opens in any browser and prints on A4.
//!
//! The page carries a Content-Security-Policy that forbids every external
//! resource, so if a later change ever pulls in a CDN stylesheet or a remote
//! image, the browser refuses it and reports it on its console, which the
//! browser test treats as a failure.
//!
//! Determinism: the page holds no time, no host and no path beyond the
//! inputs' file names, so a replayed run writes the same bytes. Every text
//! that comes from an input (vendor, file names, headers, masked values) is
//! HTML-escaped: a list is untrusted data.

use std::fmt::Write as _;

use serde_json::Value;

use crate::normalise::records::Normalised;
use crate::output::i18n::{self, Lang, L};
use crate::output::mask;
use crate::rules::Decision;
use crate::schema::{Level, Reason, CHANNELS, REASONS};
use crate::summary::Summary;

/// A rejected record shown in the report, identities already masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub record_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub reasons: Vec<Reason>,
}

/// How many examples the report shows at most.
pub const MAX_EXAMPLES: usize = 12;

/// One rejected record per main reason (its first in catalogue order), in
/// `source_row` order, so the table shows the variety of problems rather
/// than twelve duplicates. `rows` are the rejected rows (0-based).
pub fn examples(
    norm: &Normalised,
    decisions: &[Decision],
    ids: &super::ids::RecordIds,
    rows: &[usize],
) -> Vec<Example> {
    let mut seen: Vec<Reason> = Vec::new();
    let mut out = Vec::new();
    for &i in rows {
        let reasons: Vec<Reason> = decisions[i].all_reasons().iter().collect();
        let Some(&main) = reasons.first() else {
            continue;
        };
        if seen.contains(&main) {
            continue;
        }
        seen.push(main);
        out.push(Example {
            record_id: ids.get(i).to_string(),
            name: mask::name(
                norm.first_name.get(i),
                norm.last_name.get(i),
                norm.full_name.get(i),
            ),
            email: norm.email[i].as_ref().map(|e| mask::email(e.address())),
            phone: [&norm.mobile[i], &norm.phone[i], &norm.fax[i]]
                .into_iter()
                .flatten()
                .find_map(|p| p.e164.as_deref())
                .map(mask::phone),
            reasons,
        });
        if out.len() == MAX_EXAMPLES {
            break;
        }
    }
    out
}

/// The funnel of docs/outputs.md#run-outputs, as (summary.json `counts` key, label).
pub const FUNNEL: [(&str, L); 6] = [
    ("rows_read", L::FunnelRead),
    ("valid", L::FunnelValid),
    ("unique", L::FunnelUnique),
    ("not_already_clients", L::FunnelNotClients),
    ("fresh", L::FunnelFresh),
    ("qualified", L::FunnelContactable),
];

/// HTML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The last component of a path as written in summary.json: the report
/// names files, never where they sat on the machine that ran.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

const CSS: &str = r#"
:root{--ink:#1d2733;--muted:#5b6673;--line:#d9dee4;--ok:#1f7a4d;--ko:#b3261e;--b2b:#2b5d9b;--b2c:#c77d12;--bar:#3a7d6c;--bg:#f6f7f9}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);margin:0;background:var(--bg);line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:1.7rem;margin:0 0 4px}
h2{font-size:1.2rem;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}
p.lead,p.note{color:var(--muted);margin:4px 0 12px}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:8px 0}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f4;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;background:#eef1f4;padding:0 3px;border-radius:3px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}
dl.facts dt{font-weight:600;color:var(--muted)}
dl.facts dd{margin:0}
svg{width:100%;height:auto;display:block}
svg text{font-family:inherit;font-size:13px;fill:var(--ink)}
svg .lbl{fill:var(--muted)}
p.big{font-size:1.35rem;margin:8px 0}
p.big strong{font-size:1.6rem}
caption{text-align:left;font-weight:600;padding:6px 0;color:var(--muted)}
tfoot th{background:#fff;border-top:2px solid var(--line)}
h3{font-size:1.02rem;margin:18px 0 4px}
h4{font-size:.95rem;margin:12px 0 2px;color:var(--muted)}
ul.warn li{margin:4px 0}
ul.warn li.strong{color:var(--ko);font-weight:600}
footer{margin-top:32px;color:var(--muted);font-size:.85rem}
.k{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
@media print{body{background:#fff}main{max-width:none;padding:0}h2{break-after:avoid}table,svg,section{break-inside:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
@page{size:A4;margin:14mm}
"#;

/// Renders `report.html` from the summary and the examples.
pub fn render(summary: &Summary, examples: &[Example], lang: Lang) -> String {
    let t = |l: L| l.get(lang);
    let counts = &summary.counts;
    let list_name = file_name(&summary.inputs.list.path).to_owned();
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} — {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        lang.tag(),
        esc(t(L::ReportTitle)),
        esc(&list_name),
        CSS
    );

    // --- Header and inputs ---------------------------------------------------
    let prov = summary.provenance.as_ref();
    let _ = write!(
        h,
        "<header>\n<h1>{} — <code>{}</code></h1>\n<p class=\"lead\">{}</p>\n</header>\n",
        esc(t(L::ReportTitle)),
        esc(&list_name),
        esc(t(L::ReportIntro))
    );
    headline(&mut h, summary, lang);
    h.push_str("<section id=\"inputs\">\n");
    let _ = writeln!(h, "<h2>{}</h2>", esc(t(L::Inputs)));
    h.push_str("<dl class=\"facts\">\n");
    let fact = |h: &mut String, k: L, v: &str, key: &str| {
        let _ = writeln!(
            h,
            "<dt>{}</dt><dd data-fact=\"{key}\">{}</dd>",
            esc(t(k)),
            esc(v)
        );
    };
    if let Some(prov) = prov {
        let vendor = match &prov.vendor_siren {
            Some(siren) => format!("{} (SIREN {siren})", prov.vendor),
            None => prov.vendor.clone(),
        };
        fact(&mut h, L::Vendor, &vendor, "vendor");
        fact(
            &mut h,
            L::Method,
            i18n::method(&prov.method, lang),
            "method",
        );
        fact(
            &mut h,
            L::CollectedFrom,
            &prov.collected_from,
            "collected_from",
        );
        let period = format!(
            "{} {} {} {}",
            t(L::From),
            prov.collected_between[0],
            t(L::To),
            prov.collected_between[1]
        );
        fact(&mut h, L::CollectionPeriod, &period, "collection_period");
        fact(
            &mut h,
            L::ConsentWording,
            &prov.consent_wording,
            "consent_wording",
        );
        let partners: Vec<&str> = prov
            .partners
            .iter()
            .map(String::as_str)
            .map(|p| {
                if p.trim() == "*" {
                    t(L::GenericPartners)
                } else {
                    p
                }
            })
            .collect();
        let partners = if partners.is_empty() {
            t(L::NoPartners).to_owned()
        } else {
            partners.join(", ")
        };
        fact(&mut h, L::PartnersNamed, &partners, "partners");
    } else {
        fact(&mut h, L::Vendor, t(L::NoManifest), "vendor");
    }
    fact(&mut h, L::AsOf, &summary.as_of, "as_of");
    let pack = format!("{} {}", summary.rule_pack.name, summary.rule_pack.version);
    fact(&mut h, L::RulePack, &pack, "rule_pack");
    let buyer = summary.config["buyer"].as_str().unwrap_or(t(L::NotSet));
    fact(&mut h, L::Buyer, buyer, "buyer");
    h.push_str("</dl>\n");
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th>SHA-256</th></tr></thead>\n<tbody>",
        esc(t(L::Role)),
        esc(t(L::File)),
        esc(t(L::Rows))
    );
    for (role, path, sha, rows) in input_files(summary) {
        let rows = rows.map(|n| lang.int(n)).unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td><code title=\"{}\">{}…</code></td></tr>",
            esc(t(role)),
            esc(file_name(path)),
            rows,
            esc(sha),
            esc(&sha.chars().take(16).collect::<String>())
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    // --- Funnel ----------------------------------------------------------------
    let read = counts.rows_read;
    h.push_str("<section id=\"funnel\">\n");
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(t(L::Funnel)),
        esc(t(L::FunnelIntro))
    );
    let bars: Vec<(String, u64)> = FUNNEL
        .iter()
        .map(|(k, l)| (t(*l).to_owned(), counts.step(k)))
        .collect();
    h.push_str(&bar_chart(&bars, read, "var(--bar)", lang));
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
        esc(t(L::Step)),
        esc(t(L::Records)),
        esc(t(L::ShareOfRead))
    );
    for (key, label) in FUNNEL {
        let n = counts.step(key);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\" data-funnel=\"{key}\">{}</td><td class=\"num\">{}</td></tr>",
            esc(t(label)),
            lang.int(n),
            lang.percent(n, read)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    // --- Channels and audience ----------------------------------------------
    h.push_str("<section id=\"channels\">\n");
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(t(L::Channels)),
        esc(t(L::ChannelsIntro))
    );
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\"><span class=\"k\" style=\"background:var(--b2b)\"></span>B2B</th><th class=\"num\"><span class=\"k\" style=\"background:var(--b2c)\"></span>B2C</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
        esc(t(L::Channel)),
        esc(t(L::Contactable)),
        esc(t(L::Denied))
    );
    let mut stacked = Vec::new();
    for ch in CHANNELS {
        let c = summary
            .channels
            .get(ch.as_str())
            .cloned()
            .unwrap_or_default();
        let (b2b, b2c) = (c.allowed_b2b, c.allowed_b2c);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\" data-channel=\"{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(i18n::channel(ch, lang)),
            ch.as_str(),
            lang.int(c.allowed),
            lang.int(b2b),
            lang.int(b2c),
            lang.int(c.denied)
        );
        // The chart keeps the name before any explanation in brackets.
        let short = i18n::channel(ch, lang).split(" (").next().unwrap_or("");
        stacked.push((short.to_owned(), b2b, b2c));
    }
    h.push_str("</tbody>\n</table>\n");
    h.push_str(&stacked_chart(&stacked, read, lang));
    h.push_str("</section>\n");

    h.push_str("<section id=\"audience\">\n");
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(t(L::Audience)),
        esc(t(L::AudienceIntro))
    );
    let _ = writeln!(
        h,
        "<table>\n<thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
        esc(t(L::Audience)),
        esc(t(L::Records)),
        esc(t(L::ShareOfRead))
    );
    let aud = &summary.audience;
    for (a, n) in [("b2b", aud.b2b), ("b2c", aud.b2c), ("unknown", aud.unknown)] {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\" data-audience=\"{a}\">{}</td><td class=\"num\">{}</td></tr>",
            esc(i18n::audience(a, lang)),
            lang.int(n),
            lang.percent(n, read)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    // --- Rejection reasons, by level ------------------------------------------
    reasons_section(&mut h, summary, read, lang);

    matching_section(&mut h, &summary.fuzzy, lang);

    // --- Minimisation ---------------------------------------------------------
    h.push_str("<section id=\"minimisation\">\n");
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(t(L::Minimisation)),
        esc(t(L::MinimisationIntro))
    );
    let removed = &summary.columns.removed;
    if removed.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t(L::NoRemoved)));
    } else {
        let _ = writeln!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            esc(t(L::Column)),
            esc(t(L::Category)),
            esc(t(L::Why))
        );
        for r in removed {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&r.column),
                esc(i18n::category(&r.category, lang)),
                esc(&i18n::removal_reason(&r.reason, &r.category, lang))
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");

    // --- Warnings ---------------------------------------------------------------
    h.push_str("<section id=\"warnings\">\n");
    let _ = writeln!(h, "<h2>{}</h2>", esc(t(L::Warnings)));
    let warnings = warnings(summary, lang);
    if warnings.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t(L::NoWarning)));
    } else {
        h.push_str("<ul class=\"warn\">\n");
        for (strong, w) in &warnings {
            let _ = writeln!(
                h,
                "<li{}>{}</li>",
                if *strong { " class=\"strong\"" } else { "" },
                esc(w)
            );
        }
        h.push_str("</ul>\n");
    }
    value_warnings(&mut h, summary, lang);
    // The value warnings were just said in the report's language; the
    // other run messages are technical and stay as summary.json has them.
    let said: Vec<&str> = summary
        .value_warnings
        .iter()
        .map(|w| w.column.as_str())
        .collect();
    let run_messages: Vec<&String> = summary
        .warnings
        .iter()
        .filter(|m| !(m.contains(": unrecognised ") && said.iter().any(|c| m.contains(c))))
        .collect();
    if !run_messages.is_empty() {
        let _ = writeln!(h, "<p class=\"note\">{}</p>\n<ul>", esc(t(L::RunMessages)));
        for m in &run_messages {
            let _ = writeln!(h, "<li><code>{}</code></li>", esc(m));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");

    // --- Examples -----------------------------------------------------------------
    h.push_str("<section id=\"examples\">\n");
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(t(L::Examples)),
        esc(t(L::ExamplesIntro))
    );
    if examples.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t(L::NoRejection)));
    } else {
        let _ = writeln!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            esc(t(L::RecordId)),
            esc(t(L::Name)),
            esc(t(L::Email)),
            esc(t(L::Phone)),
            esc(t(L::Reasons))
        );
        for e in examples {
            let reasons: Vec<String> = e
                .reasons
                .iter()
                .map(|r| format!("<code>{}</code> {}", r.code(), esc(i18n::reason(*r, lang))))
                .collect();
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.record_id),
                esc(e.name.as_deref().unwrap_or("")),
                esc(e.email.as_deref().unwrap_or("")),
                esc(e.phone.as_deref().unwrap_or("")),
                reasons.join("<br>")
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");

    let _ = write!(
        h,
        "<footer>\n<p>{} {}.</p>\n<p>{} qualify {} — {} {}.</p>\n</footer>\n</main>\n</body>\n</html>\n",
        esc(t(L::AsOf)),
        esc(&summary.as_of),
        esc(t(L::GeneratedBy)),
        esc(&summary.version),
        esc(&pack),
        esc(t(L::Certificate)),
    );
    h
}

/// The first screen: how many were read, how many may be contacted (per
/// channel), how many are rejected and why, in counts that add up; then
/// the as-of date and the vendor. Provenance and hashes come after.
fn headline(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |l: L| l.get(lang);
    let counts = &summary.counts;
    let (read, qualified, rejected) = (counts.rows_read, counts.qualified, counts.rejected);
    h.push_str("<section id=\"headline\">\n");
    let _ = writeln!(h, "<h2>{}</h2>", esc(t(L::Headline)));
    let _ = writeln!(
        h,
        "<p class=\"big\"><strong data-headline=\"read\">{}</strong> {} · <strong data-headline=\"qualified\">{}</strong> {} · <strong data-headline=\"rejected\">{}</strong> {}</p>",
        lang.int(read),
        esc(t(L::HeadlineRead)),
        lang.int(qualified),
        esc(t(L::HeadlineQualified)),
        lang.int(rejected),
        esc(t(L::HeadlineRejected))
    );
    let vendor = summary
        .provenance
        .as_ref()
        .map_or(t(L::NoManifest), |p| p.vendor.as_str());
    let _ = writeln!(
        h,
        "<p>{}{c}<strong data-headline=\"as_of\">{}</strong> · {}{c}<strong>{}</strong></p>",
        esc(t(L::AsOf)),
        esc(&summary.as_of),
        esc(t(L::Vendor)),
        esc(vendor),
        c = lang.colon()
    );
    let per: Vec<String> = CHANNELS
        .iter()
        .map(|ch| {
            format!(
                "{} <strong data-headline-channel=\"{}\">{}</strong>",
                esc(i18n::channel(*ch, lang).split(" (").next().unwrap_or("")),
                ch.as_str(),
                lang.int(summary.channels.get(ch.as_str()).map_or(0, |c| c.allowed))
            )
        })
        .collect();
    let _ = writeln!(h, "<p>{} : {}</p>", esc(t(L::Contactable)), per.join(" · "));
    let r = &summary.repermission;
    let _ = writeln!(
        h,
        "<p id=\"repermission\">{} {} {}{c}<strong data-repermission>{}</strong></p>",
        esc(t(L::Repermission)),
        r.days,
        esc(t(L::Days)),
        lang.int(r.records),
        c = lang.colon()
    );
    if let Some(c) = &summary.changes {
        let what = match &c.note {
            Some(note) => format!("{} ({})", esc(t(L::NotCompared)), esc(note)),
            None => format!(
                "<strong data-changes=\"newly_denied\">{}</strong> {} · <strong data-changes=\"no_longer_listed\">{}</strong> {} · <strong data-changes=\"newly_allowed\">{}</strong> {} · {} {} ({})",
                lang.int(c.total.newly_denied),
                esc(t(L::NewlyDenied)),
                lang.int(c.total.no_longer_listed),
                esc(t(L::NoLongerListed)),
                lang.int(c.total.newly_allowed),
                esc(t(L::NewlyAllowed)),
                lang.int(c.new_people),
                esc(t(L::NewPeople)),
                esc(t(L::ChangesRows))
            ),
        };
        let _ = writeln!(
            h,
            "<p id=\"changes\">{} ({}){c}{what}</p>",
            esc(t(L::ChangesSince)),
            esc(&c.previous),
            c = lang.colon()
        );
    }
    let by_main: Vec<(Reason, u64)> = REASONS
        .iter()
        .map(|r| (*r, count_of(&summary.rejected_by_main_reason, r.code())))
        .filter(|(_, n)| *n > 0)
        .collect();
    if !by_main.is_empty() {
        let _ = writeln!(
            h,
            "<table id=\"main-reasons\">\n<caption>{}</caption>\n<thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
            esc(t(L::HeadlineSplit)),
            esc(t(L::MainReason)),
            esc(t(L::Meaning)),
            esc(t(L::Records)),
            esc(t(L::ShareOfRead))
        );
        for (r, n) in &by_main {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\" data-main-reason=\"{}\">{}</td><td class=\"num\">{}</td></tr>",
                r.code(),
                esc(i18n::reason(*r, lang)),
                r.code(),
                lang.int(*n),
                lang.percent(*n, read)
            );
        }
        let _ = writeln!(
            h,
            "</tbody>\n<tfoot><tr><th colspan=\"2\">{}</th><th class=\"num\" data-main-reason-total>{}</th><th class=\"num\">{}</th></tr></tfoot>\n</table>",
            esc(t(L::Total)),
            lang.int(by_main.iter().map(|(_, n)| n).sum()),
            lang.percent(rejected, read)
        );
    }
    h.push_str("</section>\n");
}

/// Reasons by level: those that exclude a whole record, then, per channel,
/// why the records nothing excludes are denied there. Bars carry the
/// reason's meaning, the tables its code.
fn reasons_section(h: &mut String, summary: &Summary, read: u64, lang: Lang) {
    let t = |l: L| l.get(lang);
    h.push_str("<section id=\"reasons\">\n");
    let _ = writeln!(h, "<h2>{}</h2>", esc(t(L::Rejections)));
    let table = |h: &mut String, rows: &[(Reason, u64)], attr: &str| {
        let _ = writeln!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th></tr></thead>\n<tbody>",
            esc(t(L::Code)),
            esc(t(L::Meaning)),
            esc(t(L::Records))
        );
        for (r, n) in rows {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\" {attr}=\"{}\">{}</td></tr>",
                r.code(),
                esc(i18n::reason(*r, lang)),
                r.code(),
                lang.int(*n)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    };
    let bars = |rows: &[(Reason, u64)]| -> Vec<(String, u64)> {
        rows.iter()
            .map(|(r, n)| (i18n::reason(*r, lang).to_owned(), *n))
            .collect()
    };
    let record: Vec<(Reason, u64)> = REASONS
        .iter()
        .filter(|r| r.level() == Level::Record)
        .map(|r| (*r, count_of(&summary.reasons, r.code())))
        .filter(|(_, n)| *n > 0)
        .collect();
    let _ = writeln!(
        h,
        "<h3>{}</h3>\n<p class=\"note\">{}</p>",
        esc(t(L::ReasonsRecordLevel)),
        esc(t(L::ReasonsRecordIntro))
    );
    if record.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t(L::NoRejection)));
    } else {
        h.push_str(&bar_chart(&bars(&record), read, "var(--ko)", lang));
        table(h, &record, "data-reason");
    }
    let _ = writeln!(
        h,
        "<h3>{}</h3>\n<p class=\"note\">{}</p>",
        esc(t(L::ReasonsChannelLevel)),
        esc(t(L::ReasonsChannelIntro))
    );
    for ch in CHANNELS {
        let per = summary
            .channel_reasons
            .get(ch.as_str())
            .cloned()
            .unwrap_or_default();
        let rows: Vec<(Reason, u64)> = REASONS
            .iter()
            .map(|r| (*r, count_of(&per, r.code())))
            .filter(|(_, n)| *n > 0)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            h,
            "<h4 data-channel-reasons=\"{}\">{}</h4>",
            ch.as_str(),
            esc(i18n::channel(ch, lang))
        );
        h.push_str(&bar_chart(&bars(&rows), read, "var(--ko)", lang));
        table(h, &rows, &format!("data-{}-reason", ch.as_str()));
    }
    h.push_str("</section>\n");
}

/// Cells read as unknown, said in the report's language: the file and
/// column, how many, the first rows, a few values, and what to do.
fn value_warnings(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |l: L| l.get(lang);
    let list = &summary.value_warnings;
    if list.is_empty() {
        return;
    }
    h.push_str("<ul class=\"warn\" id=\"value-warnings\">\n");
    for w in list {
        let (what, fix) = match w.kind.as_str() {
            "date" => (L::WarnValueDate, L::WarnValueDateFix),
            _ => (L::WarnValueYesNo, L::WarnValueYesNoFix),
        };
        let rows: Vec<String> = w.first_rows.iter().map(|r| r.to_string()).collect();
        let more = if w.rows > rows.len() as u64 {
            ", …"
        } else {
            ""
        };
        // The vendor's header first: that is what the reader sees in the file.
        let column = match &w.header {
            Some(hd) if *hd != w.column => format!("{hd} → {}", w.column),
            _ => w.column.clone(),
        };
        let examples: Vec<String> = w
            .examples
            .iter()
            .map(|e| format!("« {} »", esc(e)))
            .collect();
        let _ = writeln!(
            h,
            "<li data-value-warning=\"{}\"><code>{}</code>, {} <code>{}</code>{}{} {} — {} {}{}; {} {}. {}</li>",
            esc(&w.column),
            esc(file_name(&w.file)),
            esc(t(L::Column)).to_lowercase(),
            esc(&column),
            lang.colon(),
            lang.int(w.rows),
            esc(t(what)),
            esc(t(L::WarnValueRows)),
            rows.join(", "),
            more,
            esc(t(L::WarnValueExamples)),
            examples.join(", "),
            esc(t(fix))
        );
    }
    h.push_str("</ul>\n");
}

/// The inputs of the run in summary.json, with their role label.
fn input_files(summary: &Summary) -> Vec<(L, &str, &str, Option<u64>)> {
    let i = &summary.inputs;
    let mut v = vec![(
        L::RoleList,
        i.list.path.as_str(),
        i.list.sha256.as_str(),
        Some(i.list.rows),
    )];
    for (role, f) in [(L::RoleManifest, &i.manifest), (L::RoleMapping, &i.mapping)] {
        if let Some(f) = f {
            v.push((role, f.path.as_str(), f.sha256.as_str(), None));
        }
    }
    if let Some(c) = &i.clients {
        v.push((
            L::RoleClients,
            c.path.as_str(),
            c.sha256.as_str(),
            Some(c.rows),
        ));
    }
    for o in &i.opposition {
        v.push((
            L::RoleOpposition,
            o.path.as_str(),
            o.sha256.as_str(),
            Some(o.entries),
        ));
    }
    if let Some(b) = &i.bloctel {
        v.push((
            L::RoleBloctel,
            b.path.as_deref().unwrap_or(""),
            b.sha256.as_str(),
            Some(b.numbers),
        ));
    }
    for (role, f) in [(L::RoleModel, &i.model), (L::RoleLabels, &i.labels)] {
        if let Some(f) = f {
            v.push((role, f.path.as_str(), f.sha256.as_str(), None));
        }
    }
    v
}

/// A count of a map keyed by code; 0 when absent.
fn count_of(map: &crate::summary::Counts, code: &str) -> u64 {
    map.get(code).copied().unwrap_or(0)
}

/// The warnings a reader must see, in their language: (strong, text).
fn warnings(summary: &Summary, lang: Lang) -> Vec<(bool, String)> {
    let t = |l: L| l.get(lang);
    let c = &summary.config;
    let mut w = Vec::new();
    if summary.provenance.is_none() {
        w.push((true, t(L::WarnNoManifest).to_owned()));
    }
    if c["accept_generic_partners"].as_bool() == Some(true) {
        w.push((true, t(L::WarnGenericPartners).to_owned()));
    }
    let third_party = matches!(
        summary.provenance.as_ref().map(|p| p.method.as_str()),
        Some("purchased" | "rented" | "partner")
    );
    if third_party && c["buyer"].is_null() {
        w.push((true, t(L::WarnNoBuyer).to_owned()));
    }
    // Bloctel matters only while consumer calls are opt-out (before the
    // loi 2025-594 switch date); after it, say why Bloctel is absent.
    let as_of = chrono::NaiveDate::parse_from_str(&summary.as_of, "%Y-%m-%d").ok();
    let switch = chrono::NaiveDate::from_ymd_opt(2026, 8, 11).expect("valid date");
    match as_of {
        Some(d) if d >= switch => w.push((false, t(L::WarnPhoneConsent).to_owned())),
        Some(d) => {
            let bloctel_date = c["bloctel_date"]
                .as_str()
                .and_then(|b| chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d").ok());
            let max = c["bloctel_max_age_days"].as_i64().unwrap_or(30);
            match (summary.inputs.bloctel.is_some(), bloctel_date) {
                (true, Some(b)) => {
                    let age = (d - b).num_days();
                    w.push((age > max, format!("{} {age}", t(L::WarnBloctelAge))));
                    if age > max {
                        w.push((true, t(L::WarnBloctelTooOld).to_owned()));
                    }
                }
                (true, None) => w.push((true, t(L::WarnBloctelTooOld).to_owned())),
                (false, _) => w.push((true, t(L::WarnBloctelMissing).to_owned())),
            }
        }
        None => {}
    }
    let removed: Vec<&str> = summary
        .columns
        .removed
        .iter()
        .map(|r| r.column.as_str())
        .collect();
    if !removed.is_empty() {
        w.push((
            false,
            format!("{} {}", t(L::WarnRemoved), removed.join(", ")),
        ));
    }
    let malformed = summary.counts.malformed;
    if malformed > 0 {
        w.push((
            true,
            format!("{} {}", t(L::WarnMalformed), lang.int(malformed)),
        ));
    }
    w
}

/// The matching section: the model's weights per field and level (like
/// Splink's match-weights chart), scored pairs per probability band, and
/// the borderline pairs (record ids and fields only: no personal data).
fn matching_section(h: &mut String, fuzzy: &Value, lang: Lang) {
    let t = |l: L| l.get(lang);
    let model = &fuzzy["model"];
    if model.is_null() {
        return;
    }
    h.push_str("<section id=\"matching\">\n");
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(t(L::Matching)),
        esc(t(L::MatchingIntro))
    );
    let source = match s(&model["source"]) {
        "trained" => t(L::MatchModelTrained),
        "file" => t(L::MatchModelFile),
        _ => t(L::MatchModelFixed),
    };
    let stats = &fuzzy["stats"];
    let _ = writeln!(
        h,
        "<dl class=\"facts\"><dt>{}</dt><dd data-fact=\"model\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd data-fact=\"windowed\">{}</dd></dl>",
        esc(t(L::Method)),
        esc(source),
        esc(t(L::MatchPriorDup)),
        model["duplicates_per_record"],
        esc(t(L::MatchPriorClient)),
        model["clients_per_record"],
        esc(t(L::MatchWindowed)),
        lang.int(u(&stats["windowed_records"]))
    );
    // The first-name guard, and the pairs it was decided from (schemas/model.md).
    let guard = &model["first_name_guard"];
    if !guard.is_null() {
        let evidence = &guard["evidence"];
        let _ = writeln!(
            h,
            "<dl class=\"facts\"><dt>{}</dt><dd data-fact=\"first-name-guard\">{} ({})</dd></dl>",
            esc(t(L::MatchGuard)),
            esc(t(if guard["applied"] == true {
                L::MatchGuardOn
            } else {
                L::MatchGuardOff
            })),
            esc(&t(L::MatchGuardEvidence)
                .replace("{a}", &lang.int(u(&evidence["first_name_differs"])))
                .replace("{b}", &lang.int(u(&evidence["last_name_differs"]))))
        );
    }
    // Weights: bars left (against) and right (for) of a zero line.
    let rows: Vec<(String, f64)> = model["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| {
            let name = s(&f["field"]).to_owned();
            f["levels"].as_array().into_iter().flatten().map(move |l| {
                (
                    format!("{name} · {}", s(&l["level"])),
                    l["weight"].as_f64().unwrap_or(0.0),
                )
            })
        })
        .collect();
    if !rows.is_empty() {
        let _ = writeln!(h, "<h3>{}</h3>", esc(t(L::MatchWeights)));
        let (label_w, half, row_h) = (300.0, 280.0, 22.0);
        let top = rows.iter().map(|r| r.1.abs()).fold(1.0, f64::max);
        let height = rows.len() as f64 * row_h + 8.0;
        let zero = label_w + half;
        let _ = writeln!(
            h,
            "<svg id=\"match-weights\" viewBox=\"0 0 {} {height}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
            label_w + 2.0 * half + 70.0
        );
        for (k, (label, w)) in rows.iter().enumerate() {
            let y = k as f64 * row_h + 4.0;
            let len = half * w.abs() / top;
            let (x, colour) = if *w >= 0.0 {
                (zero, "var(--ok)")
            } else {
                (zero - len, "var(--ko)")
            };
            let _ = writeln!(
                h,
                "<text class=\"lbl\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
                 <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{:.1}\" style=\"fill:{colour}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{w:+.1}</text>",
                label_w - 8.0,
                y + 15.0,
                esc(label),
                row_h - 6.0,
                label_w + 2.0 * half + 6.0,
                y + 15.0,
            );
        }
        let _ = writeln!(
            h,
            "<line x1=\"{zero}\" y1=\"0\" x2=\"{zero}\" y2=\"{height}\" style=\"stroke:var(--muted)\"/>\n</svg>"
        );
    }
    let bands: Vec<(String, u64)> = fuzzy["bands"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| (s(&b["band"]).to_owned(), u(&b["pairs"])))
        .collect();
    if !bands.is_empty() {
        let _ = writeln!(h, "<h3>{}</h3>", esc(t(L::MatchBands)));
        let whole = bands.iter().map(|b| b.1).max().unwrap_or(0);
        h.push_str(&bar_chart(&bands, whole, "var(--bar)", lang));
    }
    let _ = writeln!(h, "<h3>{}</h3>", esc(t(L::MatchBorderline)));
    let borderline = fuzzy["borderline"].as_array().cloned().unwrap_or_default();
    if borderline.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(t(L::MatchNoBorderline)));
    } else {
        let _ = writeln!(
            h,
            "<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
            esc(t(L::RecordId)),
            esc(t(L::RecordId)),
            esc(t(L::Probability)),
            esc(t(L::Agreed)),
            esc(t(L::Disagreed))
        );
        for b in borderline.iter().take(5) {
            let other = [&b["matched_record_id"], &b["matched_client_id"]]
                .iter()
                .find_map(|v| v.as_str())
                .unwrap_or("")
                .to_owned();
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(s(&b["record_id"])),
                esc(&other),
                b["match_probability"],
                esc(s(&b["agreed"])),
                esc(s(&b["disagreed"]))
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

/// Horizontal bars, one per (label, value), scaled to `whole`.
fn bar_chart(bars: &[(String, u64)], whole: u64, colour: &str, lang: Lang) -> String {
    let (label_w, bar_w, row_h) = (300.0, 560.0, 26.0);
    let height = bars.len() as f64 * row_h + 8.0;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg viewBox=\"0 0 {} {height}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
        label_w + bar_w + 120.0
    );
    for (k, (label, v)) in bars.iter().enumerate() {
        let y = k as f64 * row_h + 4.0;
        let w = if whole == 0 {
            0.0
        } else {
            bar_w * *v as f64 / whole as f64
        };
        let _ = writeln!(
            o,
            "<text class=\"lbl\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"3\" style=\"fill:{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_w - 8.0,
            y + 17.0,
            esc(label),
            row_h - 8.0,
            label_w + w + 6.0,
            y + 17.0,
            lang.int(*v)
        );
    }
    o.push_str("</svg>\n");
    o
}

/// Per channel, B2B and B2C contactable records side by side in one bar.
fn stacked_chart(rows: &[(String, u64, u64)], whole: u64, lang: Lang) -> String {
    let (label_w, bar_w, row_h) = (300.0, 560.0, 26.0);
    let height = rows.len() as f64 * row_h + 8.0;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg viewBox=\"0 0 {} {height}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
        label_w + bar_w + 120.0
    );
    for (k, (label, b2b, b2c)) in rows.iter().enumerate() {
        let y = k as f64 * row_h + 4.0;
        let scale = |v: u64| {
            if whole == 0 {
                0.0
            } else {
                bar_w * v as f64 / whole as f64
            }
        };
        let (w1, w2) = (scale(*b2b), scale(*b2c));
        let _ = writeln!(
            o,
            "<text class=\"lbl\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w1:.1}\" height=\"{:.1}\" style=\"fill:var(--b2b)\"/>\
             <rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{w2:.1}\" height=\"{:.1}\" style=\"fill:var(--b2c)\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_w - 8.0,
            y + 17.0,
            esc(label),
            row_h - 8.0,
            label_w + w1,
            row_h - 8.0,
            label_w + w1 + w2 + 6.0,
            y + 17.0,
            lang.int(b2b + b2c)
        );
    }
    o.push_str("</svg>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn summary() -> Summary {
        serde_json::from_value(json!({
            "version": "0.1.0",
            "as_of": "2026-03-01",
            "rule_pack": {"name": "fr", "version": "2026.11.23"},
            "inputs": {
                "list": {"path": "/home/me/secret/<i>list.csv", "sha256": "ab".repeat(32), "rows": 1200},
                "manifest": null, "mapping": null, "clients": null, "opposition": [],
                "bloctel": {"path": "data/bloctel.csv", "sha256": "cd".repeat(32), "numbers": 10}
            },
            "provenance": {"vendor": "Acme <script>alert(1)</script>", "method": "rented",
                "consent_wording": "J'accepte les offres des partenaires", "partners": ["*"],
                "collected_from": "https://x.example", "collected_between": ["2025-01-01", "2025-12-31"]},
            "config": {"buyer": null, "accept_generic_partners": true, "bloctel_date": "2026-01-01", "bloctel_max_age_days": 30},
            "columns": {"removed": [{"column": "Santé", "category": "health", "reason": "header"}]},
            "counts": {"rows_read": 1200, "malformed": 2, "valid": 1198, "unique": 1100, "not_already_clients": 1000, "fresh": 900, "qualified": 700},
            "audience": {"b2b": 500, "b2c": 600, "unknown": 100},
            "reasons": {"duplicate": 98, "opposed": 3},
            "channels": {"email": {"allowed": 650, "denied": 550, "allowed_b2b": 400, "allowed_b2c": 250}},
            "warnings": ["consent_sms: unrecognised yes/no value, read as unknown: 12 rows"]
        }))
        .unwrap()
    }

    #[test]
    fn funnel_numbers_are_the_summary_s() {
        let html = render(&summary(), &[], Lang::En);
        for (key, n) in [
            ("rows_read", "1,200"),
            ("valid", "1,198"),
            ("unique", "1,100"),
            ("not_already_clients", "1,000"),
            ("fresh", "900"),
            ("qualified", "700"),
        ] {
            assert!(
                html.contains(&format!("data-funnel=\"{key}\">{n}</td>")),
                "{key}"
            );
        }
        assert!(html.contains("data-channel=\"email\">650</td>"));
        assert!(html.contains("data-reason=\"duplicate\">98</td>"));
    }

    #[test]
    fn input_text_is_escaped_and_paths_are_reduced_to_names() {
        let html = render(&summary(), &[], Lang::Fr);
        assert!(!html.contains("<script>"), "vendor text must be escaped");
        assert!(html.contains("Acme &lt;script&gt;"));
        assert!(!html.contains("/home/me"), "no absolute path in the report");
        assert!(html.contains("&lt;i&gt;list.csv"));
    }

    #[test]
    fn warnings_state_generic_partners_missing_buyer_and_bloctel_age() {
        let html = render(&summary(), &[], Lang::En);
        assert!(html.contains("C-317/25"));
        assert!(html.contains("No buyer configured"));
        // 2026-01-01 to 2026-03-01 is 59 days, over the 30 allowed.
        assert!(html.contains("(days): 59"), "{html}");
        assert!(html.contains("too old"));
        assert!(html.contains("Santé") && html.contains("Columns removed"));
        assert!(
            html.contains("data-fact=\"partners\">&quot;partners&quot; without naming them"),
            "{html}"
        );
        assert!(html.contains("J&#39;accepte les offres des partenaires"));
    }

    #[test]
    fn french_is_the_default_and_every_label_comes_from_the_table() {
        let fr = render(&summary(), &[], Lang::default());
        assert!(fr.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
        assert!(fr.contains("Entonnoir") && fr.contains("1\u{202f}200"));
        let en = render(&summary(), &[], Lang::En);
        assert!(en.contains("<html lang=\"en\">") && en.contains("Funnel"));
        assert!(!en.contains("Entonnoir"));
    }

    #[test]
    fn the_page_is_self_contained() {
        let html = render(&summary(), &[], Lang::En);
        assert!(html.contains("default-src 'none'"));
        for bad in ["<script", "<link", "src=\"http", "href=\"http", "url("] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    #[test]
    fn examples_show_one_record_per_main_reason() {
        let ex = Example {
            record_id: "ab-3".into(),
            name: Some("J. D***".into()),
            email: Some("j***@gmail.com".into()),
            phone: None,
            reasons: vec![Reason::Duplicate, Reason::Opposed],
        };
        let html = render(&summary(), &[ex], Lang::Fr);
        assert!(html.contains("<code>ab-3</code></td><td>J. D***</td><td>j***@gmail.com</td>"));
    }
}
