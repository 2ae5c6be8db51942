"""Fixtures of the sync tests live in helpers.py so the photo tests can share them."""

from tests.integration.visits.helpers import field, live_server  # noqa: F401
