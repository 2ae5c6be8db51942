"""Every string of the console is in both catalogues, and every literal key the code asks for exists. Runs without a
browser: the catalogues are plain `'key': 'text'` lines, read as text."""

from __future__ import annotations

import re
from pathlib import Path

CONSOLE = Path(__file__).resolve().parents[3] / "console"
ENTRY = re.compile(r"^\s*'([^']+)':", re.MULTILINE)
# t('key'), tIn(lang, 'key'), t(cond ? 'a' : 'b'): every quoted dotted key inside a t( … ) call's first argument.
CALL = re.compile(r"\bt(?:In)?\((?:lang,\s*)?([^,)]*)")
QUOTED_KEY = re.compile(r"'([a-z_]+(?:\.[A-Za-z0-9_/-]+)+)'")


def _keys(language: str) -> set[str]:
    return set(ENTRY.findall((CONSOLE / "i18n" / f"{language}.js").read_text(encoding="utf-8")))


def _literal_keys_in_code() -> set[str]:
    keys: set[str] = set()
    for path in (CONSOLE / "js").rglob("*.js"):
        for argument in CALL.findall(path.read_text(encoding="utf-8")):
            keys.update(QUOTED_KEY.findall(argument))
    return keys


def test_both_catalogues_hold_the_same_keys():
    indonesian, english = _keys("id"), _keys("en")
    assert indonesian, "no Indonesian strings read"
    assert sorted(indonesian - english) == []
    assert sorted(english - indonesian) == []


def test_every_literal_key_the_console_asks_for_is_in_the_catalogue():
    assert sorted(_literal_keys_in_code() - _keys("id")) == []
