//! Runs the real binary in a temporary folder and reads its outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qualify"))
}

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn run(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("qualify runs");
    out
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Rows of a CSV output as vectors of fields (header included).
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("output CSV exists");
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The column `name` of a CSV output, header excluded.
pub fn column(path: &Path, name: &str) -> Vec<String> {
    let rows = csv_rows(path);
    let i = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {}", path.display()));
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

/// Asserts the conservation rule on a run folder: every source row of the
/// list is in exactly one of qualified.csv / rejected.csv.
pub fn assert_conserved(out: &Path, rows: usize) {
    let mut seen: Vec<usize> = column(&out.join("qualified.csv"), "source_row")
        .into_iter()
        .chain(column(&out.join("rejected.csv"), "source_row"))
        .map(|s| s.parse().unwrap())
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        (1..=rows).collect::<Vec<_>>(),
        "conservation in {}",
        out.display()
    );
    let decisions = column(&out.join("decisions.csv"), "source_row");
    assert_eq!(
        decisions.len(),
        rows * 6,
        "one decision per record and channel"
    );
}

pub fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// Writes a manifest beside `list` (the sidecar name).
pub fn write_manifest(list: &Path) {
    let stem = list.file_stem().unwrap().to_string_lossy().into_owned();
    std::fs::write(
        list.with_file_name(format!("{stem}.manifest.toml")),
        std::fs::read_to_string(repo("tests/data/scenario.manifest.toml")).unwrap(),
    )
    .unwrap();
}

/// `qualify run --list <list> <extra>` (a list with its sidecar manifest);
/// the output, whatever the exit code.
pub fn run_list(list: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--list", list.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

/// `qualify run --config <repo-relative config> --out <out> <extra>`; the
/// output, whatever the exit code (not quiet unless `extra` says so).
pub fn qualify_run(config: &str, out: &Path, extra: &[&str]) -> Output {
    let config = repo(config);
    let mut args = vec![
        "run",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `qualify run` on the shipped sample into `out`, quietly, with `extra`
/// flags; the output, whatever the exit code.
pub fn run_sample(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(extra);
    qualify_run("sample-data/qualify.toml", out, &args)
}

/// `qualify run --config <repo-relative config> --out <out> --quiet <extra>`,
/// which must succeed.
pub fn run_config(config: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["--quiet"];
    args.extend_from_slice(extra);
    let o = qualify_run(config, out, &args);
    assert!(o.status.success(), "{config}: {}", stderr(&o));
}
