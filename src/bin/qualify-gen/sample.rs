//! `qualify-gen sample`: the shipped sample list (French headers, Windows-1252,
//! `;`), its client file, opposition list, manifest, config and `truth.csv`.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use rand::seq::SliceRandom;

use super::columns::{col, Row, FR_HEADERS};
use super::formats::{
    config_text, create, encode_cp1252, manifest_text, push_csv_field, push_csv_record, write_file,
};
use super::generator::{Gen, Plan};
use super::prospect::Meta;
use super::text::{write_date, DateStyle};
use super::ymd;

pub(super) fn sample(seed: u64, out: &Path, rows: usize, clients: usize) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let base_rows = rows as f64 * 0.91;
    let overlap = (clients * 3 / 20).min(clients).min(rows);
    let plan = Plan {
        rows,
        clients,
        client_overlap_target: overlap,
        client_overlap_p: (overlap as f64 / base_rows * 1.15).min(1.0),
        opposition_p: (80.0 / base_rows).min(1.0),
        opposition_misses: 28,
    };
    let mut g = Gen::new(seed, plan);
    let mut records: Vec<(Row, Meta)> = Vec::with_capacity(rows);
    g.generate(|r, m| {
        records.push((r.clone(), m.clone()));
        Ok(())
    })?;
    plant_csv_traps(&mut g, &mut records);

    // prospects.csv: Windows-1252, `;`, CRLF.
    let mut text = String::with_capacity(rows * 300);
    push_csv_record(&mut text, &FR_HEADERS, ';', "\r\n");
    for (r, _) in &records {
        push_csv_record(&mut text, r, ';', "\r\n");
    }
    let path = out.join("prospects.csv");
    write_file(&path, &encode_cp1252(&text, &path)?)?;
    write_file(
        &out.join("prospects.manifest.toml"),
        manifest_text().as_bytes(),
    )?;
    write_file(&out.join("qualify.toml"), config_text("../out").as_bytes())?;
    g.write_clients(&out.join("clients.csv"))?;
    let n_opp = g.write_opposition(&out.join("opposition.csv"))?;
    let counts = write_truth(&out.join("truth.csv"), &records)?;
    eprintln!(
        "wrote {}: prospects.csv ({} records), clients.csv ({} records, {} from the list), opposition.csv ({} entries), truth.csv",
        out.display(),
        rows,
        clients,
        g.overlap_clients.len(),
        n_opp
    );
    print_counts(&counts);
    Ok(())
}

/// Sample only: CSV traps and edge dates on base rows nobody else refers to.
fn plant_csv_traps(g: &mut Gen, records: &mut [(Row, Meta)]) {
    let mut eligible: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| {
            !m.is_dup
                && !g.dup_targets.contains(&m.source_row)
                && m.entity_tags.is_empty()
                && m.client.is_none()
        })
        .map(|(i, _)| i)
        .collect();
    eligible.shuffle(&mut g.rng);

    let b2b = |_: &Row, m: &Meta| m.b2b;
    let any = |_: &Row, _: &Meta| true;

    // Formula injection attempts.
    let traps: [(usize, &str, bool); 5] = [
        (
            col::COMPANY,
            "=HYPERLINK(\"http://offre.example.com/promo\";\"Cliquez ici\")",
            true,
        ),
        (col::JOB, "=1+2", true),
        (col::SOURCE, "@SOMME(A1:A9)", false),
        (col::ADDRESS, "+33 rue de la Paix", false),
        (col::CITY, "=cmd|' /C calc'!A0", false),
    ];
    for (c, value, needs_b2b) in traps {
        let pick = if needs_b2b {
            take(&mut eligible, records, &b2b)
        } else {
            take(&mut eligible, records, &any)
        };
        if let Some(i) = pick {
            records[i].0[c] = value.to_string();
            records[i].1.tag("formula");
        }
    }
    // Embedded separators and quotes.
    if let Some(i) = take(&mut eligible, records, &any) {
        let a = format!(
            "Résidence Les Tilleuls; bât. B, {}",
            records[i].0[col::ADDRESS]
        );
        records[i].0[col::ADDRESS] = a;
        records[i].1.tag("quoted_semicolon");
    }
    if let Some(i) = take(&mut eligible, records, &b2b) {
        records[i].0[col::JOB] = "Responsable achats; logistique".to_string();
        records[i].1.tag("quoted_semicolon");
    }
    if let Some(i) = take(&mut eligible, records, &b2b) {
        records[i].0[col::COMPANY] = "Boulangerie \"Au Pain Doré\" SARL".to_string();
        records[i].1.tag("quote_in_field");
    }
    if let Some(i) = take(&mut eligible, records, &|r: &Row, _: &Meta| {
        !r[col::ADDRESS].is_empty()
    }) {
        let a = format!("{}\nBâtiment C, 3e étage", records[i].0[col::ADDRESS]);
        records[i].0[col::ADDRESS] = a;
        records[i].1.tag("embedded_newline");
    }
    // One cell of junk (Windows-1252-encodable).
    if let Some(i) = take(&mut eligible, records, &any) {
        let alphabet: Vec<char> = "§¤¶µ‰†‡•…¿¡ÆØÞßðñ÷×©®°±²³¼½¾~^`|\\{}[]<>#%&*@$£€ \t"
            .chars()
            .collect();
        let junk: String = (0..400)
            .map(|_| *alphabet.choose(&mut g.rng).expect("non-empty"))
            .collect();
        records[i].0[col::SOURCE] = junk;
        records[i].1.tag("junk_cell");
    }
    // A La Poste establishment: its SIRETs follow a digit-sum rule, not Luhn.
    if let Some(i) = take(&mut eligible, records, &|r: &Row, m: &Meta| {
        m.b2b && !r[col::SIRET].is_empty()
    }) {
        records[i].0[col::COMPANY] = "La Poste".to_string();
        records[i].0[col::SIRET] = "35600000010000".to_string();
        let tags = records[i].1.tags.replace(";siret_invalid", "");
        records[i].1.tags = tags;
        records[i].1.tag("siret_laposte");
    }
    // Freshness boundary: collected exactly 3 years before the as-of date
    // (fresh), and one day earlier (stale).
    let no_dates = |r: &Row, m: &Meta| {
        m.has_tag("missing_consent") && r[col::LAST_CONTACT].is_empty() && m.collected.is_some()
    };
    for (d, tag) in [
        (ymd(2023, 11, 23), Some("boundary_fresh")),
        (ymd(2023, 11, 22), None),
    ] {
        if let Some(i) = take(&mut eligible, records, &no_dates) {
            write_date(&mut records[i].0[col::COLLECTED], d, DateStyle::French);
            records[i].1.collected = Some(d);
            if let Some(tag) = tag {
                records[i].1.tag(tag);
            }
        }
    }
}

/// Removes and returns the first eligible record index that `want` accepts.
fn take(
    eligible: &mut Vec<usize>,
    records: &[(Row, Meta)],
    want: &dyn Fn(&Row, &Meta) -> bool,
) -> Option<usize> {
    let pos = eligible
        .iter()
        .position(|&i| want(&records[i].0, &records[i].1))?;
    Some(eligible.swap_remove(pos))
}

/// Writes truth.csv and returns the count of each tag name (before `=`).
fn write_truth(path: &Path, records: &[(Row, Meta)]) -> Result<Vec<(String, usize)>> {
    let mut w = create(path)?;
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut line = String::new();
    let mut planted = String::new();
    w.write_all(b"source_row,entity_id,client_id,planted\n")?;
    for (_, m) in records {
        truth_line(&mut line, &mut planted, m);
        w.write_all(line.as_bytes())?;
        for t in planted.split(';').filter(|t| !t.is_empty()) {
            let name = if t.starts_with("duplicate_of=") {
                "duplicate_of"
            } else {
                t
            };
            match counts.iter_mut().find(|(n, _)| n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name.to_string(), 1)),
            }
        }
    }
    w.flush()?;
    counts.sort();
    Ok(counts)
}

pub(super) fn truth_line(line: &mut String, planted: &mut String, m: &Meta) {
    line.clear();
    m.planted_into(planted);
    let _ = write!(line, "{},E{:07},", m.source_row, m.entity);
    if let Some(c) = m.client {
        let _ = write!(line, "CL{c:07}");
    }
    line.push(',');
    push_csv_field(line, planted, ',');
    line.push('\n');
}

fn print_counts(counts: &[(String, usize)]) {
    eprintln!("planted (records carrying each tag):");
    for (name, n) in counts {
        eprintln!("  {name:<40} {n}");
    }
}
