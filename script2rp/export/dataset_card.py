"""The dataset card (`OUT/README.md`) written from a build's report.

Its YAML front matter declares every config with its parquet file: that is what lets
`datasets.load_dataset(OUT, config)` find the configs, offline or on the Hub.

`render_card(report)` holds everything the report knows (build details, configs, columns, row
counts, cast statistics, the reproduce command). `refresh_card(OUT)`, run at the end of every
`script2rp build` and again by `script2rp push` (with its `--license`), adds what needs the data
files: one example row per config and the statistics plots saved under `OUT/images/`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from script2rp.tasks import CONFIGS

DEFAULT_LICENSE = "other"
LICENSE_NAME = "screenplays-belong-to-their-authors"
RIGHTS = (
    "**We do not own the screenplays.** Every row is derived from a screenplay whose copyright belongs "
    "to its authors and studios; script2rp only converts it. The `license` field of this card is a "
    "flag set by whoever published the build (`{license}`), not a grant of rights in the screenplays. "
    "Check that you may use and share these texts before you train on or redistribute them."
)
_EXAMPLE_CHARS = 700  # per string field in an example row


def size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M")):
        if n < limit:
            return label
    return "100M<n<1B"


def front_matter(report: dict, license: str = DEFAULT_LICENSE, out: Path | str | None = None) -> dict:
    configs = [c for c in CONFIGS if report["rows"].get(c)]  # a config without rows has no file
    meta = {
        "configs": [{"config_name": c, "data_files": f"{c}.parquet"} for c in configs],
        "license": license,
    }
    if out is not None:
        meta["dataset_info"] = _dataset_info(Path(out), configs, report["rows"])
    if license == "other":
        meta["license_name"] = LICENSE_NAME
    meta.update({
        "language": ["en"],
        "task_categories": ["text-generation"],
        "tags": ["roleplay", "screenplays", "multi-character", "cinematika", "synthetic", "script2rp"],
        "size_categories": [size_category(max(report["rows"].values(), default=0))],
        "pretty_name": report.get("name") or "script2rp roleplay dataset",
    })
    return meta


def _dataset_info(out: Path, configs: list[str], rows: dict[str, int]) -> list[dict]:
    """Row counts and the SHA-256 of each parquet file. `datasets` keys its cache of a local folder
    by the folder's name and this front matter, not by the files: without a checksum here, a
    rebuilt `out/` (or any other build in a folder named `out`) would load the old rows."""
    info = []
    for config in configs:
        path = out / f"{config}.parquet"
        if not path.exists():
            continue
        data = path.read_bytes()
        info.append({
            "config_name": config,
            "splits": [{"name": "train", "num_examples": rows[config]}],
            "download_checksums": {f"{config}.parquet": {"num_bytes": len(data),
                                                         "checksum": hashlib.sha256(data).hexdigest()}},
        })
    return info


def render_card(report: dict, out: Path | str | None = None, *, license: str = DEFAULT_LICENSE,
                images: list[str] | None = None, repo_id: str | None = None) -> str:
    """The card as Markdown. With `out`, example rows (and per-scene statistics) are read from the
    parquet files there; `images` are plot paths relative to the card."""
    from script2rp.export.stats import PLOTS, dataset_stats, read_config

    meta = front_matter(report, license, out)
    stats = dataset_stats(Path(out), report) if out is not None else None
    movies = report.get("movies", [])
    scenes = sum(m.get("scenes", 0) for m in movies)
    mains = sum(len(m.get("main_characters", [])) for m in movies)
    npcs = sum(len(m.get("npcs", [])) for m in movies)
    name = meta["pretty_name"]
    load_id = repo_id or "path/to/this/folder"
    first = meta["configs"][0]["config_name"] if meta["configs"] else "scene_by_scene"
    lines = [
        "---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).rstrip(), "---", "",
        f"# {name}", "",
        f"Multi-character roleplay training data in the cinematika format, made from {_n(len(movies), 'screenplay')} "
        f"({_n(scenes, 'scene')}, {_n(mains, 'main character')}, {_n(npcs, 'NPC')}) by "
        f"[script2rp](https://pypi.org/project/script2rp/) {report['script2rp_version']}. Scenes are rewritten as "
        "novel-style roleplay (`Name: \"speech\"` turns with narration), main characters get YAML character "
        "cards, and the training texts put the cards (`[characters]`), a scene summary (`[scenario]`) and the "
        "transcript together; side tasks (scene summaries, card writing, memories) come as input/output pairs.",
        "",
        "## Rights", "", RIGHTS.format(license=license), "",
        "## Use", "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("{load_id}", "{first}", split="train")',
        "```", "",
        "| config | rows | contents |", "|---|---:|---|",
    ]
    for config, n in report["rows"].items():
        lines.append(f"| `{config}` | {n} | {CONFIGS[config].description if config in CONFIGS else ''} |")
    lines += ["", "## Configs", ""]
    for config in report["rows"]:
        if config not in CONFIGS:
            continue
        description = CONFIGS[config].description
        lines += [f"### `{config}`", "", f"{description[0].upper()}{description[1:]}. {_n(report['rows'][config], 'row')}.", "",
                  "| column | type |", "|---|---|"]
        lines += [f"| `{field.name}` | `{field.type}` |" for field in CONFIGS[config].schema]
        lines.append("")
        if out is not None:
            rows = read_config(Path(out), config)
            if rows:
                lines += ["Example row:", "", *_fenced(json.dumps(_shorten(rows[0]), ensure_ascii=False, indent=1), "json"), ""]
    lines += _build_section(report, scenes, mains, npcs)
    lines += _stats_section(report, stats, images or [], PLOTS)
    lines += [
        "## Reproduce", "",
        "Install the same version and run the command that made this build (with the same screenplay files "
        "and, for model configs, the same model):", "",
        "```sh", f"pip install 'script2rp=={report['script2rp_version']}'", report.get("command") or "script2rp build ...",
        "```", "",
        "Answers are cached in the output folder (`.script2rp/`, not published), so re-running the command "
        "resumes rather than starting over.", "",
    ]
    return "\n".join(lines)


def refresh_card(out: Path | str, *, license: str = DEFAULT_LICENSE, repo_id: str | None = None) -> list[str]:
    """Rewrite `OUT/README.md` with example rows and the statistics plots (written to
    `OUT/images/`); return the plot paths. Only files whose bytes change are rewritten."""
    from script2rp.export.dataset import write_text
    from script2rp.export.stats import dataset_stats, load_report, write_plots

    out = Path(out)
    report = load_report(out)
    images = write_plots(out, dataset_stats(out, report))
    card = render_card(report, out, license=license, images=images, repo_id=repo_id)
    path = out / "README.md"
    if not path.exists() or path.read_text(encoding="utf-8") != card:
        write_text(path, card)
    return images


def _build_section(report: dict, scenes: int, mains: int, npcs: int) -> list[str]:
    llm = report.get("llm") or {}
    sampling = report.get("sampling") or {}
    lines = [
        "## How it was built", "",
        f"- script2rp version: {report['script2rp_version']}",
        f"- backend: `{report.get('backend')}`",
        f"- model: {'`' + str(report['model']) + '`' if report.get('model') else 'none (rule-based configs only)'}",
        f"- model revision: {report.get('model_revision') or 'not recorded by the build'}",
        f"- screenplays: {len(report.get('movies', []))} "
        f"({sum(1 for i in report.get('inputs', []) if i.get('status') == 'duplicate')} duplicate inputs dropped, "
        f"{sum(1 for i in report.get('inputs', []) if i.get('status') == 'bad')} unreadable)",
        f"- scenes: {scenes}; main characters: {mains}; NPCs: {npcs}",
    ]
    if llm:
        lines.append(f"- tokens: {llm.get('prompt_tokens', 0)} prompt, {llm.get('completion_tokens', 0)} completion "
                     f"({llm.get('requests', 0)} requests, {llm.get('hits', 0)} answered from the cache)")
    lines.append(f"- failed items: {len(report.get('failures', []))}"
                 + (" (" + ", ".join(f"{s}: {sum(c.values())}" for s, c in report["failures_by_stage"].items()) + ")"
                    if report.get("failures_by_stage") else ""))
    if sampling:
        lines.append("- sampling: " + ", ".join(f"`{k}={v}`" for k, v in sampling.items()))
    shape = report.get("shape")
    if shape:
        span = lambda key: f"{shape[key][0]}-{shape[key][1]}"  # noqa: E731
        lines.append(f"- shape `{shape['name']}`: cards with {span('traits')} traits of {span('trait_chars')} "
                     f"characters, a description of {span('description_paragraphs')} paragraphs "
                     f"({span('description_chars')} characters), {span('dialogue_lines')} lines of example dialogue; "
                     f"scenarios of {span('summary_sentences')} sentences")
    if report.get("plain_source"):
        lines.append(f"- `plain_scenes` and `plain_full_script` hold the {report['plain_source']}")
    check = report.get("check")
    if check:
        rows = sum(c["rows"] for c in check["configs"].values())
        kinds = ", ".join(f"{k} x{n}" for k, n in check["violations_by_kind"].items())
        lines.append(f"- fidelity (`script2rp check`): {sum(c['violations'] for c in check['configs'].values())} "
                     f"violations in {rows} rows" + (f" ({kinds})" if kinds else "") + "; per config: "
                     + ", ".join(f"{c} {v['violations']}/{v['rows']}" for c, v in check["configs"].items()))
    if report.get("prompt_versions") and report.get("model"):
        lines.append("- prompt versions: " + ", ".join(f"`{v}`" for v in report["prompt_versions"].values()))
    lines.append("")
    return lines


def _stats_section(report: dict, stats: dict | None, images: list[str], plots: dict[str, str]) -> list[str]:
    lines = ["## Statistics", "", "| screenplay | format | scenes | main characters | NPCs |", "|---|---|---:|---|---:|"]
    from script2rp.cinematika import display_name

    for m in report.get("movies", []):
        mains = ", ".join(display_name(n) for n in m.get("main_characters", [])) or "-"
        lines.append(f"| {m['title']} | {m.get('format', '')} | {m.get('scenes', 0)} | {mains} | {len(m.get('npcs', []))} |")
    lines.append("")
    cast = sorted(((c["dialogue_blocks"], display_name(c["name"]), m["title"], c["main"])
                   for m in report.get("movies", []) for c in m.get("cast", [])), key=lambda x: (-x[0], x[2], x[1]))
    if cast:
        lines += ["Most dialogue blocks:", "", "| character | screenplay | dialogue blocks | role |", "|---|---|---:|---|"]
        lines += [f"| {n} | {t} | {b} | {'main' if main else 'NPC'} |" for b, n, t, main in cast[:10]]
        lines.append("")
    if stats and stats["scene_words"]:
        words = sorted(stats["scene_words"])
        lines.append(f"Scene length: median {words[len(words) // 2]} words, longest {words[-1]}; "
                     f"speaking characters per scene: up to {max(stats['speakers_per_scene'])}.")
        lines.append("")
    for path in images:
        title = plots.get(Path(path).name, Path(path).stem)
        lines += [f"![{title}]({path})", ""]
    return lines


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _shorten(row: dict) -> dict:
    def cut(value):
        if isinstance(value, str) and len(value) > _EXAMPLE_CHARS:
            return value[:_EXAMPLE_CHARS] + f" ... [{len(value) - _EXAMPLE_CHARS} more characters]"
        if isinstance(value, list):
            return [cut(v) for v in value]
        if isinstance(value, dict):
            return {k: cut(v) for k, v in value.items()}
        return value

    return {k: cut(v) for k, v in row.items()}


def _fenced(text: str, lang: str) -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence + lang, text, fence]
