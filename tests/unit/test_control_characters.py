"""The rule ``no_control_characters`` (domain/validation.py) is Unicode's categories Cc and
Cs less tab and line breaks; the validator tests it as one character class. This checks the
class against Unicode's own table at every code point."""

from __future__ import annotations

import sys
import unicodedata

from domain.validation import has_control_characters


def _by_unicode_category(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r"


def test_the_control_character_class_is_unicodes_cc_and_cs_less_tab_and_line_breaks() -> None:
    differ = [
        f"U+{point:04X}"
        for point in range(sys.maxunicode + 1)
        if has_control_characters(chr(point)) != _by_unicode_category(chr(point))
    ]
    assert differ == []


def test_a_control_character_anywhere_in_a_text_is_found() -> None:
    assert has_control_characters("Aigerim Nurlanovna\x1b")
    assert has_control_characters("\x00Aigerim")
    assert not has_control_characters("Aigerim\tNurlanovna\r\nAstana")
