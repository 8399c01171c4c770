"""The dataset card (`OUT/README.md`) written from a build's report.

Its YAML front matter declares every config with its parquet file: that is what lets
`datasets.load_dataset(OUT, config)` find the configs, offline or on the Hub.
"""

from __future__ import annotations

import yaml

from script2rp.export.dataset import DESCRIPTIONS, SCHEMAS


def front_matter(report: dict, license: str = "other") -> dict:
    configs = [c for c in SCHEMAS if c in report["rows"]]
    return {
        "configs": [{"config_name": c, "data_files": f"{c}.parquet"} for c in configs],
        "license": license,
        "language": ["en"],
        "task_categories": ["text-generation"],
        "tags": ["roleplay", "screenplays", "script2rp"],
        "pretty_name": report.get("name") or "script2rp roleplay dataset",
    }


def render_card(report: dict) -> str:
    meta = yaml.safe_dump(front_matter(report), sort_keys=False, allow_unicode=True)
    lines = [
        "---", meta.rstrip(), "---", "",
        f"# {front_matter(report)['pretty_name']}", "",
        f"Built by script2rp {report['script2rp_version']} from {len(report['movies'])} screenplays "
        f"with backend `{report['backend']}`" + (f", model `{report['model']}`" if report.get("model") else "") + ".",
        "The screenplays belong to their authors; check your right to use them before publishing.", "",
        "| config | rows | contents |", "|---|---:|---|",
    ]
    for config, n in report["rows"].items():
        lines.append(f"| `{config}` | {n} | {DESCRIPTIONS[config]} |")
    lines += ["", "Reproduce with:", "", "```sh", report["command"], "```", ""]
    return "\n".join(lines)
