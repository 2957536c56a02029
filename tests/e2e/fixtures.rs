//! Hand-written fixtures in tests/data/: the rules scenario, and every kind
//! of bad input docs/outputs.md#run-outputs pins.

use std::path::Path;

use super::util::*;

fn run_scenario(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        "--config",
        "tests/data/scenario.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    bin().current_dir(repo("")).args(&args).output().unwrap()
}

#[test]
fn scenario_decisions_match_the_hand_written_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_scenario(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = std::fs::read_to_string(out.join("decisions.csv")).unwrap();
    let prefix = got
        .lines()
        .nth(1)
        .unwrap()
        .split('-')
        .next()
        .unwrap()
        .to_owned();
    let expected = std::fs::read_to_string(repo("tests/data/scenario.expected-decisions.csv"))
        .unwrap()
        .replace("\n@-", &format!("\n{prefix}-"));
    assert_eq!(got, expected);
    assert_conserved(&out, 10);

    assert_eq!(
        column(&out.join("qualified.csv"), "source_row"),
        ["1", "3", "5", "9"]
    );
    let rejected = out.join("rejected.csv");
    assert_eq!(
        column(&rejected, "source_row"),
        ["2", "4", "6", "7", "8", "10"]
    );
    assert_eq!(
        column(&rejected, "matched_record_id")[0],
        format!("{prefix}-1")
    );
    assert_eq!(column(&rejected, "matched_client_id")[5], "C-001");
    assert_eq!(column(&rejected, "phone_masked")[0], "+33 6** ** ** 78");
    assert_eq!(column(&rejected, "name_masked")[0], "A. M***");
    // record_id is the list's SHA-256 prefix and the row.
    let sha = qualify::ingest::sha256_file(&repo("tests/data/scenario.csv")).unwrap();
    assert_eq!(prefix, &sha[..8]);

    let q = out.join("qualified.csv");
    assert_eq!(
        column(&q, "mobile")[0],
        "+33612345678",
        "E.164 phones are not escaped"
    );
    assert_eq!(
        column(&q, "company_name")[3],
        "'=HYPERLINK(\"http://x\")",
        "formula neutralised"
    );
    assert_eq!(column(&q, "audience"), ["b2c", "b2b", "b2c", "b2b"]);
    assert_eq!(column(&q, "contactable_until")[2], "2026-11-23");
    assert_eq!(column(&q, "can_email"), ["true", "true", "true", "false"]);
    assert_eq!(column(&out.join("to_delete.csv"), "reason"), ["stale"]);

    let s = summary(&out);
    assert_eq!(s["counts"]["rows_read"], 10);
    assert_eq!(s["counts"]["qualified"], 4);
    assert_eq!(s["reasons"]["duplicate"], 1);
    assert_eq!(s["reasons"]["existing_client"], 1);
    assert_eq!(s["as_of"], "2026-11-23");
}

#[test]
fn scenario_is_deterministic_and_run_json_is_separate() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert!(run_scenario(&a, &[]).status.success());
    assert!(run_scenario(&b, &[]).status.success());
    for f in [
        "qualified.csv",
        "rejected.csv",
        "decisions.csv",
        "to_delete.csv",
        "vendor-feedback.csv",
        "summary.json",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let run_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("run.json")).unwrap()).unwrap();
    assert!(run_json["stages_seconds"]["link"].is_number());
    // No temporary file is left behind.
    assert!(std::fs::read_dir(&a).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".tmp")));
}

#[test]
fn excel_and_parquet_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run_scenario(&out, &["--excel", "--parquet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(out.join("qualified.csv")).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFrecord_id;source_row;"),
        "BOM and ; for Excel"
    );
    let pq = std::fs::read(out.join("qualified.parquet")).unwrap();
    assert!(pq.starts_with(b"PAR1"));
}

#[test]
fn the_as_of_date_is_a_setting_not_the_clock() {
    // On 2026-08-10 consumer calls were opt-out with Bloctel: without a
    // Bloctel file every consumer phone decision is bloctel_outdated.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(run_scenario(&out, &["--as-of", "2026-08-10"])
        .status
        .success());
    let rows = csv_rows(&out.join("decisions.csv"));
    let alice_phone = rows
        .iter()
        .find(|r| r[1] == "1" && r[2] == "phone")
        .unwrap();
    assert_eq!(alice_phone[4], "bloctel_outdated");
    assert_eq!(summary(&out)["as_of"], "2026-08-10");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn bad_rows_are_rejected_malformed_with_their_row_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"first_name;last_name;email\nAnne;Durand;anne@gmail.com\nragged;row\nNul;By\0te;x@gmail.com\n".to_vec();
    text.extend_from_slice(b"Big;Cell;");
    text.extend(std::iter::repeat_n(b'a', 1_100_000));
    text.extend_from_slice(b"\n\"Multi\nline\";Ok;ok@gmail.com\n");
    let list = write(dir.path(), "bad.csv", &text);
    write_manifest(&list);
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-11-23",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 5);
    let rej = out.join("rejected.csv");
    let rows = column(&rej, "source_row");
    let reasons = column(&rej, "reasons");
    for r in ["2", "3", "4"] {
        let i = rows
            .iter()
            .position(|x| x == r)
            .unwrap_or_else(|| panic!("row {r} not rejected"));
        assert_eq!(reasons[i], "malformed_row");
    }
    let s = summary(&out);
    let msgs: Vec<String> = s["malformed_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(msgs[0].contains("ragged"));
    assert!(
        msgs[1].contains("NUL") && msgs[1].contains("last_name"),
        "{}",
        msgs[1]
    );
    assert!(
        msgs[2].contains("1 MB") && msgs[2].contains("email"),
        "{}",
        msgs[2]
    );
    // The quoted multi-line cell is one record, not two.
    assert_eq!(s["counts"]["rows_read"], 5);
}

#[test]
fn whole_file_problems_exit_1_and_leave_no_complete_folder() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (write(dir.path(), "empty.csv", b""), "empty"),
        (
            write(
                dir.path(),
                "binary.csv",
                &(0..5000u32).map(|i| (i % 9) as u8).collect::<Vec<_>>(),
            ),
            "undecodable",
        ),
        (dir.path().join("missing.csv"), "not found"),
    ];
    for (list, needle) in cases {
        let out = dir.path().join(format!(
            "out-{}",
            list.file_stem().unwrap().to_string_lossy()
        ));
        let o = run(&[
            "run",
            "--list",
            list.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}: {}",
            list.display(),
            stderr(&o)
        );
        let err = stderr(&o);
        assert!(
            err.contains(&*list.file_name().unwrap().to_string_lossy()) && err.contains(needle),
            "{err}"
        );
        assert!(!out.join("summary.json").exists());
    }
}

#[test]
fn header_only_file_is_a_successful_empty_run() {
    let dir = tempfile::tempdir().unwrap();
    let list = write(dir.path(), "h.csv", b"Nom;Pr\xe9nom;Courriel\r\n");
    write_manifest(&list);
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_conserved(&out, 0);
    assert_eq!(summary(&out)["counts"]["rows_read"], 0);
}

#[test]
fn no_manifest_rejects_every_record_no_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let list = write(dir.path(), "orphan.csv", b"email,consent_email,consent_email_at,consent_proof,collected_at\na@gmail.com,yes,2026-01-01,p1,2026-01-01\nb@gmail.com,yes,2026-01-01,p2,2026-01-01\n");
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-11-23",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no manifest"),
        "the run says so: {}",
        stderr(&o)
    );
    assert_conserved(&out, 2);
    assert_eq!(column(&out.join("qualified.csv"), "source_row").len(), 0);
    for r in column(&out.join("rejected.csv"), "reasons") {
        assert!(r.starts_with("no_provenance"), "{r}");
    }
}

#[test]
fn a_bad_manifest_or_mapping_is_an_error_naming_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let list = write(dir.path(), "l.csv", b"Mail pro,Nom\na@acme.fr,Durand\n");
    let manifest = std::fs::read_to_string(repo("tests/data/scenario.manifest.toml")).unwrap();
    let bad = write(
        dir.path(),
        "bad.manifest.toml",
        manifest
            .replace("method = \"purchased\"", "methode = \"purchased\"")
            .as_bytes(),
    );
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--manifest",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("bad.manifest.toml") && stderr(&o).contains("methode"),
        "{}",
        stderr(&o)
    );

    let good = write(dir.path(), "good.manifest.toml", manifest.as_bytes());
    let mapping = write(
        dir.path(),
        "map.toml",
        b"[columns]\n\"Mail pro\" = \"courriel\"\n",
    );
    let o = run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--manifest",
        good.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("map.toml") && stderr(&o).contains("courriel"),
        "{}",
        stderr(&o)
    );

    let mapping = write(
        dir.path(),
        "map.toml",
        b"[columns]\n\"Mail pro\" = \"email\"\n",
    );
    let o = run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--manifest",
        good.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(summary(&out)["columns"]["mapped"][0]["canonical"], "email");
}

#[test]
fn a_bad_opposition_row_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let list = write(dir.path(), "l.csv", b"email\na@gmail.com\n");
    write_manifest(&list);
    let opp = write(dir.path(), "opp.csv", b"sha256,channel\nabc,all\n");
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        "--list",
        list.to_str().unwrap(),
        "--opposition",
        opp.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("opp.csv") && e.contains("row 1") && e.contains("sha256"),
        "{e}"
    );
}
