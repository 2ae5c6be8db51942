"""Field types shared by the admin's request bodies, and reading which fields a PATCH body sent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True, description="RFC 3339 with offset")]
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType


def given_fields(struct: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH body sent, by name: a field left out stays ``UNSET`` and is not among them."""
    return {name: value for name in struct.__struct_fields__ if (value := getattr(struct, name)) is not msgspec.UNSET}
