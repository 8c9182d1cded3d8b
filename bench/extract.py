"""Benchmark: letters per second for parse + fact extraction, and peak memory.

The corpus is made by varying the example letters (bench/corpus.py): dates, doses, ages, sex,
relief figures and sentence order differ from letter to letter. For every letter the benchmark
parses it, extracts the blind facts, the findings facts of every item, and classifies and links
every request: everything the audit does before the rule engine.

Memory is read at a quarter, half and all of the corpus (resident set size): flat figures
show that nothing accumulates per letter. The time of each stage is printed too (CPU time per
letter): parsing, reading the summary, the blind facts, the findings facts of every item (its
rationale read and merged with the summary) and the requests (classified, linked to each view).

    python bench/extract.py [--n 10000] [--seed 0] [--quiet] [--corpus-only]
    python bench/extract.py --n N --warm W [--warm-only]     (for bench/instructions.sh)
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

from corpus import load_letters, make_corpus
from imr_rules import build
from imr_rules.facts import Extractor
from imr_rules.letters import parse_letter


def rss_mb() -> float:
    """This process's current resident set size, MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quiet", action="store_true", help="print nothing (bench/instructions.sh)")
    ap.add_argument("--corpus-only", action="store_true",
                    help="only generate the letters (bench/instructions.sh subtracts this cost)")
    ap.add_argument("--warm", type=int, default=0,
                    help="make W + N letters first, then read W of them to warm the extractor "
                         "up and the N others; prints nothing (bench/instructions.sh)")
    ap.add_argument("--warm-only", action="store_true",
                    help="with --warm: make the same letters, read only the W")
    args = ap.parse_args(argv)
    if args.corpus_only:
        for _letter in make_corpus(load_letters(), args.n, seed=args.seed):
            pass
        return 0
    if args.warm:
        letters = list(make_corpus(load_letters(), args.warm + args.n, seed=args.seed))
        extractor = Extractor()
        read_letters(extractor, letters[:args.warm])
        if not args.warm_only:
            read_letters(extractor, letters[args.warm:])
        return 0

    extractor = Extractor()  # lexicons and triggers compile once, outside the timed loop
    # Letters are generated lazily (memory must not grow with the corpus); only the work on
    # each letter is timed.
    checkpoints = {args.n // 4, args.n // 2, args.n}
    marks: list[tuple[int, float]] = []
    items = 0
    elapsed = 0.0
    stages = dict.fromkeys(("parse", "summary", "blind facts", "findings facts", "requests"), 0.0)
    clock = time.process_time
    corpus = make_corpus(load_letters(), args.n, seed=args.seed)
    for done, (name, text) in enumerate(corpus, start=1):
        t0 = time.perf_counter()
        c0 = clock()
        det = parse_letter(text, name)
        c1 = clock()
        summary = extractor.observe(det.summary)
        c2 = clock()
        blind = extractor.case_facts(det, "blind", summary=summary)
        c3 = clock()
        stages["parse"] += c1 - c0
        stages["summary"] += c2 - c1
        stages["blind facts"] += c3 - c2
        for i in range(1, len(det.items) + 1):
            c0 = clock()
            extractor.request(det, i, blind)
            c1 = clock()
            found = extractor.case_facts(det, "findings", item=i, summary=summary)
            c2 = clock()
            extractor.request(det, i, found)
            c3 = clock()
            stages["requests"] += (c1 - c0) + (c3 - c2)
            stages["findings facts"] += c2 - c1
        elapsed += time.perf_counter() - t0
        items += len(det.items)
        if done in checkpoints:
            marks.append((done, rss_mb()))
    cpu = sum(stages.values())
    if args.quiet:
        return 0
    print(f"imr_rules {build()} build, {platform.python_implementation()} "
          f"{platform.python_version()}")
    print(f"parse + extraction: {args.n} letters ({items} items) in {elapsed:.1f} s = "
          f"{args.n / elapsed:,.0f} letters/s on one core "
          f"({args.n / cpu:,.0f} letters per CPU-second)")
    print("CPU time per letter: " + ", ".join(
        f"{stage} {seconds / args.n * 1e6:,.0f} µs" for stage, seconds in stages.items()))
    print("resident memory: " + ", ".join(f"{mb:.0f} MiB after {n:,}" for n, mb in marks))
    return 0


def read_letters(extractor: Extractor, letters: list[tuple[str, str]]) -> None:
    """What the timed loop does to each letter, untimed."""
    for name, text in letters:
        det = parse_letter(text, name)
        summary = extractor.observe(det.summary)
        blind = extractor.case_facts(det, "blind", summary=summary)
        for i in range(1, len(det.items) + 1):
            extractor.request(det, i, blind)
            found = extractor.case_facts(det, "findings", item=i, summary=summary)
            extractor.request(det, i, found)


if __name__ == "__main__":
    sys.exit(main())
