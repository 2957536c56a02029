//! The run folder: replaced whole, never mixed, private, one run at a time.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use super::util::{bin, repo, run, run_config, run_sample, stderr};

fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_failed_rerun_leaves_the_previous_run_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_config("sample-data/qualify.toml", &out, &[]);
    let before = contents(&out);
    assert!(before.contains_key("certificate.json"));
    // A mapping typo: the run fails after the folder was opened.
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, "[columns]\n\"Courriel typo\" = \"email\"\n").unwrap();
    let o = run_sample(&out, &["--mapping", mapping.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(contents(&out), before, "the failed run changed the folder");
    // Nothing of the failed run is left beside it either.
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".out.") && n != ".out.lock")
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

#[test]
fn a_file_of_an_earlier_run_never_survives_and_verify_flags_an_added_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_config("sample-data/qualify.toml", &out, &["--parquet"]);
    assert!(out.join("qualified.parquet").exists());
    let o = run(&[
        "run",
        "--config",
        repo("sample-data/qualify.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("held an earlier run; it was replaced whole"),
        "{}",
        stderr(&o)
    );
    assert!(
        !out.join("qualified.parquet").exists(),
        "stale Parquet survived"
    );
    let cert = out.join("certificate.json");
    let ok = run(&["verify", "--certificate", cert.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(
        text.contains("the signer was not checked"),
        "an unsigned run must not read as signed: {text}"
    );

    std::fs::write(out.join("qualified.parquet"), b"from elsewhere").unwrap();
    let bad = run(&["verify", "--certificate", cert.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(4), "{}", stderr(&bad));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("qualified.parquet (not certified)"),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );
    std::fs::remove_file(out.join("qualified.parquet")).unwrap();
    std::fs::remove_file(out.join("summary.json")).unwrap();
    let bad = run(&["verify", "--certificate", cert.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("summary.json (output): missing"));
}

#[cfg(unix)]
#[test]
fn outputs_are_private_whatever_the_umask_and_a_planted_link_is_not_followed() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // What an attacker plants where older versions wrote temporaries.
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, out.join(".qualified.csv.tmp")).unwrap();
    let o = run_sample(&out, &[]);
    // A link is not a file qualify wrote: the folder is refused, untouched.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("did not write"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");

    let out2 = dir.path().join("out2");
    let mut cmd = bin();
    cmd.args([
        "run",
        "--config",
        repo("sample-data/qualify.toml").to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
        "--quiet",
    ]);
    // umask 000 for the child: without explicit modes everything would be
    // world-writable.
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$@\"")
        .arg("sh")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out2), 0o700);
    for (name, _) in contents(&out2) {
        assert_eq!(mode(&out2.join(&name)), 0o600, "{name}");
    }
}

#[test]
fn two_runs_into_one_folder_end_with_one_complete_run_and_one_clear_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let start = |as_of: &str| {
        bin()
            .args([
                "run",
                "--config",
                repo("sample-data/qualify.toml").to_str().unwrap(),
                "--as-of",
                as_of,
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = start("2026-11-23");
    // The first run holds the lock from its first step; give it that step.
    let lock = dir.path().join(".out.lock");
    let t0 = std::time::Instant::now();
    while !lock.exists() && t0.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let b = start("2026-11-24").wait_with_output().unwrap();
    let a = a.wait_with_output().unwrap();
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes.contains(&Some(0)),
        "neither run completed: {codes:?} {}",
        stderr(&b)
    );
    if codes.contains(&Some(5)) {
        let refused = if a.status.code() == Some(5) { &a } else { &b };
        assert!(
            stderr(refused).contains("another qualify run is writing"),
            "{}",
            stderr(refused)
        );
    } else {
        // The first ended before the second began: both complete, in turn.
        assert_eq!(codes, [Some(0), Some(0)]);
    }
    // Whatever the order, the folder is one run's, whole.
    let cert = out.join("certificate.json");
    let v = run(&["verify", "--certificate", cert.to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let as_of = summary["as_of"].as_str().unwrap().to_owned();
    let decisions = std::fs::read_to_string(out.join("qualified.csv")).unwrap();
    assert!(!decisions.is_empty());
    assert!(as_of == "2026-11-23" || as_of == "2026-11-24");
}

#[test]
fn an_output_folder_that_holds_the_list_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_config("sample-data/qualify.toml", &out, &[]);
    let before = contents(&out);
    let o = run(&[
        "run",
        "--list",
        out.join("qualified.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("contains the input"), "{}", stderr(&o));
    assert_eq!(contents(&out), before);
}
