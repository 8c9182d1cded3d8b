"""Benchmark: the whole audit (parse, extract both views, engine, findings) on a varied corpus.

Writes a corpus of N letters varied from the examples (bench/corpus.py) to a temporary folder,
then runs `imr-rules audit DIR --format jsonl --out FILE --workers W` for each W in a fresh
process, and prints letters per second and peak resident memory (the largest process: with
workers, the largest worker or the parent).

    python bench/audit.py [--n 10000] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import load_letters, make_corpus

REPO = Path(__file__).resolve().parents[1]

# Run in a child process: the audit itself, then this process's and its children's peak RSS.
_CHILD = """
import resource, sys
from imr_rules.cli import main
sys.argv = ["imr-rules", "audit", sys.argv[1], "--format", "jsonl", "--out", sys.argv[2],
            "--workers", sys.argv[3]]
try:
    main()
except SystemExit:
    pass
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(max(own, kids) // 1024, file=sys.stderr)
"""


def _last_line(path: Path) -> str:
    """The last line of a file, read from its end. (Reading the whole output would grow this
    process by its size, and the next child's peak would count it: a child's peak includes the
    memory of the process it was started from.)"""
    with path.open("rb") as f:
        size = f.seek(0, 2)
        chunk = b""
        while size > 0 and chunk.rstrip(b"\n").count(b"\n") == 0:
            step = min(size, 1 << 16)
            size -= step
            f.seek(size)
            chunk = f.read(step) + chunk
    return chunk.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("utf-8")


def run(folder: Path, workers: int, n: int) -> tuple[float, int, int]:
    out = folder.parent / f"audit-{workers}.jsonl"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(folder), str(out), str(workers)],
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    peak_mb = int(proc.stderr.strip().splitlines()[-1])
    summary = json.loads(_last_line(out))["summary"]
    if summary["letters"] + summary["errors"] != n:
        raise SystemExit(f"audit lost letters: {summary}")
    return elapsed, peak_mb, summary["errors"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "letters"
        folder.mkdir()
        for name, text in make_corpus(load_letters(), args.n, seed=args.seed):
            (folder / name).write_text(text, encoding="utf-8")
        for workers in args.workers:
            elapsed, peak, errors = run(folder, workers, args.n)
            print(f"audit --workers {workers}: {args.n} letters in {elapsed:.1f} s = "
                  f"{args.n / elapsed:,.0f} letters/s (process start included), "
                  f"peak memory {peak} MiB per process, {errors} letters in error")
    return 0


if __name__ == "__main__":
    sys.exit(main())
