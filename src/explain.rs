//! `qualify explain`: for one record of a finished run, each channel's
//! decision, the rule that set the channel's regime and the rule behind
//! every reason, with the article or CNIL source of each.
//!
//! The run folder keeps only the verdicts, so explain replays the run: it
//! rebuilds the configuration from `summary.json` and the input paths of
//! `run.json` (resolved against the run's working directory recorded there), refuses if the list
//! no longer has the SHA-256 recorded, recomputes the decisions without
//! writing anything, and prints the one record. It never changes the folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::{Config, RunOptions};
use crate::error::{Error, Result};
use crate::job::compute;
use crate::rules::RuleInfo;
use crate::schema::CHANNELS;
use crate::state::RemoteState;
use crate::summary::Summary;
use crate::terminal::Terminal;

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::input(path, format!("invalid JSON: {e}")))
}

/// Rebuilds the run's configuration from its output folder.
pub fn config_of_run(out: &Path) -> Result<(Config, RemoteState)> {
    let summary_path = out.join("summary.json");
    let summary: Summary = serde_json::from_value(read_json(&summary_path)?)
        .map_err(|e| Error::input(&summary_path, format!("not a qualify summary: {e}")))?;
    let run = read_json(&out.join("run.json")).unwrap_or(Value::Null);
    let cwd = run["cwd"].as_str().map(PathBuf::from).unwrap_or_default();
    // URL inputs stay URLs: they are read back from the run's cache below.
    let resolve = |v: &Value| {
        v.as_str().map(|p| {
            if crate::config::remote::is_url(p) {
                PathBuf::from(p)
            } else {
                cwd.join(p)
            }
        })
    };
    let bad = |what: &str| {
        Error::input(
            &summary_path,
            format!("not a qualify summary: missing {what}"),
        )
    };

    let mut opts: RunOptions = serde_json::from_value(summary.config.clone())
        .map_err(|e| Error::input(&summary_path, format!("config: {e}")))?;
    let inputs = &summary.inputs;
    // summary.json names inputs by file name only; run.json has the paths.
    let paths = &run["inputs"];
    // `--list -`: the copy of standard input was deleted with the run.
    if paths["list"].as_str() == Some(crate::config::STDIN_NAME) {
        return Err(Error::input(
            &summary_path,
            "the run read its list from standard input (--list -), which cannot be read again: run it with the list as a file (--list FILE) to explain or review its records",
        ));
    }
    opts.list = Some(resolve(&paths["list"]).ok_or_else(|| bad("inputs.list in run.json"))?);
    opts.sheet = inputs.list.sheet.clone();
    opts.manifest = resolve(&paths["manifest"]);
    opts.mapping = resolve(&paths["mapping"]);
    opts.clients = resolve(&paths["clients"]);
    opts.bloctel = resolve(&paths["bloctel"]);
    // The run's answers (`--labels`), applied again as the run applied them.
    opts.labels = resolve(&paths["labels"]);
    opts.opposition = paths["opposition"]
        .as_array()
        .map(|a| a.iter().filter_map(&resolve).collect())
        .unwrap_or_default();
    opts.out = Some(out.to_owned());
    opts.quiet = Some(true);
    // The run's own model: the replay scores pairs as the run did, without
    // training again.
    opts.matcher = None;
    opts.model = Some(out.join("model.json")).filter(|p| p.exists());
    let as_of = opts.as_of.ok_or_else(|| bad("config.as_of"))?;
    // Remote sources and company answers come from the run's cache, offline:
    // explain replays what the run read, it does not ask again.
    let company_source = summary
        .company_check
        .as_ref()
        .and_then(|c| c.source.as_deref())
        .unwrap_or("");
    if let Some(api) = company_source.strip_prefix("api ") {
        opts.check_companies = Some(true);
        opts.company_api_url = Some(api.to_owned());
    }
    if company_source.starts_with("sirene_file ") {
        opts.sirene_file = resolve(&paths["sirene_file"]);
    }
    opts.offline = Some(true);
    opts.cache_dir = run["cache_dir"].as_str().map(PathBuf::from);
    let mut state = RemoteState::default();
    let (config, _) = crate::fetch::sources::resolve_sources(
        &Config::resolve(opts, as_of)?,
        &mut state,
        &crate::fetch::sources::Secrets::default(),
        Terminal::hidden(),
    )?;
    if config.manifest.is_none() && inputs.manifest.is_some() {
        return Err(Error::input(
            &summary_path,
            "the run's manifest can no longer be found",
        ));
    }
    let recorded = inputs.list.sha256.as_str();
    let now = crate::ingest::sha256_file(&config.list)?;
    if now != recorded {
        return Err(Error::input(
            &config.list,
            format!("the list changed since the run (SHA-256 {now}, the run read {recorded}): explain would not describe that run"),
        ));
    }
    // The answers overrode the model on their pairs: the same answers, or
    // the replay would decide other pairs than the run did.
    if let (Some(recorded), Some(now)) = (&inputs.labels, &config.fuzzy.labels) {
        if now.sha256 != recorded.sha256 {
            return Err(Error::input(
                &now.path,
                format!("the labels file changed since the run (SHA-256 {}, the run read {}): explain would not describe that run", now.sha256, recorded.sha256),
            ));
        }
    }
    Ok((config, state))
}

/// The strongest scored pair of row `i` (as either side of a duplicate
/// pair), as a waterfall: the prior, each field's level and weight, the
/// total and the probability. Empty when fuzzy matching scored no pair of
/// this record at or above the review probability.
fn waterfall(c: &crate::pipeline::Computed, i: usize, prefix: &str) -> String {
    use crate::link::fuzzy::{compare::FIELDS, PairKind};
    let Some(p) = c
        .links
        .fuzzy
        .pairs
        .iter()
        .filter(|p| p.row == i || (p.kind == PairKind::Duplicate && p.other == i))
        .max_by(|a, b| a.score.weight.total_cmp(&b.score.weight))
    else {
        return String::new();
    };
    let other = match p.kind {
        PairKind::Duplicate => {
            let o = if p.row == i { p.other } else { p.row };
            format!("record {prefix}-{}", o + 1)
        }
        PairKind::Client => c
            .clients
            .as_ref()
            .and_then(|cl| cl.fields.client_id[p.other].clone())
            .map_or_else(
                || format!("clients row {}", p.other + 1),
                |id| format!("client {id}"),
            ),
        PairKind::Opposition => format!(
            "objection {}",
            c.suppression
                .postal_sources
                .get(p.other)
                .map_or("?", String::as_str)
        ),
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "best fuzzy match: {other}, probability {:.4} ({})",
        p.probability(),
        p.decision.as_str()
    );
    let _ = writeln!(o, "  {:<28} {:>+7.2}", "prior", p.score.prior);
    for f in FIELDS {
        let l = p.gamma.get(f) as usize;
        let tf = p.score.tf[f as usize];
        let note = if tf != 0.0 {
            format!("  (term frequency {tf:+.2})")
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  {:<12} {:<15} {:>+7.2}{note}",
            f.as_str(),
            f.levels()[l],
            p.score.fields[f as usize]
        );
    }
    let swapped = if p.gamma.swapped {
        " (names read swapped)"
    } else {
        ""
    };
    let _ = writeln!(
        o,
        "  {:<28} {:>+7.2} bits{swapped}",
        "total", p.score.weight
    );
    o
}

/// The text `qualify explain` prints.
/// The record as the run read it, normalised: what the decisions below
/// were made from.
fn own_values(n: &crate::normalise::records::Normalised, i: usize) -> String {
    let mut o = String::from("values (normalised):\n");
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            let _ = writeln!(o, "  {k:<15} {v}");
        }
    };
    line("first_name", n.first_name.get(i).map(str::to_owned));
    line("last_name", n.last_name.get(i).map(str::to_owned));
    line("full_name", n.full_name.get(i).map(str::to_owned));
    line("email", n.email[i].as_ref().map(|e| e.address().to_owned()));
    let phone = |p: &Option<crate::normalise::Phone>| {
        p.as_ref().and_then(|p| p.e164.map(|e| e.to_string()))
    };
    line("mobile", phone(&n.mobile[i]));
    line("phone", phone(&n.phone[i]));
    line("fax", phone(&n.fax[i]));
    line("address_line1", n.address_line1.get(i).map(str::to_owned));
    line("postcode", n.postcode.get(i).map(str::to_owned));
    line("city", n.city.get(i).map(str::to_owned));
    line("country", n.country.get(i).map(str::to_owned));
    line("siren", n.siren[i].as_ref().map(|s| s.digits.to_string()));
    line("siret", n.siret[i].as_ref().map(|s| s.digits.to_string()));
    line("collected_at", n.collected_at.get(i).map(|d| d.to_string()));
    line(
        "last_contact_at",
        n.last_contact_at.get(i).map(|d| d.to_string()),
    );
    for ch in CHANNELS {
        let v = n.consent[ch.index()][i];
        if v != crate::normalise::YesNo::Unknown {
            let at = n.consent_at[ch.index()]
                .get(i)
                .map_or(String::new(), |d| format!(" on {d}"));
            line(
                crate::schema::consent_column(ch),
                Some(format!(
                    "{}{at}",
                    if v == crate::normalise::YesNo::Yes {
                        "yes"
                    } else {
                        "no"
                    }
                )),
            );
        }
    }
    line(
        "consent_proof",
        n.consent_proof[i].then(|| "recorded".to_owned()),
    );
    o
}

pub fn explain(out: &Path, record_id: &str) -> Result<String> {
    let (config, state) = config_of_run(out)?;
    let c = compute(&config, &state, Terminal::hidden())?;
    let prefix: String = c.list.table.sha256.chars().take(8).collect();
    let row = record_id
        .strip_prefix(&format!("{prefix}-"))
        .and_then(|r| r.parse::<usize>().ok())
        .filter(|&r| r >= 1 && r <= c.list.table.rows())
        .ok_or_else(|| {
            Error::Usage(format!(
                "no record {record_id:?} in this run (ids are {prefix}-1 to {prefix}-{})",
                c.list.table.rows()
            ))
        })?;
    let i = row - 1;
    let d = &c.decisions[i];
    let rules = c.pack.rules();
    let find = |id: &str| rules.iter().find(|r| r.id == id);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "record {record_id} (source row {row} of {}), as of {}, rule pack {} {}",
        state.source_name(&config.list),
        config.as_of,
        c.pack.name(),
        c.pack.version()
    );
    let _ = writeln!(
        o,
        "audience: {} ({})",
        d.audience.as_str(),
        d.audience_reason
    );
    if let Some(s) = c.links.survivor_of[i] {
        let key = c.links.duplicate_key[i].map_or("?", |k| k.as_str());
        let _ = writeln!(o, "duplicate of {prefix}-{} (matched on {key})", s + 1);
    }
    if let (Some(ci), Some(cl)) = (c.links.client[i], c.clients.as_ref()) {
        let id = cl.fields.client_id[ci]
            .clone()
            .unwrap_or_else(|| format!("clients row {}", ci + 1));
        let key = c.links.client_key[i].map_or("?", |k| k.as_str());
        let _ = writeln!(o, "matches client {id} (on {key})");
    }
    o.push_str(&own_values(&c.list.norm, i));
    o.push_str(&waterfall(&c, i, &prefix));
    // A date until which a rejected record is contactable means nothing.
    match (d.main_reason(), d.contactable_until) {
        (Some(r), _) => {
            let _ = writeln!(o, "rejected: {} ({})", r.code(), r.meaning());
        }
        (None, Some(u)) => {
            let _ = writeln!(o, "qualified, contactable until: {u}");
        }
        (None, None) => {
            let _ = writeln!(o, "qualified");
        }
    }
    if let Some(p) = d.purge {
        let _ = writeln!(o, "to delete: {}", p.code());
    }
    for ch in CHANNELS {
        let reasons = d.denied[ch.index()];
        let verdict = if reasons.is_empty() {
            "ALLOWED"
        } else {
            "denied"
        };
        let _ = writeln!(o, "\n{:<9} {verdict}", ch.as_str());
        if let Some(r) = find(d.basis[ch.index()].id()) {
            let _ = writeln!(o, "  regime  {}: {}", r.id, r.rule);
            let _ = writeln!(o, "          source: {}", r.source);
        }
        for reason in reasons.iter() {
            let _ = writeln!(o, "  - {}: {}", reason.code(), reason.meaning());
            let rule: Option<&RuleInfo> = find(d.basis[ch.index()].id())
                .filter(|r| r.reasons.contains(&reason))
                .or_else(|| {
                    rules.iter().find(|r| {
                        r.reasons.contains(&reason)
                            && r.channels.contains(&ch)
                            && r.in_force(config.as_of)
                    })
                });
            if let Some(r) = rule {
                let _ = writeln!(o, "      rule {} ({})", r.id, r.source);
            }
        }
    }
    Ok(o)
}
