//! `qualify-gen fixtures`: ten hand-picked prospects in every input format.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};

use super::columns::{col, COLS, EN_HEADERS, FR_HEADERS};
use super::formats::{encode_cp1252, manifest_text, push_csv_record, write_file};

/// One hand-picked prospect: what it is for, and its cells in [`FR_HEADERS`] order.
struct Fixture {
    intent: &'static str,
    cells: [&'static str; COLS],
}

/// The ten fixture prospects. Run with `--as-of 2026-11-23` and
/// `--buyer "Menuiseries Bellerive SAS"` (named in the manifest's partners).
const FIXTURES: [Fixture; 10] = [
    // Row 1: B2C consumer who opted in to email, SMS and phone, dated, with proof,
    // and accepted the transfer to partners. Survivor of the cluster {1, 3}; the
    // `non` of row 3 binds it, so email is denied; sms, phone, post allowed.
    Fixture {
        intent: "B2C, opt-in email/SMS/phone dated with proof, partners yes; survivor of {1,3}: row 3's email `non` binds it (email denied; sms, phone, post allowed)",
        cells: [
            "Mme", "Chloé", "Lefèvre", "", "", "", "chloe.lefevre@orange.fr", "", "06 12 34 56 78", "",
            "14 rue des Œillets", "69003", "Lyon", "France", "15/03/2025", "02/09/2026",
            "Jeu concours été 2025", "oui", "15/03/2025", "oui", "15/03/2025", "oui", "15/03/2025",
            "", "", "", "oui", "JEU-ETE-2025-v3#104223",
        ],
    },
    // Row 2: B2B named professional at work: company, valid SIRET, job title,
    // corporate email, landline, no consent. Opt-out channels: email, phone, post
    // allowed; sms has no mobile.
    Fixture {
        intent: "B2B named professional (company, Luhn-valid SIRET, job, corporate email, landline), no consent: email, phone, post allowed by opt-out; sms no_contact_data",
        cells: [
            "M.", "Jérôme", "Ménard", "Menuiserie Azurel SARL", "81452733900018", "Directeur commercial",
            "jerome.menard@menuiserie-azurel.fr", "04 78 12 34 56", "", "", "3 avenue Foch", "69006",
            "Lyon", "France", "2025-06-10", "", "Salon Habitat & Déco Lyon 2025", "", "", "", "", "",
            "", "", "", "", "", "",
        ],
    },
    // Row 3: duplicate of row 1 by phone (+33 format, mobile only), name without
    // accents, and `non` to email: rejected `duplicate`, matched_record_id = row 1.
    Fixture {
        intent: "duplicate of row 1 by phone (+33 6 12 34 56 78), name without accents, email opt-in `non`: rejected duplicate of row 1",
        cells: [
            "", "Chloe", "LEFEVRE", "", "", "", "", "", "+33 6 12 34 56 78", "", "", "69003", "Lyon",
            "", "01/10/2025", "", "Formulaire devis en ligne", "non", "", "", "", "", "", "", "", "",
            "oui", "DEVIS-WEB-v1#220871",
        ],
    },
    // Row 4: invalid email (double @); mobile with a dated SMS opt-in. In
    // small.xlsx the mobile is a numeric cell 687654321 (Excel dropped the 0).
    Fixture {
        intent: "invalid email (`@@`): email_invalid; sms allowed (dated opt-in; in small.xlsx the mobile is the numeric cell 687654321); phone no_consent; post allowed",
        cells: [
            "M.", "Marc", "Girard", "", "", "", "marc.girard@@free.fr", "", "06 87 65 43 21", "",
            "27 rue Pasteur", "33000", "Bordeaux", "France", "2026-02-14", "", "Newsletter Data Horizon",
            "oui", "14/02/2026", "oui", "14/02/2026", "", "", "", "", "", "oui", "NEWS-DH-v2#318840",
        ],
    },
    // Row 5: disposable email domain, no phone, no address: rejected.
    Fixture {
        intent: "disposable email (yopmail.com), no phone, no address: rejected (email_disposable; no_contact_data elsewhere)",
        cells: [
            "Mme", "Anaïs", "Rivière", "", "", "", "anais.riviere@yopmail.com", "", "", "", "", "", "",
            "", "20/05/2026", "", "Jeu concours été 2025", "oui", "20/05/2026", "", "", "", "", "", "",
            "", "oui", "JEU-ETE-2025-v3#377120",
        ],
    },
    // Row 6: collected 10/01/2023, no later contact: more than 3 years before
    // 2026-11-23, rejected `stale` and listed in to_delete.csv.
    Fixture {
        intent: "stale: collected 10/01/2023, no later contact (more than 3 years before 2026-11-23): rejected stale, in to_delete.csv",
        cells: [
            "M.", "Gérard", "Besnard", "", "", "", "gerard.besnard@wanadoo.fr", "", "07 81 22 33 44", "",
            "5 place de l'Église", "35000", "Rennes", "France", "10/01/2023", "", "Parrainage", "oui",
            "10/01/2023", "oui", "10/01/2023", "", "", "", "", "", "oui", "PARRAIN-v1#004512",
        ],
    },
    // Row 7: email opt-in without a date (consent_without_proof), premium 08 99
    // number (phone_premium), address without postcode (address_incomplete).
    Fixture {
        intent: "email `oui` without date (consent_without_proof), 08 99 premium number (phone_premium), no postcode (address_incomplete), no mobile: rejected",
        cells: [
            "Mme", "Hélène", "Lévêque", "", "", "", "helene.leveque@hotmail.fr", "08 99 12 34 56", "", "",
            "18 rue Jean-Jaurès", "", "Nîmes", "France", "03/04/2026", "", "Jeu concours été 2025",
            "oui", "", "", "", "oui", "03/04/2026", "", "", "", "oui", "JEU-ETE-2025-v3#118270",
        ],
    },
    // Row 8: Guadeloupe (97110): 0690 is a valid mobile there (+590 690 41 52 63).
    Fixture {
        intent: "overseas: Pointe-à-Pitre 97110, mobile 0690 41 52 63 is valid in Guadeloupe (+590690415263): email, sms, post allowed",
        cells: [
            "M.", "Loïc", "N'Diaye", "", "", "", "loic.ndiaye@gmail.com", "", "0690 41 52 63", "",
            "9 rue Schœlcher", "97110", "Pointe-à-Pitre", "Guadeloupe", "2026-07-01", "",
            "Webinaire RGPD & marketing", "oui", "2026-07-01", "oui", "2026-07-01", "", "", "", "", "",
            "oui", "https://preuves.data-horizon.example.fr/webi-rgpd/5f3a9c21",
        ],
    },
    // Row 9: refused the transfer to partners: every channel denied, to_delete.csv.
    Fixture {
        intent: "refused transfer to partners (Opt-in partenaires = non): every channel denied, in to_delete.csv",
        cells: [
            "Mme", "Cécile", "Fabre", "", "", "", "cecile.fabre@laposte.net", "", "06 45 78 90 12", "",
            "2 chemin des Prés", "25000", "Besançon", "France", "12/12/2025", "", "Newsletter Data Horizon",
            "oui", "12/12/2025", "oui", "12/12/2025", "oui", "12/12/2025", "", "", "oui", "non",
            "NEWS-DH-v3#512208",
        ],
    },
    // Row 10: no person named: generic company address (contact@), a company
    // name that is a formula (must be neutralised with `'` in outputs), a
    // Luhn-invalid SIRET (signal dropped), an unrecognised consent value.
    Fixture {
        intent: "generic company address contact@ (no person), formula company name `=HYPERLINK(...)` (neutralised in outputs), Luhn-invalid SIRET, email opt-in `peut-être` (warning): B2B opt-out email, phone, post allowed",
        cells: [
            "", "", "", "=HYPERLINK(\"http://offre.example.com\";\"Cliquez ici\")", "42719856900028", "",
            "contact@transports-brivane.fr", "03 88 45 67 89", "", "", "40 route de Besançon", "67000",
            "Strasbourg", "France", "05/09/2026", "", "Salon des Entrepreneurs Paris 2024", "peut-être",
            "", "", "", "", "", "", "", "", "", "",
        ],
    },
];

pub(super) fn fixtures(out: &Path) -> Result<()> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let manifest = manifest_text();
    for stem in ["small", "small-cp1252"] {
        write_file(
            &out.join(format!("{stem}.manifest.toml")),
            manifest.as_bytes(),
        )?;
    }

    // small-cp1252.csv: French headers, `;`, Windows-1252, CRLF.
    let mut text = String::new();
    push_csv_record(&mut text, &FR_HEADERS, ';', "\r\n");
    for f in &FIXTURES {
        push_csv_record(&mut text, &f.cells, ';', "\r\n");
    }
    let path = out.join("small-cp1252.csv");
    write_file(&path, &encode_cp1252(&text, &path)?)?;

    write_fixture_xlsx(&out.join("small.xlsx"))?;
    write_fixture_parquet(&out.join("small.parquet"))?;
    write_fixture_json(out)?;
    write_fixture_readme(&out.join("README.md"))?;
    eprintln!(
        "wrote {}: small.xlsx, small.parquet, small.json, small.ndjson, small-cp1252.csv ({} records each) and manifests",
        out.display(),
        FIXTURES.len()
    );
    Ok(())
}

/// First sheet, French headers; row 4's mobile is a number, dates of
/// collection are date cells.
fn write_fixture_xlsx(path: &Path) -> Result<()> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    // A fixed creation time, so the file is byte-identical on every run.
    let created = ExcelDateTime::from_ymd(2026, 11, 23)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet();
    ws.set_name("Prospects")?;
    for (c, h) in FR_HEADERS.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, f) in FIXTURES.iter().enumerate() {
        let row = r as u32 + 1;
        for (c, cell) in f.cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let colnum = c as u16;
            if r == 3 && c == col::MOBILE {
                ws.write_number(row, colnum, 687_654_321.0)?;
            } else if c == col::COLLECTED {
                match parse_fixture_date(cell) {
                    Some(d) => {
                        let dt = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )?;
                        ws.write_datetime_with_format(row, colnum, &dt, &date_format)?;
                    }
                    None => {
                        ws.write_string(row, colnum, *cell)?;
                    }
                }
            } else {
                ws.write_string(row, colnum, *cell)?;
            }
        }
    }
    wb.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn parse_fixture_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

/// Canonical English column names (no `civility`), String columns, nulls for empty cells.
fn write_fixture_parquet(path: &Path) -> Result<()> {
    use polars::prelude::*;
    let columns: Vec<Column> = (1..COLS)
        .map(|c| {
            let values: Vec<Option<&str>> = FIXTURES
                .iter()
                .map(|f| Some(f.cells[c]).filter(|s| !s.is_empty()))
                .collect();
            Column::new(EN_HEADERS[c].into(), values)
        })
        .collect();
    let mut df = DataFrame::new_infer_height(columns)?;
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(file).finish(&mut df)?;
    Ok(())
}

/// small.json: an array of objects with every key (empty cells are null);
/// small.ndjson: one object per line, empty cells left out. Canonical English keys.
fn write_fixture_json(out: &Path) -> Result<()> {
    use serde_json::{Map, Value};
    let mut array = Vec::new();
    let mut ndjson = String::new();
    for f in &FIXTURES {
        let mut full = Map::new();
        let mut sparse = Map::new();
        for (name, v) in EN_HEADERS.iter().zip(f.cells).skip(1) {
            if v.is_empty() {
                full.insert(name.to_string(), Value::Null);
            } else {
                full.insert(name.to_string(), Value::String(v.to_string()));
                sparse.insert(name.to_string(), Value::String(v.to_string()));
            }
        }
        array.push(Value::Object(full));
        ndjson.push_str(&serde_json::to_string(&Value::Object(sparse))?);
        ndjson.push('\n');
    }
    let mut json = serde_json::to_string_pretty(&Value::Array(array))?;
    json.push('\n');
    write_file(&out.join("small.json"), json.as_bytes())?;
    write_file(&out.join("small.ndjson"), ndjson.as_bytes())?;
    Ok(())
}

fn write_fixture_readme(path: &Path) -> Result<()> {
    let mut s = String::new();
    s.push_str(
        "# Generated fixtures\n\n\
         Written by `qualify-gen` (src/bin/qualify-gen.rs); do not edit by hand. Regenerate with:\n\n\
         ```sh\n\
         cargo run --bin qualify-gen -- fixtures --out tests/data/gen\n\
         ```\n\n\
         The same ten invented prospects in every format, each with a sidecar `<stem>.manifest.toml`\n\
         (vendor `Data Horizon SARL`, method `purchased`, partners naming `Menuiseries Bellerive SAS`):\n\n\
         | file | format |\n|---|---|\n\
         | `small-cp1252.csv` | `;`-separated, Windows-1252, CRLF, French headers (`Civilité`, `Prénom`, `E-mail`, `Tél`, `Portable`, `Opt-in email`, ...) |\n\
         | `small.xlsx` | first sheet `Prospects`, French headers; `Date de collecte` cells are Excel dates; row 4's `Portable` is the number 687654321 |\n\
         | `small.parquet` | canonical English column names (no civility), all String columns, null for empty cells |\n\
         | `small.json` | array of objects, canonical English keys, every key present (null when empty) |\n\
         | `small.ndjson` | one object per line, canonical English keys, empty cells left out |\n\n\
         Run them with `--as-of 2026-11-23 --buyer \"Menuiseries Bellerive SAS\"` (the buyer is a named partner,\n\
         so consents transfer). Expected outcome per `source_row`:\n\n\
         | row | intent |\n|---|---|\n",
    );
    for (i, f) in FIXTURES.iter().enumerate() {
        let _ = writeln!(s, "| {} | {} |", i + 1, f.intent.replace('|', "\\|"));
    }
    s.push_str(
        "\nThe larger demo set lives in `sample-data/` (`qualify-gen sample --seed 42 --out sample-data`),\n\
         with its ground truth in `sample-data/truth.csv`.\n",
    );
    write_file(path, s.as_bytes())
}
