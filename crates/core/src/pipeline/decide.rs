//! From the prepared list to the decisions: the reference files (client
//! file, opposition lists, Bloctel), the company check, link and dedupe,
//! then the rule pack on every record. In: [`Prepared`] and the company
//! directory's answers. Out: [`Computed`], nothing written.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Computed, List, Prepared};
use crate::config::Config;
use crate::error::Result;
use crate::ingest::mapping::{canonical_frame, map_headers, ColumnMap, Mapping, TableKind};
use crate::ingest::{read_batches, Batch, Sink};
use crate::link::suppression::{BloctelList, Suppression};
use crate::link::{client_objections, clusters, link_exact, link_fuzzy, link_list, LinkInputs};
use crate::normalise::records::{
    client_batch, merge_warnings, normalise_batch, ClientContacts, ClientFields, Normalised,
    ValueWarning,
};
use crate::normalise::spill;
use crate::progress::Progress;
use crate::rules::{decide_all, Context, Facts};
use crate::schema::{CANONICAL_COLUMNS, CLIENT_COLUMNS};
use crate::state::RemoteState;

/// A client file read, normalised and ready to link.
pub struct Clients {
    pub path: PathBuf,
    pub sha256: String,
    pub rows: usize,
    /// The normalised rows when the caller keeps them ([`ClientRows::Kept`]);
    /// none otherwise (each batch was freed once the link stage's inputs
    /// had what they need of it).
    pub norm: Normalised,
    /// The emails and mobiles each client gave, all the rules need of the
    /// rows once linking is done.
    pub contacts: ClientContacts,
    pub fields: ClientFields,
}

/// What [`decide`] does with normalised rows while it does not read them.
#[derive(Debug)]
pub enum Rows {
    /// Every row stays in memory, the client file's kept for the caller
    /// (`review` shows them).
    Kept,
    /// The client file's rows are freed batch by batch once the link
    /// stage's inputs ([`LinkInputs`]) have its keys and encoded records
    /// (half a gigabyte at 1M clients, which sat under the matcher's peak);
    /// the list's wait in `list`, a new scratch file, while the client file
    /// is read and the matcher runs ([`crate::normalise::spill`]); the
    /// client file's own columns and contacts wait in `clients` while the
    /// matcher runs (it reads only their objections).
    Released {
        list: (PathBuf, std::fs::File),
        clients: (PathBuf, std::fs::File),
    },
}

/// Whether [`load_clients`] keeps the client file's normalised rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientRows {
    Kept,
    Released,
}

/// `name` is how the summary names the file (its URL when fetched). Each
/// batch is added to `inputs` as it is normalised; it is then freed
/// unless the caller keeps the rows ([`ClientRows::Kept`]).
fn load_clients(
    path: &std::path::Path,
    name: &str,
    batch_rows: usize,
    keep: ClientRows,
    inputs: &mut LinkInputs,
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
        keep,
        inputs,
        norm: Vec::new(),
        norm_warnings: Vec::new(),
        contacts: ClientContacts::default(),
        fields: Vec::new(),
    };
    let table = read_batches(path, None, batch_rows, &mut sink)?;
    crate::ingest::refuse_malformed(&table)?;
    let ClientSink {
        norm,
        norm_warnings,
        contacts,
        fields,
        ..
    } = sink;
    let norm = match keep {
        ClientRows::Kept => Normalised::concat(norm),
        ClientRows::Released => Normalised::default(),
    };
    let (fields, client_warnings) = ClientFields::concat(fields);
    for v in merge_warnings(norm_warnings)
        .into_iter()
        .chain(client_warnings)
    {
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
/// normalised, given to the link stage's inputs, its contacts and client
/// columns read.
struct ClientSink<'a> {
    path: &'a std::path::Path,
    /// The canonical and client columns read.
    names: Vec<&'static str>,
    map: Option<ColumnMap>,
    keep: ClientRows,
    inputs: &'a mut LinkInputs,
    /// The normalised batches, when kept.
    norm: Vec<Normalised>,
    norm_warnings: Vec<Vec<ValueWarning>>,
    contacts: ClientContacts,
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
        let mut norm = normalise_batch(&df, batch.start);
        self.inputs.add_clients(&norm);
        self.contacts.append(ClientContacts::of(&norm));
        self.norm_warnings.push(std::mem::take(&mut norm.warnings));
        if self.keep == ClientRows::Kept {
            self.norm.push(norm);
        }
        self.fields.push(client_batch(&df, batch.start));
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
    rows: Rows,
) -> Result<Computed> {
    let (client_rows, park, park_clients) = match rows {
        Rows::Kept => (ClientRows::Kept, None, None),
        Rows::Released { list, clients } => (ClientRows::Released, Some(list), Some(clients)),
    };
    let Prepared {
        mut list,
        mut warnings,
        mut value_warnings,
        pack,
        mut timer,
    } = prepared;
    let n = list.table.rows();
    if looked_up.is_some() {
        timer.lap("company_lookups");
    }

    // --- Company check (docs/pipeline.md#b2b-or-b2c) ----------------------------------------------
    // First, with the suppression lists: they read the list's rows, which
    // then wait on disk (when `park` is given) while the client file is
    // read and the matcher runs; only the rules and the outputs read them
    // again.
    let companies = crate::company::check_records(config, state, &list.norm, looked_up)?;
    if companies.report.source.is_some() {
        timer.lap("companies");
    }

    // --- Reference files ----------------------------------------------------
    let spin = progress.spinner("reference");
    let mut suppression = Suppression::default();
    for p in &config.opposition {
        suppression.add_file(p)?;
    }
    let bloctel = config
        .bloctel
        .as_deref()
        .map(BloctelList::load)
        .transpose()?;
    // The list's exact keys and objections, and its records encoded for
    // the fuzzy matcher (before the client file's, batch by batch as it is
    // read).
    let list_links = link_list(&list.norm, &suppression);
    let mut inputs = LinkInputs::new(&list.norm, &config.fuzzy);
    // Parked before the client file is read, not beside it: the reader's
    // batches would pile on top of every row of the list (the peak of a
    // 10M + 5M run: 8,531 MiB against 8,078 parked first, for 2% of wall
    // time). The columns only the rules read wait with the rows (62 MiB
    // at 1M rows of the scale set, measured by freeing them).
    let parked = park
        .map(|scratch| {
            let rules_only = (
                list.list_client.take(),
                std::mem::take(&mut list.job_title),
                std::mem::take(&mut list.company_name),
            );
            spill::park(std::mem::take(&mut list.norm), rules_only, scratch)
        })
        .transpose()?;
    let clients = config
        .clients
        .as_deref()
        .map(|p| {
            load_clients(
                p,
                &state.source_name(p),
                config.batch_rows,
                client_rows,
                &mut inputs,
                &mut warnings,
                &mut value_warnings,
            )
        })
        .transpose()?;
    spin.finish_and_clear();
    timer.lap("reference");

    // --- Link & dedupe -------------------------------------------------------
    let bar = progress.stage("link", n as u64);
    let fuzzy = crate::link::fuzzy::FuzzySettings {
        progress,
        ..config.fuzzy.clone()
    };
    let labels = config.fuzzy.labels.as_ref().map_or_else(Vec::new, |l| {
        l.resolve(
            &crate::output::ids::RecordIds::new(&list.table.sha256, n),
            clients.as_ref().map(|c| c.fields.client_id.as_slice()),
        )
    });
    let objections = clients.as_ref().map(|c| client_objections(&c.fields));
    let objections = objections.as_deref();
    let linking = link_exact(list_links, inputs, objections);
    // The client file's columns and contacts, read again by the rules and
    // the outputs, wait on disk while the matcher runs (80 MB at 1M
    // clients, under its peak).
    let (clients, parked_clients) = match (clients, park_clients) {
        (Some(mut c), Some(scratch)) => {
            let columns = (
                std::mem::take(&mut c.contacts),
                std::mem::take(&mut c.fields),
            );
            let parked = spill::park_value(columns, scratch)?;
            (Some(c), Some(parked))
        }
        (clients, _) => (clients, None),
    };
    let linking = link_fuzzy(linking, objections, &suppression, &fuzzy, &labels);
    if let Some(p) = parked {
        let (norm, (list_client, job_title, company_name)) = p.restore()?;
        list.norm = norm;
        list.list_client = list_client;
        list.job_title = job_title;
        list.company_name = company_name;
    }
    let links = clusters(&list.norm, linking);
    bar.finish_and_clear();
    timer.lap("link");
    // Back for the rules and the outputs.
    let mut clients = clients;
    if let (Some(c), Some(p)) = (clients.as_mut(), parked_clients) {
        (c.contacts, c.fields) = p.restore()?;
    }
    let List {
        table,
        norm,
        list_client,
        job_title,
        company_name,
        ..
    } = &list;

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
    // Only the rules read these: freed before the outputs are built.
    list.list_client = None;
    list.job_title = Default::default();
    list.company_name = Default::default();

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
