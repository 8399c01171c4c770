"""The plain-text reader on real screenplay layouts it was not tuned on: each pdf-dev PDF turned
into layout text by a tool that is not ours, then scored against its Fountain like the PDFs.

    python benchmarks/text_pairs.py [../shared/bench/pdf-dev] [--work DIR]

Why: most IMSDb-style text is a PDF someone ran through a PDF-to-text tool, and the dev
gold (SAIL) covers 13 IMSDb scripts only. pdfplumber's `extract_text(layout=True)`
(pdftotext -layout's approach: characters placed on a text grid) gives 15 more real
layouts with a reference for every speech: title pages, page furniture, revision marks,
dual dialogue typed in columns, transitions set flush right, blank lines lost or doubled
by the grid. The text reader sees only the text (no geometry, no hints from our PDF
reader). Scored by `../shared/bench/score_pairs.py --ext txt`: speech F1, cast Jaccard,
scene agreement per pair, Fountain as reference (its own slips included; see the
per-pair figures of the PDF path for comparison).

Needs pdfplumber, which the product does not use: `pip install "pdfplumber>=0.11"`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT.parent / "shared" / "bench" / "pdf-dev"
SCORER = ROOT.parent / "shared" / "bench" / "score_pairs.py"


def layout_text(pdf: Path) -> str:
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        # One grid cell per 7.25 pt across (12 pt Courier is 7.2 pt wide) and per 13 pt down.
        pages = [page.extract_text(layout=True, x_density=7.25, y_density=13) or "" for page in doc.pages]
    return "\n".join(pages) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="?", type=Path, default=PAIRS)
    ap.add_argument("--work", type=Path, help="folder for the text files (default: a temporary one)")
    args = ap.parse_args()
    try:
        import pdfplumber  # noqa: F401
    except ImportError:
        sys.exit('text_pairs needs pdfplumber: pip install "pdfplumber>=0.11"')
    work = args.work or Path(tempfile.mkdtemp(prefix="script2rp-text-pairs-"))
    work.mkdir(parents=True, exist_ok=True)
    for pdf in sorted(args.pairs.glob("*.pdf")):
        fountain = pdf.with_suffix(".fountain")
        if not fountain.exists():
            continue
        (work / pdf.with_suffix(".txt").name).write_text(layout_text(pdf), encoding="utf-8")
        (work / fountain.name).write_bytes(fountain.read_bytes())
    print(f"layout text of {len(list(work.glob('*.txt')))} PDFs in {work}", flush=True)
    return subprocess.call([sys.executable, str(SCORER), str(work), "--ext", "txt"])


if __name__ == "__main__":
    sys.exit(main())
