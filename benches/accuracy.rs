//! Accuracy and speed of linking, against the generator's ground truth.
//!
//! In: a folder written by `qualify-gen linkage` (prospects.csv, clients.csv,
//! truth-list.csv, truth-clients.csv). Out, on stdout: pair precision,
//! recall and F1 for dedupe inside the list and for the list -> client-file
//! link, and wall times (read + normalise, link), for exact keys only and
//! for exact + fuzzy; then one `RESULT {json}` line for scripts
//! (benches/splink/compare.py reads it).
//!
//! Run (release build):
//!   cargo run --release --bin qualify-gen -- linkage --rows 100000 --clients 100000 --out /tmp/link100k
//!   cargo bench --bench accuracy -- /tmp/link100k
//!
//! Dedupe pairs are all pairs inside the predicted clusters; a true pair is
//! two list rows of one entity. Client pairs are (list row, client) links;
//! a true one is a list row whose entity is in the client file, with that
//! client. The link stage is the pipeline's own (`qualify::link::link`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use qualify::ingest::mapping::{canonical_frame, TableKind};
use qualify::ingest::read_reference;
use qualify::link::fuzzy::FuzzySettings;
use qualify::link::{link, LinkInputs, Links, Suppression};
use qualify::normalise::records::{client_fields, normalise_frame, ClientFields, Normalised};
use qualify::schema::{CANONICAL_COLUMNS, CLIENT_COLUMNS};

fn load(path: &Path, kind: TableKind) -> (Normalised, Option<ClientFields>, Vec<Option<String>>) {
    let (table, map) = read_reference(path, kind).expect("readable file and headers");
    let names: Vec<&str> = CANONICAL_COLUMNS
        .iter()
        .chain(CLIENT_COLUMNS)
        .map(|(c, _)| *c)
        .collect();
    let df = canonical_frame(&table.frame, &map, &names);
    let norm = normalise_frame(&df);
    let fields =
        matches!(kind, TableKind::Clients).then(|| client_fields(&df, &mut Default::default()));
    let ids = fields
        .as_ref()
        .map(|f| f.client_id.clone())
        .unwrap_or_default();
    (norm, fields, ids)
}

fn truth(path: &Path) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_path(path).expect("truth file");
    r.records()
        .map(|x| {
            let x = x.expect("truth row");
            (x[0].to_owned(), x[1].to_owned())
        })
        .collect()
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Prf {
    predicted: u64,
    true_pairs: u64,
    correct: u64,
    precision: f64,
    recall: f64,
    f1: f64,
}

fn prf(predicted: u64, true_pairs: u64, correct: u64) -> Prf {
    let precision = if predicted == 0 {
        1.0
    } else {
        correct as f64 / predicted as f64
    };
    let recall = if true_pairs == 0 {
        1.0
    } else {
        correct as f64 / true_pairs as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Prf {
        predicted,
        true_pairs,
        correct,
        precision,
        recall,
        f1,
    }
}

fn pairs_of(k: u64) -> u64 {
    k * k.saturating_sub(1) / 2
}

fn dedupe_accuracy(links: &Links, entity: &[u32]) -> Prf {
    let n = entity.len();
    let cluster: Vec<usize> = (0..n).map(|i| links.survivor_of[i].unwrap_or(i)).collect();
    let mut by_cluster: HashMap<usize, u64> = HashMap::new();
    let mut by_both: HashMap<(usize, u32), u64> = HashMap::new();
    let mut by_entity: HashMap<u32, u64> = HashMap::new();
    for i in 0..n {
        *by_cluster.entry(cluster[i]).or_default() += 1;
        *by_both.entry((cluster[i], entity[i])).or_default() += 1;
        *by_entity.entry(entity[i]).or_default() += 1;
    }
    prf(
        by_cluster.values().map(|&k| pairs_of(k)).sum(),
        by_entity.values().map(|&k| pairs_of(k)).sum(),
        by_both.values().map(|&k| pairs_of(k)).sum(),
    )
}

fn client_accuracy(links: &Links, entity: &[u32], client_entity: &[u32]) -> Prf {
    let in_clients: std::collections::HashSet<u32> = client_entity.iter().copied().collect();
    let true_pairs = entity.iter().filter(|e| in_clients.contains(e)).count() as u64;
    let predicted = links.client.iter().filter(|c| c.is_some()).count() as u64;
    let correct = links
        .client
        .iter()
        .zip(entity)
        .filter(|(c, e)| c.is_some_and(|c| client_entity[c] == **e))
        .count() as u64;
    prf(predicted, true_pairs, correct)
}

fn print_misses(list: &Normalised, entity: &[u32], k: usize, settings: &FuzzySettings) {
    use qualify::link::fuzzy::{compare::compare, people, Folded, PairSide, Scorer};
    let inputs = LinkInputs::whole(list, None, settings);
    let links = link(list, inputs, None, &Suppression::default(), settings, &[]);
    let p = people(list);
    let f = Folded::new(&[&p]);
    let m = links.fuzzy.model.clone().unwrap_or_default();
    let scorer = Scorer::new(&m, list.rows, 0);
    let cluster: Vec<usize> = (0..list.rows)
        .map(|i| links.survivor_of[i].unwrap_or(i))
        .collect();
    let mut first_of: HashMap<u32, usize> = HashMap::new();
    let mut shown = 0;
    for i in 0..list.rows {
        let j = *first_of.entry(entity[i]).or_insert(i);
        if j != i && cluster[i] != cluster[j] && shown < k {
            shown += 1;
            let g = compare(f.view(0, j), f.view(0, i));
            let s = scorer.score(&g, f.view(0, i), PairSide::Within);
            println!(
                "miss {}-{} p {:.3} w {:.1} agreed [{}] disagreed [{}]\n  {:?}\n  {:?}",
                j + 1,
                i + 1,
                s.probability(),
                s.weight,
                g.agreed(),
                g.disagreed(),
                (
                    &p[j].first,
                    &p[j].last,
                    &p[j].street_no,
                    &p[j].street,
                    &p[j].postcode,
                    &p[j].city_key
                ),
                (
                    &p[i].first,
                    &p[i].last,
                    &p[i].street_no,
                    &p[i].street,
                    &p[i].postcode,
                    &p[i].city_key
                ),
            );
        }
    }
}

/// Share of the true pairs (inside the list, and list x clients) that
/// blocking makes candidates at all: what no model can recover.
fn blocking_recall(
    list: &Normalised,
    clients: &Normalised,
    entity: &[u32],
    client_entity: &[u32],
    settings: &FuzzySettings,
) -> (f64, f64) {
    use qualify::link::fuzzy::{block::blocking, people, Folded};
    let (lp, cp) = (people(list), people(clients));
    let f = Folded::new(&[&lp, &cp]);
    let b = blocking(
        &f.dicts,
        &f.sides[0],
        &f.sides[1],
        settings.max_block,
        settings.window,
        settings.sorted_window,
    );
    let (within, across) = b.all_pairs();
    let within: std::collections::HashSet<(u32, u32)> = within.into_iter().collect();
    let across: std::collections::HashSet<(u32, u32)> = across.into_iter().collect();
    let mut by_entity: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, e) in entity.iter().enumerate() {
        by_entity.entry(*e).or_default().push(i as u32);
    }
    let (mut t, mut found) = (0u64, 0u64);
    for rows in by_entity.values() {
        for a in 0..rows.len() {
            for b in a + 1..rows.len() {
                t += 1;
                found += u64::from(within.contains(&(rows[a], rows[b])));
            }
        }
    }
    let (mut ct, mut cfound) = (0u64, 0u64);
    for (ci, e) in client_entity.iter().enumerate() {
        for &r in by_entity.get(e).map(Vec::as_slice).unwrap_or(&[]) {
            ct += 1;
            cfound += u64::from(across.contains(&(r, ci as u32)));
        }
    }
    let share = |f: u64, t: u64| if t == 0 { 1.0 } else { f as f64 / t as f64 };
    (share(found, t), share(cfound, ct))
}

fn entity_number(s: &str) -> u32 {
    s.trim_start_matches('E')
        .parse()
        .expect("entity id E<digits>")
}

fn main() {
    let dir: PathBuf = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            eprintln!("usage: cargo bench --bench accuracy -- <folder from `qualify-gen linkage`>");
            std::process::exit(2);
        });
    let only_fuzzy = std::env::args().any(|a| a == "--fuzzy-only");
    // `--misses N`: print N true duplicate pairs the matcher left apart,
    // with their score and levels (for tuning, not for the report).
    let misses: Option<usize> = std::env::args()
        .skip_while(|a| a != "--misses")
        .nth(1)
        .and_then(|n| n.parse().ok());

    let t = Instant::now();
    let (list, _, _) = load(&dir.join("prospects.csv"), TableKind::List);
    let (clients, cfields, client_ids) = load(&dir.join("clients.csv"), TableKind::Clients);
    let cfields = cfields.expect("client fields");
    let read_s = t.elapsed().as_secs_f64();

    let entity: Vec<u32> = truth(&dir.join("truth-list.csv"))
        .iter()
        .map(|(_, e)| entity_number(e))
        .collect();
    let client_truth: HashMap<String, u32> = truth(&dir.join("truth-clients.csv"))
        .into_iter()
        .map(|(c, e)| (c, entity_number(&e)))
        .collect();
    let client_entity: Vec<u32> = client_ids
        .iter()
        .map(|id| client_truth[id.as_deref().expect("client_id")])
        .collect();
    assert_eq!(
        entity.len(),
        list.rows,
        "truth-list.csv and prospects.csv differ in length"
    );

    let mut results = serde_json::Map::new();
    results.insert("rows".into(), list.rows.into());
    results.insert("clients".into(), clients.rows.into());
    results.insert("threads".into(), rayon::current_num_threads().into());
    results.insert("read_normalise_seconds".into(), read_s.into());
    println!(
        "qualify on {}: {} list rows, {} clients, {} threads; read + normalise {:.2} s",
        dir.display(),
        list.rows,
        clients.rows,
        rayon::current_num_threads(),
        read_s
    );
    println!(
        "{:<14} {:>8} {:>9} {:>7} {:>7} {:>9} {:>7} {:>7} {:>8}",
        "matcher", "dedupe P", "R", "F1", "", "client P", "R", "F1", "link s"
    );
    let modes: &[(&str, bool)] = if only_fuzzy {
        &[("exact+fuzzy", true)]
    } else {
        &[("exact", false), ("exact+fuzzy", true)]
    };
    for &(name, enabled) in modes {
        let mut settings = FuzzySettings {
            enabled,
            // QUALIFY_FUZZY_TIMING=1: the time of each fuzzy step on stderr.
            timing: std::env::var_os("QUALIFY_FUZZY_TIMING").is_some(),
            ..FuzzySettings::default()
        };
        // `--set name=value`: try other thresholds (for tuning).
        for kv in std::env::args()
            .skip_while(|a| a != "--set")
            .skip(1)
            .take_while(|a| !a.starts_with("--"))
        {
            let (k, v) = kv.split_once('=').expect("--set name=value");
            match k {
                "matcher" if v == "fixed" => {
                    settings.source = qualify::link::fuzzy::ModelSource::Fixed
                }
                _ => {
                    let v: f64 = v.parse().expect("a number");
                    match k {
                        "match" => settings.match_probability = v,
                        "client" => settings.client_probability = v,
                        "review" => settings.review_probability = v,
                        "tf_cap" => settings.training.tf_cap = v,
                        "window" => settings.window = v as usize,
                        "sorted_window" => settings.sorted_window = v as usize,
                        "max_block" => settings.max_block = v as usize,
                        "first_name_guard" => {
                            use qualify::link::fuzzy::FirstNameGuard;
                            // 0: off, 1: on, anything else: decided from the data.
                            settings.first_name_guard = match v as i64 {
                                0 => FirstNameGuard::Off,
                                1 => FirstNameGuard::On,
                                _ => FirstNameGuard::Auto,
                            }
                        }
                        "max_cluster" => settings.max_cluster = v as usize,
                        _ => panic!("unknown setting {k}"),
                    }
                }
            }
        }
        let t = Instant::now();
        // The encoding of both files is part of the link stage's time.
        let links = link(
            &list,
            LinkInputs::whole(&list, Some(&clients), &settings),
            Some(&cfields),
            &Suppression::default(),
            &settings,
            &[],
        );
        let link_s = t.elapsed().as_secs_f64();
        let d = dedupe_accuracy(&links, &entity);
        let c = client_accuracy(&links, &entity, &client_entity);
        println!(
            "{:<14} {:>8.4} {:>9.4} {:>7.4} {:>7} {:>9.4} {:>7.4} {:>7.4} {:>8.2}",
            name, d.precision, d.recall, d.f1, "", c.precision, c.recall, c.f1, link_s
        );
        let st = &links.fuzzy.stats;
        if enabled {
            println!(
                "  candidate pairs: {} within, {} across ({:.0} pairs/s incl. blocking and training); windowed blocks {} ({} records); review pairs {}; refused chains {}",
                st.candidate_pairs_within,
                st.candidate_pairs_across,
                (st.candidate_pairs_within + st.candidate_pairs_across) as f64 / link_s,
                st.windowed_blocks,
                st.windowed_records,
                st.review_pairs,
                st.refused_chain
            );
            let (bw, ba) = blocking_recall(&list, &clients, &entity, &client_entity, &settings);
            println!("  blocking recall (true pairs that are candidates): dedupe {bw:.4}, client {ba:.4}");
            results.insert(
                "blocking_recall".into(),
                serde_json::json!({"dedupe": bw, "client": ba}),
            );
            if let Some(m) = &links.fuzzy.model {
                println!(
                    "  model: {} (prior {:.4} duplicates and {:.4} clients per record)",
                    m.provenance.source, m.prior.duplicates_per_record, m.prior.clients_per_record
                );
                if std::env::args().any(|a| a == "--model") {
                    println!("{}", serde_json::to_string_pretty(m).unwrap());
                }
            }
        }
        results.insert(
            name.into(),
            serde_json::json!({"dedupe": d, "client": c, "link_seconds": link_s, "stats": st}),
        );
    }
    if let Some(k) = misses {
        print_misses(&list, &entity, k, &FuzzySettings::default());
    }
    println!("RESULT {}", serde_json::Value::Object(results));
}
