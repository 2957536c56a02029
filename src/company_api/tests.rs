//! The company API client against a wiremock server on 127.0.0.1 that
//! answers with the JSON shapes of the public documentation of
//! recherche-entreprises.api.gouv.fr `/search`.

use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

/// An active company, as `/search?q=<siren>` returns it (fields trimmed to
/// those of the documented shape).
pub fn active(siren: &str) -> Value {
    json!({
        "results": [{
            "siren": siren,
            "nom_complet": "MAISON DUPONT SAS",
            "nom_raison_sociale": "MAISON DUPONT",
            "nombre_etablissements": 3,
            "nombre_etablissements_ouverts": 2,
            "siege": {"siret": format!("{siren}00012"), "etat_administratif": "A", "code_postal": "75011", "commune": "PARIS"},
            "activite_principale": "47.19B",
            "categorie_entreprise": "PME",
            "date_creation": "1955-01-01",
            "etat_administratif": "A",
            "nature_juridique": "5710",
            "matching_etablissements": [],
            "dirigeants": [],
            "complements": {"est_entrepreneur_individuel": false}
        }],
        "total_results": 1, "page": 1, "per_page": 5, "total_pages": 1
    })
}

/// A company that has ceased activity (`etat_administratif` C, its seat
/// closed, `F`).
pub fn ceased(siren: &str) -> Value {
    json!({
        "results": [{
            "siren": siren,
            "nom_complet": "ACME DATA SARL",
            "nombre_etablissements": 1,
            "nombre_etablissements_ouverts": 0,
            "siege": {"siret": format!("{siren}00018"), "etat_administratif": "F", "code_postal": "69003", "commune": "LYON"},
            "date_fermeture": "2024-06-30",
            "etat_administratif": "C",
            "matching_etablissements": []
        }],
        "total_results": 1, "page": 1, "per_page": 5, "total_pages": 1
    })
}

/// A SIREN nobody registered: no results.
pub fn unknown() -> Value {
    json!({"results": [], "total_results": 0, "page": 1, "per_page": 5, "total_pages": 0})
}

#[test]
fn the_documented_shapes_read_as_active_ceased_unknown() {
    assert_eq!(
        parse_search(&active("552081317"), "552081317"),
        Ok(CompanyStatus::Active)
    );
    assert_eq!(
        parse_search(&ceased("732829320"), "732829320"),
        Ok(CompanyStatus::Closed)
    );
    assert_eq!(
        parse_search(&unknown(), "123456782"),
        Ok(CompanyStatus::Unknown)
    );
    // Full-text search: another company's result is not an answer.
    assert_eq!(
        parse_search(&active("552081317"), "123456782"),
        Ok(CompanyStatus::Unknown)
    );
    assert!(parse_search(&json!({"erreur": "x"}), "1").is_err());
}

fn settings(base: &str, rate: f64) -> CompanySettings {
    CompanySettings {
        api_url: base.to_owned(),
        rate_limit: rate,
        concurrency: 4,
        cache_ttl_days: 30,
        sirene_file: None,
    }
}

fn remote(cache: Option<&Path>) -> RemoteConfig {
    RemoteConfig {
        cache_dir: cache.map(Path::to_owned),
        fetch_timeout: 0.5,
        connect_timeout: 0.5,
        fetch_retries: 2,
        ..Default::default()
    }
}

async fn mount(server: &MockServer, siren: &str, body: Value, times: u64) {
    Mock::given(method("GET"))
        .and(path("/search"))
        .and(query_param("q", siren))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(times)
        .mount(server)
        .await;
}

fn as_map(l: &Lookups) -> std::collections::BTreeMap<&str, CompanyStatus> {
    l.results
        .iter()
        .map(|(s, r)| (s.as_str(), *r.as_ref().unwrap()))
        .collect()
}

#[tokio::test]
async fn looks_up_each_company_then_answers_from_the_cache_until_the_ttl() {
    let server = MockServer::start().await;
    // Twice each: the first run, then the run after the TTL; never the one
    // in between.
    mount(&server, "552081317", active("552081317"), 2).await;
    mount(&server, "732829320", ceased("732829320"), 2).await;
    mount(&server, "123456782", unknown(), 2).await;
    let sirens: Vec<String> = ["123456782", "552081317", "732829320"]
        .map(String::from)
        .to_vec();
    let cache = tempfile::tempdir().unwrap();
    let s = settings(&server.uri(), 50.0);
    let day = 86_400;

    let first = lookup_all_async(
        &sirens,
        &s,
        &remote(Some(cache.path())),
        1_000 * day,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    let m = as_map(&first);
    assert_eq!(m["552081317"], CompanyStatus::Active);
    assert_eq!(m["732829320"], CompanyStatus::Closed);
    assert_eq!(m["123456782"], CompanyStatus::Unknown);
    assert_eq!((first.stats.queried, first.stats.cache_hits), (3, 0));

    let next_day = lookup_all_async(
        &sirens,
        &s,
        &remote(Some(cache.path())),
        1_001 * day,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(as_map(&next_day), m);
    assert_eq!((next_day.stats.queried, next_day.stats.cache_hits), (0, 3));

    let later = lookup_all_async(
        &sirens,
        &s,
        &remote(Some(cache.path())),
        1_031 * day,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(as_map(&later), m);
    assert_eq!(later.stats.queried, 3);
}

#[tokio::test]
async fn a_429_makes_everyone_wait_then_the_look_up_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0.3"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, "552081317", active("552081317"), 1).await;
    let started = Instant::now();
    let out = lookup_all_async(
        &["552081317".to_owned()],
        &settings(&server.uri(), 50.0),
        &remote(None),
        0,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(as_map(&out)["552081317"], CompanyStatus::Active);
    assert_eq!(out.stats.rate_limited, 1);
    assert_eq!(out.stats.retries, 1);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_5xx_is_retried_and_a_dead_api_is_an_error_per_company() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount(&server, "552081317", active("552081317"), 1).await;
    let out = lookup_all_async(
        &["552081317".to_owned()],
        &settings(&server.uri(), 50.0),
        &remote(None),
        0,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(as_map(&out)["552081317"], CompanyStatus::Active);

    // Nothing listens on this port any more.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let mut r = remote(None);
    r.fetch_retries = 1;
    let out = lookup_all_async(
        &["552081317".to_owned()],
        &settings(&dead, 50.0),
        &r,
        0,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    let err = out.results[0].1.as_ref().unwrap_err();
    assert!(
        err.contains("cannot connect") && err.contains("2 attempts"),
        "{err}"
    );
}

#[tokio::test]
async fn the_rate_limit_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(unknown()))
        .expect(8)
        .mount(&server)
        .await;
    let sirens: Vec<String> = (0..8).map(|i| format!("00000000{i}")).collect();
    let started = Instant::now();
    // 20 per second: 8 requests need at least 7 intervals of 50 ms.
    let out = lookup_all_async(
        &sirens,
        &settings(&server.uri(), 20.0),
        &remote(None),
        0,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    let took = started.elapsed();
    assert_eq!(out.stats.queried, 8);
    assert!(took >= Duration::from_millis(350), "{took:?}");
}

#[tokio::test]
async fn offline_uses_the_cache_whatever_its_age_and_nothing_else() {
    let server = MockServer::start().await;
    mount(&server, "552081317", active("552081317"), 1).await;
    let cache = tempfile::tempdir().unwrap();
    let s = settings(&server.uri(), 50.0);
    lookup_all_async(
        &["552081317".to_owned()],
        &s,
        &remote(Some(cache.path())),
        0,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    let mut r = remote(Some(cache.path()));
    r.offline = true;
    let out = lookup_all_async(
        &["552081317".to_owned(), "732829320".to_owned()],
        &s,
        &r,
        400 * 86_400,
        Terminal::hidden(),
    )
    .await
    .unwrap();
    assert_eq!(out.results[0].1, Ok(CompanyStatus::Active));
    assert!(out.results[1].1.as_ref().unwrap_err().contains("--offline"));
}
