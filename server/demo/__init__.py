"""The demo: a plausible Sidak installation to try (README.md, "Try it"), loaded by ``sidak demo``."""

from server.demo.loader import WAVE_NAME, DatabaseNotEmpty, load_demo

__all__ = ["WAVE_NAME", "DatabaseNotEmpty", "load_demo"]
