"""Summarizer evaluation: ROUGE against the journalists' summaries, beside the baselines.

Run `python -m bench.summaries [PATH]` (PATH defaults to the shared BBC Arabic development set,
read at run time and never copied into the repository). Every system summarizes every article
in the same run, so the figures are comparable:

- ours at the `short` budget (one sentence, alerts) and the `standard` budget (channels);
- Lead-1 (the article's first sentence, uncut) and Lead-3;
- TextRank (Mihalcea and Tarau 2004: sentence graph weighted by word overlap, PageRank),
  its best sentence and its best three in article order.

ROUGE-1/2/L F1 come from `rouge-score` with our own tokenizer: its default one keeps only
`[a-z0-9]`, so Arabic would collapse to its digits. Both sides go through `arabic.words`
(diacritics, tatweel, alef forms, alef maqsura, teh marbuta folded the same way), once as is
and once Snowball-stemmed (stemming first, on the letters as written, then folding). Speed
is the wall time of each system's summarize calls alone. The gain over Lead-1 comes with a
95 % paired-bootstrap interval, so a difference within noise reads as such.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from unicodedata import combining

import snowballstemmer
from rouge_score import rouge_scorer

from bench.report import Section, Table, verdict
from syndicator import arabic
from syndicator.summarize import Budget, summarize

DEV_SET = Path(
    os.environ.get(
        "SYNDICATOR_DEV_SET",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "arabic-summaries-dev.jsonl",
    )
)
TARGET_GAIN = 1.0  # ROUGE-L points over Lead-1 at the short budget
TARGET_SPEED = 2000  # articles per second on one core
SPEED_ROUNDS = 3  # best of, to keep a noisy neighbour out of the figure
BOOTSTRAP = 2000
SEED = 20261129
QUICK_LIMIT = 30  # articles in a quick run
_WORD = re.compile(r"\w+")


Scores = tuple[float, float, float]


@dataclass(frozen=True)
class Row:
    title: str
    text: str
    summary: str


class Tokenizer:
    """`rouge-score` tokenizer interface: normalized Arabic words, optionally stemmed."""

    def __init__(self, *, stem: bool) -> None:
        self._stemmer = snowballstemmer.stemmer("arabic") if stem else None

    def tokenize(self, text: str) -> list[str]:
        if self._stemmer is None:
            return arabic.words(text)
        # Snowball's Arabic stemmer wants the letters it knows (ة, أ, ى), so it runs on the
        # words as written, without diacritics, and its stems are folded afterwards.
        bare = "".join(c for c in unicodedata.normalize("NFKC", text) if not combining(c))
        stems = self._stemmer.stemWords(_WORD.findall(bare))
        return [w for stem in stems for w in arabic.words(stem)]


def load(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [Row(r.get("title", ""), r["text"], r["summary"]) for r in records]


def lead(n: int) -> Callable[[str, str], str]:
    def first(title: str, text: str) -> str:
        return " ".join(arabic.sentences(text)[:n])

    return first


def textrank(n: int) -> Callable[[str, str], str]:
    """TextRank's best `n` sentences, in article order."""

    def rank(title: str, text: str) -> str:
        sentences = arabic.sentences(text)
        bags = [set(arabic.words(s)) for s in sentences]
        size = len(sentences)
        weights = [[0.0] * size for _ in range(size)]
        for i in range(size):
            for j in range(i + 1, size):
                if len(bags[i]) > 1 and len(bags[j]) > 1:
                    overlap = len(bags[i] & bags[j])
                    norm = math.log(len(bags[i])) + math.log(len(bags[j]))
                    weights[i][j] = weights[j][i] = overlap / norm
        totals = [sum(row) or 1.0 for row in weights]
        scores = [1.0] * size
        for _ in range(30):
            scores = [
                0.15 + 0.85 * sum(weights[j][i] / totals[j] * scores[j] for j in range(size))
                for i in range(size)
            ]
        best = sorted(sorted(range(size), key=lambda i: -scores[i])[:n])
        return " ".join(sentences[i] for i in best)

    return rank


def ours(budget: Budget) -> Callable[[str, str], str]:
    def run(title: str, text: str) -> str:
        return summarize(title, text, budget)

    return run


SYSTEMS: dict[str, Callable[[str, str], str]] = {
    "ours, short": ours(Budget.SHORT),
    "ours, standard": ours(Budget.STANDARD),
    "Lead-1": lead(1),
    "Lead-3": lead(3),
    "TextRank-1": textrank(1),
    "TextRank-3": textrank(3),
}


@dataclass(frozen=True)
class Result:
    name: str
    plain: tuple[float, float, float]  # ROUGE-1, -2, -L F1 x 100
    stemmed: tuple[float, float, float]
    chars: float
    ms: float
    rouge_l: tuple[float, ...]  # per article, for the paired interval

    @property
    def per_second(self) -> float:
        return 1000 / self.ms if self.ms else math.inf


def timed(system: Callable[[str, str], str], rows: Sequence[Row]) -> tuple[list[str], float]:
    """Outputs and the best-of-rounds milliseconds per article."""
    best = math.inf
    outputs: list[str] = []
    for _ in range(SPEED_ROUNDS):
        start = time.perf_counter()
        outputs = [system(row.title, row.text) for row in rows]
        best = min(best, time.perf_counter() - start)
    return outputs, best * 1000 / len(rows)


def per_article(rows: Sequence[Row], outputs: Sequence[str], *, stem: bool) -> list[Scores]:
    """ROUGE-1, -2 and -L F1 (x 100) of each output against its reference."""
    scorer = rouge_scorer.RougeScorer(
        ["rouge1", "rouge2", "rougeL"], tokenizer=Tokenizer(stem=stem)
    )
    found = []
    for row, output in zip(rows, outputs, strict=True):
        scores = scorer.score(row.summary, output)
        found.append(
            (
                100 * scores["rouge1"].fmeasure,
                100 * scores["rouge2"].fmeasure,
                100 * scores["rougeL"].fmeasure,
            )
        )
    return found


def score(rows: Sequence[Row], outputs: Sequence[str], *, stem: bool) -> Scores:
    """Mean ROUGE-1, -2 and -L F1 (x 100) over the set."""
    each = per_article(rows, outputs, stem=stem)
    r1, r2, rl = (statistics.fmean(column) for column in zip(*each, strict=True))
    return r1, r2, rl


def interval(gains: Sequence[float], rounds: int = BOOTSTRAP) -> tuple[float, float]:
    """95 % paired-bootstrap interval of the mean of per-article differences (seeded)."""
    draw = random.Random(SEED)
    means = sorted(statistics.fmean(draw.choices(gains, k=len(gains))) for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def evaluate(rows: Sequence[Row], systems: dict[str, Callable[[str, str], str]]) -> list[Result]:
    results = []
    for name, system in systems.items():
        outputs, ms = timed(system, rows)
        plain = per_article(rows, outputs, stem=False)
        stemmed = score(rows, outputs, stem=True)
        chars = statistics.fmean(len(o) for o in outputs)
        mean = tuple(statistics.fmean(c) for c in zip(*plain, strict=True))
        rouge_l = tuple(p[2] for p in plain)
        results.append(Result(name, mean, stemmed, chars, ms, rouge_l))  # type: ignore[arg-type]
    return results


def report(results: Sequence[Result], count: int) -> str:
    header = (
        f"| system ({count} articles) | R-1 | R-2 | R-L | R-1 stem | R-2 stem | R-L stem "
        "| mean chars | ms/article |"
    )
    lines = [header, "|---|" + "---:|" * 8]
    for r in results:
        cells = [f"{x:.2f}" for x in (*r.plain, *r.stemmed)]
        lines.append(f"| {r.name} | {' | '.join(cells)} | {r.chars:.0f} | {r.ms:.3f} |")
    by_name = {r.name: r for r in results}
    short, lead1 = by_name["ours, short"], by_name["Lead-1"]
    gain = short.plain[2] - lead1.plain[2]
    low, high = interval([a - b for a, b in zip(short.rouge_l, lead1.rouge_l, strict=True)])
    lines += [
        "",
        f"short budget vs Lead-1: ROUGE-L {gain:+.2f} (target >= +{TARGET_GAIN:.1f}; "
        f"95 % paired bootstrap {low:+.2f} to {high:+.2f}), "
        f"stemmed {short.stemmed[2] - lead1.stemmed[2]:+.2f}",
        f"extractive speed: {short.per_second:,.0f} articles/s on one core "
        f"(target >= {TARGET_SPEED:,}; ratio {short.per_second / TARGET_SPEED:.2f})",
    ]
    return "\n".join(lines)


def section(results: Sequence[Result], count: int) -> Section:
    """The report as a benchmark section: every system side by side, the gain over Lead-1
    with its interval, the speed against its target."""
    rows = [
        (
            r.name,
            *(f"{x:.2f}" for x in (*r.plain, *r.stemmed)),
            f"{r.chars:.0f}",
            f"{r.ms:.3f}",
            f"{r.per_second:,.0f}",
        )
        for r in results
    ]
    table = Table(
        (f"system ({count} articles)", "R-1", "R-2", "R-L", "R-1 stem", "R-2 stem",
         "R-L stem", "mean chars", "ms/article", "articles/s"),
        rows,
    )  # fmt: skip
    by_name = {r.name: r for r in results}
    short, lead1 = by_name["ours, short"], by_name["Lead-1"]
    gain = short.plain[2] - lead1.plain[2]
    low, high = interval([a - b for a, b in zip(short.rouge_l, lead1.rouge_l, strict=True)])
    speed = short.per_second / TARGET_SPEED
    gained = verdict(gain >= TARGET_GAIN, f"target >= +{TARGET_GAIN:.1f}")
    fast = verdict(speed >= 1, f"target >= {TARGET_SPEED:,}/s")
    return Section(
        "summaries",
        "Summarizer ROUGE against the baselines, and its speed",
        (table,),
        (
            f"short budget vs Lead-1: ROUGE-L {gain:+.2f}, {gained}; 95 % paired bootstrap "
            f"{low:+.2f} to {high:+.2f}; stemmed {short.stemmed[2] - lead1.stemmed[2]:+.2f}",
            f"extractive speed: {short.per_second:,.0f} articles/s on one core = {speed:.2f} x "
            f"target: {fast}",
        ),
        {"gain": gain, "per_second": short.per_second},
        (
            f"ROUGE-L {short.plain[2]:.2f} (short); {short.per_second:,.0f} articles/s",
            f"Lead-1 {lead1.plain[2]:.2f}: {gain:+.2f} ({low:+.2f} to {high:+.2f})",
            f"gain {gained}; speed {speed:.2f} x {TARGET_SPEED:,}/s",
        ),
    )


def run(quick: bool = False, path: Path = DEV_SET) -> Section:
    if not path.is_file():
        return Section(
            "summaries",
            "Summarizer ROUGE against the baselines, and its speed",
            notes=(f"skipped: no evaluation set at {path} (set SYNDICATOR_DEV_SET)",),
        )
    rows = load(path)[: QUICK_LIMIT if quick else None]
    return section(evaluate(rows, SYSTEMS), len(rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEV_SET)
    parser.add_argument("--limit", type=int, default=0, help="first N articles only")
    parser.add_argument(
        "--without-lead",
        action="store_true",
        help="drop each article's first sentence (the harder setting, closer to XL-Sum)",
    )
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(
            f"no evaluation set at {args.path}: pass a JSONL file with title, text and summary "
            "(or set SYNDICATOR_DEV_SET)",
            file=sys.stderr,
        )
        return 2
    rows = load(args.path)[: args.limit or None]
    if args.without_lead:
        rows = [replace(r, text="\n".join(arabic.sentences(r.text)[1:])) for r in rows]
    print(report(evaluate(rows, SYSTEMS), len(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
