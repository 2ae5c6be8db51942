"""How strong a visit's evidence is, in one line a reviewer reads before anything else on the visit's page.

The strength follows the most severe flag: no warning or critical flag → "sound" (info flags such as a photo without
EXIF change nothing), a warning → "doubtful", a critical flag → "weak". The line names the flags behind it, most
severe first, so a reviewer knows at once what to look at; it stays a hint, never a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Strength = Literal["sound", "doubtful", "weak"]
SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}
"""The queue filters and sorts by this rank of a visit's strongest flag (0: no flag)."""
STRENGTH_OF_RANK: dict[int, Strength] = {0: "sound", 1: "sound", 2: "doubtful", 3: "weak"}


@dataclass(frozen=True)
class EvidenceSummary:
    strength: Strength
    strongest: str | None
    """The severity of the most severe flag; None without flags."""
    reasons: list[str]
    """The codes of the warning and critical flags, most severe first, each once."""
    line: str


def strongest_severity(severities: Iterable[str]) -> str | None:
    ranked = [severity for severity in severities if severity in SEVERITY_RANK]
    return max(ranked, key=SEVERITY_RANK.__getitem__) if ranked else None


def summarize_evidence(flags: Iterable[tuple[str, str]]) -> EvidenceSummary:
    """The summary of a visit's flags given as (code, severity) pairs."""
    worst_by_code: dict[str, int] = {}
    for code, severity in flags:
        worst_by_code[code] = max(worst_by_code.get(code, 0), SEVERITY_RANK.get(severity, 0))
    rank = max(worst_by_code.values(), default=0)
    strength = STRENGTH_OF_RANK[rank]
    reasons = sorted(
        (code for code, code_rank in worst_by_code.items() if code_rank >= SEVERITY_RANK["warning"]),
        key=lambda code: (-worst_by_code[code], code),
    )
    strongest = next((name for name, value in SEVERITY_RANK.items() if value == rank), None)
    if not reasons:
        line = "Evidence sound: no warning or critical flag."
    else:
        line = f"Evidence {strength}: {', '.join(reasons)}."
    return EvidenceSummary(strength=strength, strongest=strongest, reasons=reasons, line=line)
