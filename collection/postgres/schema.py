"""The database schema, versioned: :data:`MIGRATIONS` in order, each applied once
(recorded in ``yinwen_schema``), under an advisory lock so that two app servers
starting at once do not both apply one.

The tables mirror the SQLite corpus store (corpus/store.py), with offsets named
``start_offset``/``end_offset`` (``end`` is reserved in SQL) and JSON in
``jsonb``. The vector tables are not migrations: their column type carries the
embedder's dimension, so the first write of a collection creates them
(:func:`ensure_vector_tables`).
"""

from __future__ import annotations

from typing import Any

from ..errors import CollectionError
from .connection import first_line, mask_url, psycopg_module

# One term's postings as one bytea: (passage id int8, tf float4, passage length int4)
# per posting, big-endian, by passage id (the record indexes.POSTING reads).
TERM_POSTINGS_SELECT = (
    "SELECT p.term, string_agg(int8send(p.passage_id) || float4send(p.tf) || "
    "int4send(l.length), ''::bytea ORDER BY p.passage_id) "
    "FROM bm25_postings p JOIN bm25_passages l ON l.passage_id = p.passage_id"
)

# pg_advisory_xact_lock keys: one for schema changes, one for writers.
SCHEMA_LOCK = 0x79696E77656E0001
WRITE_LOCK = 0x79696E77656E0002

MIGRATIONS: list[str] = [
    # 1: documents, passages, sentences, warnings, BM25 postings, the manifest.
    """
    CREATE TABLE yinwen_manifest (
        id integer PRIMARY KEY CHECK (id = 1),
        generation bigint NOT NULL,
        manifest jsonb NOT NULL
    );
    CREATE TABLE documents (
        doc_id text PRIMARY KEY,
        path text NOT NULL UNIQUE,
        content_hash text NOT NULL,
        text_hash text NOT NULL,
        format text NOT NULL,
        encoding text,
        title text,
        date text,
        source text,
        authors jsonb NOT NULL DEFAULT '[]',
        text text NOT NULL,
        raw_chars integer NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL DEFAULT '{}',
        added_at text NOT NULL,
        updated_at text NOT NULL
    );
    CREATE TABLE sections (
        doc_id text NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        section_index integer NOT NULL,
        title text, author text, author_note text,
        start_offset integer NOT NULL, end_offset integer NOT NULL,
        PRIMARY KEY (doc_id, section_index)
    );
    CREATE TABLE paragraphs (
        doc_id text NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        paragraph_index integer NOT NULL,
        section_index integer NOT NULL,
        start_offset integer NOT NULL, end_offset integer NOT NULL,
        is_heading boolean NOT NULL,
        PRIMARY KEY (doc_id, paragraph_index)
    );
    CREATE TABLE sentences (
        doc_id text NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        sentence_index integer NOT NULL,
        paragraph_index integer NOT NULL,
        start_offset integer NOT NULL, end_offset integer NOT NULL,
        PRIMARY KEY (doc_id, sentence_index)
    );
    CREATE SEQUENCE passage_ids;
    CREATE TABLE passages (
        passage_id bigint PRIMARY KEY DEFAULT nextval('passage_ids'),
        doc_id text NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        passage_index integer NOT NULL,
        section_index integer NOT NULL,
        paragraph_index integer NOT NULL,
        paragraph_end integer NOT NULL,
        sentence_start integer NOT NULL,
        sentence_end integer NOT NULL,
        start_offset integer NOT NULL, end_offset integer NOT NULL,
        text text NOT NULL,
        warnings jsonb NOT NULL DEFAULT '[]'
    );
    CREATE INDEX passages_by_doc ON passages (doc_id, passage_index);
    CREATE TABLE warnings (
        doc_id text NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        code text NOT NULL,
        message text NOT NULL
    );
    CREATE INDEX warnings_by_doc ON warnings (doc_id);
    -- BM25: one row per (term, passage) with its count, the token count of each
    -- passage, and each term's document frequency kept up to date by the writer.
    CREATE TABLE bm25_passages (passage_id bigint PRIMARY KEY, length integer NOT NULL);
    CREATE TABLE bm25_postings (
        term text NOT NULL,
        passage_id bigint NOT NULL,
        tf real NOT NULL,
        PRIMARY KEY (term, passage_id)
    );
    CREATE INDEX bm25_postings_by_passage ON bm25_postings (passage_id);
    CREATE TABLE bm25_terms (term text PRIMARY KEY, df integer NOT NULL);
    """,
    # 2: what citations need (corpus/store.py ADDED_COLUMNS): a document's kind and
    # dated fields with their kinds; a passage's citation JSON (locator, quotations,
    # damage spans) and its quoted speakers, one per line.
    """
    ALTER TABLE documents ADD COLUMN kind text;
    ALTER TABLE documents ADD COLUMN dates jsonb NOT NULL DEFAULT '[]';
    ALTER TABLE passages ADD COLUMN citation jsonb NOT NULL DEFAULT '{}';
    ALTER TABLE passages ADD COLUMN speakers text NOT NULL DEFAULT '';
    """,
    # 3: each term's postings packed in one value (TERM_POSTINGS_SELECT), so that a
    # BM25 search reads one row per query term instead of joining thousands of
    # postings scattered over the table (130 ms of a search at 81k passages).
    """
    CREATE TABLE bm25_term_postings (term text PRIMARY KEY, postings bytea NOT NULL);
    ALTER TABLE bm25_term_postings ALTER COLUMN postings SET STORAGE EXTERNAL;
    """
    + "INSERT INTO bm25_term_postings (term, postings) "
    + TERM_POSTINGS_SELECT
    + " GROUP BY p.term;",
    # 4: the law article each passage opens, labelled at ingest
    # (corpus.locators.article_label), so that opening a snapshot reads this small
    # table instead of the head of every passage. Existing passages are labelled
    # here with the same pattern.
    """
    CREATE TABLE article_heads (
        passage_id bigint PRIMARY KEY REFERENCES passages(passage_id) ON DELETE CASCADE,
        label text NOT NULL
    );
    INSERT INTO article_heads (passage_id, label)
    SELECT passage_id, m[1]
    FROM passages, regexp_match(left(text, 16), '^(第[一二三四五六七八九十百千零〇两]+条)[ 　]') AS m
    WHERE left(text, 1) = '第' AND m IS NOT NULL;
    """,
    # 5: the mean and covariance of each vector table, written by every ingest
    # (as a local index saves them beside its vectors), so that a server opening
    # the collection does not estimate them from 2 x 10,000 scattered vectors (1.7 s
    # at 81k passages). Until the next ingest a server estimates them as before.
    """
    CREATE TABLE vector_moments (
        table_name text PRIMARY KEY,
        count bigint NOT NULL,
        mean bytea NOT NULL,
        covariance bytea NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

VECTOR_TABLES = {
    "passage_vectors": "passage_id bigint PRIMARY KEY",
    "sentence_vectors": "sentence_key bigint PRIMARY KEY, passage_id bigint NOT NULL",
    # only read by key, never searched: no HNSW index, no moments
    "word_vectors": "word_key bigint PRIMARY KEY",
}


def prepare(connection: Any, url: str) -> None:
    """pgvector present, schema at :data:`SCHEMA_VERSION` (migrating an older one);
    a one-line CollectionError naming the fix otherwise."""
    psycopg = psycopg_module()
    where = mask_url(url)
    available = connection.execute(
        "SELECT installed_version FROM pg_available_extensions WHERE name = 'vector'"
    ).fetchall()
    if not available:
        raise CollectionError(
            f"PostgreSQL at {where} has no pgvector extension; install it on the server "
            "(Debian: apt install postgresql-NN-pgvector; Docker: pgvector/pgvector image) "
            "- see docs/DEPLOYMENT.md"
        )
    if available[0][0] is None:
        try:
            connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as error:
            raise CollectionError(
                f"cannot enable pgvector in {where}: {first_line(error)}; ask the database "
                "owner to run: CREATE EXTENSION vector;"
            ) from None
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS yinwen_schema (version integer NOT NULL)")
        row = connection.execute("SELECT max(version) FROM yinwen_schema").fetchone()
        version = int(row[0] or 0)
        if version > SCHEMA_VERSION:
            raise CollectionError(
                f"the database {where} has schema version {version}, written by a newer yinwen "
                f"(this one knows up to {SCHEMA_VERSION}); upgrade yinwen: pip install -U yinwen"
            )
        if version < SCHEMA_VERSION:
            # No ingest may commit postings the migrations would not see (migration
            # 3 packs them); an older yinwen's ingest must not run after it.
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        for number in range(version + 1, SCHEMA_VERSION + 1):
            connection.execute(MIGRATIONS[number - 1])
            connection.execute("INSERT INTO yinwen_schema (version) VALUES (%s)", (number,))
    store_vectors_inline(connection)


def vector_dimension(database: Any, table: str) -> int | None:
    """The dimension of ``table``'s vectors, None if the table does not exist."""
    rows = database.rows(
        "SELECT a.atttypmod FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attname = 'embedding'",
        (table,),
    )
    return int(rows[0][0]) if rows else None


def ensure_vector_tables(database: Any, dimension: int) -> None:
    """Create the vector tables for ``dimension``; recreate them for another one (a
    rebuild with another embedder: their vectors are gone with the old embedder)."""
    for table, key_columns in VECTOR_TABLES.items():
        current = vector_dimension(database, table)
        if current == dimension:
            continue
        if current is not None:
            database.execute(f"DROP TABLE {table}")
            database.execute("DELETE FROM vector_moments WHERE table_name = %s", (table,))
        database.execute(
            f"CREATE TABLE {table} ({key_columns}, embedding vector({int(dimension)}) NOT NULL)"
        )
        if _inline(dimension):
            database.execute(f"ALTER TABLE {table} ALTER COLUMN embedding SET STORAGE PLAIN")
        if table == "sentence_vectors":
            database.execute(
                "CREATE INDEX sentence_vectors_by_passage ON sentence_vectors (passage_id)"
            )


def _inline(dimension: int) -> bool:
    """Whether a row with a vector of ``dimension`` fits in an 8 kB page.

    A vector of more than ~500 dimensions makes a row longer than PostgreSQL's
    2 kB TOAST threshold, and pgvector's default storage then moves each vector
    to the TOAST table, which a scan reads row by row: 1,000 vectors of 512
    dimensions took 6-7 ms instead of 1.3 ms. Vectors that fit a page are kept
    in the row (STORAGE PLAIN).
    """
    return dimension * 4 + 64 < 8000


def store_vectors_inline(connection: Any) -> None:
    """Tables created before vectors were kept in their rows: store new vectors
    there from now on (vectors already written move with a rebuild).

    ALTER ... SET STORAGE takes an exclusive lock, so it is its own short
    transaction that gives up after a second (behind an ingest's transaction it
    would stall every search) and is tried again at the next start."""
    psycopg = psycopg_module()
    for table in VECTOR_TABLES:
        row = connection.execute(
            "SELECT a.attstorage, a.atttypmod FROM pg_attribute a "
            "WHERE a.attrelid = to_regclass(%s) AND a.attname = 'embedding'",
            (table,),
        ).fetchone()
        if row is None or row[0] == "p" or not _inline(int(row[1])):
            continue
        try:
            with connection.transaction():
                connection.execute("SET LOCAL lock_timeout = '1s'")
                connection.execute(f"ALTER TABLE {table} ALTER COLUMN embedding SET STORAGE PLAIN")
        except psycopg.errors.LockNotAvailable:
            continue
