"""Cue normalisation: every spelling from the parser issue, and the safety rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from script2rp.parse.names import canonical_extension, has_contd, normalise_cue


@pytest.mark.parametrize(
    ("raw", "speaker", "extension"),
    [
        # CONT'D in every spelling, dropped
        ("JOHN (CONT'D)", "JOHN", None),
        ("JOHN (CONT’D)", "JOHN", None),  # curly apostrophe
        ("JOHN (cont'd)", "JOHN", None),
        ("john (cont'd)", "JOHN", None),
        ("JOHN (CONTD)", "JOHN", None),
        ("JOHN (CONT.)", "JOHN", None),
        ("JOHN (CONTINUED)", "JOHN", None),
        ("JOHN (CONTINUING)", "JOHN", None),
        ("JOHN CONT'D", "JOHN", None),
        ("JOHN (CONT ‘D)", "JOHN", None),
        ("JOHN (CON'T)", "JOHN", None),
        ("LEONARD (V.0.) (CON'T'D)", "LEONARD", "V.O."),  # typo V.0. and CON'T'D from a real script
        ("LEONARD(V.O.)(cont'd)", "LEONARD", "V.O."),
        # extensions, kept upper-case and spelled one way
        ("JOHN (V.O.)", "JOHN", "V.O."),
        ("JOHN (O.S.)", "JOHN", "O.S."),
        ("JOHN (O.C.)", "JOHN", "O.C."),
        ("JOHN (PRE-LAP)", "JOHN", "PRE-LAP"),
        ("JOHN (PRELAP)", "JOHN", "PRE-LAP"),
        ("JOHN (INTO PHONE)", "JOHN", "INTO PHONE"),
        ("JOHN (ON PHONE)", "JOHN", "ON PHONE"),
        ("JOHN (ON TV)", "JOHN", "ON TV"),
        ("JOHN (FILTERED)", "JOHN", "FILTERED"),
        ("JOHN (SUBTITLED)", "JOHN", "SUBTITLED"),
        ("JOHN (v.o.)", "JOHN", "V.O."),
        ("JOHN (VO)", "JOHN", "V.O."),
        ("JOHN (V.O)", "JOHN", "V.O."),
        ("JOHN (OS)", "JOHN", "O.S."),
        ("JOHN (V/O)", "JOHN", "V.O."),
        ("MEREDITH V/O", "MEREDITH", "V.O."),
        ("GUIDO O.S", "GUIDO", "O.S."),
        ("MAL VO (CONT'D) *", "MAL", "V.O."),
        ("JOHN VO", "JOHN", "V.O."),
        ("JOHN V.O.", "JOHN", "V.O."),
        ("JOHN O.S.", "JOHN", "O.S."),
        ("JOHN (whispering)", "JOHN", "WHISPERING"),
        ("JOHN [V.O.]", "JOHN", "V.O."),
        ("JOHN (V.O.", "JOHN", "V.O."),  # unclosed
        # extension plus CONT'D, in any order or sharing parentheses
        ("JOHN (V.O.) (CONT'D)", "JOHN", "V.O."),
        ("JOHN (CONT'D) (V.O.)", "JOHN", "V.O."),
        ("JOHN (V.O., CONT'D)", "JOHN", "V.O."),
        ("JOHN (CONT'D; INTO PHONE)", "JOHN", "INTO PHONE"),
        ("JOHN (into phone; cont’d)", "JOHN", "INTO PHONE"),
        ("JOHN (O.S.) (V.O.)", "JOHN", "O.S."),  # the first one wins
        # case and spacing
        ("McCLANE", "MCCLANE", None),
        ("McCLANE (CONT'D)", "MCCLANE", None),
        ("Dr.  Jones", "DR. JONES", None),
        ("  JOHN\t SMITH  ", "JOHN SMITH", None),
        ("O’BRIEN", "O'BRIEN", None),
        # periods, numbers, hyphens and # are part of names
        ("DR. JONES", "DR. JONES", None),
        ("GUARD #2", "GUARD #2", None),
        ("GUARD #2 (O.S.)", "GUARD #2", "O.S."),
        ("GUARD 2", "GUARD 2", None),
        ("R2-D2", "R2-D2", None),
        ("J.J.", "J.J.", None),
        ("MRS. O'HARA", "MRS. O'HARA", None),
        # names with INT/CUT/EXT inside, and phrases that are names without parentheses
        ("CLINT", "CLINT", None),
        ("CUTTER", "CUTTER", None),
        ("DEXTER", "DEXTER", None),
        ("MAN ON TV", "MAN ON TV", None),
        ("CARLOS", "CARLOS", None),
        # page furniture and Fountain markers
        ("12 JOHN 12", "JOHN", None),
        ("JOHN *", "JOHN", None),
        ("JOHN**", "JOHN", None),
        ("JOHN                      12", "JOHN", None),
        ("JOHN:", "JOHN", None),
        ("JOHN (V.O.):", "JOHN", "V.O."),
        ("@john", "JOHN", None),
        ("JOHN ^", "JOHN", None),
        ("JOHN (V.O.) ^", "JOHN", "V.O."),
        ("@McCLANE (O.S.) ^", "MCCLANE", "O.S."),
        # no name at all
        ("", "", None),
        ("***", "", None),
        ("(V.O.)", "", "V.O."),
    ],
)
def test_normalise_cue(raw, speaker, extension):
    assert normalise_cue(raw) == (speaker, extension)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("JOHN (CONT'D)", True),
        ("JOHN (CONT’D)", True),
        ("JOHN (cont'd)", True),
        ("JOHN (V.O.) (CONT'D)", True),
        ("JOHN (V.O., CONT'D)", True),
        ("JOHN CONT'D", True),
        ("JOHN (CONTINUING)", True),
        ("JOHN", False),
        ("JOHN (V.O.)", False),
        ("CONTRERAS", False),
        ("CONTESSA (V.O.)", False),
    ],
)
def test_has_contd(raw, expected):
    assert has_contd(raw) is expected


def test_canonical_extension_is_idempotent_and_none_when_empty():
    for ext in ["V.O.", "vo", "O.S", "o.c.", "pre lap", "into  phone", "ON TV"]:
        once = canonical_extension(ext)
        assert once is not None and canonical_extension(once) == once
    assert canonical_extension("  , ") is None


_CUE_CHARS = st.sampled_from(
    [*"ABCJOHNmcdr .#'-()[]2:*^@’\t", "CONT'D", "V.O.", "O.S.", " (V.O.)", " (CONT'D)", " VO", "12", "    "]
)


@settings(max_examples=500)
@given(st.lists(_CUE_CHARS, max_size=14).map("".join))
def test_normalise_is_total_and_idempotent(raw):
    speaker, extension = normalise_cue(raw)
    assert speaker == speaker.upper() and speaker == " ".join(speaker.split())
    if speaker:
        assert normalise_cue(speaker)[0] == speaker
        if extension:
            assert normalise_cue(f"{speaker} ({extension})") == (speaker, extension)
