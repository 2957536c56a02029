//! The run folder: staged before the work ([`start`]), then written from
//! what the stages computed ([`write`]): the tables, the summary, the
//! documents for people and buyers, run.json and, last, the certificate.
//! Every input row is checked to be in exactly one of qualified and
//! rejected before the folder is committed.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::{Clients, Computed, List, Outcome, Rows, RunMeta};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::link::suppression::Suppression;
use crate::normalise::records::Normalised;
use crate::output::folder::StateDir;
use crate::output::RunFolder;
use crate::progress::Progress;
use crate::rules::RulePack;
use crate::schema::CHANNELS;
use crate::state::RemoteState;
use crate::summary::Summary;

/// A new scratch file: its path and the file, open to write and read.
type Scratch = (PathBuf, std::fs::File);

impl Started {
    /// New scratch files of the staging folder: for the list's cells
    /// ([`prepare`](super::prepare)'s `spill`), and for the list's
    /// normalised rows and the client file's columns while the matcher
    /// runs ([`Rows::Released`]).
    pub fn scratch_files(&mut self) -> Result<(Scratch, Rows)> {
        Ok((
            self.folder.scratch("list.parquet")?,
            Rows::Released {
                list: self.folder.scratch("list-rows.bin")?,
                clients: self.folder.scratch("client-rows.bin")?,
            },
        ))
    }
}

/// What a run holds before its work.
pub struct Started {
    sign_key: Option<ed25519_dalek::SigningKey>,
    folder: RunFolder,
    /// `state_dir`, locked until the run has kept its state there.
    state_dir: Option<StateDir>,
}

/// Checks what can fail before the work, not after it: the signing key is
/// read, and the output folder is checked, locked and staged (a busy,
/// foreign or unwritable --out is found at once, not after an hour).
pub fn start(config: &Config, meta: &RunMeta) -> Result<Started> {
    let sign_key = config
        .sign_key
        .as_deref()
        .map(crate::output::certificate::load_signing_key)
        .transpose()?;
    let inputs = local_inputs(config);
    let input_refs: Vec<&std::path::Path> = inputs.iter().map(PathBuf::as_path).collect();
    let folder = RunFolder::open(&config.out, &input_refs, meta.token)?;
    let state_dir = config
        .state_dir
        .as_deref()
        .map(StateDir::open)
        .transpose()?;
    Ok(Started {
        sign_key,
        folder,
        state_dir,
    })
}

/// Writes the run folder from what the stages computed, checks that every
/// row is in exactly one output, and commits the folder.
pub fn write(
    started: Started,
    computed: Computed,
    config: &Config,
    state: &RemoteState,
    progress: Progress,
    meta: &RunMeta,
) -> Result<Outcome> {
    let Started {
        sign_key,
        mut folder,
        state_dir,
    } = started;
    let Computed {
        list:
            List {
                table,
                colmap,
                removed,
                kept,
                cells,
                norm,
                ..
            },
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
    } = computed;
    // The outputs need only the client file's ids: its normalised rows,
    // when `decide` kept them, go before the outputs' batches are built
    // (half a gigabyte at 1M clients).
    let mut clients = clients;
    if let Some(c) = clients.as_mut() {
        c.norm = Normalised::default();
    }
    let n = table.rows();

    // --- Outputs ---------------------------------------------------------
    let bar = progress.spinner("write");
    let record_ids = crate::output::ids::RecordIds::new(&table.sha256, n);
    let qualified_rows: Vec<usize> = (0..n).filter(|&i| decisions[i].qualified()).collect();
    let rejected_rows: Vec<usize> = (0..n).filter(|&i| !decisions[i].qualified()).collect();
    conservation_check(n, &qualified_rows, &rejected_rows)?;

    // Read before the folder is replaced: `--previous` may be `--out`.
    let previous = previous_run(config, state_dir.as_ref(), pack.as_ref())?;
    let written = crate::output::tables::write(
        &mut folder,
        crate::output::tables::Input {
            config,
            cells: &cells,
            norm: &norm,
            decisions: &decisions,
            links: &links,
            record_ids: &record_ids,
            qualified_rows: &qualified_rows,
            rejected_rows: &rejected_rows,
            client_ids: clients.as_ref().map(|c| &c.fields.client_id),
            postal_sources: &suppression.postal_sources,
            previous,
        },
    )?;
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
    summary.repermission = written.repermission;
    if let Some(c) = &written.changes {
        if let Some(note) = &c.note {
            summary
                .warnings
                .push(format!("previous run {}: {note}", c.previous));
        }
    }
    summary.changes = written.changes;
    timer.lap("summary");
    // The files for people and buyers, summary.json and run.json, then the
    // certificate over every file of the folder, written last: a folder
    // with a certificate is complete. run.json varies between runs; the
    // certificate names it as not covered.
    let examples = crate::output::report::examples(&norm, &decisions, &record_ids, &rejected_rows);
    documents(&mut folder, &summary, &examples, config, sign_key.is_some())?;
    timer.lap("documents");
    let run_json = run_json(RunFacts {
        config,
        state,
        meta,
        clients: clients.as_ref(),
        suppression: &suppression,
        companies: &companies.report,
        rows: n,
        stages: &timer.stages,
    });
    let hashes = folder.hashes("run.json")?;
    folder.json("run.json", &run_json)?;
    let about = format!(
        "qualify certificate.json, rule pack {} {}, as of {}, list sha256 {}",
        pack.name(),
        pack.version(),
        config.as_of,
        table.sha256
    );
    certify(&mut folder, &summary, &hashes, sign_key.as_ref(), &about)?;
    let replaced = folder.replaces();
    folder.commit()?;
    if let Some(s) = &state_dir {
        s.keep(&config.out, meta.token).map_err(|e| {
            Error::input(
                config.state_dir.clone().unwrap_or_default(),
                format!(
                    "the run is complete in {}, but its state could not be kept for the next run: {e}",
                    config.out.display()
                ),
            )
        })?;
    }
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
        repermission: summary.repermission.records,
        changes: summary
            .changes
            .as_ref()
            .filter(|c| c.compared)
            .map(|c| c.total.clone()),
        warnings: summary.warnings,
    })
}

/// The documents for people and buyers: report.html, the processing
/// record (Markdown and JSON), notice.txt, and summary.json.
fn documents(
    folder: &mut RunFolder,
    summary: &Summary,
    examples: &[crate::output::report::Example],
    config: &Config,
    signed: bool,
) -> Result<()> {
    use crate::output::{register, report};
    let html = report::render(summary, examples, config.lang);
    folder.bytes("report.html", html.as_bytes())?;
    let record = register::record_json(summary, config, signed);
    folder.bytes(
        "processing-record.md",
        register::record_markdown(&record, config.lang).as_bytes(),
    )?;
    folder.json("processing-record.json", &record)?;
    folder.bytes("notice.txt", register::notice(summary, config).as_bytes())?;
    folder.json("summary.json", &summary.to_json())
}

/// What run.json says about the run, beside the summary: what varies
/// from run to run (times, host, paths, cache), so not certified.
struct RunFacts<'a> {
    config: &'a Config,
    state: &'a RemoteState,
    meta: &'a RunMeta<'a>,
    clients: Option<&'a Clients>,
    suppression: &'a Suppression,
    companies: &'a crate::company::CompanyReport,
    rows: usize,
    stages: &'a [(String, f64)],
}

fn run_json(f: RunFacts) -> Value {
    let RunFacts {
        config,
        state,
        meta,
        clients,
        suppression,
        companies,
        rows,
        stages,
    } = f;
    json!({
        "tool": "qualify",
        "version": env!("CARGO_PKG_VERSION"),
        "started_at": meta.started_at,
        "finished_at": (meta.now)(),
        "host": meta.host,
        "cwd": meta.cwd,
        // The inputs' paths (summary.json names them by file name only);
        // `explain` replays the run from these.
        "inputs": input_paths(config, state, clients, suppression),
        "threads": rayon::current_num_threads(),
        "rows": rows,
        "rows_per_second": rows as f64 / stages.iter().map(|s| s.1).sum::<f64>().max(1e-9),
        "stages_seconds": stages.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "cache_hits": meta.fetched.iter().filter(|f| f.from_cache).count() + companies.run.cache_hits,
        "urls_fetched": meta.fetched,
        "cache_dir": config.remote.cache_dir,
        "company_lookups": companies.source.as_ref().map(|_| &companies.run),
    })
}

/// The certificate over the files' hashes, signed with the key when there
/// is one (and its minisign signature beside it, `about` its trusted
/// comment), written last: a folder with a certificate is complete.
fn certify(
    folder: &mut RunFolder,
    summary: &Summary,
    hashes: &[(String, String)],
    sign_key: Option<&ed25519_dalek::SigningKey>,
    about: &str,
) -> Result<()> {
    use crate::output::certificate;
    let mut cert = certificate::build(summary, hashes);
    if let Some(k) = sign_key {
        certificate::sign(&mut cert, k);
    }
    // The file is its own canonical form (RFC 8785), so that the bytes a
    // minisign signature covers are the ones any JCS tool reproduces.
    let cert_bytes = certificate::canonical(&cert);
    if let Some(k) = sign_key {
        let minisig = certificate::minisign_signature(k, &cert_bytes, about);
        folder.bytes("certificate.json.minisig", minisig.as_bytes())?;
    }
    folder.bytes("certificate.json", &cert_bytes)
}

/// The run changes.csv compares with: `--previous`, else the last run
/// kept in `state_dir`; none without either.
fn previous_run(
    config: &Config,
    state_dir: Option<&StateDir>,
    pack: &dyn RulePack,
) -> Result<Option<crate::output::changes::Previous>> {
    use crate::output::changes::{load_previous, previous_name};
    let compare_with = match (&config.previous, state_dir) {
        (Some(dir), _) => Some((dir.clone(), previous_name(dir))),
        (None, Some(s)) => Some((
            s.last(),
            format!(
                "{}/last",
                config
                    .state_dir
                    .as_deref()
                    .map(previous_name)
                    .unwrap_or_default()
            ),
        )),
        (None, None) => None,
    };
    compare_with
        .map(|(dir, name)| load_previous(&dir, name, pack.name(), pack.version()))
        .transpose()
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
        "labels": c.fuzzy.labels.as_ref().map(|l| path(&l.path)),
    })
}
