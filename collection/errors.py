"""The one error of the collection layer, whose message always names the fix."""

from __future__ import annotations


class CollectionError(Exception):
    """The collection cannot be used as asked; the message names the fix."""


class ConnectionLost(CollectionError):
    """The database connection broke mid-read; running the read again may succeed."""
