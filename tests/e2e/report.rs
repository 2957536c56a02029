//! report.html in a real browser, the paperwork files, and the determinism
//! of every output but run.json.
//!
//! The browser is Debian's `chromium` (or `$QUALIFY_CHROMIUM`). Without
//! one, the browser tests print a loud skip message and pass — unless
//! `QUALIFY_REQUIRE_BROWSER` is set, as `.ci/run` does, so CI can never skip
//! them silently.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::util::*;

/// The sample run into `dir/out`, with extra flags.
fn sample_run(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("out");
    run_config("sample-data/qualify.toml", &out, extra);
    out
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("QUALIFY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The browser, or `None` after a loud skip message; panics when the
/// environment says a browser is required.
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var_os("QUALIFY_REQUIRE_BROWSER").is_some() => {
            panic!("{test}: QUALIFY_REQUIRE_BROWSER is set but no chromium was found (install it: apt-get install -y chromium, or set QUALIFY_CHROMIUM)")
        }
        None => {
            // Straight to the stderr handle: the test harness captures
            // eprintln! of passing tests, and this must be seen.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n########################################################################\n\
                 # SKIPPED {test}: no chromium on this machine.\n\
                 # The report is NOT checked in a browser. Install chromium (Debian:\n\
                 # apt-get install -y chromium) or set QUALIFY_CHROMIUM; .ci/run sets\n\
                 # QUALIFY_REQUIRE_BROWSER=1 so that CI fails instead of skipping.\n\
                 ########################################################################\n"
            );
            None
        }
    }
}

/// What the headless browser made of a page: the DOM after loading, the
/// console lines it logged, and the screenshot if one was asked for.
struct Rendered {
    dom: String,
    console: Vec<String>,
}

fn headless(browser: &Path, tmp: &Path) -> Command {
    let profile = tempfile::tempdir_in(tmp).unwrap().keep();
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

fn render(browser: &Path, page: &Path, tmp: &Path) -> Rendered {
    let url = format!("file://{}", page.display());
    let o = headless(browser, tmp)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        o.status.success(),
        "chromium failed on {url}: {}",
        stderr(&o)
    );
    // Chromium logs every console message (console.error included, and
    // CSP violations) as an `INFO:CONSOLE` line, and uncaught exceptions
    // as "Uncaught ...". The report has no script, so any such line is a
    // defect: a blocked external resource, an error, a stray log.
    let console = stderr(&o)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_owned)
        .collect();
    Rendered {
        dom: String::from_utf8_lossy(&o.stdout).into_owned(),
        console,
    }
}

/// The digits of the element carrying `attr="key"`, as a number.
fn shown(dom: &str, attr: &str, key: &str) -> u64 {
    let needle = format!("{attr}=\"{key}\">");
    let start = dom
        .find(&needle)
        .unwrap_or_else(|| panic!("no {needle} in the rendered page"))
        + needle.len();
    let text = &dom[start..start + dom[start..].find('<').unwrap()];
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{attr}={key} shows {text:?}"))
}

#[test]
fn sample_report_renders_without_console_errors_and_shows_the_summary_s_funnel() {
    let Some(browser) = browser_or_skip("report browser test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = sample_run(dir.path(), &[]);
    let s = summary(&out);
    let page = render(&browser, &out.join("report.html"), dir.path());
    assert!(
        page.console.is_empty(),
        "the browser console reported:\n{}",
        page.console.join("\n")
    );
    assert!(page.dom.contains("<html lang=\"fr\">"), "French by default");
    for key in [
        "rows_read",
        "valid",
        "unique",
        "not_already_clients",
        "fresh",
        "qualified",
    ] {
        assert_eq!(
            shown(&page.dom, "data-funnel", key),
            s["counts"][key].as_u64().unwrap(),
            "funnel step {key}"
        );
    }
    for ch in ["email", "sms", "phone", "autocall", "fax", "post"] {
        assert_eq!(
            shown(&page.dom, "data-channel", ch),
            s["channels"][ch]["allowed"].as_u64().unwrap(),
            "channel {ch}"
        );
    }
    // Record-level reasons are charted as such; channel-level ones per
    // channel, for the records nothing excludes whole.
    for (code, n) in s["reasons"].as_object().unwrap() {
        let r = qualify::schema::Reason::parse(code).unwrap();
        if n.as_u64().unwrap() > 0 && r.level() == qualify::schema::Level::Record {
            assert_eq!(
                shown(&page.dom, "data-reason", code),
                n.as_u64().unwrap(),
                "{code}"
            );
        }
    }
    for (ch, per) in s["channel_reasons"].as_object().unwrap() {
        for (code, n) in per.as_object().unwrap() {
            assert_eq!(
                shown(&page.dom, &format!("data-{ch}-reason"), code),
                n.as_u64().unwrap(),
                "{ch} {code}"
            );
        }
    }

    // The headline answers first: read, contactable, rejected, and the
    // split of the rejected by main reason, which adds up.
    let headline = page.dom.find("id=\"headline\"").expect("headline");
    assert!(
        headline < page.dom.find("id=\"inputs\"").unwrap(),
        "the headline comes before provenance and hashes"
    );
    let read = shown(&page.dom, "data-headline", "read");
    let qualified = shown(&page.dom, "data-headline", "qualified");
    let rejected = shown(&page.dom, "data-headline", "rejected");
    assert_eq!(read, s["counts"]["rows_read"].as_u64().unwrap());
    assert_eq!(qualified, s["counts"]["qualified"].as_u64().unwrap());
    assert_eq!(rejected, s["counts"]["rejected"].as_u64().unwrap());
    assert_eq!(read, qualified + rejected);
    let mut split = 0;
    for (code, n) in s["rejected_by_main_reason"].as_object().unwrap() {
        let shown_n = shown(&page.dom, "data-main-reason", code);
        assert_eq!(shown_n, n.as_u64().unwrap(), "{code}");
        split += shown_n;
    }
    assert_eq!(split, rejected, "the main reasons add up to the rejected");
    assert_eq!(shown(&page.dom, "data-main-reason-total", ""), rejected);
    for ch in ["email", "sms", "phone", "autocall", "fax", "post"] {
        assert_eq!(
            shown(&page.dom, "data-headline-channel", ch),
            s["channels"][ch]["allowed"].as_u64().unwrap(),
            "headline channel {ch}"
        );
    }
    // Warnings in the report's language, naming the vendor's column.
    assert!(
        page.dom.contains("Date de collecte → collected_at"),
        "value warnings name the header"
    );
    assert!(page.dom.contains("dates non reconnues"));

    // The matching section: the model's weights chart, drawn per level.
    assert!(page.dom.contains("id=\"matching\""), "matching section");
    let chart = page
        .dom
        .split("id=\"match-weights\"")
        .nth(1)
        .expect("the match-weights chart");
    let chart = chart.split("</svg>").next().unwrap();
    assert!(chart.matches("<rect").count() >= 20, "one bar per level");
    assert!(chart.contains("last_name"), "labelled by field");

    // The screenshot the README shows is made the same way.
    let png = dir.path().join("report.png");
    let o = headless(&browser, dir.path())
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2400")
        .arg(format!("file://{}", out.join("report.html").display()))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 20_000);
}

#[test]
fn the_browser_check_catches_console_errors_and_blocked_resources() {
    let Some(browser) = browser_or_skip("console detector test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <link rel=\"stylesheet\" href=\"https://cdn.example.com/x.css\"></head><body><p data-funnel=\"x\">1</p></body></html>",
    )
    .unwrap();
    let page = render(&browser, &bad, dir.path());
    assert!(
        page.console.iter().any(|l| l.contains("cdn.example.com")),
        "a blocked external stylesheet must show on the console: {:?}",
        page.console
    );
    let err = dir.path().join("err.html");
    std::fs::write(
        &err,
        "<!DOCTYPE html><html><body><script>undefinedFunction()</script></body></html>",
    )
    .unwrap();
    let page = render(&browser, &err, dir.path());
    assert!(
        page.console.iter().any(|l| l.contains("Uncaught")),
        "{:?}",
        page.console
    );
}

#[test]
fn same_inputs_config_and_date_give_byte_identical_outputs_except_run_json() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let out_a = sample_run(a.path(), &[]);
    let out_b = sample_run(b.path(), &[]);
    let mut names: Vec<String> = std::fs::read_dir(&out_a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for expected in [
        "report.html",
        "certificate.json",
        "processing-record.md",
        "processing-record.json",
        "notice.txt",
        "vendor-feedback.csv",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} written");
    }
    assert!(
        !names.iter().any(|n| n.starts_with('.')),
        "no temporary left"
    );
    for name in &names {
        if name == "run.json" {
            continue;
        }
        let x = std::fs::read(out_a.join(name)).unwrap();
        let y = std::fs::read(out_b.join(name)).unwrap();
        assert!(x == y, "{name} differs between two identical runs");
    }
    // Nothing that names the machine: no output folder, no repository path.
    let repo_dir = env!("CARGO_MANIFEST_DIR");
    for name in [
        "report.html",
        "certificate.json",
        "processing-record.md",
        "processing-record.json",
        "notice.txt",
    ] {
        let text = std::fs::read_to_string(out_a.join(name)).unwrap();
        assert!(
            !text.contains(repo_dir),
            "{name} contains the path {repo_dir}"
        );
        assert!(
            !text.contains(a.path().to_str().unwrap()),
            "{name} contains the output path"
        );
    }
}

#[test]
fn english_on_request_and_the_paperwork_names_source_controller_and_rights() {
    let dir = tempfile::tempdir().unwrap();
    let out = sample_run(dir.path(), &["--lang", "en"]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Funnel"));
    assert!(!html.contains("Entonnoir"));

    let notice = std::fs::read_to_string(out.join("notice.txt")).unwrap();
    assert!(
        notice.contains("Data Horizon SARL (SIREN 814527339)"),
        "{notice}"
    );
    assert!(notice.contains("https://jeux.data-horizon.example.fr/grand-concours"));
    assert!(notice.contains("Menuiseries Bellerive SAS"));
    assert!(
        notice.contains("object to prospecting") && notice.contains("dpo@bellerive.example.fr")
    );
    assert!(!notice.contains("[to complete]"), "{notice}");

    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("processing-record.json")).unwrap())
            .unwrap();
    assert_eq!(record["date"], "2026-11-23");
    assert_eq!(record["retention_years"], 3);
    assert_eq!(record["sources"][0]["vendor"], "Data Horizon SARL");
    assert_eq!(
        record["recipients"][0],
        "Menuiseries Bellerive SAS (service commercial)"
    );
    let md = std::fs::read_to_string(out.join("processing-record.md")).unwrap();
    assert!(md.contains("Commercial prospecting"), "{md}");

    // French by default, for the same run.
    let dir = tempfile::tempdir().unwrap();
    let out = sample_run(dir.path(), &[]);
    let notice = std::fs::read_to_string(out.join("notice.txt")).unwrap();
    assert!(notice.contains("vous opposer à la prospection"), "{notice}");
}

#[test]
fn vendor_feedback_carries_hashes_and_reasons_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = sample_run(dir.path(), &[]);
    let rows = csv_rows(&out.join("vendor-feedback.csv"));
    assert_eq!(
        rows[0],
        [
            "record_id",
            "source_row",
            "email_sha256",
            "phone_sha256",
            "reasons"
        ]
    );
    let rejected = column(&out.join("rejected.csv"), "source_row");
    assert_eq!(
        rows.len() - 1,
        rejected.len(),
        "one row per rejected record"
    );
    let hex64 =
        |s: &str| s.is_empty() || (s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()));
    for r in &rows[1..] {
        assert!(hex64(&r[2]) && hex64(&r[3]), "{r:?}");
        assert!(!r[4].is_empty());
        assert!(!r.iter().any(|c| c.contains('@')), "no address: {r:?}");
    }
    // An address that failed validation is hashed too: the vendor needs it
    // most. Find one through rejected.csv.
    let reasons = column(&out.join("vendor-feedback.csv"), "reasons");
    let emails = column(&out.join("vendor-feedback.csv"), "email_sha256");
    let invalid: Vec<usize> = reasons
        .iter()
        .enumerate()
        .filter(|(_, r)| r.contains("email_invalid"))
        .map(|(i, _)| i)
        .collect();
    assert!(!invalid.is_empty());
    assert!(
        invalid.iter().all(|&i| !emails[i].is_empty()),
        "invalid addresses carry their hash"
    );
}

#[test]
fn the_batch_size_changes_no_output_byte() {
    // The sample (2,000 records) in one batch, then in batches of 7: every
    // file the same bytes, certificate included.
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let whole = sample_run(a.path(), &[]);
    let small = sample_run(b.path(), &["--batch-rows", "7"]);
    let names = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "run.json")
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&whole), names(&small));
    for name in names(&whole) {
        let x = std::fs::read(whole.join(&name)).unwrap();
        let y = std::fs::read(small.join(&name)).unwrap();
        assert!(x == y, "{name} differs between batches of 65,536 and of 7");
    }

    // For Excel (the BOM and the header once, at the top) and Parquet (one
    // row group per batch: other bytes, the same table), in batches of 1.
    let c = tempfile::tempdir().unwrap();
    let d = tempfile::tempdir().unwrap();
    let whole = sample_run(c.path(), &["--excel", "--parquet"]);
    let single = sample_run(d.path(), &["--excel", "--parquet", "--batch-rows", "1"]);
    for name in names(&whole) {
        if name == "qualified.parquet" || name == "certificate.json" {
            continue;
        }
        let x = std::fs::read(whole.join(&name)).unwrap();
        let y = std::fs::read(single.join(&name)).unwrap();
        assert!(x == y, "{name} differs between batches of 65,536 and of 1");
    }
    let csv = std::fs::read(single.join("qualified.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBFrecord_id;"));
    assert_eq!(
        csv.windows(3).filter(|w| *w == b"\xEF\xBB\xBF").count(),
        1,
        "one BOM"
    );
    let read = |dir: &Path| {
        use polars::prelude::*;
        let f = std::fs::File::open(dir.join("qualified.parquet")).unwrap();
        ParquetReader::new(f).finish().unwrap()
    };
    let (x, y) = (read(&whole), read(&single));
    assert!(x.height() > 100, "{} qualified rows", x.height());
    assert!(
        x.equals_missing(&y),
        "qualified.parquet holds the same table"
    );
}

/// Every file of a run folder but run.json, by name.
fn folder_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "run.json")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_list_and_the_client_file_read_in_batches_of_any_size_give_the_same_bytes() {
    // What a batch boundary could split: a malformed row, two columns that
    // map to one and disagree, unreadable dates and yes/no cells (the
    // warnings count them and name their first rows), a kept column, and
    // an IBAN in a later row of another kept column, which removes it
    // whole; in the client file, an unreadable date and a client far down.
    let dir = tempfile::tempdir().unwrap();
    let mut list = String::from(
        "first_name;last_name;email;courriel;mobile;consent_email;consent_email_at;collected_at;note;remarks\n",
    );
    let mut clients = String::from("client_id;first_name;last_name;email;last_purchase_at\n");
    for i in 1..=40 {
        let email = format!("p{i}@example.fr");
        let other = if i % 7 == 0 {
            format!("x{i}@example.fr")
        } else {
            email.clone()
        };
        let consent = if i % 5 == 0 { "peut-être" } else { "oui" };
        let date = if i % 6 == 0 { "le 3 mai" } else { "2026-01-10" };
        let remark = if i == 23 {
            "FR76 3000 6000 0112 3456 7890 189"
        } else {
            "rien"
        };
        if i == 11 {
            list.push_str("Ragged;Row\n");
            continue;
        }
        list.push_str(&format!(
            "Prénom{i};Nom{i};{email};{other};06123456{i:02};{consent};2026-01-10;{date};n{i};{remark}\n"
        ));
        if i % 9 == 0 {
            let bought = if i == 27 { "hier" } else { "2025-06-01" };
            clients.push_str(&format!("C-{i};Prénom{i};Nom{i};{email};{bought}\n"));
        }
    }
    std::fs::write(dir.path().join("list.csv"), list).unwrap();
    std::fs::write(dir.path().join("clients.csv"), clients).unwrap();
    write_manifest(&dir.path().join("list.csv"));
    std::fs::write(
        dir.path().join("qualify.toml"),
        "list = \"list.csv\"\nclients = \"clients.csv\"\nas_of = \"2026-11-23\"\nbuyer = \"Maison Dupont SAS\"\nkeep_columns = [\"note\", \"remarks\"]\n",
    )
    .unwrap();
    let config = dir.path().join("qualify.toml");
    let run_in = |name: &str, extra: &[&str]| -> PathBuf {
        let out = dir.path().join(name);
        // An absolute config path: `repo` joins it as it is.
        run_config(config.to_str().unwrap(), &out, extra);
        out
    };
    let whole = run_in("whole", &[]);
    let s = summary(&whole);
    let text = s.to_string();
    assert!(text.contains("disagree"), "a merge conflict: {text}");
    assert!(text.contains("unrecognised date"), "{text}");
    assert!(text.contains("remarks"), "the IBAN column is named: {text}");
    assert_eq!(s["counts"]["rows_read"], 40, "{text}");
    assert_eq!(s["counts"]["malformed"], 1, "{text}");
    let header = std::fs::read_to_string(whole.join("qualified.csv")).unwrap();
    let header = header.lines().next().unwrap().to_owned();
    assert!(
        header.contains("note") && !header.contains("remarks"),
        "{header}"
    );
    let want = folder_files(&whole);
    for rows in ["1", "2", "3", "7"] {
        let out = run_in(&format!("b{rows}"), &["--batch-rows", rows]);
        let got = folder_files(&out);
        assert_eq!(
            want.iter().map(|f| &f.0).collect::<Vec<_>>(),
            got.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        for ((name, x), (_, y)) in want.iter().zip(&got) {
            assert!(
                x == y,
                "{name} differs between one batch and batches of {rows}"
            );
        }
    }
}

#[test]
fn a_batch_size_of_zero_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_sample(&dir.path().join("out"), &["--batch-rows", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("batch_rows"), "{}", stderr(&o));
}
