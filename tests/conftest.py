"""Shared fixtures. Add yours in a clearly marked block of your own; keep heavy resources session-scoped."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# ===== hard-case suite (issue 2): tests/test_quotes.py, test_extract_hard_cases.py, test_cli.py, test_schema.py =====

TESTS_DIR = Path(__file__).resolve().parent
ROOT_DIR = TESTS_DIR.parent
VENV_QUOTEGRAPH = ROOT_DIR / ".venv" / "bin" / "quotegraph"


@pytest.fixture(scope="session")
def extractor():
    """The process-wide Extractor (spaCy loaded once per test session; quotegraph.extract uses the same one)."""
    from quotegraph.pipeline import default_extractor

    return default_extractor()


@pytest.fixture(scope="session")
def record_schema() -> dict:
    from quotegraph.record import quote_record_schema

    return quote_record_schema()


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``quotegraph`` command (or ``python -m quotegraph.cli``) end to end in a subprocess.

    Each call costs a process start and a spaCy load (a few seconds): batch several inputs into one call.
    """

    def run(
        args: Sequence[str], *, stdin: bytes | None = None, cwd: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        if VENV_QUOTEGRAPH.exists():
            command = [str(VENV_QUOTEGRAPH), *args]
        else:
            command = [sys.executable, "-m", "quotegraph.cli", *args]
        env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1", COLUMNS="160")
        proc = subprocess.run(
            command,
            input=stdin if stdin is not None else b"",
            capture_output=True,
            cwd=cwd or ROOT_DIR,
            env=env,
            timeout=timeout,
            check=False,
        )
        return subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode("utf-8", errors="replace"),
            proc.stderr.decode("utf-8", errors="replace"),
        )

    return run


# ===== end of the hard-case suite block =====


# ===== store, API and explorer (issue 5): tests/store/, tests/web/ =====
# A real store on each engine: SQLite in a temporary folder, PostgreSQL at QUOTEGRAPH_TEST_POSTGRES_URL (.ci/run
# starts one; without it the PostgreSQL cases skip, saying so). Articles are real Wikinews text, extracted once per
# session; each PostgreSQL store lives in its own schema, dropped afterwards.

STORE_ENGINES = ("sqlite", "postgresql")
STORE_SAMPLE_FILES = (
    "2019-08-29-queen-elizabeth-agrees-to-suspend-uk-parliament-ahead-of.txt",
    "2019-03-31-turkey-s-president-erdogan-proposes-converting-hagia-sophia.txt",
    "2019-01-05-florida-highway-pileup-fire-kills-five-children-two-truck.txt",
)
# outlets given to the fixture articles in turn, so outlet filters and facets have something to tell apart
STORE_OUTLETS = ("Wikinews", "The Test Gazette")
HOSTILE_TEXT = (
    '"<script>alert(\'pwned\')</script> is what we found in the logs," said Jane Roe, a security researcher.\n'
    "Robert'); DROP TABLE quotes;-- told reporters: \"<img src=x onerror=alert(1)> and ' OR '1'='1 are "
    'just strings to us," he added. "Nobody should worry about <b>markup</b> here," Jane Roe said.'
)
HOSTILE_HEADLINE = "Researcher: <script>alert('headline')</script> found"


def _postgres_admin_url() -> str | None:
    return os.environ.get("QUOTEGRAPH_TEST_POSTGRES_URL") or None


def _with_search_path(url: str, schema: str) -> str:
    from urllib.parse import quote

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


class StoreFactory:
    """Fresh, empty stores on one engine; PostgreSQL ones each in a new schema, all dropped at teardown."""

    def __init__(self, engine: str, folder: Path) -> None:
        self.engine = engine
        self.folder = folder
        self.schemas: list[str] = []
        self.stores: list = []

    def url(self) -> str:
        import uuid

        name = f"qg_{uuid.uuid4().hex[:12]}"
        if self.engine == "sqlite":
            return f"sqlite:///{self.folder / (name + '.db')}"
        admin = _postgres_admin_url()
        assert admin is not None
        import sqlalchemy as sa

        engine = sa.create_engine(admin)
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        engine.dispose()
        self.schemas.append(name)
        return _with_search_path(admin, name)

    def open(self):
        from quotegraph.store import open_store

        store = open_store(self.url())
        self.stores.append(store)
        return store

    def cleanup(self) -> None:
        for store in self.stores:
            store.close()
        if self.schemas:
            import sqlalchemy as sa

            engine = sa.create_engine(_postgres_admin_url())
            with engine.begin() as connection:
                for name in self.schemas:
                    connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
            engine.dispose()


def _require_engine(engine: str) -> None:
    if engine == "postgresql" and not _postgres_admin_url():
        pytest.skip("PostgreSQL store tests need QUOTEGRAPH_TEST_POSTGRES_URL (.ci/run starts a server and sets it)")


@pytest.fixture(params=STORE_ENGINES)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path):
    """Fresh stores on each engine (SQLite, PostgreSQL), for tests that write."""
    _require_engine(request.param)
    factory = StoreFactory(request.param, tmp_path)
    yield factory
    factory.cleanup()


@pytest.fixture(scope="session")
def store_articles() -> list:
    """The articles the store tests use: the Wikinews fixtures, a few samples, and one hostile article."""
    from quotegraph.readers import read_paths
    from quotegraph.record import Article

    paths = [str(TESTS_DIR / "fixtures" / "wikinews")]
    paths += [str(ROOT_DIR / "samples" / "wikinews" / name) for name in STORE_SAMPLE_FILES]
    articles = [item for item in read_paths(paths) if isinstance(item, Article)]
    for index, article in enumerate(articles):
        article.outlet = STORE_OUTLETS[index % len(STORE_OUTLETS)]
        article.url = f"https://en.wikinews.org/wiki/{article.id}"
    hostile = Article.from_text(
        HOSTILE_TEXT,
        id="hostile",
        headline=HOSTILE_HEADLINE,
        date="2021-06-01",
        outlet="<script>alert('outlet')</script>",
        url="javascript:alert('url')",
    )
    return [*articles, hostile]


@pytest.fixture(scope="session")
def extracted_articles(store_articles, extractor) -> list:
    """(Article, records) for every store article, extracted once per session by the real pipeline."""
    results = list(extractor.extract_many(store_articles))
    assert all(isinstance(records, list) for _, records in results), results
    return results


@pytest.fixture(scope="session", params=STORE_ENGINES)
def filled_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, extracted_articles):
    """A store on each engine holding every store article, written through the real ingest path. Read-only."""
    from quotegraph.store.ingest import write_batch

    _require_engine(request.param)
    factory = StoreFactory(request.param, tmp_path_factory.mktemp(f"store-{request.param}"))
    store = factory.open()
    write_batch(store, extracted_articles)
    yield store
    factory.cleanup()


class LiveServer:
    """A real uvicorn server for an app, on a free loopback port, in a thread of the test process."""

    def __init__(self, app) -> None:
        import socket
        import threading
        import time

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.app = app
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{port}", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the test server on port {port} did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
def api_server(filled_store):
    """The API and explorer over ``filled_store`` (each engine), read-only (started without a token)."""
    from quotegraph.api import create_app

    server = LiveServer(create_app(store=filled_store))
    yield server
    server.stop()


# ===== end of the store block =====


# ===== input formats (issue 6): tests/test_readers_formats.py, test_spark.py, test_eval_html.py =====

SHARED_DATA = ROOT_DIR.parent / "shared" / "data"


def shared_data_dir() -> Path:
    """The shared data folder: $QUOTEGRAPH_SHARED_DATA, else ../shared/data beside the project."""
    return Path(os.environ.get("QUOTEGRAPH_SHARED_DATA") or SHARED_DATA)


def news_page(i: int, *, dated: bool = True, title: str | None = None) -> bytes:
    """A small but real-looking news page (enough text for trafilatura), with quotes to find."""
    title = title or f"Mayor promises new bridge for Riverton, story {i}"
    day = f"2021-03-{i % 9 + 1:02d}T08:00:00Z"
    date_meta = f'<meta property="article:published_time" content="{day}">' if dated else ""
    paragraphs = "".join(
        f"<p>Paragraph {j} of story {i}. \u201cWe will rebuild the bridge by spring,\u201d Mayor Ana Lopez "
        f"said on Tuesday, adding that the costs of steel had risen sharply since the flood in the valley.</p>"
        for j in range(5)
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title} | Riverton Herald</title>"
        f'<meta property="og:title" content="{title}">'
        '<meta property="og:site_name" content="Riverton Herald">'
        '<meta name="author" content="Jane Roe">'
        f"{date_meta}</head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        "<footer>Copyright Riverton Herald. All rights reserved.</footer></body></html>"
    ).encode("utf-8")


def write_warc(path: Path, pages: list[tuple[str, bytes]], *, gz: bool = True, extras: bool = True) -> None:
    """A CC-NEWS-like WARC: warcinfo, then per page a request and a 200 text/html response (WARC-Date 2021-03-15);
    with ``extras`` also a PNG response, a 404 page and a metadata record, which are not articles."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def response(writer: WARCWriter, uri: str, body: bytes, status: str = "200 OK", ctype: str = "") -> None:
        http = StatusAndHeaders(
            status, [("Content-Type", ctype), ("Content-Length", str(len(body)))], protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            uri,
            "response",
            payload=io.BytesIO(body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": "2021-03-15T10:00:00Z"},
        )
        writer.write_record(record)

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "quotegraph tests"}))
        for n, (uri, body) in enumerate(pages):
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.example.com")], is_http_request=True)
            writer.write_record(writer.create_warc_record(uri, "request", http_headers=request))
            response(writer, uri, body, ctype="text/html; charset=utf-8")
            if extras and n == 0:
                png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
                response(writer, "https://news.example.com/logo.png", png, ctype="image/png")
                gone = b"<html>Not found</html>"
                response(writer, "https://news.example.com/gone", gone, status="404 Not Found", ctype="text/html")
                fields = io.BytesIO(b"fetchTimeMs: 12\r\n")
                meta = writer.create_warc_record(
                    uri, "metadata", payload=fields, warc_content_type="application/warc-fields"
                )
                writer.write_record(meta)


@pytest.fixture(scope="session")
def warc_tools():
    """``news_page`` and ``write_warc`` for tests that build their own WARCs (warcio is a core dependency)."""
    pytest.importorskip("warcio")
    return news_page, write_warc


# ===== end of the input formats block =====
