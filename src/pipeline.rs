//! The whole run, stage after stage: import -> normalise -> link & dedupe
//! -> rules -> outputs, then the conservation check. Each stage is a
//! function of the previous stage's output and the validated [`Config`];
//! this module only wires them and times them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use polars::prelude::*;
use serde_json::{json, Value};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::fetch::sources::RemoteState;
use crate::ingest::mapping::{canonical_frame, map_headers, ColumnMap, Mapping, TableKind};
use crate::ingest::{read_table, Table};
use crate::link::suppression::{BloctelList, Suppression};
use crate::link::{link, Links};
use crate::manifest::Method;
use crate::normalise::records::{
    client_fields, normalise_frame, strs, ClientFields, Normalised, ValueWarning,
};
use crate::normalise::YesNo;
use crate::output::{mask, owned_string_column, string_column, RunFolder};
use crate::progress::Progress;
use crate::rules::{decide_all, pack_by_name, Context, Decision, Facts};
use crate::schema::{Channel, Reason, CANONICAL_COLUMNS, CHANNELS, CLIENT_COLUMNS};

/// What the caller learns about a finished run.
#[derive(Debug)]
pub struct Outcome {
    pub out: PathBuf,
    /// `--out` held a previous run, which this one replaced.
    pub replaced: bool,
    pub rows: usize,
    pub qualified: usize,
    pub rejected: usize,
    pub allowed_per_channel: Vec<(String, usize)>,
    pub no_provenance: bool,
    pub warnings: Vec<String>,
    /// The `--labels` answers against the model's decisions.
    pub labels: Option<crate::link::fuzzy::LabelStats>,
}

/// Run-to-run facts the core does not read itself (clock, host).
pub struct RunMeta<'a> {
    /// Working directory of the run: relative input paths in summary.json
    /// are relative to it (`explain` needs it to replay the run).
    pub cwd: String,
    pub started_at: String,
    pub host: String,
    pub now: &'a dyn Fn() -> String,
    /// URL inputs fetched before the run (see [`crate::fetch::sources`]).
    pub fetched: Vec<crate::fetch::Fetched>,
    /// Random bits for the staging folder's name (unpredictable, so that
    /// nobody can plant it in advance).
    pub token: u64,
}

struct Timer {
    stages: Vec<(String, f64)>,
    last: Instant,
}

impl Timer {
    fn new() -> Timer {
        Timer {
            stages: Vec::new(),
            last: Instant::now(),
        }
    }
    fn lap(&mut self, name: &str) {
        let now = Instant::now();
        self.stages
            .push((name.to_owned(), (now - self.last).as_secs_f64()));
        self.last = now;
    }
}

/// A client file read, normalised and ready to link.
pub struct Clients {
    pub path: PathBuf,
    pub sha256: String,
    pub rows: usize,
    pub norm: Normalised,
    pub fields: ClientFields,
}

/// `name` is how the summary names the file (its URL when fetched).
fn load_clients(
    path: &std::path::Path,
    name: &str,
    warnings: &mut BTreeMap<String, usize>,
    value_warnings: &mut Vec<(String, ValueWarning)>,
) -> Result<Clients> {
    let table = read_table(path, None)?;
    if let Some(m) = table.malformed.first() {
        // A client row we cannot read may carry an objection: fail.
        return Err(Error::Cell {
            path: path.to_owned(),
            row: m.source_row,
            column: String::new(),
            message: m.message.clone(),
        });
    }
    let map = map_headers(
        &table.headers,
        &Mapping::default(),
        TableKind::Clients,
        path,
    )?;
    let names: Vec<&str> = CANONICAL_COLUMNS
        .iter()
        .chain(CLIENT_COLUMNS)
        .map(|(c, _)| *c)
        .collect();
    let df = canonical_frame(&table, &map, &names);
    let norm = normalise_frame(&df);
    let mut w = norm.warnings.clone();
    let fields = client_fields(&df, &mut w);
    for v in w {
        warnings.insert(format!("{name}: {}", v.message()), v.rows);
        value_warnings.push((name.to_owned(), v));
    }
    let rows = table.rows();
    Ok(Clients {
        path: path.to_owned(),
        sha256: table.sha256,
        rows,
        norm,
        fields,
    })
}

/// Everything the stages computed, before anything is written.
pub struct Computed {
    pub table: Table,
    pub colmap: ColumnMap,
    /// Columns removed by minimisation.
    pub removed: Vec<crate::minimise::Removed>,
    pub kept: Vec<(String, usize)>,
    pub canon: DataFrame,
    pub norm: Normalised,
    pub list_client: Option<ClientFields>,
    pub warnings: BTreeMap<String, usize>,
    /// Cells read as unknown, by file name (the list, the client file).
    pub value_warnings: Vec<(String, ValueWarning)>,
    pub clients: Option<Clients>,
    pub suppression: Suppression,
    pub bloctel: Option<BloctelList>,
    pub links: Links,
    pub decisions: Vec<Decision>,
    pub pack: Box<dyn crate::rules::RulePack>,
    pub companies: crate::company::CompanyCheck,
    timer: Timer,
}

/// Runs every stage up to the decisions, writing nothing (used by `run`
/// and by `explain`).
pub fn compute(config: &Config, state: &RemoteState, progress: Progress) -> Result<Computed> {
    let mut timer = Timer::new();
    let pack = pack_by_name("fr").expect("the fr pack exists");
    if let Some(m) = &config.manifest {
        // Data not collected yet proves nothing: a manifest whose whole
        // period is after the as-of date is wrong, or the as-of date is.
        if m.collected_between[0] > config.as_of {
            let path = config
                .manifest_path
                .as_deref()
                .map(|p| state.source_name(p))
                .unwrap_or_default();
            return Err(Error::config(
                path,
                format!(
                    "field `collected_between`: the collection starts on {}, after the as-of date {}: no record can have been collected yet (check the manifest, or --as-of)",
                    m.collected_between[0], config.as_of
                ),
            ));
        }
    }

    // --- Import ---------------------------------------------------------
    let spin = progress.spinner("import");
    spin.set_message(config.list.display().to_string());
    let table = read_table(&config.list, config.sheet.as_deref())?;
    let own_customers = config
        .manifest
        .as_ref()
        .is_some_and(|m| m.method == Method::OwnCustomers);
    let mapping = match &config.mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::default(),
    };
    let kind = if own_customers {
        TableKind::Clients
    } else {
        TableKind::List
    };
    let colmap = map_headers(&table.headers, &mapping, kind, &config.list)?;
    crate::ingest::mapping::check_header(
        std::path::Path::new(&state.source_path(&config.list)),
        &table.headers,
        &colmap,
    )?;
    let removed = crate::minimise::sensitive_columns(&table, &colmap);
    let mut warnings: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept = kept_columns(&table, &colmap, config)?;
    kept.retain(|(name, _)| {
        let sensitive = removed.iter().any(|r| &r.column == name);
        if sensitive {
            warnings.insert(format!("keep_columns: {name:?} holds data prospection does not need (minimisation): not kept"), 1);
        }
        !sensitive
    });
    let mut names: Vec<&str> = CANONICAL_COLUMNS.iter().map(|(c, _)| *c).collect();
    if own_customers {
        names.extend(CLIENT_COLUMNS.iter().map(|(c, _)| *c));
    }
    let canon = canonical_frame(&table, &colmap, &names);
    warnings.extend(crate::ingest::mapping::merge_conflicts(&table, &colmap));
    let n = table.rows();
    spin.finish_and_clear();
    timer.lap("import");

    // --- Normalise --------------------------------------------------------
    let bar = progress.stage("normalise", n as u64);
    let norm = normalise_frame(&canon);
    let list_name = state.source_name(&config.list);
    let mut value_warnings: Vec<(String, ValueWarning)> = Vec::new();
    let mut list_values = norm.warnings.clone();
    let list_client = own_customers.then(|| client_fields(&canon, &mut list_values));
    for w in list_values {
        warnings.insert(w.message(), w.rows);
        value_warnings.push((list_name.clone(), w));
    }
    bar.finish_and_clear();
    timer.lap("normalise");

    // --- Reference files ----------------------------------------------------
    let spin = progress.spinner("reference");
    let clients = config
        .clients
        .as_deref()
        .map(|p| load_clients(p, &state.source_name(p), &mut warnings, &mut value_warnings))
        .transpose()?;
    let mut suppression = Suppression::default();
    for p in &config.opposition {
        suppression.add_file(p)?;
    }
    let bloctel = config
        .bloctel
        .as_deref()
        .map(BloctelList::load)
        .transpose()?;
    spin.finish_and_clear();
    timer.lap("reference");

    // --- Company check (docs/pipeline.md#b2b-or-b2c) ----------------------------------------------
    let companies = crate::company::check_records(config, state, &norm, progress)?;
    if companies.report.source.is_some() {
        timer.lap("companies");
    }

    // --- Link & dedupe -------------------------------------------------------
    let bar = progress.stage("link", n as u64);
    let fuzzy = crate::link::fuzzy::FuzzySettings {
        progress,
        ..config.fuzzy.clone()
    };
    let labels = config.fuzzy.labels.as_ref().map_or_else(Vec::new, |l| {
        let prefix: String = table.sha256.chars().take(8).collect();
        let ids: Vec<String> = (1..=n).map(|r| format!("{prefix}-{r}")).collect();
        l.resolve(
            &ids,
            clients.as_ref().map(|c| c.fields.client_id.as_slice()),
        )
    });
    let links = link(
        &norm,
        clients.as_ref().map(|c| (&c.norm, &c.fields)),
        &suppression,
        &fuzzy,
        &labels,
    );
    bar.finish_and_clear();
    timer.lap("link");

    // --- Rules ---------------------------------------------------------------
    let bar = progress.stage("rules", n as u64);
    let mut malformed = vec![false; n];
    for m in &table.malformed {
        malformed[m.source_row - 1] = true;
    }
    let job = strs(&canon, "job_title");
    let company = strs(&canon, "company_name");
    let ctx = Context {
        config,
        manifest: config.manifest.as_ref(),
        bloctel: bloctel.as_ref(),
        sources_unavailable: state.fails_closed(),
    };
    let decisions = decide_all(
        pack.as_ref(),
        &ctx,
        |i| Facts {
            row: i,
            list: &norm,
            list_client: list_client.as_ref(),
            links: &links,
            clients: clients.as_ref().map(|c| (&c.norm, &c.fields)),
            malformed: malformed[i],
            job_title: job[i],
            company_name: company[i],
            company: companies.status(i),
        },
        n,
    );
    bar.finish_and_clear();
    timer.lap("rules");

    Ok(Computed {
        table,
        colmap,
        removed,
        kept,
        canon,
        norm,
        list_client,
        warnings,
        value_warnings,
        clients,
        suppression,
        bloctel,
        links,
        decisions,
        pack,
        companies,
        timer,
    })
}

/// Runs the whole pipeline and writes the output folder.
pub fn run(
    config: &Config,
    state: &RemoteState,
    progress: Progress,
    meta: &RunMeta,
) -> Result<Outcome> {
    // A bad key file fails before the work, not after it.
    let sign_key = config
        .sign_key
        .as_deref()
        .map(crate::output::certificate::load_signing_key)
        .transpose()?;
    // The folder is checked, locked and staged before the work: a busy,
    // foreign or unwritable --out is found at once, not after an hour.
    let inputs = local_inputs(config);
    let input_refs: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
    let mut folder = RunFolder::open(&config.out, &input_refs, meta.token)?;
    let Computed {
        table,
        colmap,
        removed,
        kept,
        canon,
        norm,
        list_client: _,
        warnings,
        value_warnings,
        clients,
        suppression,
        bloctel,
        links,
        decisions,
        pack,
        companies,
        mut timer,
    } = compute(config, state, progress).map_err(|e| state.name_error(e))?;
    let n = table.rows();

    // --- Outputs ---------------------------------------------------------
    let bar = progress.spinner("write");
    let prefix: String = table.sha256.chars().take(8).collect();
    let record_ids: Vec<String> = (1..=n).map(|r| format!("{prefix}-{r}")).collect();
    let qualified_rows: Vec<usize> = (0..n).filter(|&i| decisions[i].qualified()).collect();
    let rejected_rows: Vec<usize> = (0..n).filter(|&i| !decisions[i].qualified()).collect();
    conservation_check(n, &qualified_rows, &rejected_rows)?;

    let excel = config.excel;
    {
        let vendor = config.manifest.as_ref().map(|m| m.vendor.as_str());
        let kept_cells: Vec<(String, Vec<Option<&str>>)> = kept
            .iter()
            .map(|(name, i)| (name.clone(), table.column(*i).iter().collect()))
            .collect();
        let mut q = qualified_frame(
            &canon,
            &norm,
            &decisions,
            &record_ids,
            &qualified_rows,
            &kept_cells,
            vendor,
        )?;
        folder.csv("qualified.csv", &mut q, excel)?;
        if config.parquet {
            folder.parquet("qualified.parquet", &mut q)?;
        }
        for ch in CHANNELS {
            let allowed = qualified_rows
                .iter()
                .filter(|&&i| decisions[i].allowed(ch))
                .count();
            // Fax and automated calls are rare: their files only when used.
            if allowed == 0 && matches!(ch, Channel::Fax | Channel::Autocall) {
                continue;
            }
            let mut c = campaign_frame(&q, &canon, &norm, &decisions, &qualified_rows, ch)?;
            folder.csv(&format!("campaign-{}.csv", ch.as_str()), &mut c, excel)?;
        }
        drop(q);
        let client_ids = clients.as_ref().map(|c| &c.fields.client_id);
        let mut r = rejected_frame(
            &norm,
            &links,
            &decisions,
            &record_ids,
            &rejected_rows,
            client_ids,
        )?;
        folder.csv("rejected.csv", &mut r, excel)?;
        drop(r);
        let mut m = crate::output::matches::matches_frame(
            &links.fuzzy,
            &record_ids,
            client_ids,
            &suppression.postal_sources,
        )?;
        folder.csv("matches.csv", &mut m, excel)?;
        drop(m);
        if let Some(model) = &links.fuzzy.model {
            folder.json(
                "model.json",
                &serde_json::to_value(model).expect("the model is plain data"),
            )?;
        }
        let mut d = decisions_frame(&decisions, &record_ids)?;
        folder.csv("decisions.csv", &mut d, excel)?;
        drop(d);
        let mut del = to_delete_frame(&decisions, &record_ids)?;
        folder.csv("to_delete.csv", &mut del, excel)?;
        let mut fb = feedback_frame(&norm, &decisions, &record_ids, &rejected_rows)?;
        folder.csv("vendor-feedback.csv", &mut fb, excel)?;
    }
    timer.lap("write");

    let mut summary = crate::summary::build(crate::summary::Input {
        config,
        state,
        table: &table,
        norm: &norm,
        colmap: &colmap,
        removed: &removed,
        kept: &kept,
        decisions: &decisions,
        links: &links,
        clients: clients.as_ref().map(|cl| crate::summary::ClientFile {
            path: &cl.path,
            sha256: &cl.sha256,
            rows: cl.rows,
        }),
        suppression: &suppression,
        bloctel: bloctel.as_ref(),
        warnings: &warnings,
        value_warnings: &value_warnings,
        pack_name: pack.name(),
        pack_version: pack.version(),
        companies: &companies.report,
    })?;
    summary.fuzzy = crate::output::matches::summary(
        &links.fuzzy,
        &record_ids,
        clients.as_ref().map(|c| &c.fields.client_id),
        &suppression.postal_sources,
    );
    timer.lap("summary");
    // The files for people and buyers, summary.json and run.json, then the
    // certificate over every file of the folder, written last: a folder
    // with a certificate is complete. run.json varies between runs; the
    // certificate names it as not covered.
    use crate::output::{certificate, register, report};
    let examples = report::examples(&norm, &decisions, &record_ids, &rejected_rows);
    let html = report::render(&summary, &examples, config.lang);
    folder.bytes("report.html", html.as_bytes())?;
    let record = register::record_json(&summary, config, sign_key.is_some());
    folder.bytes(
        "processing-record.md",
        register::record_markdown(&record, config.lang).as_bytes(),
    )?;
    folder.json("processing-record.json", &record)?;
    folder.bytes("notice.txt", register::notice(&summary, config).as_bytes())?;
    folder.json("summary.json", &summary.to_json())?;
    timer.lap("documents");

    let run_json = json!({
        "tool": "qualify",
        "version": env!("CARGO_PKG_VERSION"),
        "started_at": meta.started_at,
        "finished_at": (meta.now)(),
        "host": meta.host,
        "cwd": meta.cwd,
        // The inputs' paths (summary.json names them by file name only);
        // `explain` replays the run from these.
        "inputs": input_paths(config, state, clients.as_ref(), &suppression),
        "threads": rayon::current_num_threads(),
        "rows": n,
        "rows_per_second": n as f64 / timer.stages.iter().map(|s| s.1).sum::<f64>().max(1e-9),
        "stages_seconds": timer.stages.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "cache_hits": meta.fetched.iter().filter(|f| f.from_cache).count() + companies.report.run.cache_hits,
        "urls_fetched": meta.fetched,
        "cache_dir": config.remote.cache_dir,
        "company_lookups": companies.report.source.as_ref().map(|_| &companies.report.run),
    });
    let certified: Vec<(String, PathBuf)> = folder
        .files()
        .into_iter()
        .filter(|(name, _)| name != "run.json")
        .collect();
    let hashes = certificate::hash_staged(&certified)?;
    folder.json("run.json", &run_json)?;
    let mut cert = certificate::build(&summary, &hashes);
    if let Some(k) = &sign_key {
        certificate::sign(&mut cert, k);
    }
    // The file is its own canonical form (RFC 8785), so that the bytes a
    // minisign signature covers are the ones any JCS tool reproduces.
    let cert_bytes = certificate::canonical(&cert);
    if let Some(k) = &sign_key {
        let comment = format!(
            "qualify certificate.json, rule pack {} {}, as of {}, list sha256 {}",
            pack.name(),
            pack.version(),
            config.as_of,
            table.sha256
        );
        let minisig = certificate::minisign_signature(k, &cert_bytes, &comment);
        folder.bytes("certificate.json.minisig", minisig.as_bytes())?;
    }
    // Last: a folder with a certificate is complete.
    folder.bytes("certificate.json", &cert_bytes)?;
    let replaced = folder.replaces();
    folder.commit()?;
    bar.finish_and_clear();

    let allowed_per_channel = CHANNELS
        .iter()
        .map(|ch| {
            (
                ch.as_str().to_owned(),
                decisions.iter().filter(|d| d.allowed(*ch)).count(),
            )
        })
        .collect();
    Ok(Outcome {
        out: config.out.clone(),
        replaced,
        rows: n,
        qualified: qualified_rows.len(),
        rejected: rejected_rows.len(),
        allowed_per_channel,
        no_provenance: config.manifest.is_none(),
        labels: links.fuzzy.labels.clone(),
        warnings: summary.warnings,
    })
}

/// Every input row must be in exactly one of qualified / rejected.
pub fn conservation_check(rows: usize, qualified: &[usize], rejected: &[usize]) -> Result<()> {
    let mut seen = vec![0u8; rows];
    for &i in qualified.iter().chain(rejected) {
        if i >= rows {
            return Err(Error::Conservation(format!(
                "row {} does not exist in the input",
                i + 1
            )));
        }
        seen[i] += 1;
    }
    if let Some(i) = seen.iter().position(|&c| c != 1) {
        return Err(Error::Conservation(format!(
            "input row {} appears {} times in qualified + rejected (expected once); {} rows read, {} qualified, {} rejected",
            i + 1,
            seen[i],
            rows,
            qualified.len(),
            rejected.len()
        )));
    }
    Ok(())
}

/// `keep_columns` must name unmapped vendor columns.
fn kept_columns(table: &Table, map: &ColumnMap, config: &Config) -> Result<Vec<(String, usize)>> {
    config
        .keep_columns
        .iter()
        .map(|name| {
            let idx = table.headers.iter().position(|h| h == name).ok_or_else(|| {
                Error::config(
                    config.list.clone(),
                    format!("keep_columns names {name:?}, which is not a column of the list (columns: {})", table.headers.join(", ")),
                )
            })?;
            if !map.unmapped.contains(name) {
                return Err(Error::config(
                    config.list.clone(),
                    format!("keep_columns: {name:?} is already mapped to a canonical column or deliberately not kept"),
                ));
            }
            Ok((name.clone(), idx))
        })
        .collect()
}

fn yes_no_str(v: YesNo) -> Option<&'static str> {
    match v {
        YesNo::Yes => Some("yes"),
        YesNo::No => Some("no"),
        YesNo::Unknown => None,
    }
}

/// qualified.csv: canonical columns (normalised values), then the verdict.
fn qualified_frame(
    canon: &DataFrame,
    norm: &Normalised,
    decisions: &[Decision],
    ids: &[String],
    rows: &[usize],
    kept: &[(String, Vec<Option<&str>>)],
    vendor: Option<&str>,
) -> Result<DataFrame> {
    // What may be done with the record comes first, before its data.
    let mut cols: Vec<Column> = vec![
        string_column("record_id", rows.iter().map(|&i| Some(ids[i].as_str()))),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        string_column(
            "audience",
            rows.iter().map(|&i| Some(decisions[i].audience.as_str())),
        ),
        string_column(
            "audience_reason",
            rows.iter().map(|&i| Some(decisions[i].audience_reason)),
        ),
    ];
    for ch in CHANNELS {
        cols.push(Column::new(
            format!("can_{}", ch.as_str()).into(),
            rows.iter()
                .map(|&i| decisions[i].allowed(ch))
                .collect::<Vec<_>>(),
        ));
    }
    cols.push(owned_string_column(
        "contactable_until",
        rows.iter()
            .map(|&i| decisions[i].contactable_until.map(|d| d.to_string()))
            .collect(),
    ));
    let pick = |v: &[Option<String>]| -> Vec<Option<String>> {
        rows.iter().map(|&i| v[i].clone()).collect()
    };
    let phone_out =
        |v: &[Option<crate::normalise::Phone>], raw: &[Option<&str>]| -> Vec<Option<String>> {
            rows.iter()
                .map(|&i| {
                    v[i].as_ref()
                        .and_then(|p| p.e164.clone())
                        .or(raw[i].map(str::to_owned))
                })
                .collect()
        };
    for (name, _) in CANONICAL_COLUMNS {
        let raw = strs(canon, name);
        let col = match *name {
            "first_name" => pick(&norm.first_name),
            "last_name" => pick(&norm.last_name),
            "full_name" => pick(&norm.full_name),
            "email" => rows
                .iter()
                .map(|&i| norm.email[i].as_ref().map(|e| e.address.clone()))
                .collect(),
            "phone" => phone_out(&norm.phone, &raw),
            "mobile" => phone_out(&norm.mobile, &raw),
            "fax" => phone_out(&norm.fax, &raw),
            "postcode" => rows
                .iter()
                .map(|&i| norm.postcode[i].clone().or(raw[i].map(str::to_owned)))
                .collect(),
            "country" => rows
                .iter()
                .map(|&i| norm.country[i].clone().or(raw[i].map(str::to_owned)))
                .collect(),
            "siren" => rows
                .iter()
                .map(|&i| norm.siren[i].as_ref().map(|s| s.digits.clone()))
                .collect(),
            "siret" => rows
                .iter()
                .map(|&i| norm.siret[i].as_ref().map(|s| s.digits.clone()))
                .collect(),
            "collected_at" => rows
                .iter()
                .map(|&i| norm.collected_at[i].map(|d| d.to_string()))
                .collect(),
            "last_contact_at" => rows
                .iter()
                .map(|&i| norm.last_contact_at[i].map(|d| d.to_string()))
                .collect(),
            "consent_partners" => rows
                .iter()
                .map(|&i| yes_no_str(norm.consent_partners[i]).map(str::to_owned))
                .collect(),
            other => match CHANNELS
                .iter()
                .find(|ch| crate::schema::consent_column(**ch) == other)
            {
                Some(ch) => rows
                    .iter()
                    .map(|&i| yes_no_str(norm.consent[ch.index()][i]).map(str::to_owned))
                    .collect(),
                None => match CHANNELS
                    .iter()
                    .find(|ch| crate::schema::consent_date_column(**ch) == other)
                {
                    Some(ch) => rows
                        .iter()
                        .map(|&i| norm.consent_at[ch.index()][i].map(|d| d.to_string()))
                        .collect(),
                    None => rows.iter().map(|&i| raw[i].map(str::to_owned)).collect(),
                },
            },
        };
        // A contact field no allowed channel uses is left empty: whoever
        // loads the file into a campaign tool cannot reach the person on
        // a channel they did not agree to (and it serves no other purpose).
        let col = match contact_channels(name) {
            Some(chs) => col
                .into_iter()
                .zip(rows)
                .map(|(v, &i)| v.filter(|_| chs.iter().any(|ch| decisions[i].allowed(*ch))))
                .collect(),
            None => col,
        };
        cols.push(owned_string_column(name, col));
    }
    for (name, cells) in kept {
        // A vendor header is a cell too: `@Note` would run in a spreadsheet.
        let header = crate::output::neutralise(name);
        cols.push(string_column(&header, rows.iter().map(|&i| cells[i])));
    }
    cols.push(string_column("vendor", rows.iter().map(|_| vendor)));
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The channels that use a contact field of qualified.csv: the field is
/// kept only when one of them is allowed. A mobile takes texts and calls, a
/// landline calls; the street lines are for post (postcode and city stay:
/// they locate the record without reaching the person).
fn contact_channels(column: &str) -> Option<&'static [Channel]> {
    use Channel::*;
    Some(match column {
        "email" => &[Email],
        "mobile" => &[Sms, Phone, Autocall],
        "phone" => &[Phone, Autocall],
        "fax" => &[Fax],
        "address_line1" | "address_line2" => &[Post],
        _ => return None,
    })
}

/// The fields a campaign on a channel needs, after the identity columns.
fn campaign_fields(ch: Channel) -> &'static [&'static str] {
    match ch {
        Channel::Email => &["email"],
        Channel::Sms => &["mobile"],
        Channel::Phone | Channel::Autocall => &["phone", "mobile"],
        Channel::Fax => &["fax"],
        Channel::Post => &[
            "address_line1",
            "address_line2",
            "postcode",
            "city",
            "country",
        ],
    }
}

/// campaign-<channel>.csv: exactly the qualified records allowed on the
/// channel, with what a campaign tool needs and nothing else: who, how to
/// reach them on this channel, on what legal basis (consent with its date
/// and proof, soft opt-in, opt-out) and until when. Taken from the
/// qualified frame (whose denied contact fields are already empty).
fn campaign_frame(
    q: &DataFrame,
    canon: &DataFrame,
    norm: &Normalised,
    decisions: &[Decision],
    rows: &[usize],
    ch: Channel,
) -> Result<DataFrame> {
    let mask: BooleanChunked = rows.iter().map(|&i| decisions[i].allowed(ch)).collect();
    let picked: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&i| decisions[i].allowed(ch))
        .collect();
    let mut names: Vec<&str> = vec!["record_id", "source_row", "audience"];
    let head = q.filter(&mask)?;
    let proof = strs(canon, "consent_proof");
    let consent = |i: usize| basis_of(decisions, i, ch) == "consent";
    let extra = [
        string_column(
            "legal_basis",
            picked.iter().map(|&i| Some(basis_of(decisions, i, ch))),
        ),
        string_column(
            "rule",
            picked.iter().map(|&i| Some(decisions[i].basis[ch.index()])),
        ),
        owned_string_column(
            "consent_at",
            picked
                .iter()
                .map(|&i| {
                    norm.consent_at[ch.index()][i]
                        .filter(|_| consent(i))
                        .map(|d| d.to_string())
                })
                .collect(),
        ),
        string_column(
            "consent_proof",
            picked.iter().map(|&i| proof[i].filter(|_| consent(i))),
        ),
    ];
    let mut cols: Vec<Column> = names
        .drain(..)
        .map(|n| head.column(n).cloned())
        .collect::<std::result::Result<_, _>>()?;
    cols.extend(extra);
    let fields = [
        "contactable_until",
        "first_name",
        "last_name",
        "full_name",
        "company_name",
        "job_title",
    ]
    .into_iter()
    .chain(campaign_fields(ch).iter().copied());
    for f in fields {
        cols.push(head.column(f)?.clone());
    }
    Ok(DataFrame::new(picked.len(), cols)?)
}

fn basis_of(decisions: &[Decision], i: usize, ch: Channel) -> &'static str {
    crate::rules::legal_basis(decisions[i].basis[ch.index()])
}

/// rejected.csv: who, why, matched ids, masked identity.
fn rejected_frame(
    norm: &Normalised,
    links: &Links,
    decisions: &[Decision],
    ids: &[String],
    rows: &[usize],
    client_ids: Option<&Vec<Option<String>>>,
) -> Result<DataFrame> {
    let reasons: Vec<Option<String>> = rows
        .iter()
        .map(|&i| Some(decisions[i].all_reasons().codes()))
        .collect();
    let matched_record: Vec<Option<&str>> = rows
        .iter()
        .map(|&i| links.survivor_of[i].map(|s| ids[s].as_str()))
        .collect();
    let matched_client: Vec<Option<String>> = rows
        .iter()
        .map(|&i| {
            links.client[i].map(|ci| {
                client_ids
                    .and_then(|c| c[ci].clone())
                    .unwrap_or_else(|| format!("clients row {}", ci + 1))
            })
        })
        .collect();
    let email: Vec<Option<String>> = rows
        .iter()
        .map(|&i| norm.email[i].as_ref().map(|e| mask::email(&e.address)))
        .collect();
    let phone: Vec<Option<String>> = rows
        .iter()
        .map(|&i| {
            [&norm.mobile[i], &norm.phone[i], &norm.fax[i]]
                .into_iter()
                .flatten()
                .find_map(|p| p.e164.as_deref())
                .map(mask::phone)
        })
        .collect();
    let name: Vec<Option<String>> = rows
        .iter()
        .map(|&i| {
            mask::name(
                norm.first_name[i].as_deref(),
                norm.last_name[i].as_deref(),
                norm.full_name[i].as_deref(),
            )
        })
        .collect();
    let cols = vec![
        string_column("record_id", rows.iter().map(|&i| Some(ids[i].as_str()))),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        owned_string_column("reasons", reasons),
        string_column(
            "main_reason",
            rows.iter()
                .map(|&i| decisions[i].main_reason().map(Reason::code)),
        ),
        owned_string_column(
            "channel_reasons",
            rows.iter()
                .map(|&i| Some(decisions[i].channel_reasons()))
                .collect(),
        ),
        string_column("matched_record_id", matched_record.into_iter()),
        owned_string_column("matched_client_id", matched_client),
        owned_string_column("email_masked", email),
        // Built by us from digits, `+`, `*` and spaces only: nothing a
        // spreadsheet could run, and docs/outputs.md#run-outputs shows it unescaped.
        phone
            .into_iter()
            .collect::<StringChunked>()
            .with_name("phone_masked".into())
            .into_column(),
        owned_string_column("name_masked", name),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// decisions.csv: exactly one row per record and channel.
fn decisions_frame(decisions: &[Decision], ids: &[String]) -> Result<DataFrame> {
    let total = decisions.len() * CHANNELS.len();
    let mut rid = StringChunkedBuilder::new("record_id".into(), total);
    let mut row = Vec::with_capacity(total);
    let mut channel = StringChunkedBuilder::new("channel".into(), total);
    let mut allowed = Vec::with_capacity(total);
    let mut reason = StringChunkedBuilder::new("reason".into(), total);
    for (i, d) in decisions.iter().enumerate() {
        for ch in CHANNELS {
            rid.append_value(&ids[i]);
            row.push((i + 1) as u64);
            channel.append_value(ch.as_str());
            let r = d.denied[ch.index()];
            allowed.push(r.is_empty());
            if r.is_empty() {
                reason.append_null();
            } else {
                reason.append_value(r.codes());
            }
        }
    }
    let cols = vec![
        rid.finish().into_column(),
        Column::new("source_row".into(), row),
        channel.finish().into_column(),
        Column::new("allowed".into(), allowed),
        reason.finish().into_column(),
    ];
    Ok(DataFrame::new(total, cols)?)
}

/// to_delete.csv: records the buyer must purge rather than keep.
fn to_delete_frame(decisions: &[Decision], ids: &[String]) -> Result<DataFrame> {
    let rows: Vec<usize> = (0..decisions.len())
        .filter(|&i| decisions[i].purge.is_some())
        .collect();
    let cols = vec![
        string_column("record_id", rows.iter().map(|&i| Some(ids[i].as_str()))),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        string_column(
            "reason",
            rows.iter().map(|&i| decisions[i].purge.map(Reason::code)),
        ),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// vendor-feedback.csv: no personal data, only hashes and reasons.
fn feedback_frame(
    norm: &Normalised,
    decisions: &[Decision],
    ids: &[String],
    rows: &[usize],
) -> Result<DataFrame> {
    use sha2::{Digest, Sha256};
    let h = |s: &str| hex::encode(Sha256::digest(s.as_bytes()));
    // Invalid addresses are hashed too (their key is the trimmed,
    // lowercased cell, the suppression-list form of docs/pipeline.md#inputs): the vendor
    // needs them most, to find the records whose address failed.
    let email: Vec<Option<String>> = rows
        .iter()
        .map(|&i| norm.email[i].as_ref().map(|e| h(&e.key)))
        .collect();
    let phone: Vec<Option<String>> = rows
        .iter()
        .map(|&i| {
            [&norm.mobile[i], &norm.phone[i]]
                .into_iter()
                .flatten()
                .find_map(|p| p.e164.as_deref())
                .map(h)
        })
        .collect();
    let cols = vec![
        string_column("record_id", rows.iter().map(|&i| Some(ids[i].as_str()))),
        Column::new(
            "source_row".into(),
            rows.iter().map(|&i| (i + 1) as u64).collect::<Vec<_>>(),
        ),
        owned_string_column("email_sha256", email),
        owned_string_column("phone_sha256", phone),
        owned_string_column(
            "reasons",
            rows.iter()
                .map(|&i| Some(decisions[i].all_reasons().codes()))
                .collect(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), cols)?)
}

/// The local files a run reads (remote sources: their cached copies),
/// which the output folder must not contain.
fn local_inputs(c: &Config) -> Vec<PathBuf> {
    let mut v = vec![c.list.clone()];
    v.extend(c.manifest_path.clone());
    v.extend(c.mapping.clone());
    v.extend(c.clients.clone());
    v.extend(c.opposition.iter().cloned());
    v.extend(c.bloctel.clone());
    v.extend(c.sign_key.clone());
    v
}

/// Where each input was read from, for run.json.
fn input_paths(
    c: &Config,
    state: &RemoteState,
    clients: Option<&Clients>,
    suppression: &Suppression,
) -> Value {
    let path = |p: &std::path::Path| state.source_path(p);
    json!({
        "list": path(&c.list),
        "manifest": c.manifest_path.as_deref().map(path),
        "mapping": c.mapping.as_deref().map(path),
        "clients": clients.map(|cl| path(&cl.path)),
        "opposition": suppression.files.iter().map(|(p, _, _)| path(p)).collect::<Vec<_>>(),
        "bloctel": c.bloctel.as_deref().map(path),
        "sirene_file": c.remote.company.as_ref().and_then(|s| s.sirene_file.as_deref()).map(path),
    })
}
