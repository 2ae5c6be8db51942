"""ODK Collect as a second field client: OpenRosa 1.0 form list, XForm, manifest, submissions (docs/odk-collect.md)."""
