"""The roleplay scenes (`scene_by_scene` rows) as chat conversations for fine-tuning tools.

Mapping of a group scene (documented in docs/publish.md):

- One conversation per (scene, user character): the user plays one main character who speaks
  in the scene (a character with a card in the scene's `[characters]` block); the assistant voices
  everyone else, NPCs included, and the narration.
- The system turn is the scene's `[characters]` block and `[scenario]` block, as in the training text.
- Turns keep their `Name: ` prefix in the text, so a chat template that ignores names still shows
  who speaks. Narration paragraphs belong to the assistant.
- `sharegpt`: consecutive paragraphs of the same side are merged into one turn (blank line apart),
  so human and gpt alternate after the system turn. A scene may open with a gpt turn (narration or
  other characters before the user's character speaks).
- `messages`: one message per paragraph, with `name` = the speaking character (the user's character
  on user messages; "narrator" on narration), so tools that support `name` can tell the characters
  the assistant voices apart. Consecutive assistant messages therefore occur.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from script2rp.cinematika import name_key, paragraphs, split_scene
from script2rp.model import slug

NARRATOR = "narrator"


def conversations(rows: Iterable[dict]) -> Iterator[dict]:
    """One record per (scene, user character): metadata plus `turns` as (side, name, text), side
    "user" or "assistant", and the `system` text."""
    for row in sorted(rows, key=lambda r: r["id"]):
        parts = split_scene(row["scene_by_scene"])
        system = "\n\n".join(p for p in (parts.characters_block, parts.scenario_block) if p)
        paras = paragraphs(parts.transcript)
        spoken = {name_key(who) for who, _ in paras if who}
        for card in parts.cards:
            user = card.name
            if name_key(user) not in spoken:
                continue
            seq = []
            for who, text in paras:
                if who and name_key(who) == name_key(user):
                    seq.append(("user", user, text))
                else:
                    seq.append(("assistant", who or NARRATOR, text))
            yield {"id": f"{row['id']}/as-{slug(user) or 'user'}", "movie": row["movie"],
                   "scene_index": row.get("scene_index"), "user_character": user, "system": system, "turns": seq}


def to_sharegpt(conv: dict) -> dict:
    merged: list[dict] = [{"from": "system", "value": conv["system"]}]
    for side, _, text in conv["turns"]:
        role = "human" if side == "user" else "gpt"
        if merged[-1]["from"] == role:
            merged[-1]["value"] += "\n\n" + text
        else:
            merged.append({"from": role, "value": text})
    return {"id": conv["id"], "movie": conv["movie"], "scene_index": conv["scene_index"],
            "user_character": conv["user_character"], "conversations": merged}


def to_messages(conv: dict) -> dict:
    messages = [{"role": "system", "content": conv["system"]}]
    messages += [{"role": side, "name": name, "content": text} for side, name, text in conv["turns"]]
    return {"id": conv["id"], "movie": conv["movie"], "scene_index": conv["scene_index"],
            "user_character": conv["user_character"], "messages": messages}
