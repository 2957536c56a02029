use super::util::*;

#[test]
fn every_command_has_help_with_examples() {
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["inspect", "--help"],
        vec!["schema", "--help"],
    ] {
        let o = run(&args);
        assert!(o.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("Examples:"),
            "{args:?} help has no Examples section"
        );
    }
}

#[test]
fn schema_lists_every_reason_code_and_column() {
    let o = run(&["schema"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for code in qualify::schema::REASONS.iter().map(|r| r.code()) {
        assert!(text.contains(code), "{code} missing from `qualify schema`");
    }
    for (c, _) in qualify::schema::CANONICAL_COLUMNS {
        assert!(text.contains(c), "{c} missing");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["run", "--bogus"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    // No list at all is a usage error too.
    let o = run(&["run", "--out", "/tmp/never"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn inspect_shows_encoding_delimiter_and_mapping() {
    let o = run(&[
        "inspect",
        repo("tests/data/gen/small-cp1252.csv").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("windows-1252"), "{text}");
    assert!(text.contains("delimiter:  ;"), "{text}");
    assert!(text.contains("-> first_name"), "{text}");
    assert!(text.contains("-> email"), "{text}");
}

#[test]
fn the_sector_flag_takes_the_config_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_config(
        "sample-data/qualify.toml",
        &out,
        &["--sector", "energy_renovation"],
    );
    assert_eq!(summary(&out)["config"]["sector"], "energy_renovation");
}
