//! Remote sources and the company check, end to end: the real binary
//! against wiremock servers on 127.0.0.1 started by the tests (never the
//! internet). The binary runs in `spawn_blocking` so that the test's
//! runtime keeps serving while the child process runs.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::util::*;

const TOKEN: &str = "tok-7f3a9-do-not-print";
const TOKEN_VAR: &str = "QUALIFY_E2E_REMOTE_TOKEN";

/// Runs the binary from the repository root, off the async runtime.
async fn qualify(
    args: Vec<String>,
    env: Vec<(&'static str, &'static str)>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut c = bin();
        c.current_dir(repo("")).args(&args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("qualify runs")
    })
    .await
    .unwrap()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

fn run_json(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap()
}

/// Serves a repository file at `url_path` with an ETag, only to the token;
/// answers 304 to a revalidation.
async fn serve(server: &MockServer, url_path: &str, file: &str, full: u64, revalidated: u64) {
    let body = std::fs::read(repo(file)).unwrap();
    let etag = format!(
        "\"{}\"",
        &qualify::ingest::sha256_file(&repo(file)).unwrap()[..16]
    );
    let auth = format!("Bearer {TOKEN}");
    Mock::given(method("GET"))
        .and(path(url_path))
        .and(header("authorization", auth.as_str()))
        .and(header("if-none-match", etag.as_str()))
        .respond_with(ResponseTemplate::new(304))
        .with_priority(1)
        .expect(revalidated)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(url_path))
        .and(header("authorization", auth.as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", etag.as_str())
                .set_body_bytes(body),
        )
        .with_priority(2)
        .expect(full)
        .mount(server)
        .await;
}

/// The scenario's summary with the input paths taken out: the only place
/// a URL run may differ from a local one.
fn without_paths(mut v: Value) -> Value {
    let inputs = v["inputs"].as_object_mut().unwrap();
    for (_, entry) in inputs.iter_mut() {
        match entry {
            Value::Object(o) => {
                o.remove("path");
            }
            Value::Array(a) => {
                for e in a {
                    e.as_object_mut().unwrap().remove("path");
                }
            }
            _ => {}
        }
    }
    v
}

const DETERMINISTIC: &[&str] = &[
    "qualified.csv",
    "rejected.csv",
    "decisions.csv",
    "to_delete.csv",
    "vendor-feedback.csv",
];

#[tokio::test(flavor = "multi_thread")]
async fn urls_give_the_outputs_of_local_files_then_the_cache_serves_them() {
    let server = MockServer::start().await;
    // Each file: downloaded once (first run), revalidated once (second
    // run); the third run is --offline and asks nothing.
    serve(
        &server,
        "/exports/scenario.csv",
        "tests/data/scenario.csv",
        1,
        1,
    )
    .await;
    serve(
        &server,
        "/exports/scenario.manifest.toml",
        "tests/data/scenario.manifest.toml",
        1,
        1,
    )
    .await;
    serve(
        &server,
        "/crm/clients.csv",
        "tests/data/scenario-clients.csv",
        1,
        1,
    )
    .await;
    serve(
        &server,
        "/optout/opposition.csv",
        "tests/data/scenario-opposition.csv",
        1,
        1,
    )
    .await;
    let base = server.uri();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let common = [
        "--as-of",
        "2026-11-23",
        "--buyer",
        "Maison Dupont SAS",
        "--quiet",
    ];

    let local = dir.path().join("local");
    let mut args = s(&[
        "run",
        "--list",
        "tests/data/scenario.csv",
        "--clients",
        "tests/data/scenario-clients.csv",
        "--opposition",
        "tests/data/scenario-opposition.csv",
        "--out",
    ]);
    args.push(local.display().to_string());
    args.extend(s(&common));
    let o = qualify(args, vec![]).await;
    assert!(o.status.success(), "{}", stderr(&o));

    let remote_args = |out: &Path, extra: &[&str]| {
        let mut a = s(&["run", "--list"]);
        a.push(format!("{base}/exports/scenario.csv"));
        a.push("--clients".into());
        a.push(format!("{base}/crm/clients.csv"));
        a.push("--opposition".into());
        a.push(format!("{base}/optout/opposition.csv"));
        a.extend(s(&["--auth-token-env", TOKEN_VAR, "--cache-dir"]));
        a.push(cache.display().to_string());
        a.push("--out".into());
        a.push(out.display().to_string());
        a.extend(s(&common));
        a.extend(s(extra));
        a
    };
    let env = vec![(TOKEN_VAR, TOKEN)];

    // First run over HTTP: every output but the paths is the local run's.
    let first = dir.path().join("first");
    let o = qualify(remote_args(&first, &[]), env.clone()).await;
    assert!(o.status.success(), "{}", stderr(&o));
    for f in DETERMINISTIC {
        assert_eq!(
            std::fs::read(local.join(f)).unwrap(),
            std::fs::read(first.join(f)).unwrap(),
            "{f} differs between the local and the URL run"
        );
    }
    let (sl, sr) = (summary(&local), summary(&first));
    assert_eq!(without_paths(sl.clone()), without_paths(sr.clone()));
    assert_eq!(
        sr["inputs"]["list"]["path"],
        format!("{base}/exports/scenario.csv")
    );
    assert_eq!(
        sr["inputs"]["manifest"]["path"],
        format!("{base}/exports/scenario.manifest.toml")
    );
    assert_eq!(
        sr["inputs"]["list"]["sha256"],
        sl["inputs"]["list"]["sha256"]
    );
    let rj = run_json(&first);
    let fetched = rj["urls_fetched"].as_array().unwrap();
    assert_eq!(fetched.len(), 4, "{rj}");
    assert!(
        fetched
            .iter()
            .all(|f| f["status"] == 200 && f["from_cache"] == false),
        "{rj}"
    );
    assert_eq!(rj["cache_hits"], 0);

    // explain replays the URL run from the cache.
    let id = column(&first.join("decisions.csv"), "record_id")[0].clone();
    let o = qualify(
        s(&["explain", "--out", first.to_str().unwrap(), "--record", &id]),
        vec![],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&id));

    // Second run: the server says 304 for each, the cache serves them.
    let second = dir.path().join("second");
    let o = qualify(remote_args(&second, &[]), env.clone()).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let rj = run_json(&second);
    let fetched = rj["urls_fetched"].as_array().unwrap();
    assert_eq!(fetched.len(), 4, "{rj}");
    assert!(
        fetched
            .iter()
            .all(|f| f["status"] == 304 && f["from_cache"] == true),
        "{rj}"
    );
    assert_eq!(rj["cache_hits"], 4);
    for f in DETERMINISTIC.iter().chain(&["summary.json"]) {
        assert_eq!(
            std::fs::read(first.join(f)).unwrap(),
            std::fs::read(second.join(f)).unwrap(),
            "{f} differs between the download and the cached run"
        );
    }

    // Offline: the cache alone, no request at all (the mocks' counts say so).
    let third = dir.path().join("third");
    let o = qualify(remote_args(&third, &["--offline"]), env.clone()).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(first.join("decisions.csv")).unwrap(),
        std::fs::read(third.join("decisions.csv")).unwrap()
    );
    assert!(run_json(&third)["urls_fetched"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["status"].is_null()));

    // The token went to the server and nowhere else.
    for d in [&first, &second, &third, &cache] {
        for f in walk(d) {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            assert!(!text.contains(TOKEN), "{} holds the token", f.display());
        }
    }
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_source_fails_naming_it_unless_optional() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/optout/opposition.csv"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/optout/opposition.csv", server.uri());
    let args = |out: &str, extra: &[&str]| {
        let mut a = s(&[
            "run",
            "--config",
            "tests/data/scenario.toml",
            "--opposition",
            &url,
            "--cache-dir",
        ]);
        a.push(dir.path().join("cache").display().to_string());
        a.push("--out".into());
        a.push(dir.path().join(out).display().to_string());
        a.extend(s(&["--quiet", "--fetch-retries", "0"]));
        a.extend(s(extra));
        a
    };

    let o = qualify(args("strict", &[]), vec![]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&url) && err.contains("404"), "{err}");
    assert!(!dir.path().join("strict").join("summary.json").exists());

    // A file that arrives but cannot be read is named by its URL.
    Mock::given(method("GET"))
        .and(path("/optout/bad.csv"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("email,channel\nx@example.fr,pigeon\n"),
        )
        .mount(&server)
        .await;
    let bad = format!("{}/optout/bad.csv", server.uri());
    let mut a = s(&[
        "run",
        "--config",
        "tests/data/scenario.toml",
        "--opposition",
        &bad,
        "--cache-dir",
    ]);
    a.push(dir.path().join("cache").display().to_string());
    a.extend(s(&[
        "--out",
        dir.path().join("bad").to_str().unwrap(),
        "--quiet",
    ]));
    let o = qualify(a, vec![]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("{bad}: row 1")),
        "{}",
        stderr(&o)
    );

    // An optional Bloctel file that is not there: consumer calls fail
    // closed as without a Bloctel file, and the summary says why.
    let bloctel = format!("{}/bloctel/missing.csv", server.uri());
    let o = qualify(
        args(
            "no-bloctel",
            &[
                "--optional",
                "opposition,bloctel",
                "--bloctel",
                &bloctel,
                "--bloctel-date",
                "2026-11-20",
                "--as-of",
                "2026-07-01",
            ],
        ),
        vec![],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let sm = summary(&dir.path().join("no-bloctel"));
    let sources: Vec<&str> = sm["unavailable_sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["opposition", "bloctel"]);
    assert!(
        sm["reasons"]["bloctel_outdated"].as_u64().unwrap() > 0,
        "{}",
        sm["reasons"]
    );

    let o = qualify(args("lenient", &["--optional", "opposition"]), vec![]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("lenient");
    assert_conserved(&out, 10);
    let reasons = column(&out.join("rejected.csv"), "reasons");
    assert_eq!(reasons.len(), 10, "every record fails closed");
    assert!(
        reasons.iter().all(|r| r.contains("source_unavailable")),
        "{reasons:?}"
    );
    let sm = summary(&out);
    assert_eq!(sm["unavailable_sources"][0]["url"], url.as_str());
    assert!(sm["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("fails closed")));
}

/// A list of four B2B records (SIRENs: active, ceased, unknown; one SIRET
/// of the active company) and one consumer.
fn company_list(dir: &Path) -> PathBuf {
    let list = dir.join("companies.csv");
    std::fs::write(
        &list,
        "first_name,last_name,email,phone,address_line1,postcode,city,siren,siret,collected_at\n\
         Paul,Durand,,01 45 00 00 01,1 rue A,75001,Paris,552081317,,2026-01-10\n\
         Rose,Marchal,,01 45 00 00 02,2 rue B,75002,Paris,732829320,,2026-01-10\n\
         Yves,Lambert,,01 45 00 00 03,3 rue C,75003,Paris,123456782,,2026-01-10\n\
         Lina,Haddad,,01 45 00 00 04,4 rue D,75004,Paris,,55208131700018,2026-01-10\n\
         Marc,Noel,marc.noel@gmail.com,,5 rue E,75005,Paris,,,2026-01-10\n",
    )
    .unwrap();
    write_manifest(&list);
    list
}

async fn mount_company(server: &MockServer, siren: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("q", siren))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_company_check_marks_ceased_and_unknown_companies_by_api_and_by_file() {
    use serde_json::json;
    let server = MockServer::start().await;
    // Shapes of the public documentation of /search (trimmed).
    mount_company(&server, "552081317", json!({"results": [{"siren": "552081317", "nom_complet": "MAISON DUPONT SAS", "etat_administratif": "A", "siege": {"siret": "55208131700018", "etat_administratif": "A"}, "matching_etablissements": []}], "total_results": 1, "page": 1, "per_page": 5, "total_pages": 1})).await;
    mount_company(&server, "732829320", json!({"results": [{"siren": "732829320", "nom_complet": "ACME DATA SARL", "etat_administratif": "C", "siege": {"siret": "73282932000009", "etat_administratif": "F"}, "matching_etablissements": []}], "total_results": 1, "page": 1, "per_page": 5, "total_pages": 1})).await;
    mount_company(
        &server,
        "123456782",
        json!({"results": [], "total_results": 0, "page": 1, "per_page": 5, "total_pages": 0}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let list = company_list(dir.path());
    let cache = dir.path().join("cache");
    let run = |out: &str, extra: Vec<String>| {
        let mut a = s(&["run", "--list"]);
        a.push(list.display().to_string());
        a.extend(s(&["--as-of", "2026-11-23", "--quiet", "--cache-dir"]));
        a.push(cache.display().to_string());
        a.push("--out".into());
        a.push(dir.path().join(out).display().to_string());
        a.extend(extra);
        a
    };
    let api = vec![
        "--check-companies".to_owned(),
        "--company-api-url".to_owned(),
        server.uri(),
    ];

    let o = qualify(run("api", api.clone()), vec![]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("api");
    assert_conserved(&out, 5);
    let decisions = std::fs::read_to_string(out.join("decisions.csv")).unwrap();
    let phone_of = |row: usize| {
        decisions
            .lines()
            .find(|l| l.contains(&format!("-{row},{row},phone,")))
            .unwrap()
            .to_owned()
    };
    // Active company: a professional, B2B phone is opt-out.
    assert!(phone_of(1).ends_with(",phone,true,"), "{}", phone_of(1));
    // Ceased: the whole record is rejected.
    assert!(
        phone_of(2).ends_with(",phone,false,company_closed"),
        "{}",
        phone_of(2)
    );
    // Unknown: no B2B signal left, so consumer rules (consent for calls
    // since 2026-08-11), and the dropped signal is said.
    assert!(
        phone_of(3).contains(",phone,false,no_consent;")
            && phone_of(3).ends_with(";company_unknown"),
        "{}",
        phone_of(3)
    );
    // The SIRET's company is the active one.
    assert!(phone_of(4).ends_with(",phone,true,"), "{}", phone_of(4));
    let rejected = column(&out.join("rejected.csv"), "reasons");
    assert!(
        rejected.iter().any(|r| r.starts_with("company_closed")),
        "{rejected:?}"
    );
    let sm = summary(&out);
    let cc = &sm["company_check"];
    assert_eq!(
        (
            cc["companies"].as_u64(),
            cc["active"].as_u64(),
            cc["closed"].as_u64(),
            cc["unknown"].as_u64()
        ),
        (Some(3), Some(1), Some(1), Some(1)),
        "{cc}"
    );
    assert_eq!(sm["reasons"]["company_closed"], 1);
    assert_eq!(run_json(&out)["company_lookups"]["queried"], 3);

    // explain replays the company answers from the run's cache.
    let id = column(&out.join("rejected.csv"), "record_id")
        .into_iter()
        .find(|r| r.ends_with("-2"))
        .unwrap();
    let o = qualify(
        s(&["explain", "--out", out.to_str().unwrap(), "--record", &id]),
        vec![],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        text.contains("company_closed") && text.contains("fr.company"),
        "{text}"
    );

    // Again: answered from the cache (each mock expects one request only).
    let o = qualify(run("api-again", api.clone()), vec![]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let again = dir.path().join("api-again");
    assert_eq!(run_json(&again)["company_lookups"]["cache_hits"], 3);
    assert_eq!(
        std::fs::read(out.join("decisions.csv")).unwrap(),
        std::fs::read(again.join("decisions.csv")).unwrap()
    );
    server.verify().await;

    // The offline path over the SIRENE stock extract decides the same.
    let o = qualify(
        run(
            "file",
            s(&[
                "--sirene-file",
                "tests/data/sirene/StockUniteLegale-extract.csv",
            ]),
        ),
        vec![],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.path().join("file");
    assert_eq!(
        std::fs::read(out.join("decisions.csv")).unwrap(),
        std::fs::read(file.join("decisions.csv")).unwrap()
    );
    let o = qualify(
        s(&["explain", "--out", file.to_str().unwrap(), "--record", &id]),
        vec![],
    )
    .await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("company_closed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_company_api_fails_the_run_unless_optional_then_b2b_records_fail_closed() {
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let dir = tempfile::tempdir().unwrap();
    let list = company_list(dir.path());
    let run = |out: &str, extra: &[&str]| {
        let mut a = s(&["run", "--list"]);
        a.push(list.display().to_string());
        a.extend(s(&[
            "--as-of",
            "2026-11-23",
            "--quiet",
            "--check-companies",
            "--fetch-retries",
            "0",
            "--connect-timeout",
            "0.5",
            "--company-api-url",
            &dead,
            "--cache-dir",
        ]));
        a.push(dir.path().join("cache").display().to_string());
        a.push("--out".into());
        a.push(dir.path().join(out).display().to_string());
        a.extend(s(extra));
        a
    };
    let o = qualify(run("strict", &[]), vec![]).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&dead) && stderr(&o).contains("cannot connect"),
        "{}",
        stderr(&o)
    );

    let o = qualify(run("lenient", &["--optional", "companies"]), vec![]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("lenient");
    assert_conserved(&out, 5);
    let rows = column(&out.join("rejected.csv"), "source_row");
    let reasons = column(&out.join("rejected.csv"), "reasons");
    for row in ["1", "2", "3", "4"] {
        let i = rows
            .iter()
            .position(|r| r == row)
            .unwrap_or_else(|| panic!("row {row} not rejected"));
        assert!(reasons[i].contains("source_unavailable"), "{}", reasons[i]);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
