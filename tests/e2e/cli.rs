use super::util::*;

#[test]
fn every_command_has_help_with_examples() {
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["inspect", "--help"],
        vec!["schema", "--help"],
        vec!["completions", "--help"],
        vec!["man", "--help"],
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

#[test]
fn errors_a_beginner_meets_say_once_what_is_wrong_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    let m = missing.to_str().unwrap();
    for args in [
        vec!["inspect", m],
        vec!["run", "--config", m, "--out", "/tmp/qualify-never"],
        vec!["verify", "--certificate", m],
    ] {
        let o = run(&args);
        let e = stderr(&o);
        assert!(!o.status.success(), "{args:?}");
        assert!(
            e.contains("missing.csv: no such file or folder"),
            "{args:?}: {e}"
        );
        assert!(!e.contains("os error"), "{args:?}: {e}");
    }
    // A folder given as the list.
    let o = run(&[
        "run",
        "--list",
        dir.path().to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("is a folder, where a file was expected"), "{e}");
    assert_eq!(e.matches("folder").count(), 1, "said twice: {e}");
    // A French date.
    let o = run(&[
        "run",
        "--config",
        repo("sample-data/qualify.toml").to_str().unwrap(),
        "--as-of",
        "23/11/2026",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("YYYY-MM-DD"), "{}", stderr(&o));
}

#[test]
fn a_list_without_its_header_row_stops_and_does_not_print_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("noheader.csv");
    std::fs::write(
        &list,
        "Jeanne,Martin,jeanne.martin@example.org,06 12 34 56 78,73282932000074\n\
         Paul,Durand,paul.durand@example.org,06 98 76 54 32,55208131700013\n",
    )
    .unwrap();
    write_manifest(&list);
    let out = dir.path().join("out");
    let o = run_list(&list, &["--out", out.to_str().unwrap()]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("looks like a record, not a header row"), "{e}");
    assert!(e.contains("column 3 holds an email address"), "{e}");
    for value in ["Jeanne", "Martin", "jeanne.martin", "06 12", "7328293"] {
        assert!(!e.contains(value), "the record leaked: {e}");
    }
    assert!(!out.exists());
}

#[test]
fn a_list_with_no_recognised_contact_column_is_an_error_pointing_to_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("vendor.csv");
    std::fs::write(
        &list,
        "Prenom,Nom,Adr_Mail_Pro,collected_at\nJeanne,Martin,j@example.org,2026-01-05\n",
    )
    .unwrap();
    write_manifest(&list);
    let o = run_list(&list, &["--out", dir.path().join("out").to_str().unwrap()]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("no contact column recognised"), "{e}");
    assert!(e.contains("Adr_Mail_Pro"), "{e}");
    assert!(e.contains("qualify inspect"), "{e}");
    assert!(e.contains("--mapping"), "{e}");
}

#[test]
fn dates_after_the_as_of_date_fail_closed_and_a_future_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("future.csv");
    std::fs::write(
        &list,
        "first_name,last_name,address_line1,postcode,city,collected_at\n\
         Jeanne,Martin,1 rue A,75001,Paris,2027-05-15\n\
         Paul,Durand,2 rue B,69001,Lyon,2026-01-05\n",
    )
    .unwrap();
    write_manifest(&list);
    let out = dir.path().join("out");
    let o = run_list(
        &list,
        &[
            "--as-of",
            "2026-11-23",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = summary(&out);
    assert_eq!(s["rejected_by_main_reason"]["date_in_future"], 1, "{s:#}");
    let warned = s["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str().unwrap().contains("after the as-of date")
            && w.as_str().unwrap().contains("rows 1")
    });
    assert!(warned, "{:#}", s["warnings"]);

    // A manifest whose collection has not started yet.
    let text = std::fs::read_to_string(repo("tests/data/scenario.manifest.toml")).unwrap();
    let start = text
        .lines()
        .find(|l| l.starts_with("collected_between"))
        .unwrap()
        .to_owned();
    let manifest = dir.path().join("future.manifest.toml");
    std::fs::write(
        &manifest,
        text.replace(
            &start,
            "collected_between = [\"2027-01-01\", \"2027-06-30\"]",
        ),
    )
    .unwrap();
    let o = run_list(
        &list,
        &[
            "--as-of",
            "2026-11-23",
            "--out",
            dir.path().join("out2").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("after the as-of date 2026-11-23"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn twenty_thousand_unmapped_columns_make_one_short_warning_and_gzip_is_read() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let extra: Vec<String> = (0..20_000).map(|k| format!("x{k}")).collect();
    let header = format!("email,collected_at,{}\n", extra.join(","));
    let row = format!("a@example.fr,2026-01-05,{}\n", vec!["v"; 20_000].join(","));
    let list = dir.path().join("wide.csv.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(header.as_bytes()).unwrap();
    e.write_all(row.as_bytes()).unwrap();
    std::fs::write(&list, e.finish().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("wide.csv.manifest.toml"),
        std::fs::read_to_string(repo("tests/data/scenario.manifest.toml")).unwrap(),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = run_list(
        &list,
        &[
            "--manifest",
            dir.path().join("wide.csv.manifest.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = summary(&out);
    assert_eq!(s["counts"]["rows_read"], 1);
    let w: Vec<&str> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| w.contains("unmapped columns"))
        .collect();
    assert_eq!(w.len(), 1);
    assert!(w[0].len() < 400, "{} bytes", w[0].len());
    assert!(
        w[0].starts_with("20000 unmapped columns") && w[0].contains("19980 more"),
        "{}",
        w[0]
    );
    assert!(
        stderr(&o).lines().all(|l| l.len() < 1000),
        "a long line on stderr"
    );
}

#[test]
fn help_texts_cite_only_files_that_are_in_the_repository() {
    for args in [vec!["run", "--help"], vec!["--help"], vec!["schema"]] {
        let o = run(&args);
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            !text.contains("SPEC"),
            "{args:?} cites the spec, which is not in the repository"
        );
        for word in text.split(|c: char| c.is_whitespace() || "()[],;`'\"".contains(c)) {
            let word = word.trim_end_matches(['.', ':']);
            let path = word.split('#').next().unwrap();
            if (path.starts_with("docs/") || path.starts_with("schemas/")) && path.contains('.') {
                assert!(
                    repo(path).exists(),
                    "{args:?} cites {path}, which does not exist"
                );
            }
        }
    }
}

#[test]
fn an_unrecognised_email_column_beside_a_recognised_phone_is_named_in_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("vendor.csv");
    std::fs::write(
        &list,
        "Prenom,Nom,Adr_Mail_Pro,Telephone,collected_at\nJeanne,Martin,j@example.org,0612345678,2026-01-05\n",
    )
    .unwrap();
    write_manifest(&list);
    let out = dir.path().join("out");
    let o = run_list(&list, &["--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("no column is read as email, but \"Adr_Mail_Pro\" looks like one"),
        "{e}"
    );
}

#[test]
fn completions_and_the_manual_page_cover_every_command_and_flag() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = String::from_utf8_lossy(&o.stdout);
        for word in ["qualify", "run", "verify", "batch-rows", "as-of"] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    let o = run(&["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "roff: {}",
        page.chars().take(40).collect::<String>()
    );
    assert!(
        page.contains(".TH qualify"),
        "{}",
        page.chars().take(200).collect::<String>()
    );
    for word in ["explain", "review", "keygen", "verify", "inspect"] {
        assert!(page.contains(word), "the manual page lacks {word}");
    }
}

#[test]
fn the_json_log_is_one_object_per_line_without_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = qualify_run(
        "sample-data/qualify.toml",
        &out,
        &["--log-format", "json", "--as-of", "2026-11-20"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let log = stderr(&o);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    let stages: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"] == "stage")
        .filter_map(|l| l["stage"].as_str())
        .collect();
    for s in ["import", "normalise", "link", "rules", "write"] {
        assert!(stages.contains(&s), "{s} missing from {stages:?}");
    }
    let done = lines.last().unwrap();
    assert_eq!(done["event"], "done");
    assert_eq!(done["rows"], 2000);
    let summary = summary(&out);
    assert_eq!(done["qualified"], summary["counts"]["qualified"]);
    // No email, phone or name of the list: only names of stages, counts, times.
    for email in column(&out.join("qualified.csv"), "email")
        .iter()
        .filter(|e| !e.is_empty())
        .take(50)
    {
        assert!(!log.contains(email.as_str()), "{email} in the log");
    }
    for phone in column(&out.join("qualified.csv"), "mobile")
        .iter()
        .filter(|p| !p.is_empty())
        .take(50)
    {
        assert!(!log.contains(phone.as_str()), "{phone} in the log");
        assert!(!log.contains(&phone[3..]), "{phone} in the log");
    }
    assert!(!log.contains('@'), "no address of any kind in the log");

    // A failing run's error is a JSON line too, with its exit code.
    let o = run(&[
        "run",
        "--list",
        "does-not-exist.csv",
        "--out",
        "x",
        "--log-format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_str(stderr(&o).trim()).unwrap();
    assert_eq!(err["event"], "error");
    assert_eq!(err["exit_code"], 1);
}

#[test]
fn the_list_can_come_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let (file_out, pipe_out) = (dir.path().join("file"), dir.path().join("pipe"));
    let common = [
        "--manifest",
        "sample-data/prospects.manifest.toml",
        "--as-of",
        "2026-11-20",
        "--quiet",
    ];
    let mut args = vec!["run", "--list", "sample-data/prospects.csv", "--out"];
    args.push(file_out.to_str().unwrap());
    args.extend(common);
    assert!(run(&args).status.success());
    let mut child = bin()
        .args(["run", "--list", "-", "--out", pipe_out.to_str().unwrap()])
        .args(common)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let list = std::fs::read(repo("sample-data/prospects.csv")).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &list).unwrap();
    assert!(child.wait().unwrap().success());
    // The same records, ids and decisions; the summary names the list `stdin`.
    for name in ["decisions.csv", "qualified.csv", "rejected.csv"] {
        assert_eq!(
            std::fs::read(file_out.join(name)).unwrap(),
            std::fs::read(pipe_out.join(name)).unwrap(),
            "{name}"
        );
    }
    assert_eq!(summary(&pipe_out)["inputs"]["list"]["path"], "stdin");
    // The copy of standard input is gone.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("stdin"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // explain cannot read standard input again: it says so, and how.
    let id = &csv_rows(&pipe_out.join("decisions.csv"))[1][0];
    let o = run(&[
        "explain",
        "--out",
        pipe_out.to_str().unwrap(),
        "--record",
        id,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("standard input") && e.contains("--list FILE"),
        "{e}"
    );
}
