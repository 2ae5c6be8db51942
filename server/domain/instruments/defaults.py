"""The instrument Sidak ships with: ``ombudsman-kepatuhan`` v1, kept as data beside this module.

Its content (48 indicators in four dimensions, texts and guidance in both languages) and where it comes from are in
docs/contract.md, "The default instrument"; the choices made where the sources left room are written in the
instrument's own ``description``.
"""

from __future__ import annotations

from importlib import resources

import msgspec

from server.domain.instruments.documents import Instrument
from server.domain.instruments.rules import check_instrument

DEFAULT_INSTRUMENT_KEY = "ombudsman-kepatuhan"
_DATA_FILE = f"default/{DEFAULT_INSTRUMENT_KEY}.json"


def default_instrument_json() -> bytes:
    """The shipped document, byte for byte as stored."""
    return resources.files(__package__).joinpath(_DATA_FILE).read_bytes()


def load_default_instrument() -> Instrument:
    """A fresh, checked copy on each call: structs are mutable, so callers never share one."""
    instrument = msgspec.json.decode(default_instrument_json(), type=Instrument)
    check_instrument(instrument)
    return instrument
