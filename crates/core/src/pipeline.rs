//! The whole run, stage after stage: import and normalise (batch by batch:
//! each batch of rows is read, normalised and its cells spilled before the
//! next is read) -> link & dedupe -> rules -> outputs, then the
//! conservation check. Each stage is a function of the previous stage's
//! output and the validated [`Config`]; this module only wires them and
//! times them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde_json::{json, Value};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::mapping::{canonical_frame, map_headers, ColumnMap, Mapping, TableKind};
use crate::ingest::{read_batches, Batch, Sink, Table};
use crate::link::suppression::{BloctelList, Suppression};
use crate::link::{link, Links};
use crate::manifest::Method;
use crate::normalise::records::{
    client_batch, normalise_batch, ClientContacts, ClientFields, Normalised, ValueWarning,
};
use crate::normalise::Texts;
use crate::output::cells::{CellsBuilder, ListCells};
use crate::output::RunFolder;
use crate::progress::Progress;
use crate::rules::{decide_all, pack_by_name, Context, Decision, Facts};
use crate::schema::{CANONICAL_COLUMNS, CHANNELS, CLIENT_COLUMNS};
use crate::state::RemoteState;

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
    /// Records in repermission.csv.
    pub repermission: u64,
    /// With `--previous` / `state_dir`: what changed (None: nothing to
    /// compare with).
    pub changes: Option<crate::output::changes::Transitions>,
}

/// Run-to-run facts the core does not read itself (clock, host).
pub struct RunMeta<'a> {
    /// Working directory of the run: relative input paths in summary.json
    /// are relative to it (`explain` needs it to replay the run).
    pub cwd: String,
    pub started_at: String,
    pub host: String,
    pub now: &'a dyn Fn() -> String,
    /// URL inputs the binary fetched before the run.
    pub fetched: Vec<crate::state::Fetched>,
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
    /// Two stages that ran in turn, batch by batch, `second` taking
    /// `second_secs` of the time since the last lap.
    fn split(&mut self, first: &str, second: &str, second_secs: f64) {
        let now = Instant::now();
        let all = (now - self.last).as_secs_f64();
        self.stages
            .push((first.to_owned(), (all - second_secs).max(0.0)));
        self.stages.push((second.to_owned(), second_secs));
        self.last = now;
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
    /// The normalised rows: the link stage's, then emptied when the caller
    /// released them ([`ClientRows::Released`]).
    pub norm: Normalised,
    /// The emails and mobiles each client gave, all the rules need of the
    /// rows once linking is done.
    pub contacts: ClientContacts,
    pub fields: ClientFields,
}

/// Whether [`decide`] keeps the client file's normalised rows for the
/// caller (`review` shows them) or hands them to the link stage, which
/// frees them once its fuzzy matcher has encoded them: half a gigabyte at
/// 1M clients that would otherwise sit under the matcher's peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientRows {
    Kept,
    Released,
}

/// `name` is how the summary names the file (its URL when fetched).
fn load_clients(
    path: &std::path::Path,
    name: &str,
    batch_rows: usize,
    warnings: &mut BTreeMap<String, usize>,
    value_warnings: &mut Vec<(String, ValueWarning)>,
) -> Result<Clients> {
    let mut sink = ClientSink {
        path,
        names: CANONICAL_COLUMNS
            .iter()
            .chain(CLIENT_COLUMNS)
            .map(|(c, _)| *c)
            .collect(),
        map: None,
        norm: Vec::new(),
        fields: Vec::new(),
    };
    let table = read_batches(path, None, batch_rows, &mut sink)?;
    crate::ingest::refuse_malformed(&table)?;
    let norm = Normalised::concat(sink.norm);
    let contacts = ClientContacts::of(&norm);
    let (fields, client_warnings) = ClientFields::concat(sink.fields);
    for v in norm.warnings.iter().cloned().chain(client_warnings) {
        warnings.insert(format!("{name}: {}", v.message()), v.rows);
        value_warnings.push((name.to_owned(), v));
    }
    Ok(Clients {
        path: path.to_owned(),
        sha256: table.sha256,
        rows: table.rows,
        norm,
        contacts,
        fields,
    })
}

/// The client file, batch by batch: mapped with the built-in names,
/// normalised, its client columns read.
struct ClientSink<'a> {
    path: &'a std::path::Path,
    /// The canonical and client columns read.
    names: Vec<&'static str>,
    map: Option<ColumnMap>,
    norm: Vec<Normalised>,
    fields: Vec<(ClientFields, Vec<ValueWarning>)>,
}

impl Sink for ClientSink<'_> {
    fn header(&mut self, headers: &[String]) -> Result<()> {
        self.map = Some(map_headers(
            headers,
            &Mapping::default(),
            TableKind::Clients,
            self.path,
        )?);
        Ok(())
    }
    fn batch(&mut self, batch: Batch) -> Result<()> {
        let map = self.map.as_ref().expect("the header comes first");
        let df = canonical_frame(&batch.frame, map, &self.names);
        self.norm.push(normalise_batch(&df, batch.start));
        self.fields.push(client_batch(&df, batch.start));
        Ok(())
    }
}

/// The list read, mapped and normalised.
pub struct List {
    pub table: Table,
    pub colmap: ColumnMap,
    /// Columns removed by minimisation.
    pub removed: Vec<crate::minimise::Removed>,
    pub kept: Vec<(String, usize)>,
    /// What the outputs print as read (see [`ListCells`]).
    pub cells: ListCells,
    /// The two cells the rules read as written.
    pub job_title: Texts,
    pub company_name: Texts,
    pub norm: Normalised,
    pub list_client: Option<ClientFields>,
}

/// Everything the stages computed, before anything is written.
pub struct Computed {
    pub list: List,
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

/// The list read and normalised: what the binary looks companies up from
/// before the rest of the core runs.
pub struct Prepared {
    pub list: List,
    warnings: BTreeMap<String, usize>,
    value_warnings: Vec<(String, ValueWarning)>,
    pack: Box<dyn crate::rules::RulePack>,
    timer: Timer,
}

/// Runs every stage up to the decisions, writing nothing, for a run that
/// needs no answers from outside (no company check through the API).
/// The binary runs [`prepare`], its look-ups, then [`decide`].
pub fn compute(config: &Config, state: &RemoteState, progress: Progress) -> Result<Computed> {
    decide(
        prepare(config, state, progress, None)?,
        None,
        config,
        state,
        progress,
        ClientRows::Kept,
    )
}

/// Import and normalisation of the list. `spill`: a new scratch file the
/// list's cells go to as they are read (`None`: they stay in memory).
pub fn prepare(
    config: &Config,
    state: &RemoteState,
    progress: Progress,
    spill: Option<(PathBuf, std::fs::File)>,
) -> Result<Prepared> {
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

    // --- Import and normalise, batch by batch ------------------------------
    let spin = progress.spinner("import");
    spin.set_message(config.list.display().to_string());
    let own_customers = config
        .manifest
        .as_ref()
        .is_some_and(|m| m.method == Method::OwnCustomers);
    let mapping = match &config.mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::default(),
    };
    let mut sink = ListSink {
        config,
        state,
        mapping,
        kind: if own_customers {
            TableKind::Clients
        } else {
            TableKind::List
        },
        own_customers,
        names: CANONICAL_COLUMNS
            .iter()
            .chain(if own_customers { CLIENT_COLUMNS } else { &[] })
            .map(|(c, _)| *c)
            .collect(),
        spill,
        progress,
        head: None,
        norm: Vec::new(),
        list_client: Vec::new(),
        job_title: Vec::new(),
        company_name: Vec::new(),
        conflicts: BTreeMap::new(),
        normalising: std::time::Duration::ZERO,
        bar: None,
    };
    let table = read_batches(
        &config.list,
        config.sheet.as_deref(),
        config.batch_rows,
        &mut sink,
    )?;
    let ListSink {
        head,
        norm,
        list_client,
        job_title,
        company_name,
        conflicts,
        normalising,
        bar,
        ..
    } = sink;
    let ListHead {
        colmap,
        mut kept,
        headers: _,
        sensitive,
        cells,
    } = head.expect("a table has a header row");
    let removed = sensitive.finish();
    let mut warnings: BTreeMap<String, usize> = BTreeMap::new();
    let mut dropped = Vec::new();
    kept.retain(|(name, _)| {
        let sensitive = removed.iter().any(|r| &r.column == name);
        if sensitive {
            warnings.insert(format!("keep_columns: {name:?} holds data prospection does not need (minimisation): not kept"), 1);
            dropped.push(name.clone());
        }
        !sensitive
    });
    warnings.extend(conflicts);
    let cells = cells.finish(&dropped)?;
    let norm = Normalised::concat(norm);
    let list_name = state.source_name(&config.list);
    let mut value_warnings: Vec<(String, ValueWarning)> = Vec::new();
    let mut list_values = norm.warnings.clone();
    let list_client = own_customers.then(|| {
        let (fields, w) = ClientFields::concat(list_client);
        list_values.extend(w);
        fields
    });
    for w in list_values {
        warnings.insert(w.message(), w.rows);
        value_warnings.push((list_name.clone(), w));
    }
    let job_title = Texts::concat(&job_title.iter().collect::<Vec<_>>());
    let company_name = Texts::concat(&company_name.iter().collect::<Vec<_>>());
    spin.finish_and_clear();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // The batches were read and normalised in turn: the import's time is
    // what was not spent normalising.
    timer.split("import", "normalise", normalising.as_secs_f64());
    Ok(Prepared {
        list: List {
            table,
            colmap,
            removed,
            kept,
            cells,
            job_title,
            company_name,
            norm,
            list_client,
        },
        warnings,
        value_warnings,
        pack,
        timer,
    })
}

/// What the list's header row decided.
struct ListHead {
    headers: Vec<String>,
    colmap: ColumnMap,
    /// `keep_columns` not removed by header (the content may still remove
    /// one).
    kept: Vec<(String, usize)>,
    sensitive: crate::minimise::Sensitive,
    cells: CellsBuilder,
}

/// The list, batch by batch: its header mapped and checked, then each
/// batch's canonical frame normalised, its cells kept (or spilled), its
/// merge conflicts and sensitive columns looked for. A batch is dropped
/// once read, so the whole file's cells are never held at once.
struct ListSink<'a> {
    config: &'a Config,
    state: &'a RemoteState,
    mapping: Mapping,
    kind: TableKind,
    own_customers: bool,
    /// The canonical columns read (and the client ones for a list of own
    /// customers).
    names: Vec<&'static str>,
    spill: Option<(PathBuf, std::fs::File)>,
    progress: Progress,
    head: Option<ListHead>,
    norm: Vec<Normalised>,
    list_client: Vec<(ClientFields, Vec<ValueWarning>)>,
    job_title: Vec<Texts>,
    company_name: Vec<Texts>,
    conflicts: BTreeMap<String, usize>,
    normalising: std::time::Duration,
    bar: Option<Box<dyn crate::progress::Bar>>,
}

impl Sink for ListSink<'_> {
    fn header(&mut self, headers: &[String]) -> Result<()> {
        let config = self.config;
        let colmap = map_headers(headers, &self.mapping, self.kind, &config.list)?;
        crate::ingest::mapping::check_header(
            std::path::Path::new(&self.state.source_path(&config.list)),
            headers,
            &colmap,
        )?;
        let sensitive = crate::minimise::Sensitive::new(headers, &colmap);
        let by_header = sensitive.removed_names();
        let kept = kept_columns(headers, &colmap, config)?;
        // A column removed by its header is never stored; one removed by
        // its content (found in some batch) is stored but never printed.
        let stored: Vec<(String, usize)> = kept
            .iter()
            .filter(|(name, _)| !by_header.contains(name))
            .cloned()
            .collect();
        let cells = CellsBuilder::new(&stored, self.spill.take())?;
        self.head = Some(ListHead {
            headers: headers.to_vec(),
            colmap,
            kept,
            sensitive,
            cells,
        });
        Ok(())
    }

    fn batch(&mut self, batch: Batch) -> Result<()> {
        let began = Instant::now();
        let head = self.head.as_mut().expect("the header comes first");
        let canon = canonical_frame(&batch.frame, &head.colmap, &self.names);
        for (w, rows) in
            crate::ingest::mapping::merge_conflicts(&head.headers, &batch.frame, &head.colmap)
        {
            *self.conflicts.entry(w).or_default() += rows;
        }
        head.sensitive.scan(&batch.frame, batch.start);
        self.norm.push(normalise_batch(&canon, batch.start));
        if self.own_customers {
            self.list_client.push(client_batch(&canon, batch.start));
        }
        head.cells.push(&canon, &batch.frame)?;
        self.job_title.push(Texts::column(&canon, "job_title"));
        self.company_name
            .push(Texts::column(&canon, "company_name"));
        self.bar
            .get_or_insert_with(|| self.progress.stage("normalise", 0))
            .inc(batch.frame.height() as u64);
        self.normalising += began.elapsed();
        Ok(())
    }
}

/// The rest of the stages up to the decisions: reference files, company
/// check (with the API's answers for [`crate::company::api_sirens`], when
/// the check asks the API), link and dedupe, rules.
pub fn decide(
    prepared: Prepared,
    looked_up: Option<crate::company::Lookups>,
    config: &Config,
    state: &RemoteState,
    progress: Progress,
    client_rows: ClientRows,
) -> Result<Computed> {
    let Prepared {
        list,
        mut warnings,
        mut value_warnings,
        pack,
        mut timer,
    } = prepared;
    let List {
        table,
        norm,
        list_client,
        job_title,
        company_name,
        ..
    } = &list;
    let n = table.rows();
    if looked_up.is_some() {
        timer.lap("company_lookups");
    }

    // --- Reference files ----------------------------------------------------
    let spin = progress.spinner("reference");
    let mut clients = config
        .clients
        .as_deref()
        .map(|p| {
            load_clients(
                p,
                &state.source_name(p),
                config.batch_rows,
                &mut warnings,
                &mut value_warnings,
            )
        })
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
    let companies = crate::company::check_records(config, state, norm, looked_up)?;
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
        norm,
        clients.as_mut().map(|c| {
            let rows = match client_rows {
                ClientRows::Kept => Cow::Borrowed(&c.norm),
                ClientRows::Released => Cow::Owned(std::mem::take(&mut c.norm)),
            };
            (rows, &c.fields)
        }),
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
            list: norm,
            list_client: list_client.as_ref(),
            links: &links,
            clients: clients.as_ref().map(|c| (&c.contacts, &c.fields)),
            malformed: malformed[i],
            job_title: job_title.get(i),
            company_name: company_name.get(i),
            company: companies.status(i),
        },
        n,
    );
    bar.finish_and_clear();
    timer.lap("rules");

    Ok(Computed {
        list,
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

/// Runs the whole pipeline and writes the output folder (a run that needs
/// no answers from outside; the binary wires [`start`], [`prepare`], its
/// look-ups, [`decide`] and [`write`] itself).
pub fn run(
    config: &Config,
    state: &RemoteState,
    progress: Progress,
    meta: &RunMeta,
) -> Result<Outcome> {
    let mut started = start(config, meta)?;
    let computed = started
        .scratch_for_cells()
        .and_then(|scratch| prepare(config, state, progress, Some(scratch)))
        .and_then(|prepared| {
            decide(
                prepared,
                None,
                config,
                state,
                progress,
                ClientRows::Released,
            )
        })
        .map_err(|e| state.name_error(e))?;
    write(started, computed, config, state, progress, meta)
}

impl Started {
    /// A new scratch file of the staging folder for the list's cells
    /// ([`prepare`]'s `spill`).
    pub fn scratch_for_cells(&mut self) -> Result<(PathBuf, std::fs::File)> {
        self.folder.scratch("list.parquet")
    }
}

/// What a run holds before its work.
pub struct Started {
    sign_key: Option<ed25519_dalek::SigningKey>,
    folder: RunFolder,
    /// `state_dir`, locked until the run has kept its state there.
    state_dir: Option<crate::output::folder::StateDir>,
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
        .map(crate::output::folder::StateDir::open)
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
    // The client file's normalised rows were the link stage's and the
    // rules': the outputs need only its ids, so they go before the
    // outputs' batches are built (half a gigabyte at 1M clients).
    let mut clients = clients;
    if let Some(c) = clients.as_mut() {
        c.norm = Normalised::default();
    }
    let n = table.rows();

    // --- Outputs ---------------------------------------------------------
    let bar = progress.spinner("write");
    let prefix: String = table.sha256.chars().take(8).collect();
    let record_ids: Vec<String> = (1..=n).map(|r| format!("{prefix}-{r}")).collect();
    let qualified_rows: Vec<usize> = (0..n).filter(|&i| decisions[i].qualified()).collect();
    let rejected_rows: Vec<usize> = (0..n).filter(|&i| !decisions[i].qualified()).collect();
    conservation_check(n, &qualified_rows, &rejected_rows)?;

    // Read before the folder is replaced: `--previous` may be `--out`.
    let compare_with = match (&config.previous, &state_dir) {
        (Some(dir), _) => Some((dir.clone(), crate::output::changes::previous_name(dir))),
        (None, Some(s)) => Some((
            s.last(),
            format!(
                "{}/last",
                config
                    .state_dir
                    .as_deref()
                    .map(crate::output::changes::previous_name)
                    .unwrap_or_default()
            ),
        )),
        (None, None) => None,
    };
    let previous = compare_with
        .map(|(dir, name)| {
            crate::output::changes::load_previous(&dir, name, pack.name(), pack.version())
        })
        .transpose()?;
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
    let hashes = folder.hashes("run.json")?;
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
fn kept_columns(
    headers: &[String],
    map: &ColumnMap,
    config: &Config,
) -> Result<Vec<(String, usize)>> {
    config
        .keep_columns
        .iter()
        .map(|name| {
            let idx = headers.iter().position(|h| h == name).ok_or_else(|| {
                Error::config(
                    config.list.clone(),
                    format!("keep_columns names {name:?}, which is not a column of the list (columns: {})", headers.join(", ")),
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
