"""The raw-speed peer of benches/scale.sh: polars reading the scale
folder's list and client file as strings and writing the list back as CSV,
nothing else. What qualify does on top of that (normalising, linking,
rules, a dozen outputs) is its own cost; this is the floor of reading and
writing the same bytes on the same machine.

    python benches/polars_peer.py SCALE_DIR      # e.g. /tmp/scale/n1000000

Prints the read and write seconds; time the whole process with
`/usr/bin/time -f '%e s %M KiB'` for wall time and peak memory.
"""

import os
import sys
import tempfile
import time

import polars as pl


def main() -> None:
    folder = sys.argv[1]
    t0 = time.perf_counter()
    frames = [
        pl.read_csv(os.path.join(folder, name), infer_schema=False)
        for name in ("prospects.csv", "clients.csv")
    ]
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=folder) as out:
        frames[0].write_csv(os.path.join(out, "list.csv"))
    t2 = time.perf_counter()
    rows = [f.height for f in frames]
    print(f"polars {pl.__version__}: read {rows[0]} + {rows[1]} rows {t1 - t0:.2f} s, "
          f"wrote the list {t2 - t1:.2f} s")


if __name__ == "__main__":
    main()
