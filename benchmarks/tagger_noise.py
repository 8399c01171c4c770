"""Tagging quality under the SAIL MovieParse noise types, on the dev screenplays.

    python benchmarks/tagger_noise.py [../shared/bench/sail-dev]

Each noise rewrites the screenplay lines (keeping a map back to the original line
numbers, so the gold tags still apply) the way real scrapes go wrong. Prints macro-F1
and non-blank accuracy per noise type next to the clean figures.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from script2rp.parse.tagger import tag_lines  # noqa: E402

DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "sail-dev"
TYPE_TO_TAG = {
    "scene_heading": "S", "action": "N", "shot": "N", "character": "C",
    "dialogue": "D", "lyrics": "D", "parenthetical": "E", "transition": "T",
}
HEADING = re.compile(r"^(\s*(?:[A-Z]?\d+[A-Z]?\s+)?)(INT\.?/EXT\.?|EXT\.?/INT\.?|INT\.|EXT\.|INT |EXT |I/E\.?)\s*", re.I)
Lines = list[tuple[str, int | None]]  # (text, original line index or None for inserted lines)


def _is_cue(line: str, gold: dict[int, str], i: int | None) -> bool:
    return i is not None and gold.get(i) == "C"


def remove_blank_lines(lines: Lines, gold, rng) -> Lines:
    return [(t, i) for t, i in lines if t.strip()]


def lowercase_headings(lines: Lines, gold, rng) -> Lines:
    return [(t.lower() if HEADING.match(t) else t, i) for t, i in lines]


def drop_int_ext(lines: Lines, gold, rng) -> Lines:
    return [(HEADING.sub(lambda m: m.group(1), t, count=1), i) for t, i in lines]


def lowercase_cues(lines: Lines, gold, rng) -> Lines:
    # Only lines the gold marks as cues are known to be cues; the rest of the script keeps its case.
    return [(t.title() if _is_cue(t, gold, i) else t, i) for t, i in lines]


def watermark_letters(lines: Lines, gold, rng) -> Lines:
    """PDF watermark debris: stray capital letters on their own lines and at line ends."""
    out: Lines = []
    for t, i in lines:
        if not t.strip() and rng.random() < 0.15:
            out.append((" " * rng.randrange(0, 70) + rng.choice("SCRIPTLBAY"), i))
        elif t.strip() and rng.random() < 0.05:
            out.append((t.rstrip().ljust(72) + rng.choice("SCRIPTLBAY"), i))
        else:
            out.append((t, i))
    return out


def scene_numbers_and_asterisks(lines: Lines, gold, rng) -> Lines:
    out: Lines = []
    n = 0
    for t, i in lines:
        if HEADING.match(t) and not re.match(r"^\s*[A-Z]?\d", t):
            n += 1
            t = f"{n}   {t.strip()}".ljust(70) + f"{n}"
        elif t.strip() and rng.random() < 0.1:
            t = t.rstrip().ljust(72) + "*"
        out.append((t, i))
    return out


def all_lowercase(lines: Lines, gold, rng) -> Lines:
    return [(t.lower(), i) for t, i in lines]


NAME_WITH_KEYWORDS = ["CLINT", "CUTTER", "DEXTER", "INTERN", "EXTON", "FADEN", "CUTTO", "MINTER"]


def keywords_in_names(lines: Lines, gold, rng) -> Lines:
    mapping: dict[str, str] = {}
    out: Lines = []
    for t, i in lines:
        if _is_cue(t, gold, i):
            name = re.sub(r"\(.*", "", t).strip()
            new = mapping.setdefault(name, NAME_WITH_KEYWORDS[len(mapping) % len(NAME_WITH_KEYWORDS)])
            t = t.replace(name, new, 1)
        out.append((t, i))
    return out


NOISES = {
    "clean": lambda lines, gold, rng: lines,
    "no_blank_lines": remove_blank_lines,
    "lowercase_headings": lowercase_headings,
    "no_int_ext": drop_int_ext,
    "lowercase_cues": lowercase_cues,
    "watermark_letters": watermark_letters,
    "scene_numbers_asterisks": scene_numbers_and_asterisks,
    "keywords_in_names": keywords_in_names,
    "all_lowercase": all_lowercase,
}


def load_bench(bench: Path) -> tuple[dict[str, list[str]], dict[str, dict[int, tuple[str, bool]]]]:
    import json

    gold: dict[str, dict[int, tuple[str, bool]]] = {}
    for row in (bench / "gold.jsonl").read_text().splitlines():
        r = json.loads(row)
        gold.setdefault(r["movie"], {})[r["line"]] = (r["tag"], r["blank"])
    texts = {}
    for movie in gold:
        raw = (bench / "screenplays" / f"{movie}.txt").read_bytes().decode("utf-8", errors="replace")
        texts[movie] = raw.replace("\r\n", "\n").split("\n")
    return texts, gold


def score(texts, gold, noise, seed: int = 0) -> dict[str, float]:
    """Macro-F1 over S N C D E T and non-blank accuracy, pooled over movies."""
    from collections import Counter

    conf: Counter = Counter()
    ok = total = 0
    for movie, lines in texts.items():
        g = {i: tag for i, (tag, _) in gold[movie].items()}
        noisy = noise([(t, i) for i, t in enumerate(lines)], g, random.Random(seed))
        tags = tag_lines([t for t, _ in noisy])
        pred = {i: TYPE_TO_TAG.get(tag, "O") for (_, i), tag in zip(noisy, tags) if i is not None}
        for i, (tag, blank) in gold[movie].items():
            y = pred.get(i, "O")
            conf[(tag, y)] += 1
            if not blank:
                total += 1
                ok += y == tag
    f1s = []
    for t in "SNCDET":
        tp = conf[(t, t)]
        fp = sum(v for (g_, y), v in conf.items() if y == t and g_ != t)
        fn = sum(v for (g_, y), v in conf.items() if g_ == t and y != t)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"macro_f1": 100 * sum(f1s) / len(f1s), "nonblank_acc": 100 * ok / total}


def main() -> None:
    bench = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_BENCH
    texts, gold = load_bench(bench)
    print(f"{'noise':26s} {'macro_f1':>9s} {'nonblank':>9s} {'time_s':>7s}")
    for name, noise in NOISES.items():
        t0 = time.perf_counter()
        r = score(texts, gold, noise)
        print(f"{name:26s} {r['macro_f1']:9.1f} {r['nonblank_acc']:9.1f} {time.perf_counter() - t0:7.2f}")


if __name__ == "__main__":
    main()
