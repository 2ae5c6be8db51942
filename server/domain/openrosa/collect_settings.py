"""A surveyor's Collect key and the settings QR code that Collect scans to configure itself.

The key is 32 random bytes in URL-safe base64 and is the only credential of the OpenRosa routes (Collect keeps it in
its server URL, as Central's app users do); the server keeps its sha256 only, so it is shown once, when issued.
Collect reads a settings QR code as base64 of zlib-compressed JSON with ``general``, ``admin`` and ``project``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import zlib

import segno

KEY_BYTES = 32
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_CLIENTS = (
    (re.compile(r"org\.odk\.collect\.android/(\S+)"), "ODK Collect"),
    (re.compile(r"org\.koboc\.collect\.android/(\S+)"), "KoboCollect"),
)


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_well_formed_key(key: str) -> bool:
    return _KEY_PATTERN.match(key) is not None


def settings_payload(server_url: str, *, project_name: str, surveyor_name: str) -> str:
    """What the QR code holds. ``match_exactly`` keeps the phone's forms (and assignment lists) in step with the
    server; ``autosend`` sends finalised visits as soon as there is a connection."""
    settings = {
        "general": {
            "server_url": server_url,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
            "metadata_username": surveyor_name,
        },
        "admin": {"change_server": False},
        "project": {"name": project_name, "icon": "S", "color": "#0b6e4f"},
    }
    compact = json.dumps(settings, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(compact)).decode("ascii")


def qr_svg(payload: str) -> str:
    """The payload as an SVG QR code (error correction L, as Collect's own codes use; dark on white)."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="l").save(buffer, kind="svg", scale=4, border=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def client_name(user_agent: str) -> str:
    """The sending app as a person reads it (``ODK Collect v2024.3.1``), else the User-Agent as sent (shortened)."""
    for pattern, name in _CLIENTS:
        match = pattern.search(user_agent)
        if match:
            return f"{name} {match.group(1)}"[:200]
    return (user_agent.strip() or "OpenRosa client")[:200]
