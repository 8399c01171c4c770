"""What a single screenplay line can be, from its text alone: page furniture, scene headings,
transitions, shots, cue names.

Pure functions of one line, no per-script state (that is `profile.py`): the tagger asks
these first and lets the script's own layout decide what the text cannot.
"""

from __future__ import annotations

import re

from script2rp.parse.names import BARE_EXTENSION

SCENE_NO = r"[A-Z]{0,2}\d{1,4}[A-Z]{0,3}"
# A line numbered at both ends with the same scene number, in any case ("12  INT. HOUSE  12",
# "a73  int. car - day  a73": a shooting script lower-cased); group 2 is what lies between.
NUMBERED_BOTH_ENDS = re.compile(r"^(" + SCENE_NO + r")\.?\s+(\S.*\S)\s+\1\.?\s*\**$", re.IGNORECASE)
# A voice extension in parentheses: "(V.O.)", "(V/O)", "(O.S.)", "(OC)", "(PRE-LAP)".
VOICE_EXTENSION = re.compile(r"\(\s*(?:V\.?\s?[/.]?\s?O|O\.?\s?[/.]?\s?[SC]|PRE-?LAP)\.?\s*\)", re.IGNORECASE)
# A transcript's scene line: "[Scene: Central Perk, ...]".
BRACKETED_SCENE = re.compile(r"\[\s*scene\s*:\s*", re.IGNORECASE)

# --- page furniture -----------------------------------------------------------------
_PAGE_MARKER = re.compile(
    r"""^(?:
        (?:page\s*|p\.\s*)?-?\s*\d{1,4}[A-Z]{0,2}(?:\s*-\s*\d{1,4}[A-Z]{0,2})?\s*\.?\s*-?  # 12. | 78A. | 75-78. | p. 70 | - 5 -
      | [-?~*•·=\[(<]\s?\d{1,4}[A-Z]?\.?\s?[-?~*•·=\])>]              # ? 208 ? | (12) | [12] | ~ 12 ~
      | (?:page\s*)?\d{1,4}\s*(?:/|of)\s*\d{1,4}                # 12/120 | Page 12 of 120
      | \d{1,4}\s*\|\s*p\s?a\s?g\s?e                            # 49 | P a g e
      | p\s?a\s?g\s?e\s*\|?\s*\d{1,4}                           # Page | 49
      | \(?\s*(?:MORE|CONTINUED|CONT'D|CONT’D|CONTINUING)\s*\)?\s*:?(?:\s*\(\d+\))?   # (MORE) (CONTINUED) CONTINUED: (2)
      | """ + SCENE_NO + r"""\s+CONTINUED\s*:?\s*(?:\(\d+\))?\s*(?:""" + SCENE_NO + r""")?\s*\**  # 65 CONTINUED: 65
      | CONTINUED\s*:?\s*(?:\(\d+\))?\s*(?:""" + SCENE_NO + r""")?
      | \*+                                                      # revision asterisks alone
      | (?:FINAL\s+)?(?:SHOOTING\s+)?(?:DRAFT|SCRIPT)\s*[-:]?\s*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Cheap pre-check so the page-marker pattern runs on few lines.
_MARKER_HINT = re.compile(r"[\d(*-]|.{1,2}\d|(?i:page|p\.|p a|more|cont|final|shoot|draft|scrip)")
_REVISION = re.compile(
    r"\b(?:white|blue|pink|yellow|green|goldenrod|buff|salmon|cherry|tan|gold|grey|gray)\s+(?:rev(?:ision|ised|s)?\.?|pages?)\b"
    r"|\brevis(?:ed|ion)s?\b.*(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4})"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b.*\s\d{1,3}[A-Z]?\.$",
    re.IGNORECASE,
)
# A draft stamp or running header: a date, or a draft/revision word with a number.
STAMP = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b(?:draft|revision|revised|rev\.|script|amended)\b", re.IGNORECASE
)


def is_page_marker(text: str) -> bool:
    """Page numbers, CONTINUED, (MORE), revision headers, page footers: by pattern alone."""
    if (
        (len(text) <= 45 or "   " in text)
        # a parenthetical is furniture only as (MORE) or (CONTINUED): most skip the pattern
        and (text[0] != "(" or "mor" in (low := text.lower()) or "con" in low)
        and _MARKER_HINT.match(text)
        and _PAGE_MARKER.match(text)
    ):
        return True
    if len(text) >= 90 or not (
        text[-1].isdigit() or "evis" in text or "EVIS" in text or (text[-1] == "." and text[-2:-1].isdigit())
    ):
        return False
    # Each branch of _REVISION needs "rev", "page" (any case) or a final period.
    if text[-1] != ".":
        low = text.lower()
        if "rev" not in low and "page" not in low:
            return False
    return bool(_REVISION.search(text))


# --- scene headings --------------------------------------------------------------------
HEADING_KW = re.compile(
    r"^(?:INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|I\s*/\s*E|E\s*/\s*I|INT|EXT|EST|INTERIOR|EXTERIOR)\b\.?(?!')",
    re.IGNORECASE,
)
_KW_FIRST = frozenset("IiEeİı")  # what HEADING_KW's first letter matches (IGNORECASE)
_TIME = (
    r"(?:(?:LATE|EARLY|MID|NEXT|THAT|SAME|LATER THAT|THE NEXT|THE FOLLOWING|FOLLOWING)[ -])?"
    r"(?:DAY|NIGHT|MORNING|EVENING|AFTERNOON|DUSK|DAWN|SUNSET|SUNRISE|"
    r"NOON|MIDNIGHT|LATER|MOMENTS? LATER|A (?:LITTLE|BIT|MOMENT|WHILE) LATER|(?:A )?(?:FEW )?(?:MINUTES?|HOURS?|SECONDS?) LATER|"
    r"CONTINUOUS|SAME|SAME TIME|PRESENT|MAGIC HOUR|TWILIGHT|DAYTIME|NIGHTTIME|NIGHTFALL|DAYBREAK|LATER ON)"
)
_HEADING_NO_KW = re.compile(
    r"^(?:-+\s*)?[A-Z0-9][A-Z0-9 .,'’&/#()-]*?\s?(?:-|--|–|—)\s*" + _TIME + r"\b[^a-z]{0,60}$"
)
# A heading that is only a time ("LATER:", "- THE NEXT MORNING -") or only a sub-location
# set off by dashes ("- SECOND FLOOR -").
TIME_ONLY = re.compile(r"^(?:[-–—]+\s*)?" + _TIME + r"\s*(?:[-–—:.]+)?$")
_SUB_LOCATION = re.compile(r"^[-–—]+\s*[A-Z0-9][A-Z0-9 .,'’&/#-]{1,40}?\s*[-–—]+$")
# Continental: number, place, then INT./EXT. and the time ("65. ON THE SET. INT. DAY. 1994").
_CONTINENTAL = re.compile(r"^(?:\d{1,4}[A-Z]?\.?\s+)?[A-Z0-9][^a-z]{0,80}?[ .,/-](?:INT|EXT|INT/EXT|EXT/INT)\.(?:\s|$)[^a-z]*$")
OMITTED = re.compile(r"^(?:SCENES?\s+)?" + SCENE_NO + r"(?:\s*(?:-|,|AND|&)\s*" + SCENE_NO + r")*\.?\s+OMIT(?:TED)?\b.*$"
                      r"|^OMIT(?:TED)?\s*(?:" + SCENE_NO + r")?$")
_LOCATION_WORD = re.compile(r"\b(?:INTERIOR|EXTERIOR|INT\.|EXT\.)(?:\s|$)")
_SEGMENT = re.compile(
    r"^(?:(?:BEGIN|START|END)\s+(?:OF\s+)?)?(?:MONTAGE|SERIES OF SHOTS|FLASHBACK|FLASH ?BACK|DREAM SEQUENCE)\b"
    r"|^(?:BACK TO (?:PRESENT|THE PRESENT|REALITY))\b",
)


def heading_strength(core: str) -> int:
    """2: a scene heading by its text alone (`core`: scene numbers and revision marks
    removed); 1: a heading unless the layout says otherwise (a lone time, sub-location or
    segment title: "DAWN" may be a speaker); 0: not a heading."""
    if core[:1] in _KW_FIRST and (kw := HEADING_KW.match(core)):
        rest = core[kw.end() :]
        # "INT." alone, or followed by a place; reject sentences like "Interior design is..."
        return 2 if not rest or rest[0] in " .-/–—:" and len(core) < 120 else 0
    if core != core.upper() or core.endswith("TO:"):  # FLASHBACK TO: is a transition
        return 0
    # Each pattern needs a dash, a keyword or OMIT somewhere: test those first (cheap).
    dash = "-" in core or "–" in core or "—" in core
    if dash and _HEADING_NO_KW.match(core) or "OMIT" in core and OMITTED.match(core):
        return 2
    if len(core) <= 90 and ("INT" in core or "EXT" in core) and (_CONTINENTAL.match(core) or _LOCATION_WORD.search(core)):
        return 2  # "65. ON THE SET. INT. DAY. 1994", "HOUSE INTERIOR"
    if len(core) <= 45 and (_SEGMENT.match(core) or TIME_ONLY.match(core) or dash and _SUB_LOCATION.match(core)):
        return 1
    return 0


def is_scene_heading(core: str) -> bool:
    return heading_strength(core) > 0


# --- transitions and shots -------------------------------------------------------------
TRANSITION = re.compile(
    r"^[A-Z][A-Z .'’-]*\bTO:$"  # CUT TO:, SMASH CUT TO:, BACK TO:, FLASHBACK TO:
    r"|^(?:(?:SMASH|MATCH|JUMP|TIME|HARD|SNAP|QUICK|SLOW|FAST|CROSS|RIPPLE|SHOCK|FLASH|STRAIGHT)\s+)?"
    r"(?:FADE|CUT|DISSOLVE|WIPE|IRIS|SMASH|MATCH|JUMP)\b[A-Z .'’-]{0,25}[:.]?$"
    r"|^(?:THE END|END CREDITS|ROLL CREDITS|INTERCUT(?: WITH)?:?|BACK TO SCENE:?|TITLE CARD:?)\.?$"
)


# The words TRANSITION's branches open with when the line does not end in "TO:".
_TRANSITION_STARTS = (
    "SMASH", "MATCH", "JUMP", "TIME", "HARD", "SNAP", "QUICK", "SLOW", "FAST", "CROSS", "RIPPLE", "SHOCK", "FLASH",
    "STRAIGHT", "FADE", "CUT", "DISSOLVE", "WIPE", "IRIS", "THE END", "END CREDITS", "ROLL CREDITS", "INTERCUT",
    "BACK TO SCENE", "TITLE CARD",
)


def transition_match(core: str) -> bool:
    """`TRANSITION.match(core)`, skipping the regex for lines no branch of it can match."""
    if not core.endswith("TO:") and not core.startswith(_TRANSITION_STARTS):
        return False
    return TRANSITION.match(core) is not None


# The same in sentence case, as some typists write them ("Cut to.", "Fade out.").
_TRANSITION_ANY_CASE = re.compile(  # "Cut to.", "Cut back to.", "Back to scene.", "Fade out.."
    r"^(?:(?:smash|match|jump|time|hard|snap|quick|slow|cross)\s+)?"
    r"(?:(?:cut|fade|dissolve|wipe)(?:\s+(?:back|down|up|in|out|over))?(?:\s+to)?|back\s+to)"
    r"(?:\s+(?:black|white|scene))?\s*[:.]{1,2}$",
    re.IGNORECASE,
)


def is_transition(core: str, is_upper: bool) -> bool:
    if is_upper:
        return transition_match(core)
    return len(core) <= 24 and bool(_TRANSITION_ANY_CASE.match(core))


_SHOT_START = (
    r"(?:ANGLE(?:\s+ON)?|CLOSE(?:\s*-?\s*UP|\s+ON|\s+SHOT)?|EXTREME CLOSE|ECU|CU|INSERT|WIDE(?:\s+ON|\s+SHOT|\s+ANGLE)?|"
    r"REVERSE(?:\s+ANGLE)?|TRACKING(?:\s+SHOT)?|AERIAL(?:\s+SHOT)?|ESTABLISHING(?:\s+SHOT)?|MEDIUM(?:\s+SHOT)?|"
    r"TWO SHOT|OVER THE SHOULDER|POV|BACK ON|ON THE|IN THE|AT THE|PAN(?:\s+TO)?|MOVING|HIGH ANGLE|LOW ANGLE|FAVORING|NEW ANGLE|"
    r"SLOW MOTION|SPLIT SCREEN|CLOSER|WIDER|SERIES|MONTAGE|INTERCUT)\b"
)
_SHOT_WORD = r"\bPOV\b|\bSHOT\b|\bANGLE\b|\bVIEW\b"
SHOT = re.compile("^" + _SHOT_START + "|" + _SHOT_WORD)  # a shot by its opening, or a camera word anywhere
_SHOT_START_RE = re.compile(_SHOT_START)
_SHOT_WORD_RE = re.compile(_SHOT_WORD)


def shot_search(core: str) -> bool:
    """`SHOT.search(core)`, without trying every branch at every position of the line."""
    if _SHOT_START_RE.match(core):
        return True
    return ("POV" in core or "SHOT" in core or "ANGLE" in core or "VIEW" in core) and _SHOT_WORD_RE.search(core) is not None


def shot_match(core: str) -> bool:
    """`SHOT.match(core)`."""
    return _SHOT_START_RE.match(core) is not None or _SHOT_WORD_RE.match(core) is not None

# Words that open a caption or a shot, never a speaker's name ("SUPER: PARIS, 1920").
_NOT_A_NAME = re.compile(r"^(?:SUPER|TITLE|IMAGE|CAPTION|CARD|SUBTITLE|CHYRON|LEGEND|INSERT|SIGN|NOTE)\b")

# --- cues -------------------------------------------------------------------------------
_EXTENSIONS = re.compile(r"\s*\([^()]*\)?")
CUE_CAPS = re.compile(r"^(?:M[ac]|O'|D')?[A-Z0-9][A-Z0-9 .,'’&#/-]*(?:M[ac][A-Z][A-Z0-9 .'’-]*)?$")
SENTENCE_END = re.compile(r"[!?;,]$|[a-z]\.$")


def ends_sentence(text: str) -> bool:
    """`SENTENCE_END.search(text)` for a line (no newline in it), from its last two characters
    instead of a scan of the whole line."""
    end = text[-1:]
    return end != "" and end in "!?;," or end == "." and "a" <= text[-2:-1] <= "z"
_TITLE_DOT = re.compile(r"\b(?:DR|MR|MRS|MS|ST|JR|SR|LT|SGT|CAPT|COL|GEN|PROF|REV|NO)\.$", re.IGNORECASE)
WORD = re.compile(r"[^\W_]")
HONORIFICS = (
    "Mr Mrs Ms Miss Dr Mister Madame Mme Mlle Sir Lady Lord Uncle Aunt Auntie Grandma Grandpa Captain Capt "
    "Officer Detective Det Agent Father Sister Brother Mother Doctor Professor Prof Judge Sergeant Sgt Lt Colonel "
    "Col General Gen Major Nurse Coach Señor Senor Señora Monsieur Herr Frau"
).split()
HONORIFIC = re.compile(r"^(?:" + "|".join(HONORIFICS) + r")\b\.?\s+\S")
_PARTICLES = frozenset(("of", "the", "de", "van", "von", "da", "del", "la", "le", "du", "der", "and", "&"))


def cue_name(core: str) -> str | None:
    """The name part of a plausible character cue (extensions removed), or None."""
    name = (_EXTENSIONS.sub("", core) if "(" in core else core).strip().rstrip(":").strip().lstrip("@").rstrip("^").strip()
    if " " in name:  # an extension typed without parentheses: "JUNO V.O.", "JAMAL O.S."
        name = BARE_EXTENSION.sub("", name)
    if not name or len(name) > 38 or name.count(" ") > 4 or not WORD.search(name):
        return None
    if ")" in name and "(" not in core:  # "AWAY)": the end of a parenthetical broken over lines
        return None
    if name.replace(" ", "").replace(".", "").replace("#", "").isdigit():
        return None
    return name


def name_shape(core: str) -> tuple[int, str]:
    """How a cue-like line is written, and its name in upper case: (1, "JOHN") capitals
    (JOHN, McCLANE (V.O.)), 2 title case (Mr. Park), 3 lower case (mara); (0, "") not a name."""
    if len(core) > 50 or core.count(" ") > 8 and "   " not in core:
        return NOT_A_NAME
    name = cue_name(core)
    if name is None or ends_sentence(name) or (name.endswith(".") and not _TITLE_DOT.search(name)):
        return NOT_A_NAME
    upper = name.upper()
    if name == upper or name.startswith("Mc") and name[2:].isupper():
        if not CUE_CAPS.match(name) or transition_match(core) or shot_match(name) or _NOT_A_NAME.match(name):
            return NOT_A_NAME
        return NOT_A_NAME if heading_strength(core) == 2 else (1, upper)
    if core.startswith("(") or not name[0].isalpha() or name.count(" ") > 3:
        return NOT_A_NAME
    if all(w[0].isupper() or w[0].isdigit() or w in _PARTICLES for w in name.split()):
        return 2, upper
    if name.islower():
        return 3, upper
    return NOT_A_NAME


NOT_A_NAME = (0, "")


# A cue and its speech on one line: "MARA  Listen to me.", "MARA: Listen.", "MARA (V.O.) Listen.",
# "MARA (V.O.) (CONT'D): Listen.", "MARA *: Listen." (a revision mark before the colon).
# The name is in capitals; after a colon anything may follow, after spaces the speech starts
# like a sentence and holds lower case (so "MARA steps in." and "MARA ENTERS" are not cues), or,
# two spaces or more after the name, with a parenthetical or a dash ("MARA     (quietly) Go.",
# "MARA     --and then?"; "MARA -- the cook" is action).
_INLINE_CUE = re.compile(
    r"^((?:M[ac])?[A-Z][A-Z0-9.'’#-]*(?: (?:M[ac])?[A-Z0-9#][A-Z0-9.'’#-]*){0,2}(?:\s*\([^()]{1,24}\)){0,2})"
    r"(?:(?:\s*\*+)?:\s*(\S.*)|\s+((?:[A-Z](?![A-Z])|[\"'“¿¡.…]).*[a-z].*)|\s{2,}((?:\(|--|[—–]).*[a-z].*))$"
)


# The same with the name in any case, for a line the tagger took for a cue because its name
# is one the script uses ("frank   Freeze!", "guido (v.o.): Maestro...").
_ANY_CASE_INLINE_CUE = re.compile(r"^([^\W\d][\w.'’ -]{0,30}?(?:\s*\([^()]{1,24}\)){0,2})(:\s*|\s{2,})(\S.*)$")


def split_inline_cue(text: str, any_case: bool = False) -> tuple[str, str] | None:
    """(cue, speech) of a line that holds both, else None (see `_INLINE_CUE`); with
    `any_case`, a name not in capitals too (`_ANY_CASE_INLINE_CUE`)."""
    text = text.strip()
    m = _INLINE_CUE.match(text)
    if m and name_shape(m.group(1))[0] == 1:
        return m.group(1), m.group(2) or m.group(3) or m.group(4)
    if any_case and not text[:2].isupper() and (m := _ANY_CASE_INLINE_CUE.match(text)) and name_shape(m.group(1))[0]:
        speech = m.group(3)
        # ("Mara     (quietly)", "McCLANE   (O.S.)": a cue and what qualifies it, no speech)
        if WORD.search(speech) and (
            m.group(2)[0] == ":" or not (speech[0] == "(" and speech[-1] == ")" and speech.count("(") == 1)
        ):
            return m.group(1), speech
    return None


_DUAL = re.compile(r"^(\S+(?: \S+){0,5})\s{4,}(\S+(?: \S+){0,5})$")


def split_dual_cue(text: str) -> tuple[str, str] | None:
    """The two names of a line holding two cues side by side ("DIRK        TODD"), else None."""
    m = _DUAL.match(text.strip())
    if not m or any(name_shape(part)[0] != 1 for part in m.groups()):
        return None
    return m.group(1), m.group(2)
