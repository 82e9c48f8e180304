"""Near-duplicate detection on the BBC Arabic development set: false positives, recall, speed.

Run `python -m bench.cluster_eval`. The dev set is read at run time from the shared data
directory and never copied: its 300 articles are different stories, so every one of the 44,850
pairs that `is_near_duplicate` accepts is a false positive, and the pairs that share a band key
are the candidates the store would fetch for nothing. Synthetic republications of each article
(seeded edits a republishing site makes: dateline, trailer, «اقرأ أيضاً» line, dropped or added
paragraph, diacritics, title punctuation and a title word) measure recall, both through the
band keys (does the store find the candidate) and through the confirm step. A 64-bit SimHash
of the same shingles is measured alongside as the baseline the scheme was chosen against.
Speed is fingerprinting against tokenizing alone (`arabic.words`), which it must also do.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import Section, Table
from syndicator import arabic
from syndicator.cluster import SHINGLE, Fingerprint, fingerprint, is_near_duplicate, similarity
from syndicator.demo.site import load_articles

# The shared data directory sits beside the checkout (never inside it: internal use only).
DEV_SET = Path(
    os.environ.get(
        "SYNDICATOR_DEV_SET",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "arabic-summaries-dev.jsonl",
    )
)
SEED = 20260101
VARIANTS = 3  # synthetic republications per article
SPEED_ROUNDS = 3
QUICK_LIMIT = 60  # articles of the dev set in a quick run
CITIES = ("دمشق", "بيروت", "القاهرة", "عمّان", "بغداد", "الرياض", "لندن")
TRAILERS = ("المصدر: وكالات", "المصدر: بي بي سي عربي", "تابعونا على تلغرام وفيسبوك", "(رويترز)")
HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b"


@dataclass(frozen=True)
class Doc:
    title: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def load(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return [Doc(row["title"], tuple(row["text"].split("\n"))) for row in rows]


def _diacritize(text: str, rng: random.Random) -> str:
    out = []
    for word in text.split(" "):
        if len(word) > 1 and rng.random() < 0.2:
            cut = rng.randrange(1, len(word))
            word = word[:cut] + rng.choice(HARAKAT) + word[cut:]
        out.append(word)
    return " ".join(out)


def republish(doc: Doc, other: Doc, rng: random.Random, every: bool) -> tuple[Doc, Doc]:
    """(the first site's copy, another site's copy): each edit applied with some probability.

    With `every`, all edits are applied at once (the last paragraph dropped *and* one added).
    """

    def chance(p: float) -> bool:
        return rng.random() < p or every

    title, paragraphs, first = doc.title, list(doc.paragraphs), list(doc.paragraphs)
    dropped = chance(0.5) and len(paragraphs) > 2
    if dropped:
        paragraphs.pop()
    if (every or not dropped) and chance(0.3):
        paragraphs.append(other.paragraphs[0])
    if chance(0.5) and len(paragraphs) > 2:
        paragraphs.insert(rng.randrange(1, len(paragraphs)), f"اقرأ أيضاً: {other.title}")
    if chance(0.5):
        paragraphs.append(rng.choice(TRAILERS))
    if chance(0.5):  # a dateline, written by one of the two sites
        target = paragraphs if rng.random() < 0.5 else first
        target[0] = f"{rng.choice(CITIES)} - {target[0]}"
    if chance(0.5):
        paragraphs = [_diacritize(p, rng) for p in paragraphs]
        title = _diacritize(title, rng)
    if chance(0.5):
        title = title.replace('"', "«", 1).replace('"', "»", 1).rstrip(".")
        title += rng.choice((" !!", ".", "؟", ""))
        words = title.split()
        if len(words) > 4 and chance(0.5):
            del words[rng.randrange(len(words))]
        title = " ".join(words)
    return Doc(doc.title, tuple(first)), Doc(title, tuple(paragraphs))


@dataclass
class Recall:
    total: int = 0
    confirmed: int = 0
    banded: int = 0
    both: int = 0
    lowest: float = 1.0
    lowest_exact: float = 1.0  # the exact shingle Jaccard of that republication
    errors: list[float] = field(default_factory=list)  # estimate - exact Jaccard
    simhash_banded: int = 0
    simhash_farthest: int = 0


def recall(docs: Sequence[Doc], rng: random.Random, rounds: int, every: bool) -> Recall:
    out = Recall()
    for _ in range(rounds):
        for index, doc in enumerate(docs):
            other = docs[(index + rng.randrange(1, len(docs))) % len(docs)]
            first, second = republish(doc, other, rng, every)
            a, b = fingerprint(first.title, first.text), fingerprint(second.title, second.text)
            hit, band = is_near_duplicate(a, b), _share_band(a, b)
            out.total += 1
            out.confirmed += hit
            out.banded += band
            out.both += hit and band
            estimate, exact = similarity(a, b), _jaccard(first, second)
            out.errors.append(estimate - exact)
            if estimate < out.lowest:
                out.lowest, out.lowest_exact = estimate, exact
            x, y = simhash(first), simhash(second)
            out.simhash_banded += bool(_pieces(x) & _pieces(y))
            out.simhash_farthest = max(out.simhash_farthest, (x ^ y).bit_count())
    return out


def _shingle_hashes(doc: Doc) -> list[int]:
    tokens = arabic.words(doc.title) + arabic.words(doc.text)
    grams = zip(*(tokens[i:] for i in range(SHINGLE)), strict=False)
    return [
        int.from_bytes(hashlib.blake2b(" ".join(g).encode(), digest_size=8).digest(), "big")
        for g in grams
    ]


def _jaccard(a: Doc, b: Doc) -> float:
    x, y = set(_shingle_hashes(a)), set(_shingle_hashes(b))
    return len(x & y) / len(x | y)


def simhash(doc: Doc) -> int:
    """Baseline: 64-bit SimHash of the same word 3-shingles (unweighted, as a set)."""
    hashes = set(_shingle_hashes(doc))
    half = len(hashes) / 2
    return sum(1 << bit for bit in range(64) if sum(h >> bit & 1 for h in hashes) > half)


def _pieces(value: int) -> set[tuple[int, int]]:
    return {(i, value >> (16 * i) & 0xFFFF) for i in range(4)}


def _share_band(a: Fingerprint, b: Fingerprint) -> bool:
    return bool(set(a.bands) & set(b.bands))


def _rate(count: int, total: int) -> str:
    return f"{count:,} / {total:,} ({100 * count / total:.2f} %)"


def _per_second(run: Callable[[Doc], object], docs: Sequence[Doc]) -> float:
    best = float("inf")
    for _ in range(SPEED_ROUNDS):
        start = time.perf_counter()
        for doc in docs:
            run(doc)
        best = min(best, time.perf_counter() - start)
    return len(docs) / best


def measure(limit: int = 0) -> Section:
    """The whole evaluation on the dev set (its first `limit` articles when given)."""
    if not DEV_SET.is_file():
        return Section(
            "cluster",
            "Near-duplicate detection",
            notes=(f"skipped: no dev set at {DEV_SET} (set SYNDICATOR_DEV_SET)",),
        )
    docs = load(DEV_SET)[: limit or None]
    fps = [fingerprint(d.title, d.text) for d in docs]
    sims = [simhash(d) for d in docs]
    pairs = list(itertools.combinations(range(len(docs)), 2))
    false_pos = sum(is_near_duplicate(fps[i], fps[j]) for i, j in pairs)
    candidates = sum(_share_band(fps[i], fps[j]) for i, j in pairs)
    top, closest = max((similarity(fps[i], fps[j]), (i, j)) for i, j in pairs)
    nearest = min((sims[i] ^ sims[j]).bit_count() for i, j in pairs)
    sim_candidates = sum(bool(_pieces(sims[i]) & _pieces(sims[j])) for i, j in pairs)

    rng = random.Random(SEED)
    mixed = recall(docs, rng, VARIANTS, every=False)
    every = recall(docs, rng, 1, every=True)

    words_rate = _per_second(lambda d: arabic.words(d.title) + arabic.words(d.text), docs)
    fp_rate = _per_second(lambda d: fingerprint(d.title, d.text), docs)

    fixtures = {a.post_id: a for a in load_articles()}
    wire = [fixtures[n] for n in (1005, 1006)]
    wire_fps = [fingerprint(a.title, "\n\n".join(a.paragraphs)) for a in wire]
    wire_sets = [set(_shingle_hashes(Doc(a.title, a.paragraphs))) for a in wire]
    wire_jaccard = len(wire_sets[0] & wire_sets[1]) / len(wire_sets[0] | wire_sets[1])

    rows = [
        ("false-positive pairs (confirm step)", _rate(false_pos, len(pairs)), "–"),
        (
            "candidate pairs (share a band key)",
            _rate(candidates, len(pairs)),
            _rate(sim_candidates, len(pairs)),
        ),
        (
            "closest different articles",
            f"similarity {top:.3f} (exact {_jaccard(*(docs[i] for i in closest)):.3f})",
            f"{nearest} bits apart",
        ),
    ]
    for name, result in (("random edits", mixed), ("all edits at once", every)):
        rows += [
            (
                f"{name}: recall via band candidates",
                _rate(result.banded, result.total),
                _rate(result.simhash_banded, result.total),
            ),
            (f"{name}: recall via confirm step", _rate(result.confirmed, result.total), "–"),
            (
                f"{name}: recall via both (store + confirm)",
                _rate(result.both, result.total),
                "–",
            ),
            (
                f"{name}: similarity - exact Jaccard",
                f"mean {statistics.fmean(result.errors):+.3f} "
                f"sd {statistics.pstdev(result.errors):.3f}",
                "–",
            ),
            (
                f"{name}: farthest republication",
                f"similarity {result.lowest:.3f} (exact {result.lowest_exact:.3f})",
                f"{result.simhash_farthest} bits apart",
            ),
        ]
    rows.append(
        (
            "fingerprint speed (floor: tokenizing alone)",
            f"{fp_rate:,.0f} articles/s ({words_rate:,.0f}): {fp_rate / words_rate:.2f} x floor",
            "–",
        )
    )
    near = is_near_duplicate(*wire_fps)
    table = Table(
        (f"measure ({len(docs)} articles, {len(pairs):,} pairs)", "MinHash (cluster.py)",
         "SimHash-64 baseline"),
        rows,
    )  # fmt: skip
    return Section(
        "cluster",
        "Near-duplicate detection",
        (table,),
        (
            f"fixture 1005/1006 (same wire story, reworded): similarity "
            f"{similarity(*wire_fps):.3f}, exact shingle Jaccard {wire_jaccard:.3f}, "
            f"{'grouped' if near else 'not grouped'}, "
            f"{'share' if _share_band(*wire_fps) else 'share no'} band key",
        ),
        {
            "false_positives": false_pos,
            "recall_mixed": mixed.both / mixed.total,
            "recall_every": every.both / every.total,
            "per_second": fp_rate,
        },
        (
            f"{false_pos} false positives / {len(pairs):,} pairs; recall "
            f"{mixed.both}/{mixed.total} and {every.both}/{every.total}",
            f"SimHash-64: {mixed.simhash_banded}/{mixed.total} and "
            f"{every.simhash_banded}/{every.total}",
            f"{fp_rate:,.0f} articles/s = {fp_rate / words_rate:.2f} x tokenizing",
        ),
    )


def run(quick: bool = False) -> Section:
    return measure(QUICK_LIMIT if quick else 0)


def main(argv: list[str] | None = None) -> None:
    print(run("--quick" in (sys.argv[1:] if argv is None else argv)).markdown())


if __name__ == "__main__":
    main()
