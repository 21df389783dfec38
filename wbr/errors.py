"""The one exception hierarchy: every user-facing failure is a WbrError (the CLI exits 2)."""

from __future__ import annotations


class WbrError(Exception):
    """A problem the user can fix: bad config, bad data, a failed render or delivery."""


class ConfigError(WbrError):
    """wbr.yaml is missing, malformed or inconsistent."""


class DataError(WbrError):
    """An input file cannot be read as the config says it should be."""


class RenderError(WbrError):
    """The notebook or HTML export failed."""


class DeliveryError(WbrError):
    """The email could not be built or sent."""
