"""Scoring profiles as data (docs/contract.md, "Profiles"): which cut-offs turn a total into a zone and/or a grade.

A wave picks one profile by key, or stores an edited copy as JSON (``profile_to_dict`` / ``profile_from_dict``),
because the 2022 Ombudsman cut-offs are as reported in the press, not from a regulation, and may need correcting.

A profile is an ordered list of cut-offs, highest first; a value belongs to the first cut-off whose ``min`` it
reaches. The last cut-off has ``min`` 0 so that every value is classified. ``zones`` and ``grades`` profiles compare
the 0–100 total; an ``ipp`` profile compares the 0–5 index (total / 20) and has no zones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

from server.lib.errors import InvalidInput

ProfileKind = Literal["zones", "grades", "ipp"]
Zone = Literal["green", "yellow", "red"]

ZONES: tuple[str, ...] = get_args(Zone)
KINDS: tuple[str, ...] = get_args(ProfileKind)
SCORE_MAX = Decimal(100)
IPP_INDEX_MAX = Decimal(5)

_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class Label:
    """A user-facing name in Bahasa Indonesia (``id``) and English (``en``)."""

    id: str
    en: str


@dataclass(frozen=True)
class Cutoff:
    min: Decimal
    label: Label
    zone: Zone | None = None
    grade: str | None = None


@dataclass(frozen=True)
class Profile:
    key: str
    kind: ProfileKind
    cutoffs: tuple[Cutoff, ...]

    @property
    def scale_max(self) -> Decimal:
        return IPP_INDEX_MAX if self.kind == "ipp" else SCORE_MAX


def _cutoff(min_: str, label_id: str, label_en: str, *, zone: Zone | None = None, grade: str | None = None) -> Cutoff:
    return Cutoff(min=Decimal(min_), label=Label(label_id, label_en), zone=zone, grade=grade)


OMBUDSMAN_2021 = Profile(
    key="ombudsman-2021",
    kind="zones",
    cutoffs=(
        _cutoff("81.00", "Kepatuhan Tinggi", "High compliance", zone="green"),
        _cutoff("51.00", "Kepatuhan Sedang", "Moderate compliance", zone="yellow"),
        _cutoff("0", "Kepatuhan Rendah", "Low compliance", zone="red"),
    ),
)

# Cut-offs as reported in 2022 press, not from the regulation (docs/contract.md, "Profiles"): editable per wave.
OMBUDSMAN_2022 = Profile(
    key="ombudsman-2022",
    kind="grades",
    cutoffs=(
        _cutoff("88.00", "Kualitas Tertinggi", "Highest quality", zone="green", grade="A"),
        _cutoff("78.00", "Kualitas Tinggi", "High quality", zone="green", grade="B"),
        _cutoff("57.00", "Kualitas Sedang", "Moderate quality", zone="yellow", grade="C"),
        _cutoff("37.00", "Kualitas Rendah", "Low quality", zone="red", grade="D"),
        _cutoff("0", "Kualitas Terendah", "Lowest quality", zone="red", grade="E"),
    ),
)

PANRB_IPP = Profile(
    key="panrb-ipp",
    kind="ipp",
    cutoffs=(
        _cutoff("4.51", "Pelayanan Prima", "Excellent service", grade="A"),
        _cutoff("4.01", "Sangat Baik", "Very good", grade="A-"),
        _cutoff("3.51", "Baik", "Good", grade="B"),
        _cutoff("3.01", "Baik (Dengan Catatan)", "Good (with notes)", grade="B-"),
        _cutoff("2.51", "Cukup", "Fair", grade="C"),
        _cutoff("2.01", "Cukup (Dengan Catatan)", "Fair (with notes)", grade="C-"),
        _cutoff("1.51", "Buruk", "Poor", grade="D"),
        _cutoff("1.01", "Sangat Buruk", "Very poor", grade="E"),
        _cutoff("0", "Gagal", "Failed", grade="F"),
    ),
)

PROFILES: dict[str, Profile] = {profile.key: profile for profile in (OMBUDSMAN_2021, OMBUDSMAN_2022, PANRB_IPP)}
DEFAULT_PROFILE_KEY = OMBUDSMAN_2021.key


def profile_for_key(key: str) -> Profile:
    try:
        return PROFILES[key]
    except KeyError:
        raise InvalidInput(
            f"Unknown scoring profile {key!r}; known: {', '.join(sorted(PROFILES))}.", field="profile"
        ) from None


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """JSON-ready form; ``min`` is a string so that 81.00 stays exactly 81.00."""
    return {
        "key": profile.key,
        "kind": profile.kind,
        "cutoffs": [
            {
                "min": str(cutoff.min),
                "zone": cutoff.zone,
                "grade": cutoff.grade,
                "label": {"id": cutoff.label.id, "en": cutoff.label.en},
            }
            for cutoff in profile.cutoffs
        ],
    }


def profile_from_dict(data: Any) -> Profile:
    """Read and check a profile stored as JSON; raises ``InvalidInput`` naming the offending field."""
    if not isinstance(data, dict):
        raise InvalidInput("A scoring profile must be an object.", field="profile")
    _refuse_unknown_fields(data, {"key", "kind", "cutoffs"}, "profile")
    key = data.get("key")
    if not isinstance(key, str) or not _KEY_PATTERN.match(key):
        raise InvalidInput("A profile key is a lower-case slug such as 'ombudsman-2021'.", field="profile.key")
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidInput(f"A profile kind is one of {', '.join(KINDS)}.", field="profile.kind")
    raw_cutoffs = data.get("cutoffs")
    if not isinstance(raw_cutoffs, list) or not raw_cutoffs:
        raise InvalidInput("A profile needs at least one cut-off.", field="profile.cutoffs")
    cutoffs = tuple(_cutoff_from_dict(raw, kind, f"profile.cutoffs[{i}]") for i, raw in enumerate(raw_cutoffs))
    profile = Profile(key=key, kind=kind, cutoffs=cutoffs)
    _check_cutoff_order(profile)
    return profile


def _refuse_unknown_fields(data: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"Unknown field {unknown[0]!r}.", field=f"{where}.{unknown[0]}")


def _cutoff_from_dict(raw: Any, kind: str, where: str) -> Cutoff:
    if not isinstance(raw, dict):
        raise InvalidInput("A cut-off must be an object.", field=where)
    _refuse_unknown_fields(raw, {"min", "zone", "grade", "label"}, where)
    zone, grade = raw.get("zone"), raw.get("grade")
    if kind == "ipp":
        if zone is not None:
            raise InvalidInput("An IPP profile has no zones; it is coloured by grade.", field=f"{where}.zone")
    elif zone not in ZONES:
        raise InvalidInput(f"A zone is one of {', '.join(ZONES)}.", field=f"{where}.zone")
    if kind == "zones":
        if grade is not None and not _is_text(grade, 8):
            raise InvalidInput("A grade is a short non-empty text.", field=f"{where}.grade")
    elif not _is_text(grade, 8):
        raise InvalidInput("Every cut-off of this profile needs a grade such as 'A' or 'B-'.", field=f"{where}.grade")
    return Cutoff(
        min=_decimal_from(raw.get("min"), f"{where}.min"),
        label=_label_from(raw.get("label"), where),
        zone=zone,
        grade=grade,
    )


def _is_text(value: Any, max_length: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= max_length


def _decimal_from(value: Any, where: str) -> Decimal:
    # bool is an int in Python; a cut-off of True is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidInput("A cut-off minimum is a number or a decimal string such as '81.00'.", field=where)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{value!r} is not a number.", field=where) from None
    if not number.is_finite():
        raise InvalidInput("A cut-off minimum must be finite.", field=where)
    return number


def _label_from(raw: Any, where: str) -> Label:
    if not isinstance(raw, dict):
        raise InvalidInput("A cut-off needs a label {id, en}.", field=f"{where}.label")
    _refuse_unknown_fields(raw, {"id", "en"}, f"{where}.label")
    label_id, label_en = raw.get("id"), raw.get("en", "")
    if not _is_text(label_id, 200):
        raise InvalidInput("A label needs its Bahasa Indonesia text.", field=f"{where}.label.id")
    if not isinstance(label_en, str) or len(label_en) > 200:
        raise InvalidInput("An English label is a text of at most 200 characters.", field=f"{where}.label.en")
    return Label(id=label_id, en=label_en)


def _check_cutoff_order(profile: Profile) -> None:
    previous: Decimal | None = None
    for i, cutoff in enumerate(profile.cutoffs):
        where = f"profile.cutoffs[{i}].min"
        if not Decimal(0) <= cutoff.min <= profile.scale_max:
            raise InvalidInput(f"A cut-off minimum lies between 0 and {profile.scale_max}.", field=where)
        if previous is not None and cutoff.min >= previous:
            raise InvalidInput("Cut-offs are listed highest first, each strictly below the one before.", field=where)
        previous = cutoff.min
    if profile.cutoffs[-1].min != 0:
        # Without a catch-all at 0 some scores would have no zone or grade at all.
        raise InvalidInput(
            "The last cut-off must start at 0 so that every score is classified.",
            field=f"profile.cutoffs[{len(profile.cutoffs) - 1}].min",
        )
    grades = [cutoff.grade for cutoff in profile.cutoffs if cutoff.grade is not None]
    if len(grades) != len(set(grades)):
        raise InvalidInput("Each grade appears once.", field="profile.cutoffs")
