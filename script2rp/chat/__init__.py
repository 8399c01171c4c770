"""Roleplay with a model in the cinematika format (`script2rp chat`).

The prompt is what the model was trained on (`script2rp.cinematika`): a `[characters]` block with
the cards (and an `NPCS:` list), a `[scenario]` block, then the conversation as `Name: ...`
paragraphs, ending with the turn of the character the model plays. It is sent as a plain text
completion that stops where the user's character would speak next, so the model may voice other
characters and narration in between, as in the training data.

- `cards.py`: card files (our YAML, Character Card V2/V3 JSON or PNG) -> cinematika card YAML.
- `session.py`: the conversation, kept within the model's context, and the requests.
- `render.py`: turns coloured for a terminal.
"""

from script2rp.chat.cards import card_name, load_card
from script2rp.chat.render import render
from script2rp.chat.session import ReplyError, Session, Talker, clean_reply, save

__all__ = ["ReplyError", "Session", "Talker", "card_name", "clean_reply", "load_card", "render", "save"]
