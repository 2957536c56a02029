//! The same ten prospects as CSV (Windows-1252), XLSX, Parquet, JSON and
//! NDJSON (tests/data/gen, made by `qualify-gen fixtures`) must give the
//! same decisions whatever the format.

use super::util::*;

fn decisions_without_ids(file: &str) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let list = repo(&format!("tests/data/gen/{file}"));
    let o = run(&[
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
    ]);
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
