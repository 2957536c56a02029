//! The tables of the run folder, written batch by batch. In: the list's
//! cells, its normalised records, the links and the decisions, and the rows
//! each file holds. Out: qualified.csv (and .parquet), the campaign files,
//! rejected.csv, matches.csv, model.json, decisions.csv, to_delete.csv,
//! vendor-feedback.csv, people.csv, repermission.csv and (with
//! `--previous`) changes.csv in the staging folder, opened in that order
//! (the certificate lists the files in the order they were made) and then
//! written side by side, one worker per core.
//!
//! A batch is `batch_rows` records: what a worker holds at once. The
//! bytes depend neither on it (the header comes with the first batch) nor
//! on which file finishes first.

use polars::prelude::*;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::link::Links;
use crate::normalise::records::Normalised;
use crate::output::cells::ListCells;
use crate::output::{batches, frames, RunFolder};
use crate::rules::Decision;
use crate::schema::{Channel, CHANNELS};

/// What the tables are made of.
pub struct Input<'a> {
    pub config: &'a Config,
    pub cells: &'a ListCells,
    pub norm: &'a Normalised,
    pub decisions: &'a [Decision],
    pub links: &'a Links,
    pub record_ids: &'a super::ids::RecordIds,
    /// Rows of qualified.csv and of rejected.csv, ascending.
    pub qualified_rows: &'a [usize],
    pub rejected_rows: &'a [usize],
    pub client_ids: Option<&'a Vec<Option<String>>>,
    pub postal_sources: &'a [String],
    /// The previous run changes.csv compares with (`--previous`).
    pub previous: Option<crate::output::changes::Previous>,
}

/// What the summary learns from the tables it does not count itself.
pub struct Written {
    pub repermission: crate::summary::Repermission,
    pub changes: Option<crate::output::changes::Changes>,
}

/// A file's work, run beside the others'.
type Done = Result<Option<crate::output::changes::Changes>>;
type Job<'a> = Box<dyn FnOnce() -> Done + Send + 'a>;

/// Writes every table of the run folder. The files are opened first, in
/// the order the certificate lists them, then written at once, a file per
/// task: each builds its rows batch by batch on one core, so one after
/// the other they left the second core idle for most of the stage. Each
/// file's bytes are those of writing it alone.
pub fn write(folder: &mut RunFolder, input: Input) -> Result<Written> {
    let Input {
        config,
        cells,
        norm,
        decisions,
        links,
        record_ids,
        qualified_rows,
        rejected_rows,
        client_ids,
        postal_sources,
        previous,
    } = input;
    let excel = config.excel;
    let batch = config.batch_rows;
    let n = decisions.len();
    let vendor = config.manifest.as_ref().map(|m| m.vendor.as_str());
    // qualified.csv and the campaign files from the same batches of
    // qualified records: a campaign file is the qualified batch's rows
    // allowed on its channel (denied contact fields already emptied).
    let channels: Vec<Channel> = CHANNELS
        .into_iter()
        .filter(|&ch| {
            // Fax and automated calls are rare: their files only when used.
            !matches!(ch, Channel::Fax | Channel::Autocall)
                || qualified_rows.iter().any(|&i| decisions[i].allowed(ch))
        })
        .collect();
    let mut qualified = folder.csv_sink("qualified.csv", excel)?;
    let mut parquet_file = match config.parquet {
        true => Some(folder.create("qualified.parquet")?),
        false => None,
    };
    let mut campaigns = channels
        .iter()
        .map(|ch| folder.csv_sink(&format!("campaign-{}.csv", ch.as_str()), excel))
        .collect::<Result<Vec<_>>>()?;
    let mut rejected = folder.csv_sink("rejected.csv", excel)?;
    let mut matches = folder.csv_sink("matches.csv", excel)?;
    let model = match &links.fuzzy.model {
        Some(model) => Some((model, folder.create("model.json")?)),
        None => None,
    };
    let mut decisions_csv = folder.csv_sink("decisions.csv", excel)?;
    let mut to_delete = folder.csv_sink("to_delete.csv", excel)?;
    let mut feedback = folder.csv_sink("vendor-feedback.csv", excel)?;
    let mut people = folder.csv_sink("people.csv", excel)?;
    let mut repermission_csv = folder.csv_sink("repermission.csv", excel)?;
    let changes_csv = match previous {
        Some(previous) => Some((previous, folder.csv_sink("changes.csv", excel)?)),
        None => None,
    };
    let folder: &RunFolder = folder;

    let as_of = config.as_of;
    let days = config.repermission_days;
    let renew = frames::repermission_rows(decisions, as_of, days);
    let mut per_channel = vec![0u64; CHANNELS.len()];
    for &(_, ch) in &renew {
        per_channel[ch.index()] += 1;
    }
    let repermission = crate::summary::Repermission {
        days,
        records: {
            let mut rows: Vec<usize> = renew.iter().map(|&(i, _)| i).collect();
            rows.dedup();
            rows.len() as u64
        },
        channels: CHANNELS
            .iter()
            .map(|ch| (ch.as_str().to_owned(), per_channel[ch.index()]))
            .collect(),
    };

    let all: Vec<usize> = (0..n).collect();
    let all = &all[..];
    // The biggest first, so that the small ones fill in beside them.
    let mut jobs: Vec<Job> = Vec::new();
    jobs.push(Box::new(move || {
        // The batched writer needs the schema first: that of an empty batch.
        let mut parquet = match parquet_file.as_mut() {
            Some(file) => {
                let empty = frames::qualified_frame(
                    &cells.cursor().raw_for(&[])?,
                    norm,
                    decisions,
                    record_ids,
                    &[],
                    vendor,
                )?;
                Some(
                    ParquetWriter::new(file)
                        .batched(empty.schema())
                        .map_err(|e| parquet_error(&e))?,
                )
            }
            None => None,
        };
        let mut cursor = cells.cursor();
        for rows in batches(qualified_rows, batch) {
            let raw = cursor.raw_for(rows)?;
            let mut q = frames::qualified_frame(&raw, norm, decisions, record_ids, rows, vendor)?;
            qualified.write(&mut q)?;
            if let Some(writer) = parquet.as_mut() {
                writer.write_batch(&q).map_err(|e| parquet_error(&e))?;
            }
            for (ch, sink) in channels.iter().zip(&mut campaigns) {
                let mut c = frames::campaign_frame(&q, &raw, norm, decisions, rows, *ch)?;
                sink.write(&mut c)?;
            }
        }
        folder.finish_csv(qualified)?;
        for sink in campaigns {
            folder.finish_csv(sink)?;
        }
        if let Some(writer) = parquet {
            writer.finish().map_err(|e| parquet_error(&e))?;
        }
        if let Some(file) = parquet_file {
            folder.finish("qualified.parquet", file)?;
        }
        Ok(None)
    }));
    jobs.push(Box::new(move || {
        for rows in batches(all, batch) {
            decisions_csv.write(&mut frames::decisions_frame(decisions, record_ids, rows)?)?;
        }
        folder.finish_csv(decisions_csv)?;
        Ok(None)
    }));
    jobs.push(Box::new(move || {
        for rows in batches(all, batch) {
            people.write(&mut crate::output::people::people_frame(
                norm, record_ids, rows,
            )?)?;
        }
        folder.finish_csv(people)?;
        Ok(None)
    }));
    if let Some((previous, mut sink)) = changes_csv {
        jobs.push(Box::new(move || {
            use crate::output::changes;
            let (tonight, without_key) = crate::output::people::people_of_run(norm, decisions);
            let mut summary = previous.summary;
            summary.records_without_key = without_key as u64;
            let rows = changes::compare(&tonight, &previous.people, &mut summary);
            drop(tonight);
            for chunk in batches(&rows, batch) {
                sink.write(&mut changes::changes_frame(chunk)?)?;
            }
            folder.finish_csv(sink)?;
            Ok(Some(summary))
        }));
    }
    jobs.push(Box::new(move || {
        for rows in batches(rejected_rows, batch) {
            let mut r =
                frames::rejected_frame(norm, links, decisions, record_ids, rows, client_ids)?;
            rejected.write(&mut r)?;
        }
        folder.finish_csv(rejected)?;
        for rows in batches(rejected_rows, batch) {
            let mut fb = frames::feedback_frame(norm, decisions, record_ids, rows)?;
            feedback.write(&mut fb)?;
        }
        folder.finish_csv(feedback)?;
        Ok(None)
    }));
    jobs.push(Box::new(move || {
        let pairs = &links.fuzzy.pairs;
        for chunk in batches(pairs, batch) {
            matches.write(&mut crate::output::matches::matches_frame(
                chunk,
                record_ids,
                client_ids,
                postal_sources,
            )?)?;
        }
        folder.finish_csv(matches)?;
        if let Some((model, file)) = model {
            let bytes = crate::output::json_bytes(
                &serde_json::to_value(model).expect("the model is plain data"),
            );
            folder.finish_with("model.json", file, &bytes)?;
        }
        to_delete.write(&mut frames::to_delete_frame(decisions, record_ids)?)?;
        folder.finish_csv(to_delete)?;
        for chunk in batches(&renew, batch) {
            repermission_csv.write(&mut frames::repermission_frame(
                decisions, record_ids, chunk, as_of,
            )?)?;
        }
        folder.finish_csv(repermission_csv)?;
        Ok(None)
    }));
    // As many workers as cores, each taking the next job: a job waiting
    // on its own parallel work (people.csv's hashes) does not start
    // another file meanwhile, as a rayon task would, so at most one batch
    // per core is held at once. The first error in job order is the one
    // reported.
    let workers = rayon::current_num_threads().clamp(1, jobs.len());
    let slots: Vec<std::sync::Mutex<Option<Done>>> =
        jobs.iter().map(|_| Default::default()).collect();
    let queue = std::sync::Mutex::new(jobs.into_iter().enumerate());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let next = queue
                    .lock()
                    .expect("no job panics holding the queue")
                    .next();
                let Some((k, job)) = next else { break };
                let done = job();
                *slots[k].lock().expect("one job per slot") = Some(done);
            });
        }
    });
    let done = slots.into_iter().map(|slot| {
        slot.into_inner()
            .expect("one job per slot")
            .expect("every job ran")
    });
    let mut changes = None;
    for d in done {
        if let Some(c) = d? {
            changes = Some(c);
        }
    }
    Ok(Written {
        repermission,
        changes,
    })
}

fn parquet_error(e: &PolarsError) -> Error {
    Error::input("qualified.parquet", format!("cannot write Parquet: {e}"))
}
