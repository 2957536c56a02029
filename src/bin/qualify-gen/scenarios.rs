//! `qualify-gen scenarios`: four more run set-ups around the demo list, so
//! that the shipped sample exercises every reason code of docs/reason-codes.md#reason-codes, including
//! the ones one run on one list cannot show (a list-level method, a date
//! before the 2026-08-11 change, a campaign sector).
//!
//! In: the demo data set written by `sample` (`prospects.csv`, its
//! manifest, `truth.csv`). Out, in `<sample>/scenarios/`:
//!
//! | file | what it shows |
//! |---|---|
//! | `summer.toml` + `bloctel.csv` | as of 2026-08-01 (consumer calls still opt-out), a fresh Bloctel file listing some consumers' numbers (`bloctel`), an energy-renovation campaign (`banned_sector`), a B2B campaign for some job titles (`not_b2b_relevant`) |
//! | `august.toml` | as of 2026-08-10 with a Bloctel file from June (`bloctel_outdated`) |
//! | `scraped.csv` + manifest + `scraped.toml` | the first rows of the list, said to be scraped (`scraped_source`), with ragged and NUL-byte rows (`malformed_row`) |
//! | `unsourced.csv` + `unsourced.toml` | the same rows and no manifest at all (`no_provenance`, `unknown_collection_date`) |
//! | `companies.toml` + `sirene.csv` | the offline company check against an extract of the SIRENE stock file in INSEE's columns: most of the list's companies active, some ceased (`company_closed`), some missing (`company_unknown`) |
//! | `unreachable.toml` | an opposition list at a URL that cannot be read (offline, not in any cache), marked optional: every record fails closed (`source_unavailable`) |
//!
//! Deterministic: the output depends only on the seed and the sample files.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How many list rows the scraped and unsourced lists take.
const SMALL_LIST_ROWS: usize = 60;
/// Share of the consumers' numbers put on the Bloctel file.
const BLOCTEL_SHARE: f64 = 0.15;
/// Shares of the list's companies written as ceased, and left out, in the
/// SIRENE extract.
const CEASED_SHARE: f64 = 0.08;
const MISSING_SHARE: f64 = 0.05;

pub fn scenarios(seed: u64, sample: &Path) -> Result<()> {
    let dir = sample.join("scenarios");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (headers, rows) = read_prospects(&sample.join("prospects.csv"))?;
    let b2c = consumer_rows(&sample.join("truth.csv"))?;

    // --- Bloctel: some consumers' numbers, written the way Bloctel's return
    // file does (10-digit national numbers), not the way the list does.
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (tel, mob) = (col("Tél"), col("Portable"));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bloctel = String::from("phone\n");
    let mut listed = 0;
    for (i, row) in rows.iter().enumerate() {
        if !b2c.contains(&(i + 1)) || !rng.gen_bool(BLOCTEL_SHARE) {
            continue;
        }
        for c in [mob, tel].into_iter().flatten() {
            if let Some(national) = national_number(&row[c]) {
                bloctel.push_str(&national);
                bloctel.push('\n');
                listed += 1;
            }
        }
    }
    fs::write(dir.join("bloctel.csv"), bloctel)?;
    fs::write(
        dir.join("summer.toml"),
        config(
            "summer",
            "as_of = \"2026-08-01\"\nbloctel = \"bloctel.csv\"\nbloctel_date = \"2026-07-20\"\n\
             sector = \"energy_renovation\"\ncampaign_functions = [\"directeur\", \"directrice\", \"gérant\", \"gérante\", \"responsable\"]\n",
        ),
    )?;
    fs::write(
        dir.join("august.toml"),
        config(
            "august",
            "as_of = \"2026-08-10\"\nbloctel = \"bloctel.csv\"\nbloctel_date = \"2026-06-15\"\n",
        ),
    )?;

    // --- SIRENE extract: one row per distinct SIREN of the list's SIRETs,
    // in the order first seen.
    let mut sirene = String::from(
        "siren,statutDiffusionUniteLegale,dateCreationUniteLegale,denominationUniteLegale,etatAdministratifUniteLegale\n",
    );
    let (siret_col, company_col) = (col("SIRET"), col("Société"));
    let mut seen = std::collections::HashSet::new();
    let (mut ceased, mut missing) = (0, 0);
    for row in &rows {
        let Some(c) = siret_col else { break };
        let digits: String = row[c].chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 14 || !seen.insert(digits[..9].to_owned()) {
            continue;
        }
        let draw: f64 = rng.gen();
        if draw < MISSING_SHARE {
            missing += 1;
            continue;
        }
        let state = if draw < MISSING_SHARE + CEASED_SHARE {
            ceased += 1;
            "C"
        } else {
            "A"
        };
        let name = company_col
            .map(|c| row[c].to_uppercase())
            .unwrap_or_default();
        sirene.push_str(&csv_line(&[
            digits[..9].to_owned(),
            "O".into(),
            "2005-01-01".into(),
            name,
            state.into(),
        ]));
    }
    fs::write(dir.join("sirene.csv"), sirene)?;
    fs::write(
        dir.join("companies.toml"),
        config(
            "companies",
            "as_of = \"2026-11-23\"\nsirene_file = \"sirene.csv\"\n",
        ),
    )?;
    fs::write(
        dir.join("unreachable.toml"),
        "# Run configuration (docs/pipeline.md#exact-formats); paths are relative to this file.\n\
         # The second opposition list is at a URL no cache holds and the run is offline:\n\
         # marked optional, it fails closed instead of failing the run.\n\
         list = \"../prospects.csv\"\nmanifest = \"../prospects.manifest.toml\"\n\
         clients = \"../clients.csv\"\n\
         opposition = [\"../opposition.csv\", \"http://127.0.0.1:9/optout.csv\"]\n\
         optional = [\"opposition\"]\noffline = true\n\
         as_of = \"2026-11-23\"\nbuyer = \"Menuiseries Bellerive SAS\"\nout = \"../../out/unreachable\"\n",
    )?;

    // --- Small lists: UTF-8, `,`, the vendor's headers, with bad rows.
    let mut small = csv_line(&headers);
    for (i, row) in rows.iter().take(SMALL_LIST_ROWS).enumerate() {
        small.push_str(&csv_line(row));
        match i {
            // A row with one field too many, and one with a NUL byte.
            19 => small.push_str(&csv_line(&[row.clone(), vec!["en trop".into()]].concat())),
            39 => {
                let mut bad = row.clone();
                bad[1].push('\0');
                small.push_str(&csv_line(&bad));
            }
            _ => {}
        }
    }
    for name in ["scraped", "unsourced"] {
        fs::write(dir.join(format!("{name}.csv")), &small)?;
    }
    let manifest = fs::read_to_string(sample.join("prospects.manifest.toml"))?;
    let scraped = manifest
        .lines()
        .map(|l| {
            if l.starts_with("method") {
                "method = \"scraped\"".to_owned()
            } else if l.starts_with("collected_from") {
                "collected_from = \"https://annuaire.example.fr (pages copied by a robot)\""
                    .to_owned()
            } else if l.starts_with("consent_wording") {
                "consent_wording = \"\"".to_owned()
            } else if l.starts_with("partners") {
                "partners = []".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(dir.join("scraped.manifest.toml"), scraped + "\n")?;
    for name in ["scraped", "unsourced"] {
        fs::write(
            dir.join(format!("{name}.toml")),
            format!(
                "# Run configuration (docs/pipeline.md#exact-formats); paths are relative to this file.\n\
                 list = \"{name}.csv\"\nas_of = \"2026-11-23\"\nbuyer = \"Menuiseries Bellerive SAS\"\n\
                 out = \"../../out/{name}\"\n"
            ),
        )?;
    }
    eprintln!(
        "wrote {}: summer.toml, august.toml, bloctel.csv ({listed} numbers), scraped.*, unsourced.*, \
         companies.toml, sirene.csv ({ceased} ceased, {missing} left out), unreachable.toml",
        dir.display()
    );
    Ok(())
}

fn config(name: &str, extra: &str) -> String {
    format!(
        "# Run configuration (docs/pipeline.md#exact-formats); paths are relative to this file.\n\
         list = \"../prospects.csv\"\nmanifest = \"../prospects.manifest.toml\"\n\
         clients = \"../clients.csv\"\nopposition = [\"../opposition.csv\"]\n\
         buyer = \"Menuiseries Bellerive SAS\"\n{extra}out = \"../../out/{name}\"\n"
    )
}

/// The demo list, decoded from Windows-1252.
fn read_prospects(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = r.headers()?.iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| Ok(rec?.iter().map(str::to_owned).collect()))
        .collect::<Result<_>>()?;
    Ok((headers, rows))
}

/// Source rows the generator made as consumers.
fn consumer_rows(path: &Path) -> Result<std::collections::HashSet<usize>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = std::collections::HashSet::new();
    for rec in r.records() {
        let rec = rec?;
        if rec
            .get(3)
            .is_some_and(|t| t.split(';').any(|t| t == "audience=b2c"))
        {
            out.insert(rec[0].parse()?);
        }
    }
    Ok(out)
}

/// A metropolitan French number in the 10-digit national form, whatever
/// spacing or prefix the list used; `None` for anything else.
fn national_number(cell: &str) -> Option<String> {
    let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
    let nsn = if let Some(rest) = digits.strip_prefix("0033") {
        rest.to_owned()
    } else if cell.trim_start().starts_with('+') {
        digits.strip_prefix("33")?.to_owned()
    } else if let Some(rest) = digits.strip_prefix('0') {
        rest.to_owned()
    } else {
        return None;
    };
    (nsn.len() == 9 && matches!(nsn.as_bytes()[0], b'1'..=b'7' | b'9')).then(|| format!("0{nsn}"))
}

fn csv_line(fields: &[String]) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(fields).expect("in-memory CSV write");
    String::from_utf8(w.into_inner().expect("in-memory CSV flush")).expect("UTF-8 fields")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_numbers_in_bloctel_form() {
        assert_eq!(
            national_number("06 12 34 56 78").as_deref(),
            Some("0612345678")
        );
        assert_eq!(
            national_number("+33 6 12 34 56 78").as_deref(),
            Some("0612345678")
        );
        assert_eq!(
            national_number("0033612345678").as_deref(),
            Some("0612345678")
        );
        assert_eq!(national_number("0899123456").as_deref(), None);
        assert_eq!(national_number("+590690123456"), None);
        assert_eq!(national_number(""), None);
    }
}
