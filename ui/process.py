"""Settings of the serving process itself, made before anything else starts."""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Keep the serving process to ``arenas`` glibc malloc arenas, unless the
    operator chose (``MALLOC_ARENA_MAX``, or ``glibc.malloc.arena_max`` in
    ``GLIBC_TUNABLES``). By default every thread that allocates can get an arena
    of its own (up to 8 per core) and keeps what it freed there: Gradio's worker
    threads, the query embeddings and the snapshot loads held ~58 MB more after
    3,000 requests from 32 clients than when warm, 48 MB with two arenas, at the
    same throughput (docs/RELIABILITY.md). glibc ignores the limit once more
    arenas than it allows exist, so call this before threads start. Elsewhere
    than glibc, a no-op."""
    if os.environ.get("MALLOC_ARENA_MAX") or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass
