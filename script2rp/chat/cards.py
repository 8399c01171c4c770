"""Card files for the chat: our YAML card, or a Character Card V2/V3 (JSON, or PNG with a
`ccv3`/`chara` chunk) mapped back to the cinematika keys."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from script2rp.cinematika import dump_card
from script2rp.errors import BadInput


class CardFileError(BadInput):
    """A card file that cannot be read (exit 2)."""


def load_card(path: Path) -> str:
    """A card file as cinematika card YAML."""
    path = Path(path)
    if not path.is_file():
        raise CardFileError(f"{path}: no such card file")
    if path.suffix.lower() == ".png":
        from script2rp.export.png import read_card

        data = path.read_bytes()
        card = read_card(data, "ccv3") or read_card(data, "chara")
        if card is None:
            raise CardFileError(f"{path}: no character card in this PNG")
        return _from_chara(card)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CardFileError(f"{path}: not a YAML or JSON card ({' '.join(str(exc).split())[:120]})") from exc
    if isinstance(data, dict) and "spec" in data and isinstance(data.get("data"), dict):
        return _from_chara(data)
    if not isinstance(data, dict) or not data.get("name"):
        raise CardFileError(f"{path}: a card needs at least a `name:`")
    return text.strip() + "\n"


def _from_chara(card: dict) -> str:
    d = card["data"]
    name = d.get("name") or "Character"
    traits = {}
    for line in (d.get("personality") or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            traits[key.strip()] = value.strip()
    example = re.sub(r"^<START>\s*\n?", "", d.get("mes_example") or "", flags=re.MULTILINE)
    example = example.replace("{{char}}", name).strip()
    data = {"name": name, "characteristics": traits or (d.get("personality") or ""),
            "description": (d.get("description") or "").replace("{{char}}", name),
            "example_dialogue": example + "\n" if example else ""}
    if example:
        return dump_card(data)
    del data["example_dialogue"]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def card_name(card_yaml: str) -> str:
    return str(yaml.safe_load(card_yaml)["name"])
