#!/bin/sh
# CPU instructions per letter of parse + extraction (what bench/extract.py times), counted by
# valgrind: unlike seconds, the count does not move with the machine's load, so it compares two
# versions of the code reliably.
#   warm (the figure to compare, repeatable within about 0.3%): W letters read first, so that
#        the word tables and caches are filled as in a long audit, then the cost of N more;
#   cold: the first N letters after the first one, word tables filling as they go (about ±3%
#        from run to run).
# Both leave out what generating the letters costs. Needs valgrind.
# Usage: sh bench/instructions.sh [N] [W]   (N = 100, W = 100: ~8 min; PYTHON=... to choose)
set -e
n=${1:-100}
w=${2:-100}
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
count() {
    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$py" bench/extract.py --quiet "$@" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
warm_base=$(count --n "$n" --warm "$w" --warm-only)
warm_more=$(count --n "$n" --warm "$w")
cold_base=$(count --n 1)
cold_more=$(count --n $((n + 1)))
corpus_base=$(count --n 1 --corpus-only)
corpus_more=$(count --n $((n + 1)) --corpus-only)
"$py" -c "print(f'parse + extraction: {($warm_more - $warm_base) / $n / 1e6:.2f} M instructions per letter warm ($n letters after $w), {(($cold_more - $cold_base) - ($corpus_more - $corpus_base)) / $n / 1e6:.2f} M cold (the first $n; making them, not counted: {($corpus_more - $corpus_base) / $n / 1e6:.2f} M)')"
