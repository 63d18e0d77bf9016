"""Connections to the collection's database: opening them with one-line errors
that name the fix, a small pool for readers, and the two ways the backend's
parts talk to the database (:class:`Database`): a reader's pooled autocommit
statements, retried once when the connection was dropped, and a writer's one
transaction.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from ..errors import CollectionError, ConnectionLost

# Readers kept open per process; more concurrent searches open (and close) extras.
POOL_SIZE = 8
CONNECT_TIMEOUT_SECONDS = 10
# Candidates for HNSW search (pgvector's hnsw.ef_search), as for FAISS' HNSW graph.
HNSW_EF_SEARCH = 256


def psycopg_module() -> Any:
    try:
        import psycopg
    except ImportError as error:
        raise CollectionError(
            "a postgresql:// collection needs psycopg: pip install 'yinwen[postgres]'"
        ) from error
    return psycopg


def mask_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def connect(url: str, autocommit: bool = True) -> Any:
    """A new connection, or a CollectionError saying what to check."""
    psycopg = psycopg_module()
    try:
        connection = psycopg.connect(
            url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except psycopg.Error as error:
        raise CollectionError(
            f"cannot connect to PostgreSQL at {mask_url(url)}: {first_line(error)}; check the "
            "URL (postgresql://USER:PASSWORD@HOST:PORT/DATABASE), that the server runs and "
            "that it lets this user in (docs/DEPLOYMENT.md)"
        ) from None
    except Exception as error:  # a malformed URL is a ProgrammingError or a ValueError
        raise CollectionError(
            f"not a usable database URL {mask_url(url)}: {first_line(error)}; write it as "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        ) from None
    with contextlib.suppress(Exception):
        # A placeholder setting until pgvector loads; harmless where there is no HNSW index.
        connection.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
        if not autocommit:
            connection.commit()
    return connection


class Database(Protocol):
    """How the backend's parts run SQL: the same calls for readers and a writer."""

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = (), binary: bool = False
    ) -> list[Any]:
        """Result rows; ``binary`` returns values in PostgreSQL's binary form (vectors
        as bytes: parsing their text form cost more than the whole search)."""
        ...

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> None: ...
    def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None: ...


class Pool:
    """Reader connections of one process, reused; a broken one is dropped."""

    def __init__(self, url: str, size: int = POOL_SIZE) -> None:
        self.url = url
        self.size = size
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = connect(self.url)
        broken = False
        try:
            yield connection
        except BaseException:
            broken = bool(connection.closed or connection.broken)
            if broken:
                # A restart or failover breaks every idle connection too: drop them all,
                # so that the retry opens a new one instead of taking the next dead one.
                self.close()
            raise
        finally:
            if broken or connection.closed or self._idle.qsize() >= self.size:
                with contextlib.suppress(Exception):
                    connection.close()
            else:
                self._idle.put(connection)

    def close(self) -> None:
        while True:
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(Exception):
                connection.close()


class PooledReads:
    """Autocommit statements on pooled connections, or, inside :meth:`consistent`,
    statements of one read-only transaction that sees one committed state.

    A statement that fails because the connection was dropped (a restarted
    server, a failover, an idle timeout) is retried once on a new connection; a
    second failure is one line naming the fix. Inside :meth:`consistent` the
    transaction cannot be resumed: :class:`ConnectionLost` says to run it again.
    """

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._pinned = threading.local()

    @contextlib.contextmanager
    def consistent(self) -> Iterator[None]:
        """Every read of this thread inside the block sees the same committed state
        (REPEATABLE READ): a search never mixes the states before and after a write."""
        if getattr(self._pinned, "connection", None) is not None:
            yield  # already inside one
            return
        psycopg = psycopg_module()
        try:
            with self.pool.connection() as connection, connection.transaction():
                connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                self._pinned.connection = connection
                try:
                    yield
                finally:
                    self._pinned.connection = None
        except psycopg.OperationalError as error:
            raise ConnectionLost(
                f"lost the connection to PostgreSQL at {mask_url(self.pool.url)}: "
                f"{first_line(error)}; check that the server is up"
            ) from None

    def _run(self, sql: str, params: Any, fetch: bool, binary: bool = False) -> list[Any]:
        pinned = getattr(self._pinned, "connection", None)
        if pinned is not None:
            cursor = pinned.execute(sql, params, binary=binary)
            return cursor.fetchall() if fetch else []
        psycopg = psycopg_module()
        for attempt in (1, 2):
            try:
                with self.pool.connection() as connection:
                    cursor = connection.execute(sql, params, binary=binary)
                    return cursor.fetchall() if fetch else []
            except psycopg.OperationalError as error:
                if attempt == 2:
                    raise ConnectionLost(
                        f"lost the connection to PostgreSQL at {mask_url(self.pool.url)}: "
                        f"{first_line(error)}; check that the server is up (retried once)"
                    ) from None
        raise AssertionError("unreachable")

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = (), binary: bool = False
    ) -> list[Any]:
        return self._run(sql, params, fetch=True, binary=binary)

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> None:
        self._run(sql, params, fetch=False)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        raise CollectionError("a snapshot is read-only; write through Collection")


class TransactionWrites:
    """Statements of one writer, inside its one transaction."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = (), binary: bool = False
    ) -> list[Any]:
        return list(self.connection.execute(sql, params, binary=binary).fetchall())

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> None:
        self.connection.execute(sql, params)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Rows in bulk (COPY): a file of a hundred thousand sentences is one round trip."""
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
