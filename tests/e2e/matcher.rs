//! The learning matcher through the real binary, on the shipped sample:
//! the model a run writes (model.json), reusing it (`--model`), the review
//! loop (`qualify review`, then `--labels`), and the waterfall of
//! `qualify explain`.

use std::path::Path;

use super::util::*;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&read(p)).unwrap()
}

/// The SHA-256 that a run's certificate gives its input of `role`.
fn certified_input(run: &Path, role: &str) -> Option<String> {
    let c = json(&run.join("certificate.json"));
    let files = c["files"].as_array().unwrap();
    let role = format!("input/{role}");
    files
        .iter()
        .find(|f| f["role"] == role.as_str())
        .map(|f| f["sha256"].as_str().unwrap().to_owned())
}

#[test]
fn a_saved_model_scores_the_next_run_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run_config("sample-data/qualify.toml", &a, &[]);
    let model = json(&a.join("model.json"));
    assert_eq!(model["format"], "qualify-match-model/1");
    assert_eq!(model["provenance"]["source"], "trained");
    assert_eq!(model["fields"].as_array().unwrap().len(), 7);
    // Learnt from the sample: at least the names' session was used.
    assert!(model["provenance"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["used"] == true));
    let summary_a = summary(&a);
    assert_eq!(summary_a["config"]["matcher"], "trained");

    let saved = a.join("model.json");
    run_config(
        "sample-data/qualify.toml",
        &b,
        &["--model", saved.to_str().unwrap()],
    );
    assert_eq!(
        read(&a.join("decisions.csv")),
        read(&b.join("decisions.csv"))
    );
    assert_eq!(read(&a.join("matches.csv")), read(&b.join("matches.csv")));
    assert_eq!(read(&a.join("model.json")), read(&b.join("model.json")));
    assert_eq!(summary(&b)["config"]["matcher"], "file");
    // The saved model is an input of the run: named with its SHA-256 in
    // summary.json and the certificate; a trained run names none.
    let sha = qualify::ingest::sha256_file(&saved).unwrap();
    assert_eq!(summary(&b)["inputs"]["model"]["sha256"], sha.as_str());
    assert!(summary_a["inputs"].get("model").is_none());
    assert_eq!(certified_input(&b, "model"), Some(sha));
    assert_eq!(certified_input(&a, "model"), None);

    // A broken model file is refused before the run, naming what is wrong.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, read(&saved).replacen("\"m\": ", "\"m\": 7", 1)).unwrap();
    let out = dir.path().join("c");
    let o = run(&[
        "run",
        "--config",
        repo("sample-data/qualify.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--model",
        bad.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("bad.json") && e.contains("first_name"), "{e}");
}

#[test]
fn review_then_labels_override_the_model_and_measure_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A low review probability so that the sample has pairs to review.
    let low = ["--review-probability", "0.01"];
    run_config("sample-data/qualify.toml", &out, &low);
    let review = dir.path().join("review.csv");
    // An earlier, world-readable review file is replaced, not reused.
    std::fs::write(&review, "old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&review, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let o = run(&[
        "review",
        "--run",
        out.to_str().unwrap(),
        "--out",
        review.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("--labels"), "{}", stderr(&o));
    let rows = csv_rows(&review);
    let h = &rows[0];
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    for c in [
        "a_last_name",
        "b_last_name",
        "waterfall",
        "match_probability",
    ] {
        col(c);
    }
    assert!(rows.len() >= 3, "the sample has borderline pairs: {rows:?}");
    assert!(rows[1][col("waterfall")].starts_with("prior "));
    assert!(rows[1..].iter().all(|r| r[col("label")].is_empty()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&review).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "personal data: owner only");
    }

    // A person answers: the first pair is the same person, the second not.
    let mut w = csv::Writer::from_path(&review).unwrap();
    w.write_record(h).unwrap();
    for (k, r) in rows[1..].iter().enumerate() {
        let mut r = r.clone();
        r[col("label")] = match k {
            0 => "match".into(),
            1 => "no_match".into(),
            _ => String::new(),
        };
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    let first = &rows[1];
    let other = |r: &Vec<String>| {
        if r[col("matched_record_id")].is_empty() {
            r[col("matched_client_id")].clone()
        } else {
            r[col("matched_record_id")].clone()
        }
    };

    let again = dir.path().join("again");
    let config = repo("sample-data/qualify.toml");
    let o = run(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
        "--review-probability",
        "0.01",
        "--labels",
        review.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("labels: 2 of 2 answers apply"),
        "{}",
        stderr(&o)
    );
    let m = csv_rows(&again.join("matches.csv"));
    let mh = &m[0];
    let mc = |n: &str| mh.iter().position(|x| x == n).unwrap();
    let find = |r: &Vec<String>| {
        m[1..]
            .iter()
            .find(|x| {
                let o = if x[mc("matched_record_id")].is_empty() {
                    x[mc("matched_client_id")].clone()
                } else {
                    x[mc("matched_record_id")].clone()
                };
                (x[mc("record_id")] == r[col("record_id")] && o == other(r))
                    || (x[mc("record_id")] == other(r) && o == r[col("record_id")])
            })
            .cloned()
            .unwrap_or_else(|| panic!("pair {r:?} in matches.csv"))
    };
    let yes = find(first);
    assert_eq!(yes[mc("decision")], "match");
    assert_eq!(yes[mc("label")], "match");
    let no = find(&rows[2]);
    assert_eq!(no[mc("decision")], "no_match_labelled");
    let s = summary(&again);
    // The answers changed decisions: the certificate names the file.
    let sha = qualify::ingest::sha256_file(&review).unwrap();
    assert_eq!(s["inputs"]["labels"]["sha256"], sha.as_str());
    assert_eq!(certified_input(&again, "labels"), Some(sha));
    assert_eq!(certified_input(&out, "labels"), None);
    let l = &s["fuzzy"]["labels"];
    let answered = read(&review);
    assert_eq!(l["given"], 2);
    assert_eq!(l["applicable"], 2);
    assert_eq!(l["labelled_match"], 1);
    // Both pairs were below the decision: the model had matched neither.
    assert_eq!(l["model_matches"], 0);
    assert_eq!(l["recall"], 0.0);

    // explain shows the waterfall of the record's best pair.
    let explain = || {
        run(&[
            "explain",
            "--out",
            again.to_str().unwrap(),
            "--record",
            &first[col("record_id")],
        ])
    };
    let o = explain();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("best fuzzy match"), "{text}");
    assert!(
        text.contains("  prior ") && text.contains("  total "),
        "{text}"
    );
    assert!(text.contains("last_name"), "{text}");

    // Answers edited after the run: explain would replay other decisions,
    // so it refuses, naming the file.
    std::fs::write(&review, answered.replacen(",match,", ",no_match,", 1)).unwrap();
    assert_ne!(read(&review), answered, "the answer was changed");
    let o = explain();
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("review.csv") && e.contains("labels file changed since the run"),
        "{e}"
    );
}
