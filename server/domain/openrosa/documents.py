"""The XML that OpenRosa clients and Sidak exchange: the form list, the manifest, the response, and the submission.

A submission comes from the network, so it is parsed with defusedxml and no DTD at all: an entity-expansion bomb or
an external entity is refused before any of it is expanded. Elements are read by local name, so a client that
writes the meta block in the ``orx`` namespace is read like one that does not.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from server.lib.errors import OpenRosaXmlInvalid

FORM_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
# A visit of the largest instrument is a few hundred elements; anything far beyond is not a Collect submission.
MAX_SUBMISSION_ELEMENTS = 20_000


@dataclass(frozen=True)
class FormEntry:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str


@dataclass(frozen=True)
class MediaFile:
    filename: str
    md5: str
    download_url: str


@dataclass(frozen=True)
class Leaf:
    """One answer-carrying element of a submission: its path below the root (``A/A01``) and its text."""

    path: str
    name: str
    text: str


@dataclass(frozen=True)
class SubmissionXml:
    form_id: str
    form_version: str
    instance_id: uuid.UUID
    deprecated_id: str | None
    leaves: list[Leaf]

    def value(self, name: str) -> str:
        """The text of the first leaf called ``name`` anywhere in the submission ('' when there is none)."""
        return next((leaf.text for leaf in self.leaves if leaf.name == name), "")


def _to_bytes(root: ElementTree.Element) -> bytes:
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _child(parent: ElementTree.Element, tag: str, text: str) -> None:
    ElementTree.SubElement(parent, tag).text = text


def form_list_xml(forms: list[FormEntry]) -> bytes:
    root = ElementTree.Element("xforms", xmlns=FORM_LIST_NS)
    for form in forms:
        entry = ElementTree.SubElement(root, "xform")
        _child(entry, "formID", form.form_id)
        _child(entry, "name", form.name)
        _child(entry, "version", form.version)
        _child(entry, "hash", f"md5:{form.md5}")
        _child(entry, "downloadUrl", form.download_url)
        _child(entry, "manifestUrl", form.manifest_url)
    return _to_bytes(root)


def manifest_xml(files: list[MediaFile]) -> bytes:
    root = ElementTree.Element("manifest", xmlns=MANIFEST_NS)
    for media in files:
        entry = ElementTree.SubElement(root, "mediaFile")
        _child(entry, "filename", media.filename)
        _child(entry, "hash", f"md5:{media.md5}")
        _child(entry, "downloadUrl", media.download_url)
    return _to_bytes(root)


def response_xml(message: str, *, is_error: bool = False) -> bytes:
    """An OpenRosa response: Collect shows ``message`` to the surveyor beside the form's send result."""
    root = ElementTree.Element("OpenRosaResponse", xmlns=RESPONSE_NS, items="0")
    message_element = ElementTree.SubElement(root, "message", nature="error" if is_error else "submit_success")
    message_element.text = message
    return _to_bytes(root)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_submission(data: bytes) -> SubmissionXml:
    """The submission's form, instance and answer leaves; ``OpenRosaXmlInvalid`` for anything else."""
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError) as error:
        raise OpenRosaXmlInvalid(f"The submission is not well-formed XML without a DTD: {error}") from None
    leaves = _leaves(root)
    form_id = root.get("id", "").strip()
    if not form_id:
        raise OpenRosaXmlInvalid("The submission's root element names no form (its `id` attribute is missing).")
    by_name = {leaf.name: leaf.text for leaf in reversed(leaves)}
    return SubmissionXml(
        form_id=form_id,
        form_version=root.get("version", "").strip(),
        instance_id=_instance_id(by_name.get("instanceID", "")),
        deprecated_id=by_name.get("deprecatedID") or None,
        leaves=leaves,
    )


def _leaves(root: ElementTree.Element) -> list[Leaf]:
    """Elements without children, in document order; a loop, not recursion, so deep nesting cannot exhaust the stack."""
    leaves: list[Leaf] = []
    stack: list[tuple[str, ElementTree.Element]] = [(f"{_local(child.tag)}", child) for child in reversed(root)]
    count = 0
    while stack:
        path, element = stack.pop()
        count += 1
        if count > MAX_SUBMISSION_ELEMENTS:
            raise OpenRosaXmlInvalid(f"The submission has more than {MAX_SUBMISSION_ELEMENTS} elements.")
        if len(element) == 0:
            leaves.append(Leaf(path=path, name=_local(element.tag), text=(element.text or "").strip()))
        stack.extend((f"{path}/{_local(child.tag)}", child) for child in reversed(element))
    return leaves


def _instance_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.removeprefix("uuid:"))
    except ValueError:
        raise OpenRosaXmlInvalid(
            f"meta/instanceID must be a uuid (as Collect writes it, 'uuid:…'), not {text!r}."
        ) from None
