"""Run every benchmark: `python -m bench` (what `make bench` does).

Each benchmark measures its floor (or limit) and our figure side by side in the same run
and returns its tables (`bench.report.Section`); they are printed as each one finishes,
then written into docs/benchmarks.md between that benchmark's markers, with the machine
they ran on. The hand-written text around the markers is left as it is.

    python -m bench                  every benchmark but the load test; writes the doc
    python -m bench --load           ... and the 10-minute load test
    python -m bench --only load      only these (comma-separated names); writes their parts
    python -m bench --quick          small sizes, for trying things out (writes nothing)
    python -m bench --no-write       print only
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import cluster_eval, delivery, feeds, ingest, load, memory, polls, report, summaries

# name -> (what it measures, where, how to run it)
BENCHMARKS: dict[str, tuple[str, Callable[[bool], report.Section]]] = {
    "ingest": ("ingestion against the extraction floor (bench/ingest.py)", ingest.run),
    "polls": ("conditional polls per second (bench/polls.py)", polls.run),
    "cluster": ("near-duplicate detection (bench/cluster_eval.py)", cluster_eval.run),
    "summaries": ("summarizer ROUGE and speed (bench/summaries.py)", summaries.run),
    "feeds": ("feeds: render, cached GETs and 304s (bench/feeds.py)", feeds.run),
    "delivery": ("delivery rate against the limit (bench/delivery.py)", delivery.run),
    "memory": ("memory with 1,000 sources, 100,000 articles (bench/memory.py)", memory.run),
    "load": ("load: 10,000 sources for 10 minutes (bench/load.py)", load.run),
}
ON_REQUEST = ("load",)  # only with --load or --only: it takes ten minutes


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.split("\n", 1)[0] if __doc__ else None
    )
    parser.add_argument("--load", action="store_true", help="also the 10-minute load test")
    parser.add_argument("--only", help=f"comma-separated names: {', '.join(BENCHMARKS)}")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes (writes nothing unless --write)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--write", action="store_true", help="write even a --quick run")
    parser.add_argument("--doc", type=Path, default=report.DOC, help="the document to update")
    args = parser.parse_args(argv)
    if args.only:
        args.names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in args.names if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    else:
        args.names = [n for n in BENCHMARKS if n not in ON_REQUEST or args.load]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    machine = report.machine()
    print(f"machine: {machine}")
    sections, failed = [], []
    for name in args.names:
        what, run = BENCHMARKS[name]
        print(f"\n== {what}{' (quick)' if args.quick else ''}", flush=True)
        started, where = time.perf_counter(), report.machine()
        try:
            section = dataclasses.replace(run(args.quick), machine=where)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            print(f"-- {name} FAILED after {time.perf_counter() - started:.0f} s", flush=True)
            continue
        print(section.markdown(), flush=True)
        print(f"-- {name}: {time.perf_counter() - started:.0f} s", flush=True)
        sections.append(section)
    if not args.only:  # a full run also rewrites the summary of its headline figures
        sections.append(report.summary(sections))
    if failed:
        print(f"\nfailed: {', '.join(failed)} (their parts of the document are left as they are)")
    if args.no_write or (args.quick and not args.write):
        print("\nnot written (--no-write or --quick)")
    elif sections:
        written = report.write(args.doc, sections, machine)
        print(f"\nwritten to {args.doc}: {', '.join(written)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
