//! Nightly operations: runs that know the previous one (changes.csv),
//! re-permission (repermission.csv), and data-subject requests (`request`,
//! `find`).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::util::*;

const AS_OF: &str = "2026-11-23";

/// people.csv as record_id -> person_key, and person_key -> its records.
fn people(out: &Path) -> (HashMap<String, String>, HashMap<String, usize>) {
    let ids = column(&out.join("people.csv"), "record_id");
    let keys = column(&out.join("people.csv"), "person_key");
    let mut count = HashMap::new();
    for k in &keys {
        *count.entry(k.clone()).or_insert(0) += 1;
    }
    (ids.into_iter().zip(keys).collect(), count)
}

/// decisions.csv as (record_id, channel) -> allowed.
fn decisions(out: &Path) -> Vec<(String, String, bool, String)> {
    csv_rows(&out.join("decisions.csv"))[1..]
        .iter()
        .map(|r| (r[0].clone(), r[2].clone(), r[3] == "true", r[4].clone()))
        .collect()
}

/// A CSV file's records as bytes, each with its line end (a quoted cell
/// may hold a line break).
fn csv_records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut records = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                records.push(&bytes[start..=i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < bytes.len() {
        records.push(&bytes[start..]);
    }
    records
}

fn request(args: &[&str]) -> String {
    let mut all = vec!["request"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn the_second_night_lists_the_objection_first_and_the_removed_person_as_no_longer_listed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_sample(&out, &[]);
    let (ids, count) = people(&out);
    let first = decisions(&out);
    let allowed_on = |id: &str, ch: &str| first.iter().any(|d| d.0 == id && d.1 == ch && d.2);
    let email_of = |id: &str| -> String {
        let rows = csv_rows(&out.join("campaign-email.csv"));
        let i = rows[0].iter().position(|h| h == "email").unwrap();
        let r = rows.iter().find(|r| r[0] == id).unwrap();
        r[i].clone()
    };
    let unique = |id: &str| count[&ids[id]] == 1;
    // The person who objects overnight: allowed on email, alone under the key.
    let objector = first
        .iter()
        .find(|d| d.1 == "email" && d.2 && unique(&d.0))
        .map(|d| d.0.clone())
        .unwrap();
    // The person removed from tonight's list: the last qualified record,
    // alone under its key, not the objector.
    let rows = column(&out.join("qualified.csv"), "record_id");
    let gone = rows
        .iter()
        .rev()
        .find(|id| unique(id) && **id != objector)
        .unwrap()
        .clone();
    let gone_row: usize = gone.split('-').nth(1).unwrap().parse().unwrap();

    // Tonight's list: the same file without that row (another SHA-256, so
    // every record_id changes; person keys do not).
    let list = std::fs::read(repo("sample-data/prospects.csv")).unwrap();
    let lines = csv_records(&list);
    assert_eq!(lines.len(), 2001, "the header and one line per record");
    let tonight: Vec<u8> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != gone_row)
        .flat_map(|(_, l)| l.iter().copied())
        .collect();
    let list = dir.path().join("prospects.csv");
    std::fs::write(&list, tonight).unwrap();
    let opposition = dir.path().join("objections.csv");
    let said = request(&[
        "objection",
        "--email",
        &email_of(&objector).to_uppercase(),
        "--channel",
        "email",
        "--into",
        opposition.to_str().unwrap(),
        "--date",
        "2026-11-23",
    ]);
    assert!(said.contains("1 identifier(s) added"), "{said}");
    // The second night writes into the same folder it compares with.
    run_sample(
        &out,
        &[
            "--list",
            list.to_str().unwrap(),
            "--opposition",
            opposition.to_str().unwrap(),
            "--previous",
            out.to_str().unwrap(),
        ],
    );
    let changes = csv_rows(&out.join("changes.csv"));
    assert_eq!(
        changes[0],
        ["person_key", "channel", "before", "after", "reasons"]
    );
    let mut expected = vec![vec![
        ids[&objector].clone(),
        "email".into(),
        "allowed".into(),
        "denied".into(),
        "opposed".into(),
    ]];
    let channels = ["email", "sms", "phone", "autocall", "fax", "post"];
    let mut gone_rows: Vec<Vec<String>> = channels
        .iter()
        .map(|ch| {
            let before = if allowed_on(&gone, ch) {
                "allowed"
            } else {
                "denied"
            };
            vec![
                ids[&gone].clone(),
                (*ch).into(),
                before.into(),
                "absent".into(),
                String::new(),
            ]
        })
        .collect();
    // allowed -> absent before denied -> absent.
    gone_rows.sort_by_key(|r| r[2] != "allowed");
    expected.extend(gone_rows);
    assert_eq!(changes[1..].to_vec(), expected);
    let s = summary(&out);
    let c = &s["changes"];
    assert_eq!(c["compared"], true);
    assert_eq!(c["total"]["newly_denied"], 1);
    assert_eq!(c["gone_people"], 1);
    assert_eq!(c["new_people"], 0);
    assert_eq!(c["rows"], expected.len());
    assert_eq!(c["previous"], "out");
}

#[test]
fn a_missing_previous_run_is_said_and_everyone_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let nowhere = dir.path().join("no-such-run");
    run_sample(&out, &["--previous", nowhere.to_str().unwrap()]);
    let s = summary(&out);
    assert_eq!(s["changes"]["compared"], false);
    let warned = s["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str()
            .unwrap()
            .contains("previous run no-such-run: the previous run folder does not exist")
    });
    assert!(warned, "{}", s["warnings"]);
    let befores: BTreeSet<String> = column(&out.join("changes.csv"), "before")
        .into_iter()
        .collect();
    assert_eq!(befores, BTreeSet::from(["absent".to_owned()]));
    // Every person and channel of tonight is there, as new.
    let (_, count) = people(&out);
    assert_eq!(
        column(&out.join("changes.csv"), "person_key").len(),
        count.len() * 6
    );
}

#[test]
fn repermission_lists_exactly_the_contactable_records_that_reach_their_limit() {
    let dir = tempfile::tempdir().unwrap();
    let as_of = chrono::NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").unwrap();
    for days in [0u32, 90, 400] {
        let out = dir.path().join(format!("out-{days}"));
        run_sample(&out, &["--repermission-days", &days.to_string()]);
        let q = csv_rows(&out.join("qualified.csv"));
        let h = |name: &str| q[0].iter().position(|c| c == name).unwrap();
        let mut expected = Vec::new();
        for r in &q[1..] {
            let until = &r[h("contactable_until")];
            let Ok(d) = chrono::NaiveDate::parse_from_str(until, "%Y-%m-%d") else {
                continue;
            };
            let left = (d - as_of).num_days();
            if left < 0 || left > i64::from(days) {
                continue;
            }
            for ch in ["email", "sms", "phone", "autocall", "fax", "post"] {
                if r[h(&format!("can_{ch}"))] == "true" {
                    expected.push(vec![
                        r[h("record_id")].clone(),
                        r[h("source_row")].clone(),
                        ch.to_owned(),
                        until.clone(),
                        left.to_string(),
                    ]);
                }
            }
        }
        let got = csv_rows(&out.join("repermission.csv"));
        assert_eq!(
            got[0],
            [
                "record_id",
                "source_row",
                "channel",
                "contactable_until",
                "days_left"
            ]
        );
        assert_eq!(got[1..].to_vec(), expected, "repermission_days = {days}");
        let s = summary(&out);
        assert_eq!(s["repermission"]["days"], days);
        let records: BTreeSet<&String> = expected.iter().map(|r| &r[0]).collect();
        assert_eq!(s["repermission"]["records"], records.len());
        if days == 90 {
            assert!(
                !expected.is_empty(),
                "the sample has records near their limit"
            );
        }
    }
}

#[test]
fn an_erasure_request_denies_every_channel_and_find_shows_only_that_person() {
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before");
    run_sample(&before, &[]);
    let rows = csv_rows(&before.join("campaign-phone.csv"));
    let col = |n: &str| rows[0].iter().position(|h| h == n).unwrap();
    let person = &rows[1];
    let id = person[col("record_id")].clone();
    // As a person gives it: spaces, national format.
    let phone = person[col("phone")].clone();
    let national = format!("0{} {}", &phone[3..4], &phone[4..]);
    let opposition = dir.path().join("opp.csv");
    std::fs::write(&opposition, "email;channel\nsomeone@example.fr;all\n").unwrap();
    let said = request(&[
        "erasure",
        "--phone",
        &national,
        "--into",
        opposition.to_str().unwrap(),
        "--reference",
        "DSR-42",
        "--runs",
        before.to_str().unwrap(),
    ]);
    assert!(said.contains(&id), "{said}");
    assert!(said.contains("campaign-phone.csv (1 row)"), "{said}");
    assert!(said.contains("still hold the person"), "{said}");
    // The company's file keeps its rows and its `;`, with the new columns.
    let text = std::fs::read_to_string(&opposition).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "email;channel;sha256;date;reference");
    assert_eq!(lines[1], "someone@example.fr;all;;;");
    assert!(lines[2].starts_with(";all;"), "{text}");
    assert!(lines[2].ends_with(";DSR-42"), "{text}");
    assert_eq!(lines.len(), 3);
    // Twice is once.
    let again = request(&[
        "erasure",
        "--phone",
        &phone,
        "--into",
        opposition.to_str().unwrap(),
    ]);
    assert!(again.contains("0 identifier(s) added"), "{again}");
    assert_eq!(std::fs::read_to_string(&opposition).unwrap(), text);

    let after = dir.path().join("after");
    run_sample(&after, &["--opposition", opposition.to_str().unwrap()]);
    let denied: Vec<(String, String, bool, String)> = decisions(&after)
        .into_iter()
        .filter(|d| d.0 == id)
        .collect();
    assert_eq!(denied.len(), 6);
    assert!(
        denied.iter().all(|d| !d.2 && d.3.contains("opposed")),
        "{denied:?}"
    );

    let o = run(&[
        "find",
        "--phone",
        &phone,
        "--runs",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("2 run folder(s) searched; the person is in 2"),
        "{text}"
    );
    assert!(text.contains("denied: opposed"), "{text}");
    // Nobody else's record (only those holding that number), and not even
    // the person's own identifiers.
    let p = csv_rows(&before.join("people.csv"));
    let theirs = p.iter().find(|r| r[0] == id).unwrap().clone();
    let holders: BTreeSet<&str> = p
        .iter()
        .filter(|r| {
            [4, 5]
                .iter()
                .any(|&c| !r[c].is_empty() && [&theirs[4], &theirs[5]].contains(&&r[c]))
        })
        .map(|r| r[0].as_str())
        .collect();
    let prefix = id.split('-').next().unwrap();
    let printed: BTreeSet<&str> = text
        .split_whitespace()
        .filter(|w| w.starts_with(prefix))
        .collect();
    assert!(printed.contains(id.as_str()), "{text}");
    assert!(printed.is_subset(&holders), "{printed:?} {holders:?}");
    assert!(!text.contains(&phone[3..]) && !text.contains('@'), "{text}");
}

#[test]
fn requests_refuse_what_they_cannot_record() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("o.csv");
    let into = into.to_str().unwrap();
    for args in [
        vec![
            "request",
            "objection",
            "--email",
            "not-an-email",
            "--into",
            into,
        ],
        vec!["request", "objection", "--phone", "12", "--into", into],
        vec!["request", "objection", "--into", into],
        vec![
            "request",
            "objection",
            "--email",
            "a@b.fr",
            "--channel",
            "pigeon",
            "--into",
            into,
        ],
        vec![
            "request",
            "erasure",
            "--email",
            "a@b.fr",
            "--channel",
            "email",
            "--into",
            into,
        ],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    assert!(!Path::new(into).exists(), "nothing written");
}

#[test]
fn a_state_folder_carries_each_night_to_the_next_whatever_the_output_folders() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let (monday, tuesday) = (dir.path().join("2026-11-23"), dir.path().join("2026-11-24"));
    let state_arg = state.to_str().unwrap();
    run_sample(&monday, &["--state-dir", state_arg]);
    // The first night has nothing to compare with, and says so.
    let first = summary(&monday);
    assert_eq!(first["changes"]["compared"], false);
    assert_eq!(first["changes"]["previous"], "state/last");
    for f in ["summary.json", "people.csv", "decisions.csv"] {
        assert_eq!(
            std::fs::read(state.join("last").join(f)).unwrap(),
            std::fs::read(monday.join(f)).unwrap(),
            "{f} kept"
        );
    }
    // The second night, into another folder, compares with the first.
    run_sample(
        &tuesday,
        &["--state-dir", state_arg, "--as-of", "2026-11-24"],
    );
    let second = summary(&tuesday);
    assert_eq!(second["changes"]["compared"], true, "{}", second["changes"]);
    assert_eq!(second["changes"]["previous_as_of"], AS_OF);
    assert_eq!(second["changes"]["new_people"], 0);
    assert_eq!(
        std::fs::read(state.join("last/summary.json")).unwrap(),
        std::fs::read(tuesday.join("summary.json")).unwrap()
    );
    // Both is one too many.
    let o = qualify_run(
        "sample-data/qualify.toml",
        &dir.path().join("x"),
        &[
            "--state-dir",
            state_arg,
            "--previous",
            monday.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_request_reads_the_file_as_the_reader_does_and_refuses_what_it_would_rewrite_differently() {
    let dir = tempfile::tempdir().unwrap();
    // The company's own spellings: `SHA-256`, `Canal`, a French channel.
    let into = dir.path().join("optout.csv");
    let email_hash = "c133ae23fa0e749d187ad6e7b511cedbbcc71bf7d6a97f88c19ec935b8884b32";
    let text = format!("SHA-256;Canal\n{email_hash};courriel\n");
    std::fs::write(&into, &text).unwrap();
    let said = request(&[
        "objection",
        "--email",
        "leclerc.emma@wanadoo.fr",
        "--channel",
        "email",
        "--into",
        into.to_str().unwrap(),
    ]);
    assert!(said.contains("0 identifier(s) added"), "{said}");
    assert_eq!(std::fs::read_to_string(&into).unwrap(), text);
    // The same number twice is one row (per number it may stand for).
    let said = request(&[
        "objection",
        "--phone",
        "+33612345678",
        "--phone",
        "06 12 34 56 78",
        "--into",
        into.to_str().unwrap(),
    ]);
    assert!(said.contains("1 identifier(s) added"), "{said}");
    let lines: Vec<String> = std::fs::read_to_string(&into)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines[0], "SHA-256;Canal;date;reference");
    assert_eq!(lines.len(), 3);
    // A file the writer would change the meaning of is refused, untouched.
    for (name, body) in [
        ("excel.csv", "sep=;\nemail;channel\na@b.fr;all\n"),
        ("tabs.csv", "email\tchannel\na@b.fr\tall\n"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let o = run(&[
            "request",
            "objection",
            "--email",
            "x@y.fr",
            "--into",
            p.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), body, "{name}");
    }
}
