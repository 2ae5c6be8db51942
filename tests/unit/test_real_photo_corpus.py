"""The photo tests again, over the real camera and phone photos of ``../shared/fixtures/photos``: every test of the
modules below that takes ``photos`` runs here once more with ``photos`` naming the real files, so what the stand-ins
of tests/photos.py prove holds for what real cameras and phones wrote, and the stand-ins stay true to them.

The photos come from the public ianare/exif-samples collection under the licence in NOTICE.md beside them; they are
read where they are (CI lays the folder beside the clone) and never copied into the repository. Without the folder
this module is skipped, and says why.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType

import pytest

from tests.photos import REAL_PHOTO_FOLDER, REAL_PHOTOS, PhotoSet

if not REAL_PHOTOS.is_there():
    pytest.skip(f"the real photos are not beside the clone (no {REAL_PHOTO_FOLDER})", allow_module_level=True)

from tests.unit import test_photo_exif, test_photo_processing, test_photo_stand_ins  # noqa: E402


def photo_tests_of(module: ModuleType) -> dict[str, Callable[..., object]]:
    return {
        name: test
        for name, test in vars(module).items()
        if name.startswith("test_") and callable(test) and "photos" in inspect.signature(test).parameters
    }


# Collected here as tests of this module, so the fixture below is theirs.
globals().update(
    photo_tests_of(test_photo_exif) | photo_tests_of(test_photo_processing) | photo_tests_of(test_photo_stand_ins)
)


@pytest.fixture(scope="module")
def photos() -> PhotoSet:
    return REAL_PHOTOS
