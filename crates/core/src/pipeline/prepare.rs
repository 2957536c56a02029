//! The list imported and normalised, batch by batch: each batch of rows is
//! read, mapped, normalised and its cells spilled before the next is read.
//! In: the validated settings (list, mapping, manifest) and the scratch
//! file for the cells. Out: [`Prepared`], the list as the rest of the
//! stages read it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use super::Timer;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::mapping::{canonical_frame, map_headers, ColumnMap, Mapping, TableKind};
use crate::ingest::{read_batches, Batch, Sink, Table};
use crate::manifest::Method;
use crate::normalise::records::{
    client_batch, normalise_batch, ClientFields, Normalised, ValueWarning,
};
use crate::normalise::Texts;
use crate::output::cells::{CellsBuilder, ListCells};
use crate::progress::Progress;
use crate::rules::pack_by_name;
use crate::schema::{CANONICAL_COLUMNS, CLIENT_COLUMNS};
use crate::state::RemoteState;

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

/// The list read and normalised: what the binary looks companies up from
/// before the rest of the core runs.
pub struct Prepared {
    pub list: List,
    pub(super) warnings: BTreeMap<String, usize>,
    pub(super) value_warnings: Vec<(String, ValueWarning)>,
    pub(super) pack: Box<dyn crate::rules::RulePack>,
    pub(super) timer: Timer,
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
