"""Do the tags and the Screenplay agree? Every line the tagger calls a character cue should
open (or sit inside) a Dialogue of the parsed screenplay.

    python benchmarks/cue_coverage.py [FILE_OR_DIR ...]    # default: the dev screenplays and pdf-dev

Why: the tagger is scored on line tags, but the dataset is built from the Screenplay. A cue
the structure step turns into action (a blank line it did not expect between a cue and its
speech, a cue line whose speech it could not split off) loses a whole speech without moving
any tagger score; 45 dev cues were lost so before this check existed. Needs no gold, so it
runs on any screenplay a user has. Prints, per file, the tagged cues, how many no Dialogue
covers, and the first few of them; exit status 1 when any is lost.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from script2rp.errors import ScreenplayError  # noqa: E402
from script2rp.ingest import load  # noqa: E402
from script2rp.ingest.inputs import find_inputs  # noqa: E402
from script2rp.model import Dialogue  # noqa: E402
from script2rp.parse import parse_form, tag  # noqa: E402

DEFAULT = [ROOT.parent / "shared" / "bench" / "sail-dev" / "screenplays", ROOT.parent / "shared" / "bench" / "pdf-dev"]


def lost_cues(path: Path) -> tuple[int, list[tuple[int, str]]]:
    """(tagged cues, the cues no Dialogue's line span covers, as (line, text))."""
    form = load(path)
    tags = tag(form)
    screenplay = parse_form(form, min_scene_lines=0)
    covered: set[int] = set()
    for scene in screenplay.scenes:
        for e in scene.elements:
            if isinstance(e, Dialogue):
                covered.update(range(e.line_span[0], e.line_span[1] + 1))
    cues = [t for t in tags if t.type == "character"]
    return len(cues), [(t.index, t.text.strip()) for t in cues if t.index not in covered]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inputs", nargs="*", default=[str(p) for p in DEFAULT if p.exists()])
    a = ap.parse_args()
    paths = [p for p in find_inputs(a.inputs) if p.suffix.lower() != ".fountain" or not p.with_suffix(".pdf").exists()]
    total = lost_total = 0
    print(f"{'file':45s} {'cues':>6s} {'lost':>5s}  first lost")
    for path in paths:
        try:
            cues, lost = lost_cues(Path(path))
        except ScreenplayError as exc:
            print(f"{Path(path).name[:45]:45s} skipped: {exc.reason}")
            continue
        total += cues
        lost_total += len(lost)
        print(f"{Path(path).name[:45]:45s} {cues:6d} {len(lost):5d}  {lost[:3]}")
    print(f"{'ALL':45s} {total:6d} {lost_total:5d}")
    sys.exit(1 if lost_total else 0)


if __name__ == "__main__":
    main()
