//! The shipped sample (sample-data/, made by `qualify-gen sample`): the run
//! the README's first command performs.

use super::util::*;

#[test]
fn sample_run_conserves_rows_and_finds_what_was_planted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_config("sample-data/qualify.toml", &out, &[]);
    let truth = csv_rows(&repo("sample-data/truth.csv"));
    let rows = truth.len() - 1;
    assert!(rows >= 1500, "sample has {rows} rows");
    assert_conserved(&out, rows);

    let s = summary(&out);
    assert_eq!(s["counts"]["rows_read"], rows);
    assert_eq!(s["inputs"]["list"]["encoding"], "windows-1252");
    assert_eq!(s["inputs"]["list"]["delimiter"], ";");
    let q = s["counts"]["qualified"].as_u64().unwrap();
    assert!(
        q > 0 && (q as usize) < rows,
        "some but not all records qualify: {q}"
    );

    // Planted exact duplicates are found.
    let planted_dups = truth[1..]
        .iter()
        .filter(|r| r[2].contains("duplicate_of="))
        .count();
    let found = s["reasons"]["duplicate"].as_u64().unwrap() as usize;
    assert!(
        found >= planted_dups * 9 / 10,
        "found {found} duplicates of {planted_dups} planted"
    );
    for code in [
        "existing_client",
        "opposed",
        "email_invalid",
        "phone_invalid",
        "stale",
        "no_consent",
    ] {
        assert!(
            s["reasons"][code].as_u64().unwrap() > 0,
            "sample exercises {code}"
        );
    }
}

#[test]
fn summary_and_certificate_do_not_depend_on_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    // Absolute config path, from the repository.
    run_config("sample-data/qualify.toml", &a, &[]);
    // Relative config path, from sample-data/.
    let o = bin()
        .current_dir(repo("sample-data"))
        .args(["run", "--config", "qualify.toml", "--out"])
        .arg(&b)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "summary.json",
        "certificate.json",
        "decisions.csv",
        "report.html",
    ] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between working directories"
        );
    }
    // explain still finds the inputs, from run.json, and shows a rejected
    // record's own values and why, with no date until which to contact it.
    let rejected = csv_rows(&b.join("rejected.csv"));
    let main = rejected[0].iter().position(|h| h == "main_reason").unwrap();
    let id = rejected[1][0].clone();
    let o = run(&["explain", "--out", b.to_str().unwrap(), "--record", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("values (normalised):"), "{text}");
    assert!(
        text.contains(&format!("rejected: {}", rejected[1][main])),
        "{text}"
    );
    assert!(!text.contains("contactable until"), "{text}");
    let qualified = column(&b.join("qualified.csv"), "record_id")[0].clone();
    let o = run(&[
        "explain",
        "--out",
        b.to_str().unwrap(),
        "--record",
        &qualified,
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("qualified, contactable until: "), "{text}");
}

#[test]
fn qualified_csv_carries_no_contact_value_of_a_denied_channel() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_config("sample-data/qualify.toml", &out, &[]);
    let rows = csv_rows(&out.join("qualified.csv"));
    let h = &rows[0];
    // What may be done comes first.
    assert_eq!(
        h[..11],
        [
            "record_id",
            "source_row",
            "audience",
            "audience_reason",
            "can_email",
            "can_sms",
            "can_phone",
            "can_autocall",
            "can_fax",
            "can_post",
            "contactable_until"
        ]
    );
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let can = |r: &Vec<String>, ch: &str| r[col(&format!("can_{ch}"))] == "true";
    let (mut emails, mut blanked) = (0, 0);
    for r in &rows[1..] {
        let uses: [(&str, &[&str]); 5] = [
            ("email", &["email"]),
            ("mobile", &["sms", "phone", "autocall"]),
            ("phone", &["phone", "autocall"]),
            ("fax", &["fax"]),
            ("address_line1", &["post"]),
        ];
        for (field, channels) in uses {
            let allowed = channels.iter().any(|ch| can(r, ch));
            let value = &r[col(field)];
            assert!(
                allowed || value.is_empty(),
                "{field} {value:?} kept although {channels:?} are denied: {r:?}"
            );
            if field == "email" {
                emails += usize::from(!value.is_empty());
                blanked += usize::from(value.is_empty() && !allowed);
            }
        }
    }
    // The sample has both: emails that may be used, and emails removed.
    assert!(emails > 0 && blanked > 0, "{emails} {blanked}");

    // Each campaign file holds exactly the records its channel allows, in
    // source order, and only the contact fields of that channel.
    let decisions = csv_rows(&out.join("decisions.csv"));
    let contact = [
        "email",
        "mobile",
        "phone",
        "fax",
        "address_line1",
        "address_line2",
    ];
    let needs: [(&str, &[&str]); 6] = [
        ("email", &["email"]),
        ("sms", &["mobile"]),
        ("phone", &["phone", "mobile"]),
        ("autocall", &["phone", "mobile"]),
        ("fax", &["fax"]),
        ("post", &["address_line1", "address_line2"]),
    ];
    for (ch, fields) in needs {
        let expected: Vec<&str> = decisions[1..]
            .iter()
            .filter(|d| d[2] == ch && d[3] == "true")
            .map(|d| d[0].as_str())
            .collect();
        let path = out.join(format!("campaign-{ch}.csv"));
        if !path.exists() {
            assert!(expected.is_empty(), "campaign-{ch}.csv missing");
            assert!(
                matches!(ch, "fax" | "autocall"),
                "campaign-{ch}.csv missing"
            );
            continue;
        }
        let c = csv_rows(&path);
        let ids: Vec<&str> = c[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, expected, "campaign-{ch}.csv");
        for f in contact {
            assert_eq!(
                c[0].iter().any(|h| h == f),
                fields.contains(&f),
                "campaign-{ch}.csv and column {f}"
            );
        }
        let basis = c[0].iter().position(|h| h == "legal_basis").unwrap();
        let at = c[0].iter().position(|h| h == "consent_at").unwrap();
        for r in &c[1..] {
            assert_ne!(r[basis], "unknown", "{r:?}");
            // A consent is shown with its date; other bases have none.
            assert_eq!(r[basis] == "consent", !r[at].is_empty(), "{r:?}");
        }
    }
}

#[test]
fn each_rejected_record_has_one_main_reason_and_they_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_config("sample-data/qualify.toml", &out, &[]);
    let s = summary(&out);
    let by_main = s["rejected_by_main_reason"].as_object().unwrap();
    let total: u64 = by_main.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, s["counts"]["rejected"].as_u64().unwrap());
    let rows = csv_rows(&out.join("rejected.csv"));
    let h = &rows[0];
    let main = h.iter().position(|x| x == "main_reason").unwrap();
    let per = h.iter().position(|x| x == "channel_reasons").unwrap();
    let email = h.iter().position(|x| x == "email_masked").unwrap();
    let mut counted = std::collections::BTreeMap::<String, u64>::new();
    for r in &rows[1..] {
        assert!(!r[main].is_empty(), "{r:?}");
        *counted.entry(r[main].clone()).or_default() += 1;
        // The per-channel reasons say where no_contact_data applies: never
        // on email when the row shows an email.
        if !r[email].is_empty() {
            assert!(!r[per].contains("email:no_contact_data"), "{r:?}");
        }
    }
    for (code, k) in &counted {
        assert_eq!(by_main[code].as_u64(), Some(*k), "{code}");
    }
}
