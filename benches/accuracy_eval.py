"""Pair precision / recall / F1 of a `qualify run` folder against the truth
files of `qualify-gen linkage` (the same definitions as benches/accuracy.rs).

Usage: python3 benches/accuracy_eval.py DATA_DIR RUN_DIR
Dedupe: pairs inside the clusters rejected.csv states (a duplicate and its
survivor); a true pair is two list rows of one entity. Client: each list row
with a matched_client_id; a true one is a row whose entity is in the client
file. Prints one JSON object.
"""

import collections
import csv
import json
import sys


def prf(predicted, true_pairs, correct):
    p = correct / predicted if predicted else 1.0
    r = correct / true_pairs if true_pairs else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"predicted": predicted, "true_pairs": true_pairs, "correct": correct,
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def pairs_of(k):
    return k * (k - 1) // 2


def evaluate(data, run):
    entity = [r["entity_id"] for r in csv.DictReader(open(f"{data}/truth-list.csv"))]
    client_entity = {r["client_id"]: r["entity_id"] for r in csv.DictReader(open(f"{data}/truth-clients.csv"))}
    in_clients = set(client_entity.values())
    cluster = list(range(len(entity)))
    client_of = {}
    for r in csv.DictReader(open(f"{run}/rejected.csv")):
        i = int(r["source_row"]) - 1
        if r["matched_record_id"]:
            cluster[i] = int(r["matched_record_id"].rsplit("-", 1)[1]) - 1
        if r["matched_client_id"]:
            client_of[i] = r["matched_client_id"]
    by_c, by_both, by_e = collections.Counter(), collections.Counter(), collections.Counter()
    for i, e in enumerate(entity):
        by_c[cluster[i]] += 1
        by_both[(cluster[i], e)] += 1
        by_e[e] += 1
    dedupe = prf(sum(map(pairs_of, by_c.values())), sum(map(pairs_of, by_e.values())),
                 sum(map(pairs_of, by_both.values())))
    client = prf(len(client_of), sum(1 for e in entity if e in in_clients),
                 sum(1 for i, c in client_of.items() if client_entity[c] == entity[i]))
    return {"dedupe": dedupe, "client": client}


if __name__ == "__main__":
    print(json.dumps(evaluate(sys.argv[1], sys.argv[2])))
