"""Whole numbers an operator may set in the environment (index thresholds, build
memory), read in one place: a value that is not a number is reported in one
line and the default is used, one below its floor is reported and the floor is
used - instead of a traceback when the module is imported."""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)


def environment_int(name: str, default: int, minimum: int = 0) -> int:
    """``$name`` as an integer: ``default`` if unset or not a whole number,
    ``minimum`` if below it."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        logger.warning("%s=%r is not a whole number; using %d", name, value, default)
        return default
    if number < minimum:
        logger.warning("%s=%d is below %d; using %d", name, number, minimum, minimum)
        return minimum
    return number
