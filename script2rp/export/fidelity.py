"""`script2rp check DIR`: does every row hold what a trainer expects? Run at the end of every
build (into `report.json` and the dataset card) and on its own.

Per config, each row is checked for what goes wrong in generated roleplay data:

- cards: they load with `yaml.safe_load`, have exactly the cinematika keys, meet the size ranges of
  the shape the build asked for (`report.json` `shape`), and are written exactly as
  `cinematika.dump_card` writes them (one plain line per trait, block text);
- prose: no string stops mid-sentence or at a length cap (`cut string`), no quote inside a quoted
  speech, no narration that is a bare fragment, no screenplay notation;
- instruction configs: every input opens with one of its task's instructions, and no input appears
  in two rows with different outputs (a data mixer would see contradictory pairs);
- layout: a `scene_by_scene` text is exactly what `cinematika.scene_text` writes for its parts
  (blank lines, `NPCS:`, `[scenario]`), conversations have their roles in order.

A violation names the config, the row id, its kind and the text at fault.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from script2rp.cinematika import dump_card, scene_text, split_scene
from script2rp.export.stats import read_config
from script2rp.tasks.character_card import CardError, check_card
from script2rp.tasks.checks import debris, prose_problems
from script2rp.tasks.shapes import CINEMATIKA, SHAPES, Shape, ends_sentence

PAIR_CONFIGS = ("scene_enhancement", "scene_summary", "rp_to_character_card", "character_card_reverse_prompt",
                "prompt_to_character_card")
INSTRUCTED = ("scene_enhancement", "scene_summary", "rp_to_character_card", "character_card_reverse_prompt")


@dataclass
class Violation:
    config: str
    id: str
    kind: str
    detail: str


class Checker:
    def __init__(self, shape: Shape, instructions: dict[str, list[str]]):
        self.shape = shape
        # The fixed words each phrasing opens with (up to its first placeholder), per task.
        self.openings = {task: [re.split(r"\$\w+", text)[0].strip() for text in texts]
                         for task, texts in instructions.items()}

    def card(self, text: str) -> Iterator[tuple[str, str]]:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            yield "card: not YAML", str(exc).splitlines()[0]
            return
        if isinstance(data, dict):
            texts = list((data.get("characteristics") or {}).values()) if isinstance(
                data.get("characteristics"), dict) else []
            texts += re.split(r"\n\s*\n", str(data.get("description") or "").strip())
            for piece in texts:
                if isinstance(piece, str) and piece.strip() and not ends_sentence(piece):
                    yield "cut string", piece[-80:]
        try:
            card = check_card(data, None, self.shape)
        except CardError as exc:
            yield "card: " + re.sub(r"\d+", "N", str(exc).split(",")[0].split(": ")[0]), str(exc)
            return
        if dump_card(card) != text.rstrip("\n") + "\n":
            yield "card: layout", "not written as cinematika writes a card (one plain line per trait, block text)"

    def prose(self, text: str) -> Iterator[tuple[str, str]]:
        for kind, detail in prose_problems(text):
            yield ("cut string" if kind == "mid-sentence" else kind), detail
        found = debris(text)
        if found:
            yield "screenplay notation", found

    def sentence(self, text: str) -> Iterator[tuple[str, str]]:
        if not ends_sentence(text):
            yield "cut string", text[-80:]
        found = debris(text)
        if found:
            yield "screenplay notation", found

    def instruction(self, config: str, text: str) -> Iterator[tuple[str, str]]:
        if not any(text.startswith(opening) for opening in self.openings.get(config, [])):
            yield "no instruction", text[:80]

    def scene(self, text: str) -> Iterator[tuple[str, str]]:
        parts = split_scene(text)
        cards = [card.yaml for card in parts.cards]
        if scene_text(cards, parts.npcs, parts.scenario, parts.transcript) != text:
            yield "layout", "blocks not as cinematika writes them (blank lines, NPCS:, [scenario])"
        for card in cards:
            yield from self.card(card)
        yield from self.sentence(parts.scenario)
        yield from self.prose(parts.transcript)

    def conversation(self, turns: list[dict], roles: tuple[str, ...]) -> Iterator[tuple[str, str]]:
        if tuple(t.get("from") for t in turns) != roles:
            yield "layout", f"roles {[t.get('from') for t in turns]}, want {list(roles)}"
            return
        yield from self.prose(turns[-1]["value"])


def _rules(c: Checker) -> dict[str, Callable[[dict], Iterator[tuple[str, str]]]]:
    conversation = ("system", "human", "gpt")
    return {
        "plain_scenes": lambda r: c.prose(r["plain_scenes"]),
        "plain_full_script": lambda r: c.prose(r["plain_full_script"]),
        "scene_by_scene": lambda r: c.scene(r["scene_by_scene"]),
        "full_script": lambda r: c.prose(re.sub(r"\[characters\].*?\[/characters\]\n\n|\[/?scenario\]", "",
                                                r["full_script"], flags=re.DOTALL)),
        "character_cards": lambda r: c.card(r["character_cards"]),
        "scene_enhancement": lambda r: [*c.instruction("scene_enhancement", r["input"]), *c.prose(r["output"])],
        "scene_summary": lambda r: [*c.instruction("scene_summary", r["input"]), *c.sentence(r["output"])],
        "rp_to_character_card": lambda r: [*c.instruction("rp_to_character_card", r["input"]), *c.card(r["output"])],
        "character_card_reverse_prompt": lambda r: [*c.instruction("character_card_reverse_prompt", r["input"]),
                                                    *c.sentence(r["output"])],
        "prompt_to_character_card": lambda r: [*c.sentence(r["input"]), *c.card(r["output"])],
        "memories": lambda r: c.conversation(list(r["conversations"]), conversation),
        "director": lambda r: c.conversation(list(r["conversations"]), conversation),
        "actions": lambda r: c.conversation(list(r["conversations"]), conversation),
    }


def check_build(out: Path) -> dict:
    """The fidelity report of the build in `out`: rows and violations per config, violations by
    kind, and each violation (config, row id, kind, detail)."""
    from script2rp.tasks.prompt import Prompts

    out = Path(out)
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else {}
    shape = SHAPES.get((report.get("shape") or {}).get("name", ""), CINEMATIKA)
    instructions, _ = Prompts().data("instructions")
    checker = Checker(shape, {k: v for k, v in instructions.items() if isinstance(v, list)})
    violations: list[Violation] = []
    configs: dict[str, dict] = {}
    inputs: dict[str, set[tuple[str, str]]] = {}
    for config, rule in _rules(checker).items():
        if not (out / f"{config}.parquet").exists():
            continue
        rows = read_config(out, config)
        found = [Violation(config, row["id"], kind, detail) for row in rows for kind, detail in rule(row)]
        for row in rows if config in PAIR_CONFIGS else ():
            inputs.setdefault(row["input"], set()).add((config, row["id"], row["output"]))
        violations += found
        configs[config] = {"rows": len(rows), "violations": len(found)}
    for text, uses in inputs.items():
        if len({output for *_, output in uses}) > 1:
            for config, row_id, _ in sorted(uses):
                violations.append(Violation(config, row_id, "input shared by different outputs", text[:80]))
                configs[config]["violations"] += 1
    return {
        "shape": shape.name,
        "configs": configs,
        "violations_by_kind": dict(Counter(v.kind for v in violations).most_common()),
        "violations": [vars(v) for v in violations],
    }
