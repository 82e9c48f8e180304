"""Load: 10,000 sources polled for 10 minutes while new articles appear at random times.

The real service process (`python -m syndicator run`, see `bench.service`) collects from
10,000 sources on loopback sites (`bench.sites`: four feeds per site, 2,500 sites, one
fixture process), each polled every `interval` seconds (120 s, the cadence's default
minimum; the adaptive cadence is pinned to it so that "the source's interval" is one
number). Every source starts with one article, stored at its first poll.

Once every source has been polled once (that initial round is timed), the clock starts:
during the next `duration` seconds, `articles` new articles appear on random sources at
random whole seconds of [0, duration - interval - 15], so each one has had a poll after
it before the end. Then:

- memory: the service's peak resident set (VmHWM), and its RSS sampled every 5 s, against
  the stated bound;
- missed: every published article is looked up in the store (by source and guid);
- delay: from publication to the store transaction that inserted it (`fetched_at`),
  p50 / p95 / max, against the source's interval + 5 s.

Run with `python -m bench --load` (10 minutes), or `python -m bench.load [--quick]`.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import service
from bench.report import Section, Table, mib, verdict
from bench.sites import Publication, Sites, plan

SOURCES = 10_000
DURATION = 600
INTERVAL = 120
ARTICLES_PER_SOURCE = 0.3  # new articles during the run, per source
FEEDS_PER_SITE = 4
BOUND_MIB = 400
SLACK = 5.0  # seconds the delay may exceed the interval (p95)
SAMPLE_EVERY = 5.0
QUICK = {"sources": 1000, "duration": 60, "interval": 20}
SEED = 20261201


@dataclass(frozen=True)
class Outcome:
    published: int
    stored: int
    missed: int
    delays: list[float]
    peak_kib: int
    max_sampled_kib: int
    end_rss_kib: int
    initial_round: float
    requests: dict[str, int]
    errors: int


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _stored(database: Path, publications: list[Publication]) -> dict[str, float]:
    """guid -> fetched_at (epoch) of the published articles found in the store."""
    wanted = {p.guid for p in publications}
    found = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        for guid, fetched in conn.execute("SELECT guid, fetched_at FROM articles"):
            if guid in wanted:
                found[guid] = datetime.fromisoformat(fetched).replace(tzinfo=UTC).timestamp()
    return found


def _run(
    workdir: Path,
    sources: int,
    duration: int,
    interval: int,
    articles: int,
    feeds_per_site: int,
    log: bool,
) -> Outcome:
    window = max(0, duration - interval - 15)
    publications = plan(sources, articles, window, SEED, initial=1)
    database = workdir / "syndicator.db"
    port = service.free_port()
    with Sites(sources, max(1, sources // feeds_per_site), publications, initial=1) as sites:
        feeds = [service.Feed(f"s{n}", sites.url(n), interval) for n in range(sources)]
        config = service.config(database, port, feeds, interval)
        with service.Service(workdir, config, port) as running:
            running.wait_ready(timeout=300)
            began = time.monotonic()
            while service.polled(database)[0] < sources:
                running.check_alive()
                if time.monotonic() - began > 1800:
                    raise RuntimeError("the initial round took more than 30 minutes")
                time.sleep(1)
            initial_round = time.monotonic() - began
            if log:
                print(f"  initial round: {sources:,} sources in {initial_round:.0f} s", flush=True)
            start = sites.start()
            sampled = 0
            while (left := start + duration - time.time()) > 0:
                time.sleep(min(SAMPLE_EVERY, left))
                running.check_alive()
                rss, _ = running.memory()
                sampled = max(sampled, rss)
                if log and int(time.time() - start) % 60 < SAMPLE_EVERY:
                    print(f"  {time.time() - start:4.0f} s: RSS {mib(rss)}", flush=True)
            for path in ("/feeds/all.rss", "/feeds/world.json", "/"):
                running.http.get(path)
            end_rss, peak = running.memory()
            requests = sites.counts()
            errors = service.polled(database)[1]
            code = running.stop()
    if code != 0:
        raise RuntimeError(f"the service exited with {code}; see {running.log}")
    stored = _stored(database, publications)
    delays = [stored[p.guid] - (start + p.offset) for p in publications if p.guid in stored]
    return Outcome(
        published=len(publications),
        stored=len(stored),
        missed=len(publications) - len(stored),
        delays=delays,
        peak_kib=peak,
        max_sampled_kib=sampled,
        end_rss_kib=end_rss,
        initial_round=initial_round,
        requests=requests,
        errors=errors,
    )


def measure(
    sources: int = SOURCES,
    duration: int = DURATION,
    interval: int = INTERVAL,
    articles: int | None = None,
    feeds_per_site: int = FEEDS_PER_SITE,
    log: bool = True,
) -> Section:
    articles = round(sources * ARTICLES_PER_SOURCE) if articles is None else articles
    with tempfile.TemporaryDirectory() as tmp:
        out = _run(Path(tmp), sources, duration, interval, articles, feeds_per_site, log)
    bound = interval + SLACK
    p50, p95, worst = (
        (_quantile(out.delays, q) for q in (0.5, 0.95, 1.0)) if out.delays else (math.nan,) * 3
    )
    within = out.peak_kib / 1024 <= BOUND_MIB
    kept = verdict(within, f"bound {BOUND_MIB} MiB")
    complete = verdict(out.missed == 0, "none missed")
    timely = verdict(p95 <= bound, f"p95 <= {interval} + {SLACK:g} s")
    polls = out.requests.get("200", 0) + out.requests.get("304", 0)
    table = Table(
        ("measure", "figure", "against", "verdict"),
        [
            ("peak RSS (VmHWM)", f"**{mib(out.peak_kib)}**", f"bound {BOUND_MIB} MiB", kept),
            ("RSS, highest 5 s sample / at the end",
             f"{mib(out.max_sampled_kib)} / {mib(out.end_rss_kib)}", "", ""),
            ("new articles published / stored", f"{out.published:,} / {out.stored:,}",
             "every one", complete),
            ("delay publication -> stored: p50", f"{p50:.1f} s", f"interval {interval} s", ""),
            ("delay: p95", f"**{p95:.1f} s**", f"{bound:g} s", timely),
            ("delay: max", f"{worst:.1f} s", "", ""),
            ("requests answered by the sites (200 / 304)",
             f"{out.requests.get('200', 0):,} / {out.requests.get('304', 0):,}", "", ""),
            ("sources in error at the end", str(out.errors), "0", ""),
            ("initial round (first poll of every source)", f"{out.initial_round:.0f} s",
             f"{sources:,} polls, {sources:,} articles stored", ""),
        ],
        f"{sources:,} sources on {max(1, sources // feeds_per_site):,} loopback sites, polled "
        f"every {interval} s for {duration} s after the initial round; {polls:,} polls in all:",
    )  # fmt: skip
    return Section(
        "load",
        f"Load: {sources:,} sources for {duration // 60} minutes",
        (table,),
        (f"memory: {kept}; articles: {complete}; delay: {timely}",),
        {"peak_mib": out.peak_kib / 1024, "missed": out.missed, "p95": p95, "max": worst},
        (
            f"peak RSS {mib(out.peak_kib)}; {out.missed} of {out.published:,} missed; "
            f"delay p95 {p95:.1f} s",
            f"{BOUND_MIB} MiB; interval + {SLACK:g} s = {bound:g} s",
            f"{'met' if within and not out.missed and p95 <= bound else 'NOT met'}",
        ),
    )


def run(quick: bool = False) -> Section:
    return measure(**QUICK) if quick else measure()  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="1,000 sources for 60 s")
    parser.add_argument("--sources", type=int)
    parser.add_argument("--duration", type=int, help="seconds after the initial round")
    parser.add_argument("--interval", type=int)
    parser.add_argument("--articles", type=int, help="new articles during the run")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    params: dict[str, int] = dict(QUICK) if args.quick else {}
    for key in ("sources", "duration", "interval", "articles"):
        if getattr(args, key) is not None:
            params[key] = getattr(args, key)
    print(measure(**params).markdown())  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
