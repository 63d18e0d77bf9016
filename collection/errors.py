"""The one error of the collection layer, whose message always names the fix."""

from __future__ import annotations


class CollectionError(Exception):
    """The collection cannot be used as asked; the message names the fix."""


class ConnectionLost(CollectionError):
    """The database connection broke mid-read; running the read again may succeed."""


class SnapshotMoved(CollectionError):
    """A write committed between reading the manifest and opening the generation it
    named (which that write removed); reading the manifest again finds the new one."""
