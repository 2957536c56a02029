#!/usr/bin/env bash
# Scale benchmark: generates an N-row list and an M-row client file with the
# seeded generator, runs the full pipeline on them in release mode, and
# prints wall time, rows/s and peak memory (GNU time's max RSS).
#
#   bash benches/scale.sh                 # 100k and 1M rows
#   bash benches/scale.sh 100000 5000000  # any sizes (clients = list size)
#   bash benches/scale.sh 10000000:5000000  # LIST:CLIENTS, e.g. 10M list + 5M clients
#   QUALIFY_ARGS="--fuzzy false" bash benches/scale.sh   # extra flags for qualify run
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/qualify-target}"
if command -v mold >/dev/null 2>&1; then export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-fuse-ld=mold"; fi
cargo build --release --locked --bin qualify --bin qualify-gen >&2
bin="$CARGO_TARGET_DIR/release"
work="${SCALE_DIR:-$(mktemp -d)}"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  flags: ${QUALIFY_ARGS:-(none)}"
printf '%-10s %-10s %10s %12s %12s %-10s %s\n' rows clients wall_s rows_per_s peak_MiB qualified load_before
for size in "${sizes[@]}"; do
  n="${size%%:*}"
  m="${size#*:}"
  d="$work/n$n"
  [ "$m" = "$n" ] || d="$work/n${n}c$m"
  if [ ! -f "$d/prospects.csv" ]; then
    "$bin/qualify-gen" scale --rows "$n" --clients "$m" --seed 1 --out "$d" >/dev/null
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  rm -rf "$d/out"
  /usr/bin/time -f '%e %M' -o "$d/time.txt" "$bin/qualify" run --config "$d/qualify.toml" --out "$d/out" --quiet ${QUALIFY_ARGS:-}
  read -r wall kb < "$d/time.txt"
  q=$(python3 -c "import json;print(json.load(open('$d/out/summary.json'))['counts']['qualified'])")
  python3 - "$n" "$m" "$wall" "$kb" "$q" "$load" <<'PY'
import sys
n, m, wall, kb, q, load = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
print(f"{n:<10} {m:<10} {wall:>10.2f} {n/wall:>12.0f} {kb/1024:>12.0f} {q:<10} {load}")
PY
  python3 -c "import json;r=json.load(open('$d/out/run.json'));print('   stages (s):', ', '.join(f'{k} {v:.2f}' for k,v in r['stages_seconds'].items()))"
done
