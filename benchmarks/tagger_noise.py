"""Line tagging on the dev screenplays, clean and under SAIL's noise types, all-dev and
leave-one-script-out.

    python benchmarks/tagger_noise.py [../shared/bench/sail-dev] [--per-script] [--no-loo]

Noise: SAIL MovieParse's types exactly as `../shared/bench/score_tagger.py --noise` makes them
(its `noisy_copy` and `score` are imported, not re-implemented): lower_headings and
lower_cues (the whole line lower-cased: `mara`, not `Mara`), drop_int_ext, margins (scene
numbers in the margins, revision asterisks), no_blank, and all five at once. Like the
scorer, the noise touches the annotated excerpt of each script; the rest of the script
stays as it was. Three more types of our own follow (not SAIL's): the whole script in
lower case, cues in title case everywhere, PDF watermark letters.

Tagging runs in this process along the path of `script2rp tag` (ingest.load, parse.tag).

Leave-one-script-out (LOO): the tagger has no weights; what it learns, it learns from the
script it is reading. What was set by looking at the dev scripts are its rules and a few
thresholds (`profile.SPREAD`, `SIDE_RATIO`, `EDGE_MARGIN`). For the thresholds, LOO is
run for real: for each script, the thresholds are chosen on a small grid by the mean
macro-F1 (clean and every SAIL noise) of the other twelve, and that script is scored with
them; the held-out predictions are pooled and scored like the all-dev ones. The rules
cannot be re-derived per fold; `--per-script` prints each script's figures so a change
can be checked script by script (see also `benchmarks/tagger_loo.py`: the dev scripts
re-typed in layouts none of them has).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import random
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from script2rp.ingest import load  # noqa: E402
from script2rp.model import TextForm  # noqa: E402
from script2rp.parse import profile, tag  # noqa: E402

DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "sail-dev"
SAIL_NOISES = ("lower_headings", "lower_cues", "drop_int_ext", "margins", "no_blank")
CONFIGS: dict[str, tuple[str, ...]] = {"clean": (), **{n: (n,) for n in SAIL_NOISES}, "all SAIL noises": SAIL_NOISES}
EXTRA = ("all_lowercase", "title_case_cues", "watermark_letters")
GRID = {"SPREAD": (2, 3, 4), "SIDE_RATIO": (3, 5, 9), "EDGE_MARGIN": (4, 6, 10)}


def scorer(bench: Path):
    """SAIL's scorer module (`score_tagger.py` next to the bench folder)."""
    spec = importlib.util.spec_from_file_location("score_tagger", bench.parent / "score_tagger.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _extra_noise(kind: str, lines: list[str], rows: list[dict], rng: random.Random) -> list[str]:
    """Our own noise types, on the whole script (line count unchanged)."""
    if kind == "all_lowercase":
        return [line.lower() for line in lines]
    if kind == "title_case_cues":
        cues = {r["line"] for r in rows if r["tag"] == "C"}
        return [line.title() if i in cues else line for i, line in enumerate(lines)]
    out = []
    for line in lines:  # watermark letters: stray capitals alone and at line ends
        if not line.strip() and rng.random() < 0.15:
            line = " " * rng.randrange(0, 70) + rng.choice("SCRIPTLBAY")
        elif line.strip() and rng.random() < 0.05:
            line = line.rstrip().ljust(72) + rng.choice("SCRIPTLBAY")
        out.append(line)
    return out


class Bench:
    """The dev screenplays, their noisy copies (made once) and SAIL's scorer."""

    def __init__(self, bench: Path) -> None:
        self.st = scorer(bench)
        self.gold = self.st.load_gold(str(bench))
        self.movies = sorted(self.gold)
        self.tmp = tempfile.mkdtemp()
        self.forms: dict[str, dict[str, tuple[TextForm, dict[int, int] | None]]] = {}
        for name, noise in CONFIGS.items():
            self.forms[name] = {}
            for m in self.movies:
                path = str(bench / "screenplays" / f"{m}.txt")
                newmap = None
                if noise:
                    path, newmap = self.st.noisy_copy(path, self.gold[m], list(noise), self.tmp)
                self.forms[name][m] = (load(path), newmap)
        for kind in EXTRA:
            self.forms[kind] = {}
            for m in self.movies:
                form = load(bench / "screenplays" / f"{m}.txt")
                lines = _extra_noise(kind, form.lines, self.gold[m], random.Random(0))
                self.forms[kind][m] = (TextForm(lines, form.source, "text"), None)

    def predict(self, config: str, movie: str) -> dict[int, str]:
        form, newmap = self.forms[config][movie]
        pred = {t.index: self.st.TYPE_TO_TAG.get(t.type, "O") for t in tag(form)}
        return pred if newmap is None else {old: pred.get(new, "O") for old, new in newmap.items()}

    def score(self, config: str, preds: dict[str, dict[int, str]]) -> dict[str, float]:
        gold = {m: self.gold[m] for m in preds}
        return self.st.score(gold, preds, skip_blank_lines="no_blank" in config or config == "all SAIL noises")


@contextmanager
def thresholds(**values: float):
    saved = {k: getattr(profile, k) for k in values}
    for k, v in values.items():
        setattr(profile, k, v)
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(profile, k, v)


def leave_one_out(b: Bench) -> dict[str, dict[str, float]]:
    """Thresholds chosen on twelve scripts, the thirteenth scored with them (module doc)."""
    sail = list(CONFIGS)
    points = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    preds = []  # per grid point: {config: {movie: pred}}
    for point in points:
        with thresholds(**point):
            preds.append({c: {m: b.predict(c, m) for m in b.movies} for c in sail})
    defaults = {k: getattr(profile, k) for k in GRID}
    held: dict[str, dict[str, dict[int, str]]] = {c: {} for c in sail}
    chosen = []
    for m in b.movies:
        others = [x for x in b.movies if x != m]

        def fit(k: int) -> tuple[float, bool]:  # a tie keeps the shipped thresholds
            return sum(b.score(c, {x: preds[k][c][x] for x in others})["macro_f1"] for c in sail), points[k] == defaults

        best = max(range(len(points)), key=fit)
        chosen.append(points[best])
        for c in sail:
            held[c][m] = preds[best][c][m]
    print(f"LOO thresholds: the defaults {defaults} chosen in {sum(p == defaults for p in chosen)} of {len(chosen)} folds;"
          f" others: {[p for p in chosen if p != defaults]}")
    return {c: b.score(c, held[c]) for c in sail}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bench", nargs="?", default=str(DEFAULT_BENCH))
    ap.add_argument("--per-script", action="store_true", help="macro-F1 / non-blank accuracy of each script")
    ap.add_argument("--no-loo", action="store_true", help="skip the leave-one-script-out runs (about two minutes)")
    a = ap.parse_args()
    b = Bench(Path(a.bench))
    dev = {c: b.score(c, {m: b.predict(c, m) for m in b.movies}) for c in b.forms}
    loo = {} if a.no_loo else leave_one_out(b)
    print(f"{'noise':22s} {'macro_f1':>9s} {'nonblank':>9s} {'LOO F1':>8s} {'LOO nb':>8s}   " + " ".join(f"{t:>5s}" for t in "SNCDET"))
    for c, r in dev.items():
        lo = loo.get(c)
        cols = f"{lo['macro_f1']:8.1f} {lo['nonblank_acc']:8.1f}" if lo else f"{'-':>8s} {'-':>8s}"
        print(f"{c:22s} {r['macro_f1']:9.1f} {r['nonblank_acc']:9.1f} {cols}   "
              + " ".join(f"{r['f1_' + t]:5.1f}" for t in "SNCDET"))
    if a.per_script:
        print(f"\n{'script':34s} " + " ".join(f"{c[:13]:>13s}" for c in dev))
        for m in b.movies:
            cells = []
            for c in dev:
                r = b.score(c, {m: b.predict(c, m)})
                cells.append(f"{r['macro_f1']:6.1f}/{r['nonblank_acc']:5.1f}")
            print(f"{m:34s} " + " ".join(cells))


if __name__ == "__main__":
    main()
