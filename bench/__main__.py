"""Run every benchmark: `python -m bench` (what `make bench` does).

Each prints its figures side by side with the floor it is measured against, as ratios; the
results of one run are kept in docs/benchmarks.md with the machine they ran on.
"""

from __future__ import annotations

import asyncio

from bench import cluster_eval, feeds, ingest, polls, summaries


def main() -> None:
    print("== ingestion against the extraction floor (bench/ingest.py)")
    asyncio.run(ingest.main())
    print("\n== conditional polls per second (bench/polls.py)")
    asyncio.run(polls.main())
    print("\n== near-duplicate detection (bench/cluster_eval.py)")
    cluster_eval.main()
    print("\n== feeds: render time, cached GETs and 304s against the floor (bench/feeds.py)")
    feeds.main()
    print("\n== summarizer ROUGE against the baselines, and its speed (bench/summaries.py)")
    summaries.main([])


if __name__ == "__main__":
    main()
