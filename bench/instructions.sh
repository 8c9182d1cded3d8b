#!/bin/sh
# CPU instructions per letter of parse + extraction (what bench/extract.py times), counted by
# valgrind: unlike seconds, the count does not move with the machine's load, so it compares two
# versions of the code reliably. Runs the pipeline on 1 and on N + 1 letters; the difference / N
# is the per-letter cost, less what generating the letters costs (counted the same way with
# --corpus-only). Needs valgrind. Usage: sh bench/instructions.sh [N]   (N = 40: ~4 min)
set -e
n=${1:-40}
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
count() {
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$py" bench/extract.py --n "$1" --quiet $2 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count 1)
more=$(count $((n + 1)))
corpus_base=$(count 1 --corpus-only)
corpus_more=$(count $((n + 1)) --corpus-only)
"$py" -c "print(f'parse + extraction: {(($more - $base) - ($corpus_more - $corpus_base)) / $n / 1e6:.2f} M instructions per letter ($n letters; making them: {($corpus_more - $corpus_base) / $n / 1e6:.2f} M, not counted)')"
