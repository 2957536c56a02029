//! The same ten prospects as CSV (Windows-1252), XLSX, Parquet, JSON and
//! NDJSON (tests/data/gen, made by `qualify-gen fixtures`) must give the
//! same decisions whatever the format.

use super::util::*;

fn decisions_without_ids(file: &str) -> Vec<Vec<String>> {
    decisions_in_batches(file, &[])
}

/// [`decisions_without_ids`] with extra flags (`--batch-rows`).
fn decisions_in_batches(file: &str, extra: &[&str]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let list = repo(&format!("tests/data/gen/{file}"));
    let mut args = vec![
        "run",
        "--list",
        list.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-11-23",
        "--buyer",
        "Menuiseries Bellerive SAS",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{file}: {}", stderr(&o));
    let rows = csv_rows(&out.join("decisions.csv"));
    let n = rows.len() - 1;
    assert_conserved(&out, n / 6);
    assert!(
        n >= 60,
        "{file}: expected the ten fixture prospects, got {} decisions",
        n
    );
    rows.into_iter()
        .map(|mut r| {
            r.remove(0);
            r
        })
        .collect()
}

#[test]
fn every_format_gives_the_same_decisions() {
    let reference = decisions_without_ids("small-cp1252.csv");
    for f in ["small.xlsx", "small.parquet", "small.json", "small.ndjson"] {
        assert_eq!(
            decisions_without_ids(f),
            reference,
            "{f} differs from the CSV"
        );
    }
    // Each format read whole is handed over in batches: the same in
    // batches of three rows.
    for f in [
        "small-cp1252.csv",
        "small.xlsx",
        "small.parquet",
        "small.json",
        "small.ndjson",
    ] {
        assert_eq!(
            decisions_in_batches(f, &["--batch-rows", "3"]),
            reference,
            "{f} in batches of 3 differs"
        );
    }
}

#[test]
fn the_cp1252_fixture_is_really_windows_1252() {
    let bytes = std::fs::read(repo("tests/data/gen/small-cp1252.csv")).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "fixture should not be valid UTF-8"
    );
    let o = run(&[
        "inspect",
        repo("tests/data/gen/small-cp1252.csv").to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("windows-1252"));
}

/// `qualify run` on one list with the scenario manifest, as the reviewer ran it.
fn run_list(list: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    let manifest = repo("tests/data/scenario.manifest.toml");
    run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--as-of",
        "2026-11-23",
        "--buyer",
        "Maison Dupont SAS",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ])
}

const HEADER13: &str = "first_name,last_name,email,mobile,postcode,city,collected_at,consent_email,consent_email_at,consent_sms,consent_sms_at,consent_partners,consent_proof";

#[test]
fn an_unterminated_quote_fails_naming_the_row_instead_of_eating_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let rest = "Bob,Martin,bob@gmail.com,0698765432,69001,Lyon,2026-01-10,oui,2026-01-10,oui,2026-01-10,oui,form#2\n\
                Carl,Petit,carl@gmail.com,0698765431,69001,Lyon,2026-01-10,oui,2026-01-10,oui,2026-01-10,oui,form#3\n";
    let last = dir.path().join("unterm_last.csv");
    std::fs::write(
        &last,
        format!("{HEADER13}\nAlice,Moreau,alice@gmail.com,0612345678,75001,Paris,2026-01-10,oui,2026-01-10,oui,2026-01-10,oui,\"form#1\n{rest}"),
    )
    .unwrap();
    let o = run_list(&last, &dir.path().join("out1"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("unterm_last.csv")
            && e.contains("row 1")
            && e.contains("consent_proof")
            && e.contains("unterminated quote"),
        "{e}"
    );

    let first = dir.path().join("unterm.csv");
    std::fs::write(
        &first,
        format!("{HEADER13}\nAlice,Moreau,alice@gmail.com,0612345678,75001,Paris,2026-01-10,oui,2026-01-10,oui,2026-01-10,oui,form#1\n\"Bob,Martin,bob@gmail.com\n{rest}"),
    )
    .unwrap();
    let o = run_list(&first, &dir.path().join("out2"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("row 2") && e.contains("first_name"), "{e}");
}

#[test]
fn floats_in_parquet_and_json_keep_phones_postcodes_and_zoned_dates() {
    let dir = tempfile::tempdir().unwrap();
    // pandas' Float64 mobile 612345678.0 / postcode 1000.0 (column with gaps).
    let out = dir.path().join("pq");
    let o = run_list(&repo("tests/data/ingest/types.parquet"), &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 3);
    let q = out.join("qualified.csv");
    let mobiles = column(&q, "mobile");
    let postcodes = column(&q, "postcode");
    assert!(mobiles.iter().all(|m| !m.contains(".0")), "{mobiles:?}");
    // qualified.csv leaves a mobile empty when no channel may use it: that
    // the float was read as a valid mobile shows in the SMS decisions.
    let d = csv_rows(&out.join("decisions.csv"));
    let sms: Vec<&Vec<String>> = d[1..].iter().filter(|r| r[2] == "sms").collect();
    assert!(
        sms.iter().all(|r| !r[4].contains("phone_invalid")),
        "{sms:?}"
    );
    assert!(
        sms.iter().any(|r| !r[4].contains("no_contact_data")),
        "a valid mobile was read: {sms:?}"
    );
    assert!(postcodes.contains(&"75001".to_string()), "{postcodes:?}");
    assert!(postcodes.contains(&"01000".to_string()), "{postcodes:?}");
    let rejected = std::fs::read_to_string(out.join("rejected.csv")).unwrap();
    assert!(!rejected.contains("phone_invalid"), "{rejected}");

    let out = dir.path().join("json");
    let o = run_list(&repo("tests/data/ingest/types.json"), &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 2);
    let all = std::fs::read_to_string(out.join("qualified.csv")).unwrap()
        + &std::fs::read_to_string(out.join("rejected.csv")).unwrap();
    assert!(!all.contains("612345679.0"), "{all}");
    assert!(!all.contains("phone_invalid"), "{all}");
    // The mobile is empty in qualified.csv (no channel may use it); that
    // it was read as a valid mobile shows in the SMS decisions.
    let d = csv_rows(&out.join("decisions.csv"));
    assert!(
        d[1..]
            .iter()
            .any(|r| r[2] == "sms" && !r[4].contains("no_contact_data")),
        "{d:?}"
    );

    // timestamp[us, tz=Europe/Paris] used to stop the run.
    let out = dir.path().join("tz");
    let o = run_list(&repo("tests/data/ingest/tz.parquet"), &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 1);
}

#[test]
fn json_keys_that_vary_per_record_all_feed_the_email() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("keys.json");
    std::fs::write(
        &list,
        r#"[{"email":"a@gmail.com"},{"Email":"b@gmail.com"},{"E-mail":"c@gmail.com"}]"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run_list(&list, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 3);
    let masked = column(&out.join("rejected.csv"), "email_masked");
    assert_eq!(
        masked,
        vec!["a***@gmail.com", "b***@gmail.com", "c***@gmail.com"]
    );
}

#[test]
fn generated_consent_headers_read_like_the_canonical_ones() {
    let dir = tempfile::tempdir().unwrap();
    let row = "Alice,Moreau,alice@gmail.com,0612345678,75001,Paris,2026-01-10,oui,2026-01-10,oui,2026-01-10,oui,form#1\n";
    let canonical = dir.path().join("canonical.csv");
    std::fs::write(&canonical, format!("{HEADER13}\n{row}")).unwrap();
    let vendor = dir.path().join("vendor.csv");
    let header = HEADER13
        .replace("consent_email_at", "Date de consentement email")
        .replace("consent_email", "Opt-in courriel")
        .replace("consent_sms_at", "Date d'opt-in SMS")
        .replace("consent_sms,", "SMS consentement,");
    std::fs::write(&vendor, format!("{header}\n{row}")).unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (list, out) in [(&canonical, &a), (&vendor, &b)] {
        let o = run_list(list, out);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_conserved(out, 1);
    }
    let decisions = |out: &std::path::Path| -> Vec<Vec<String>> {
        csv_rows(&out.join("decisions.csv"))
            .into_iter()
            .map(|mut r| {
                r.remove(0);
                r
            })
            .collect()
    };
    assert_eq!(decisions(&a), decisions(&b));
    assert_eq!(column(&b.join("qualified.csv"), "source_row"), vec!["1"]);
}

#[test]
fn excel_sep_line_is_read_as_the_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("sep.csv");
    std::fs::write(
        &list,
        "sep=;\r\nE-mail;Nom;Date de collecte\r\na@gmail.com;Moreau;2026-01-10\r\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run_list(&list, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 1);
    let rejected = std::fs::read_to_string(out.join("rejected.csv")).unwrap();
    assert!(!rejected.contains("malformed_row"), "{rejected}");
    assert_eq!(
        column(&out.join("rejected.csv"), "email_masked"),
        vec!["a***@gmail.com"]
    );
}

#[test]
fn a_json_file_that_is_one_object_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("wrapped.json");
    std::fs::write(
        &list,
        "{\n  \"records\": [\n    {\"email\": \"a@gmail.com\"},\n    {\"email\": \"b@gmail.com\"}\n  ]\n}\n",
    )
    .unwrap();
    let o = run_list(&list, &dir.path().join("out"));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("wrapped.json") && e.contains("array of objects"),
        "{e}"
    );
}

#[test]
fn xlsx_title_rows_and_empty_rows_are_not_records() {
    let dir = tempfile::tempdir().unwrap();
    // A title, a blank row, then the header.
    let out = dir.path().join("title");
    let o = run_list(&repo("tests/data/ingest/title.xlsx"), &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 1);
    assert_eq!(
        column(&out.join("rejected.csv"), "email_masked"),
        vec!["a***@gmail.com"]
    );
    // An empty row between records 1 and 2 is skipped, as a blank CSV line is.
    let out = dir.path().join("types");
    let o = run_list(&repo("tests/data/ingest/types.xlsx"), &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 3);
    let all = std::fs::read_to_string(out.join("rejected.csv")).unwrap();
    assert!(!all.contains("malformed_row"), "{all}");
}

#[test]
fn a_big_utf8_list_read_as_a_stream_decides_as_when_read_whole() {
    // The sample's rows three times over (over 1 MiB): in UTF-8 it is read
    // as a stream, in Windows-1252 (the sample's own bytes) decoded whole.
    // The same text, so the same decisions (the record ids differ: they
    // come from the file's hash).
    let raw = std::fs::read(repo("sample-data/prospects.csv")).unwrap();
    let cut = raw.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut cp1252 = raw.clone();
    for _ in 0..2 {
        cp1252.extend_from_slice(&raw[cut..]);
    }
    let (utf8, _, bad) = encoding_rs::WINDOWS_1252.decode(&cp1252);
    assert!(!bad && utf8.len() > 1 << 20, "{} bytes", utf8.len());
    let dir = tempfile::tempdir().unwrap();
    let mut counts = Vec::new();
    let mut decisions = Vec::new();
    for (name, bytes) in [("big.csv", utf8.as_bytes()), ("big-1252.csv", &cp1252[..])] {
        let list = dir.path().join(name);
        std::fs::write(&list, bytes).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        let manifest = repo("sample-data/prospects.manifest.toml");
        let o = qualify_run(
            "sample-data/qualify.toml",
            &out,
            &[
                "--list",
                list.to_str().unwrap(),
                "--manifest",
                manifest.to_str().unwrap(),
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let s = summary(&out);
        assert_eq!(s["counts"]["rows_read"], 6000, "{name}");
        counts.push((s["counts"].clone(), s["channel_reasons"].clone()));
        let rows: Vec<Vec<String>> = csv_rows(&out.join("decisions.csv"))
            .into_iter()
            .map(|mut r| {
                r.remove(0);
                r
            })
            .collect();
        decisions.push(rows);
    }
    assert_eq!(counts[0], counts[1]);
    assert!(decisions[0] == decisions[1], "the decisions differ");
}
