//! `qualify-gen scale`: the same kind of data at benchmark sizes, streamed.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::columns::EN_HEADERS;
use super::formats::{config_text, create, manifest_text, push_csv_record, write_file};
use super::generator::{Gen, Plan};
use super::sample::truth_line;

pub(super) fn scale(seed: u64, out: &Path, rows: usize, clients: usize) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let base_rows = (rows as f64 * 0.91).max(1.0);
    let overlap = (rows / 10).min(clients);
    let plan = Plan {
        rows,
        clients,
        client_overlap_target: overlap,
        client_overlap_p: (overlap as f64 / base_rows * 1.15).min(1.0),
        opposition_p: 0.0085,
        opposition_misses: rows / 500,
    };
    let mut g = Gen::new(seed, plan);
    let mut list = create(&out.join("prospects.csv"))?;
    let mut truth = create(&out.join("truth.csv"))?;
    let mut buf = String::with_capacity(1 << 17);
    let mut tbuf = String::with_capacity(1 << 16);
    let mut line = String::new();
    let mut planted = String::new();
    push_csv_record(&mut buf, &EN_HEADERS[1..], ',', "\n");
    tbuf.push_str("source_row,entity_id,client_id,planted\n");
    g.generate(|r, m| {
        push_csv_record(&mut buf, &r[1..], ',', "\n");
        truth_line(&mut line, &mut planted, m);
        tbuf.push_str(&line);
        if buf.len() > 1 << 16 {
            list.write_all(buf.as_bytes())?;
            buf.clear();
        }
        if tbuf.len() > 1 << 15 {
            truth.write_all(tbuf.as_bytes())?;
            tbuf.clear();
        }
        Ok(())
    })?;
    list.write_all(buf.as_bytes())?;
    list.flush()?;
    truth.write_all(tbuf.as_bytes())?;
    truth.flush()?;
    write_file(
        &out.join("prospects.manifest.toml"),
        manifest_text().as_bytes(),
    )?;
    write_file(&out.join("qualify.toml"), config_text("out").as_bytes())?;
    g.write_clients(&out.join("clients.csv"))?;
    let n_opp = g.write_opposition(&out.join("opposition.csv"))?;
    eprintln!(
        "wrote {}: prospects.csv ({rows} records), clients.csv ({clients} records, {} from the list), opposition.csv ({n_opp} entries), truth.csv",
        out.display(),
        g.overlap_clients.len()
    );
    Ok(())
}
