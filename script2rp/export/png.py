"""Character cards embedded in PNG images, the way RP front ends exchange them.

The card goes into `tEXt` chunks: `chara` = base64 of the UTF-8 V2 JSON and `ccv3` = base64 of the V3
JSON, inserted just before `IEND`. Any `tEXt`/`iTXt`/`zTXt` chunk already in the image is dropped,
so no other text chunk comes ahead of them (older readers take the first `tEXt` they find).
The image itself is generated: a colour from the name and the character's initials.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = (b"tEXt", b"iTXt", b"zTXt")


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk; raises ValueError on a broken file or CRC."""
    if not png.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    out, pos = [], len(SIGNATURE)
    while pos < len(png):
        if pos + 8 > len(png):
            raise ValueError("truncated PNG chunk header")
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        crc = png[pos + 8 + length:pos + 12 + length]
        if len(data) != length or len(crc) != 4:
            raise ValueError("truncated PNG chunk")
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + data) & 0xFFFFFFFF:
            raise ValueError(f"bad CRC in {kind.decode('latin-1')} chunk")
        out.append((kind, data))
        pos += 12 + length
        if kind == b"IEND":
            break
    if not out or out[-1][0] != b"IEND":
        raise ValueError("PNG without IEND")
    return out


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _json_b64(card: dict) -> bytes:
    return base64.b64encode(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def embed(png: bytes, v2: dict, v3: dict | None = None) -> bytes:
    """The image with the card's `chara` (and `ccv3`) tEXt chunks before IEND, other text chunks removed."""
    parts = [(k, d) for k, d in chunks(png) if k not in _TEXT_CHUNKS]
    body = b"".join(_chunk(k, d) for k, d in parts[:-1])
    texts = _chunk(b"tEXt", b"chara\0" + _json_b64(v2))
    if v3 is not None:
        texts += _chunk(b"tEXt", b"ccv3\0" + _json_b64(v3))
    return SIGNATURE + body + texts + _chunk(b"IEND", b"")


def read_text_chunks(png: bytes) -> list[tuple[str, str]]:
    """(keyword, text) of every tEXt chunk, in file order."""
    out = []
    for kind, data in chunks(png):
        if kind == b"tEXt":
            keyword, _, text = data.partition(b"\0")
            out.append((keyword.decode("latin-1"), text.decode("latin-1")))
    return out


def read_card(png: bytes, keyword: str = "ccv3") -> dict | None:
    """The card JSON under `keyword` (`ccv3` or `chara`), or None."""
    for key, text in read_text_chunks(png):
        if key == keyword:
            return json.loads(base64.b64decode(text).decode("utf-8"))
    return None


def portrait(name: str, size: int = 400) -> bytes:
    """A plain generated portrait: a colour from the name's hash and the initials."""
    from PIL import Image, ImageDraw, ImageFont

    digest = hashlib.sha256(name.encode("utf-8")).digest()
    hue = digest[0] / 255
    import colorsys

    r, g, b = (int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.45, 0.75))
    image = Image.new("RGB", (size, int(size * 1.5)), (r, g, b))
    draw = ImageDraw.Draw(image)
    initials = "".join(w[0] for w in name.split()[:2]).upper() or "?"
    try:
        font, small = ImageFont.load_default(size=size // 3), ImageFont.load_default(size=size // 14)
    except TypeError:  # Pillow < 10.1
        font = small = ImageFont.load_default()
    draw.text((size / 2, size * 0.7), initials, fill=(255, 255, 255), font=font, anchor="mm")
    draw.text((size / 2, size * 1.15), name[:28], fill=(255, 255, 255), font=small, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def card_png(v2: dict, v3: dict | None = None, image: bytes | None = None) -> bytes:
    return embed(image if image is not None else portrait(v2["data"]["name"]), v2, v3)
