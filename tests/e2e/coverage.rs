//! The shipped sample and its scenarios (`sample-data/scenarios/`, made by
//! `qualify-gen scenarios`) together exercise every reason code of the
//! catalogue, and each scenario shows the codes it was made for.

use super::util::*;

fn run_summary(config: &str, out: &std::path::Path) -> serde_json::Value {
    run_config(config, out, &[]);
    summary(out)
}

fn seen(s: &serde_json::Value) -> Vec<String> {
    s["reasons"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n.as_u64().unwrap() > 0)
        .map(|(code, _)| code.clone())
        .collect()
}

#[test]
fn sample_and_scenarios_exercise_every_reason_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<String> = Vec::new();
    for (config, expected) in [
        (
            "sample-data/qualify.toml",
            &["duplicate", "existing_client", "opposed"][..],
        ),
        (
            "sample-data/scenarios/summer.toml",
            &["bloctel", "banned_sector", "not_b2b_relevant"],
        ),
        ("sample-data/scenarios/august.toml", &["bloctel_outdated"]),
        (
            "sample-data/scenarios/scraped.toml",
            &["scraped_source", "malformed_row"],
        ),
        (
            "sample-data/scenarios/unsourced.toml",
            &["no_provenance", "unknown_collection_date"],
        ),
        (
            "sample-data/scenarios/companies.toml",
            &["company_closed", "company_unknown"],
        ),
        (
            "sample-data/scenarios/unreachable.toml",
            &["source_unavailable"],
        ),
    ] {
        let out = dir.path().join(config.replace('/', "_"));
        let s = run_summary(config, &out);
        let codes = seen(&s);
        for code in expected {
            assert!(
                codes.iter().any(|c| c == code),
                "{config} shows {code}: {codes:?}"
            );
        }
        assert_conserved(&out, s["counts"]["rows_read"].as_u64().unwrap() as usize);
        all.extend(codes);
    }
    // The catalogue, as `summary.json` lists it (every code, zero or not).
    let s = summary(&dir.path().join("sample-data_qualify.toml"));
    let missing: Vec<&String> = s["reasons"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|code| !all.contains(code))
        .collect();
    assert!(missing.is_empty(), "no sample run shows {missing:?}");
}
