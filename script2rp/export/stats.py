"""Statistics of a built dataset, from its `report.json` and parquet files, and the small plots the
dataset card shows (PNG files under `OUT/images/`).

Everything here is a pure function of the build folder: the same build gives the same numbers and
byte-identical images, so pushing an unchanged build uploads nothing new.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from script2rp.cinematika import display_name, name_key, turns

IMAGES_DIR = "images"
# file name -> (title, what it shows); the card lists them in this order.
PLOTS = {
    "dialogue_blocks_per_character.png": "Dialogue blocks per character (top 20)",
    "scenes_per_script.png": "Scenes per screenplay",
    "scene_length_words.png": "Scene length (words of the roleplay text)",
    "characters_per_scene.png": "Speaking characters per scene",
}


def load_report(out: Path) -> dict:
    path = Path(out) / "report.json"
    return json.loads(path.read_text(encoding="utf-8"))


def read_config(out: Path, config: str) -> list[dict]:
    """A config's rows, or [] when the build has no such file."""
    path = Path(out) / f"{config}.parquet"
    if not path.exists():
        return []
    return pq.read_table(path).to_pylist()


def _scene_texts(out: Path) -> list[tuple[str, str]]:
    """(movie, roleplay text) per scene: the model's transcript where there is one, else the rule-based
    rendering, so a build without a model still has scene statistics."""
    rows = read_config(out, "scene_by_scene")
    if rows:
        return [(r["movie"], r["scene_by_scene"].rsplit("[/scenario]\n\n", 1)[-1]) for r in rows]
    rows = read_config(out, "scene_enhancement")
    if rows:
        return [(r["movie"], r["output"]) for r in rows]
    return [(r["movie"], r["plain_scenes"]) for r in read_config(out, "plain_scenes")]


def dataset_stats(out: Path, report: dict | None = None) -> dict:
    """Numbers for the card and the notebook: totals, per-movie and per-character counts, and
    per-scene word and speaker counts."""
    out = Path(out)
    report = report if report is not None else load_report(out)
    movies = report.get("movies", [])
    characters = []
    for m in movies:
        for c in m.get("cast", []):
            characters.append({
                "movie": m["title"], "character": display_name(c["name"]),
                "dialogue_blocks": c["dialogue_blocks"], "scenes": c["scenes"], "main": c["main"],
            })
    characters.sort(key=lambda c: (-c["dialogue_blocks"], c["movie"], c["character"]))
    scene_words, scene_speakers = [], []
    for _, text in _scene_texts(out):
        scene_words.append(len(text.split()))
        scene_speakers.append(len({name_key(who) for who, _ in turns(text) if who}))
    llm = report.get("llm") or {}
    return {
        "scripts": len(movies),
        "scenes": sum(m.get("scenes", 0) for m in movies),
        "main_characters": sum(len(m.get("main_characters", [])) for m in movies),
        "npcs": sum(len(m.get("npcs", [])) for m in movies),
        "rows": dict(report.get("rows", {})),
        "failures": len(report.get("failures", [])),
        "prompt_tokens": llm.get("prompt_tokens", 0),
        "completion_tokens": llm.get("completion_tokens", 0),
        "scenes_per_script": {m["title"]: m.get("scenes", 0) for m in movies},
        "formats": dict(Counter(m.get("format", "?") for m in movies)),
        "characters": characters,
        "scene_words": scene_words,
        "speakers_per_scene": scene_speakers,
    }


def write_plots(out: Path, stats: dict | None = None) -> list[str]:
    """Draw the plots into `OUT/images/`; return their paths relative to OUT (card order).

    Images are written only when their bytes change, and carry no timestamp, so a rebuilt card
    of the same build leaves them identical.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    out = Path(out)
    stats = stats if stats is not None else dataset_stats(out)
    folder = out / IMAGES_DIR
    folder.mkdir(exist_ok=True)
    written = []
    top = stats["characters"][:20]
    several_movies = stats["scripts"] > 1
    drawers = {
        "dialogue_blocks_per_character.png": lambda ax: _barh(
            ax, [f"{c['character']} ({c['movie']})" if several_movies else c["character"] for c in top],
            [c["dialogue_blocks"] for c in top], ["#c0504d" if c["main"] else "#8aa4c8" for c in top],
            "dialogue blocks (red: main character)"),
        "scenes_per_script.png": lambda ax: _hist(ax, list(stats["scenes_per_script"].values()), "scenes", "screenplays"),
        "scene_length_words.png": lambda ax: _hist(ax, stats["scene_words"], "words per scene", "scenes"),
        "characters_per_scene.png": lambda ax: _counts(ax, stats["speakers_per_scene"], "speaking characters", "scenes"),
    }
    with plt.rc_context({"font.size": 9, "svg.hashsalt": "script2rp"}):
        for name, title in PLOTS.items():
            height = 3.0 if name != "dialogue_blocks_per_character.png" else max(2.0, 0.6 + 0.22 * len(top))
            fig, ax = plt.subplots(figsize=(6.0, height), dpi=100)
            drawers[name](ax)
            ax.set_title(title)
            fig.tight_layout()
            path = folder / name
            tmp = path.with_name(f".{name}.tmp")
            fig.savefig(tmp, format="png", metadata={"Software": None})
            plt.close(fig)
            if path.exists() and path.read_bytes() == tmp.read_bytes():
                tmp.unlink()
            else:
                tmp.replace(path)
            written.append(f"{IMAGES_DIR}/{name}")
    return written


def _barh(ax, labels: list[str], values: list[int], colors: list[str], xlabel: str) -> None:
    if not values:
        return _empty(ax)
    positions = list(range(len(values)))[::-1]
    ax.barh(positions, values, color=colors)
    ax.set_yticks(positions, labels)
    _integer_ticks(ax, "x")
    ax.set_xlabel(xlabel)


def _hist(ax, values: list[int], xlabel: str, ylabel: str) -> None:
    if not values:
        return _empty(ax)
    bins = min(30, max(1, len(set(values))))
    ax.hist(values, bins=bins, color="#8aa4c8", edgecolor="white")
    _integer_ticks(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def _counts(ax, values: list[int], xlabel: str, ylabel: str) -> None:
    if not values:
        return _empty(ax)
    counts = Counter(values)
    xs = sorted(counts)
    ax.bar(xs, [counts[x] for x in xs], color="#8aa4c8")
    ax.set_xticks(xs)
    _integer_ticks(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def _integer_ticks(ax, axis: str = "y") -> None:
    from matplotlib.ticker import MaxNLocator

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def _empty(ax) -> None:
    ax.text(0.5, 0.5, "no data in this build", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
