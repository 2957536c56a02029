"""qualify's matcher and Splink, side by side, on one generated data set.

In: a folder from `qualify-gen linkage` (prospects.csv, clients.csv,
truth-list.csv, truth-clients.csv). Out, on stdout: for both tools, pair
precision, recall and F1 of dedupe inside the list and of the list -> client
link, and wall time; then the ratios.

qualify runs as `qualify run` (release build, the whole pipeline: reading,
normalising, linking, rules and every output file), scored by
benches/accuracy_eval.py.
Splink runs with its DuckDB backend and the settings of its documented
person-data examples (NameComparison on names, EmailComparison, exact
matches with term-frequency adjustments on postcode and city, Levenshtein
on the street; u by random sampling, lambda from deterministic rules, m by
EM on two blocking rules; predict, then cluster at 0.95). Splink does not
normalise data, so both files get the cleaning its tutorials do first:
lowercase, accents removed, phones as their last nine digits. Its time
covers that cleaning, training, prediction and clustering.

The metrics are the same for both tools (benches/accuracy_eval.py).
"""

import collections
import json
import os
import subprocess
import sys
import time
import unicodedata

import pandas as pd

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on



def fold(s):
    if not isinstance(s, str) or not s.strip():
        return None
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = "".join(c if c.isalnum() or c == "@" or c == "." else " " for c in s)
    return " ".join(s.split()) or None


def digits9(s):
    if not isinstance(s, str):
        return None
    d = "".join(c for c in s if c.isdigit())
    return d[-9:] if len(d) >= 9 else None


def clean(df):
    """The columns of COLS the files have (a names + address data set has
    no email or phone columns), cleaned."""
    out = pd.DataFrame({"unique_id": df["unique_id"]})
    for c in ["first_name", "last_name", "address_line1", "city"]:
        if c in df:
            out[c] = df[c].map(fold)
    if "email" in df:
        out["email"] = df["email"].map(lambda e: e.strip().lower() if isinstance(e, str) and e.strip() else None)
    if "postcode" in df:
        out["postcode"] = df["postcode"].map(lambda p: p.strip() if isinstance(p, str) and p.strip() else None)
    for c in ["phone", "mobile"]:
        if c in df:
            out[c] = df[c].map(digits9)
    return out


def prf(predicted, true_pairs, correct):
    p = correct / predicted if predicted else 1.0
    r = correct / true_pairs if true_pairs else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"predicted": predicted, "true_pairs": true_pairs, "correct": correct, "precision": p, "recall": r, "f1": f}


def pairs_of(k):
    return k * (k - 1) // 2


def settings(link_type, cols):
    """Splink's documented person-data settings, on the columns present."""
    comparisons = [
        ("first_name", cl.NameComparison("first_name")),
        ("last_name", cl.NameComparison("last_name")),
        ("email", cl.EmailComparison("email")),
        ("mobile", cl.ExactMatch("mobile")),
        ("phone", cl.ExactMatch("phone")),
        ("address_line1", cl.LevenshteinAtThresholds("address_line1", [1, 3])),
        ("postcode", cl.ExactMatch("postcode").configure(term_frequency_adjustments=True)),
        ("city", cl.ExactMatch("city").configure(term_frequency_adjustments=True)),
    ]
    rules = [("first_name", "postcode"), ("last_name", "postcode"), ("first_name", "last_name"),
             ("email",), ("mobile",)]
    if "email" not in cols:
        # Without identifiers, block on the address too (as Splink's examples do).
        rules.append(("address_line1",))
    return SettingsCreator(
        link_type=link_type,
        comparisons=[c for col, c in comparisons if col in cols],
        blocking_rules_to_generate_predictions=[block_on(*r) for r in rules if all(c in cols for c in r)],
        retain_intermediate_calculation_columns=False,
    )


def train(linker, cols):
    deterministic = [block_on("first_name", "last_name", "postcode")]
    if "email" in cols:
        deterministic.append(block_on("email"))
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))


def run_splink(data):
    t0 = time.time()
    lst = pd.read_csv(os.path.join(data, "prospects.csv"), dtype=str, keep_default_na=False)
    cli = pd.read_csv(os.path.join(data, "clients.csv"), dtype=str, keep_default_na=False)
    lst.insert(0, "unique_id", range(1, len(lst) + 1))
    cli.insert(0, "unique_id", range(1, len(cli) + 1))
    client_ids = list(cli["client_id"])
    lst_c, cli_c = clean(lst), clean(cli)
    cols = set(lst_c.columns) & set(cli_c.columns)

    # Dedupe inside the list.
    db = DuckDBAPI()
    linker = Linker(db.register(lst_c), settings("dedupe_only", cols), log_level=None)
    train(linker, cols)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.95).as_pandas_dataframe()
    cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"]))

    # Link list -> client file: the best client at or above 0.95 per list row
    # (none without clients: Splink needs two frames to link).
    if len(cli) == 0:
        return cluster_of, {}, time.time() - t0, len(lst)
    db2 = DuckDBAPI()
    linker2 = Linker([db2.register(lst_c, dataset_display_name="list"), db2.register(cli_c, dataset_display_name="clients")],
                     settings("link_only", cols), log_level=None)
    train(linker2, cols)
    pl = linker2.inference.predict(threshold_match_probability=0.95).as_pandas_dataframe()
    best = {}
    for row in pl.itertuples(index=False):
        d = row._asdict()
        if d["source_dataset_l"] == "list":
            li, ci = d["unique_id_l"], d["unique_id_r"]
        else:
            li, ci = d["unique_id_r"], d["unique_id_l"]
        p = d["match_probability"]
        if li not in best or p > best[li][1]:
            best[li] = (ci, p)
    seconds = time.time() - t0
    return cluster_of, {li: client_ids[ci - 1] for li, (ci, _) in best.items()}, seconds, len(lst)


def main():
    data = sys.argv[1]
    truth = pd.read_csv(os.path.join(data, "truth-list.csv"), dtype=str)
    entity = list(truth["entity_id"])
    ctruth = pd.read_csv(os.path.join(data, "truth-clients.csv"), dtype=str)
    client_entity = dict(zip(ctruth["client_id"], ctruth["entity_id"]))
    in_clients = set(client_entity.values())

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(repo, "target"))
    qualify = os.path.join(target, "release", "qualify")
    if not os.path.exists(qualify):
        subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "qualify"], cwd=repo, check=True)
    run_dir = os.path.join(data, "out-compare")
    subprocess.run(["rm", "-rf", run_dir], check=True)
    t0 = time.time()
    subprocess.run([qualify, "run", "--list", os.path.join(data, "prospects.csv"),
                    "--clients", os.path.join(data, "clients.csv"), "--as-of", "2026-11-23",
                    "--out", run_dir, "--quiet"] + sys.argv[2:], check=True)
    q_seconds = time.time() - t0
    sys.path.insert(0, os.path.join(repo, "benches"))
    import accuracy_eval
    qf = accuracy_eval.evaluate(data, run_dir)

    cluster_of, client_of, s_seconds, n = run_splink(data)
    by_c, by_both, by_e = collections.Counter(), collections.Counter(), collections.Counter()
    for i in range(n):
        c = cluster_of.get(i + 1, -(i + 1))
        by_c[c] += 1
        by_both[(c, entity[i])] += 1
        by_e[entity[i]] += 1
    s_dedupe = prf(sum(map(pairs_of, by_c.values())), sum(map(pairs_of, by_e.values())),
                   sum(map(pairs_of, by_both.values())))
    s_client = prf(len(client_of), sum(1 for e in entity if e in in_clients),
                   sum(1 for li, cid in client_of.items() if client_entity[cid] == entity[li - 1]))

    print(f"data: {data} ({n} list rows, {len(client_entity)} clients)")
    print(f"{'tool':<8} {'dedupe P':>9} {'R':>7} {'F1':>7}   {'client P':>9} {'R':>7} {'F1':>7}   {'wall s':>8}")
    for name, d, c, s in [("qualify", qf["dedupe"], qf["client"], q_seconds), ("splink", s_dedupe, s_client, s_seconds)]:
        print(f"{name:<8} {d['precision']:>9.4f} {d['recall']:>7.4f} {d['f1']:>7.4f}   "
              f"{c['precision']:>9.4f} {c['recall']:>7.4f} {c['f1']:>7.4f}   {s:>8.2f}")
    print(f"ratios qualify/splink: dedupe F1 {qf['dedupe']['f1'] / max(s_dedupe['f1'], 1e-9):.3f}, "
          f"client F1 {qf['client']['f1'] / max(s_client['f1'], 1e-9):.3f}, "
          f"wall time {q_seconds / s_seconds:.3f} (splink takes {s_seconds / q_seconds:.1f}x as long)")


if __name__ == "__main__":
    main()
