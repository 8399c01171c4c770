"""Parsing speed on the dev screenplays: read + decode + tag + structure, in-process.

    python benchmarks/parse_speed.py [../shared/bench/sail-dev/screenplays] [--repeat 3]

Prints MB/s and ms per screenplay for each stage and for the whole parse (best of
`--repeat` runs, so a noisy neighbour on the machine does not decide the figure). The
whole parse from the file on disk (read, decode, tag, structure) is the figure the
target applies to; the in-memory lines leave file reading out.
Target (parser issue): >= 5 MB/s for the whole parse on a 2-core machine.

Then PDF ingest (file -> text form, words placed and page geometry read) in pages/s
over the PDFs of `--pdf` (default ../shared/bench/pdf-dev; skipped when absent or
without the `pdf` extra), wall clock and, in brackets, this process's CPU time (the
figure a busy neighbour does not halve). Target (issue 13): >= 200 pages/s on a 2-core
machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from script2rp.ingest import load  # noqa: E402
from script2rp.parse import parse_form, tag  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "bench" / "sail-dev" / "screenplays"
PDF_DEFAULT = ROOT.parent / "shared" / "bench" / "pdf-dev"


def best_of(repeat: int, fn, clock=time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pdf", default=str(PDF_DEFAULT), help="folder of PDF screenplays for the PDF ingest line")
    a = ap.parse_args()
    files = sorted(Path(a.folder).glob("*.txt"))
    if not files:
        sys.exit(f"no .txt screenplays in {a.folder}")
    mb = sum(f.stat().st_size for f in files) / 1e6
    forms = [load(f) for f in files]
    stages = {
        "ingest (read+decode)": lambda: [load(f) for f in files],
        "tag (text forms in memory)": lambda: [tag(f) for f in forms],
        "tag+structure (in memory)": lambda: [parse_form(f) for f in forms],
        "parse (ingest+tag+structure)": lambda: [parse_form(load(f)) for f in files],
    }
    print(f"{len(files)} screenplays, {mb:.2f} MB")
    print(f"{'stage':30s} {'MB/s':>8s} {'ms/script':>10s}")
    for name, fn in stages.items():
        dt = best_of(a.repeat, fn)
        print(f"{name:30s} {mb / dt:8.2f} {1000 * dt / len(files):10.1f}")
    pdf_speed(sorted(Path(a.pdf).glob("*.pdf")), a.repeat)


def pdf_speed(files: list[Path], repeat: int) -> None:
    try:
        import pypdfium2
    except ImportError:
        print("pdf ingest: skipped (no pypdfium2: pip install 'script2rp[pdf]')")
        return
    if not files:
        print("pdf ingest: skipped (no PDFs)")
        return
    pages = 0
    for f in files:
        doc = pypdfium2.PdfDocument(str(f))
        pages += len(doc)
        doc.close()
    dt = best_of(repeat, lambda: [load(f) for f in files])
    cpu = best_of(repeat, lambda: [load(f) for f in files], clock=time.process_time)
    print(f"{len(files)} PDFs, {pages} pages")
    print(f"{'pdf ingest (file -> text form)':30s} {pages / dt:8.1f} pages/s {1000 * dt / pages:8.2f} ms/page"
          f"   (CPU time: {pages / cpu:.1f} pages/s)")


if __name__ == "__main__":
    main()
