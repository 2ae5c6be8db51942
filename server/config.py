"""Settings, read once from ``SIDAK_*`` environment variables.

The token-signing secret is generated on first use and kept in the data dir (never a constant in the code), so every
app process that shares the data dir — or the same ``SIDAK_SECRET_KEY`` — signs and verifies the same tokens.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = "127.0.0.1,::1"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    photo_store_url: str
    secret_key: str = field(repr=False)
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    max_json_bytes: int = 4 * 1024 * 1024
    max_photo_bytes: int = 20 * 1024 * 1024
    max_photo_pixels: int = 60_000_000
    photo_decoders: int = os.cpu_count() or 2
    photo_worker: bool = True
    """Whether ``sidak serve`` renders the photo queue too (``sidak worker`` always does)."""
    photo_render_batch: int = 4
    photo_render_lease_s: int = 120
    photo_queue_poll_s: float = 2.0
    max_csv_bytes: int = 5 * 1024 * 1024
    max_csv_rows: int = 10_000
    login_failures_per_user: int = 5
    login_failures_per_ip: int = 30
    login_window_s: int = 15 * 60
    trusted_proxies: tuple[IpNetwork, ...] = field(default_factory=lambda: trusted_networks(LOOPBACK))
    """Peers whose ``X-Forwarded-For`` is believed (the HTTPS proxy); see ``server.lib.http.client_address``."""
    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str | None = None
    echo_sql: bool = False

    @property
    def photo_spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def photo_render_dir(self) -> Path:
        # Not the uploads' folder: the app and the decoders creating and removing files in one folder queue on its
        # lock, and the app's event loop waited there.
        return self.photo_spool_dir / "renderings"

    @property
    def metrics_dir(self) -> Path:
        """Each app process's request counts, for the others to add to a scrape (``server.domain.metrics.workers``)."""
        return self.data_dir / "metrics"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def trusted_networks(text: str) -> tuple[IpNetwork, ...]:
    """``SIDAK_TRUSTED_PROXIES``: addresses or networks, comma-separated (``127.0.0.1,::1,10.0.0.0/8``)."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"SIDAK_TRUSTED_PROXIES: {item!r} is not an IP address or network") from error
    return tuple(networks)


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'sidak.db').resolve()}"


def load_secret_key(data_dir: Path) -> str:
    """Return the signing secret, creating it (mode 0600) the first time a data dir is used."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.encode())
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return key


def load_settings(**overrides: object) -> Settings:
    data_dir = Path(str(overrides.pop("data_dir", None) or os.environ.get("SIDAK_DATA_DIR") or "./data")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": os.environ.get("SIDAK_DATABASE_URL") or default_database_url(data_dir),
        "photo_store_url": os.environ.get("SIDAK_PHOTO_STORE") or str(data_dir / "photos"),
        "secret_key": os.environ.get("SIDAK_SECRET_KEY") or load_secret_key(data_dir),
        "access_token_ttl_s": _int("SIDAK_ACCESS_TOKEN_TTL_S", 15 * 60),
        "refresh_token_ttl_s": _int("SIDAK_REFRESH_TOKEN_TTL_S", 30 * 24 * 3600),
        "max_photo_bytes": _int("SIDAK_MAX_PHOTO_BYTES", 20 * 1024 * 1024),
        "max_photo_pixels": _int("SIDAK_MAX_PHOTO_PIXELS", 60_000_000),
        "photo_decoders": _int("SIDAK_PHOTO_DECODERS", Settings.photo_decoders),
        "photo_worker": os.environ.get("SIDAK_PHOTO_WORKER", "1") != "0",
        "photo_render_batch": _int("SIDAK_PHOTO_RENDER_BATCH", Settings.photo_render_batch),
        "photo_render_lease_s": _int("SIDAK_PHOTO_RENDER_LEASE_S", Settings.photo_render_lease_s),
        "photo_queue_poll_s": float(os.environ.get("SIDAK_PHOTO_QUEUE_POLL_S") or Settings.photo_queue_poll_s),
        "max_csv_bytes": _int("SIDAK_MAX_CSV_BYTES", Settings.max_csv_bytes),
        "max_csv_rows": _int("SIDAK_MAX_CSV_ROWS", Settings.max_csv_rows),
        "trusted_proxies": trusted_networks(os.environ.get("SIDAK_TRUSTED_PROXIES", LOOPBACK)),
        "map_tile_url": os.environ.get("SIDAK_MAP_TILE_URL") or Settings.map_tile_url,
        "map_attribution": os.environ.get("SIDAK_MAP_ATTRIBUTION") or None,
        "echo_sql": os.environ.get("SIDAK_ECHO_SQL") == "1",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
