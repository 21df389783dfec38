"""Opening connections: the embedded DuckDB or a URL through ibis; failures as one clear line.

Every message that leaves this module has passed through `redact`, so neither the URL nor its
password is printed, logged, or written to deck.json or the executed notebook.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wbr.engine.warehouse.settings import expand_url, redact, url_scheme
from wbr.errors import WbrError

EMBEDDED = "embedded DuckDB"
# The embedded engine's budget (WBR_DUCKDB_MEMORY_LIMIT and WBR_DUCKDB_THREADS set them). Exact
# distinct counts need one hash entry per window and key, which grows with the raw rows; within
# this budget DuckDB spills them to disk instead, so a deck's peak memory stays the same from 5M
# to 50M rows (benchmarks/README.md): even 5M rows need more than 128MB, so both decks sit at the
# cap. DuckDB needs about 128MB per thread at the least, hence one thread (two failed at 128MB).
DUCKDB_MEMORY_LIMIT = "128MB"
DUCKDB_THREADS = "1"
# ibis's own names for URL schemes people write (SQLAlchemy style, JDBC habits).
_SCHEME_ALIASES = {
    "postgresql": "postgres",
    "postgresql+psycopg": "postgres",
    "redshift": "postgres",
}
# What a user should install for a scheme ibis cannot load (its backend package is missing).
EXTRA_PACKAGE = {
    "postgres": "ibis-framework[postgres]",
    "snowflake": "ibis-framework[snowflake]",
    "bigquery": "ibis-framework[bigquery]",
    "trino": "ibis-framework[trino]",
    "pyspark": "ibis-framework[pyspark]",
    "mysql": "ibis-framework[mysql]",
}


class WarehouseError(WbrError):
    """A connection, table, column or query failed; the message names the connection or source."""


@dataclass
class Connection:
    """An open ibis backend with the name the config gives it and the URL kept for redaction."""

    name: str
    backend: Any
    secrets: list[str] = field(default_factory=list)
    # compile-only (no server): table reference -> ibis schema; see compile_only
    schemas: dict[str, Any] | None = None
    engine: str = ""  # the URL's scheme as written ('redshift' is served by the postgres backend)

    @property
    def offline(self) -> bool:
        """True for a compile-only connection: SQL is generated, nothing can run."""
        return self.schemas is not None

    @property
    def dialect(self) -> str:
        """The sqlglot dialect name of the engine ('duckdb', 'postgres', 'spark', ...)."""
        dialect = self.backend.compiler.dialect
        return dialect if isinstance(dialect, str) else dialect.__name__.lower()

    def describe(self) -> str:
        """How messages name this connection."""
        return self.name if self.name == EMBEDDED else f"connection '{self.name}'"

    def clean(self, text: str) -> str:
        """A message safe to show: no URL, no password, one line."""
        text = redact(str(text), self.secrets)
        return " ".join(text.split())


def embedded_duckdb(base_dir: Path) -> Any:
    """An in-memory DuckDB whose memory and threads are capped, so a deck over any number of raw
    rows stays within a fixed budget: beyond it DuckDB spills its hash tables (distinct counts
    hold one entry per day or window and customer) to a temporary folder instead of growing."""
    import ibis

    backend = ibis.duckdb.connect()
    limit = os.environ.get("WBR_DUCKDB_MEMORY_LIMIT", DUCKDB_MEMORY_LIMIT)
    spill = Path(tempfile.gettempdir()) / f"wbr-duckdb-{os.getpid()}"
    settings = {
        # Relative paths in a query source are relative to the YAML file, as for CSV sources.
        "file_search_path": str(base_dir),
        "memory_limit": limit,
        "temp_directory": str(spill),
        "preserve_insertion_order": "false",  # aggregates only: order never matters here
    }
    threads = os.environ.get("WBR_DUCKDB_THREADS", DUCKDB_THREADS)
    if threads:
        settings["threads"] = threads
    for key, value in settings.items():
        try:
            backend.raw_sql(f"SET {key} = {quote_literal(value)}")
        except Exception as exc:  # a bad WBR_DUCKDB_MEMORY_LIMIT names itself
            raise WarehouseError(
                f"{EMBEDDED}: cannot set {key} = {value!r}: {_reason(exc)}"
            ) from None
    return backend


def _scheme(url: str) -> str:
    scheme = url_scheme(url)
    return _SCHEME_ALIASES.get(scheme, scheme)


def open_connection(
    name: str | None, templates: dict[str, str], base_dir: Path, session: Any = None
) -> Connection:
    """Connect by config name (None: a fresh embedded DuckDB whose relative paths are base_dir's).

    `session` is an existing engine session (a SparkSession) for `pyspark://` connections.
    """
    import ibis

    if name is None:
        return Connection(EMBEDDED, embedded_duckdb(base_dir))
    url = expand_url(name, templates[name])
    connection = Connection(name, None, [url], engine=url_scheme(url))
    scheme = _scheme(url)
    with translate_errors(connection, "cannot connect"):
        if scheme == "pyspark":
            backend = ibis.pyspark.connect(session) if session is not None else ibis.connect(url)
        elif scheme == "duckdb" and not url.split("://", 1)[1].startswith("/"):
            # duckdb://relative.duckdb is relative to the YAML file like every other path;
            # duckdb:// alone is a fresh in-memory database
            database = url.split("://", 1)[1]
            backend = ibis.duckdb.connect(str(base_dir / database) if database else ":memory:")
        else:
            backend = ibis.connect(f"{scheme}://{url.split('://', 1)[1]}" if scheme else url)
    connection.backend = backend
    return connection


def compile_only(name: str, engine: str, schemas: dict[str, Any]) -> Connection:
    """A connection that only compiles SQL for `engine` (an ibis backend name: 'snowflake',
    'bigquery', 'trino', 'postgres', ...), with the tables' column types given by `schemas`
    (table reference -> ibis schema): for reviewing and testing another engine's SQL without its
    server or driver."""
    import ibis
    import ibis.backends.sql.compilers as compilers

    provider = getattr(compilers, _SCHEME_ALIASES.get(engine, engine), None)
    if provider is None or getattr(provider, "compiler", None) is None:
        raise WarehouseError(f"connection '{name}': no SQL compiler for engine '{engine}'")
    schemas = {k: ibis.schema(v) for k, v in schemas.items()}
    return Connection(name, provider, [], schemas, engine)


def _reason(exc: BaseException) -> str:
    """The useful part of a driver's message: its first non-empty line, prefixes removed."""
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else text
    if "password authentication failed" in text or "authentication failed" in text.lower():
        return "authentication failed: " + first
    if "Out of Memory" in text:  # the embedded DuckDB's budget, when a query needs more
        return first + " (raise WBR_DUCKDB_MEMORY_LIMIT, e.g. 1GB, for the embedded DuckDB)"
    if "Connection refused" in text:
        return "connection refused: " + first.removeprefix("connection failed: ")
    return first


@contextlib.contextmanager
def translate_errors(connection: Connection, doing: str) -> Iterator[None]:
    """Turn any driver or engine failure into one WarehouseError line naming the connection."""
    try:
        yield
    except WbrError:
        raise
    except ModuleNotFoundError as exc:
        scheme = (exc.name or "").split(".")[-1]
        extra = next((p for s, p in EXTRA_PACKAGE.items() if s in (exc.name or "")), None)
        hint = f"; pip install '{extra}'" if extra else ""
        raise WarehouseError(
            connection.clean(f"{connection.describe()}: {doing}: missing package {scheme}{hint}")
        ) from None
    except Exception as exc:  # every driver has its own exception tree; all become one line
        raise WarehouseError(
            connection.clean(f"{connection.describe()}: {doing}: {_reason(exc)}")
        ) from None


def run(connection: Connection, doing: str, action: Callable[[], Any]) -> Any:
    """`action()` with its failures translated (see translate_errors)."""
    with translate_errors(connection, doing):
        return action()


def quote_literal(text: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def is_identifier(text: str) -> bool:
    """True for a plain column name (letters, digits, underscore; not starting with a digit)."""
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) is not None
