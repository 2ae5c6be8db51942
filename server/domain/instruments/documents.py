"""The instrument document: a versioned checklist of dimensions and indicators (docs/contract.md, "The instrument").

These msgspec structs are the published contract: ``schemas/instrument.schema.json`` is generated from them.
Structural rules that a type cannot express (unique ids, choices present for ``choice``…) live in
``server.domain.instruments.rules``.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

IndicatorType = Literal["yes_no", "scale_0_3", "choice", "number", "text"]
PhotoRequirement = Literal["required", "optional", "none"]

Key = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$", description="lower-case slug")]
IndicatorId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")]
Weight = Annotated[float, msgspec.Meta(ge=0, le=1000)]
# A version is text as the author wrote it (3, 1.2.0, v3, 2025-12-07, 202512071530): pyxform takes any text; Sidak
# refuses only what could not name a URL path segment and a Collect form id (spaces, slashes, ?, #, %, control
# characters) and a version of punctuation alone.
VERSION_PATTERN = r"^(?=.*[A-Za-z0-9])[^\s/\\?#%\x00-\x1f\x7f]{1,64}$(?!\n)"
Version = Annotated[
    str,
    msgspec.Meta(
        pattern=VERSION_PATTERN,
        description="the version as its author wrote it; ordered by when it was stored, never by its text",
    ),
]


class Text(msgspec.Struct, forbid_unknown_fields=True):
    """A text in Bahasa Indonesia (``id``, always) and English (``en``, optional)."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    en: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class Choice(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One answer of a ``choice`` indicator, or the yes or the no of a ``yes_no`` one with its own wording.

    ``score`` gives the choice's points: a choice scores ``score / the highest score of its indicator``. Without
    scores, the choices of a ``choice`` indicator score by their order, worst first. A ``yes_no`` indicator's two
    choices score 1 (the yes) and 0 (the no).
    """

    value: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    label: Text
    score: Annotated[float, msgspec.Meta(ge=0, le=1000)] | None = None
    # The choice's label in the form's further languages, by column header as written (``label::Basa Jawa (jv)``).
    xlsform: XlsformColumns | None = None


class Band(msgspec.Struct, forbid_unknown_fields=True):
    """A scoring band of a ``number`` indicator: the first band whose ``max`` is ≥ the value gives ``score``."""

    score: Annotated[float, msgspec.Meta(ge=0, le=1)]
    max: float | None = None


class Condition(msgspec.Struct, forbid_unknown_fields=True):
    """A simple ``relevant`` condition: ask this indicator only when ``indicator`` was answered ``equals``."""

    indicator: IndicatorId
    equals: bool | int | float | str


XlsformColumns = Annotated[
    dict[Annotated[str, msgspec.Meta(min_length=1, max_length=200)], Annotated[str, msgspec.Meta(max_length=2000)]],
    msgspec.Meta(max_length=64),
]


ListName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")]


class Note(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """An XLSForm note row just above an indicator: the phone shows it with the indicator's guidance, and the export
    writes it back as a note in its place."""

    name: IndicatorId
    text: Text
    xlsform: XlsformColumns | None = None  # its label in the form's further languages


class Indicator(msgspec.Struct, forbid_unknown_fields=True):
    id: IndicatorId
    text: Text
    type: IndicatorType
    weight: Weight = 1
    guidance: Text | None = None
    required: bool = True
    allow_na: bool = False
    reverse: bool = False
    photo: PhotoRequirement = "none"
    choices: list[Choice] | None = None
    bands: list[Band] | None = None
    unit: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    relevant: Condition | None = None
    # What the indicator's XLSForm rows say that Sidak keeps without acting on it, by column header as written: of its
    # row (``appearance``, ``constraint``, ``constraint_message::English (en)``, a third language's label…) and,
    # prefixed ``image:``, of its photo's image row (``image:name``, ``image:label``, ``image:label::en``,
    # ``image:hint``, ``image:parameters``…). The XLSForm export writes them back (docs/xlsform.md).
    xlsform: XlsformColumns | None = None
    # The XLSForm list the choices came from, as its author named it; the export writes the list under this name.
    choice_list: ListName | None = None
    notes: Annotated[list[Note], msgspec.Meta(max_length=16)] | None = None


class Dimension(msgspec.Struct, forbid_unknown_fields=True):
    id: IndicatorId
    title: Text
    weight: Weight
    indicators: Annotated[list[Indicator], msgspec.Meta(min_length=1)]
    # The group's label in the form's further languages, by column header as written (``label::Basa Jawa (jv)``).
    xlsform: XlsformColumns | None = None


MetadataType = Literal["start", "end", "today", "username"]


class Metadata(msgspec.Struct, forbid_unknown_fields=True):
    """An XLSForm metadata row Sidak fills from the visit itself: ``start`` and ``end`` are the visit's started and
    finished times, ``today`` the date it started in the unit's time zone, ``username`` the surveyor's username."""

    type: MetadataType
    name: IndicatorId


class Instrument(msgspec.Struct, forbid_unknown_fields=True):
    key: Key
    version: Version
    title: Text
    dimensions: Annotated[list[Dimension], msgspec.Meta(min_length=1)]
    description: Text | None = None
    # The form's metadata rows, in their order; the XLSForm export writes them back at the top of the survey.
    metadata: Annotated[list[Metadata], msgspec.Meta(max_length=16)] | None = None

    def indicators(self) -> dict[str, Indicator]:
        return {indicator.id: indicator for dimension in self.dimensions for indicator in dimension.indicators}
