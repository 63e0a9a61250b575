"""The HTTP API and the web explorer over a quote store: ``create_app(db_url, token=None)``.

Read-only unless started with a token: then ``POST /api/ingest`` takes articles from a client that sends
``Authorization: Bearer <token>``; without a token that route answers 403. Everything an article holds is untrusted:
pages are Jinja2 templates with autoescaping on, and send a Content-Security-Policy that allows no inline script or
style, so even a mistake in a template could not run an article's ``<script>``. Input is bounded (query length,
page size, result depth, body size) and a bad request gets a 4xx with a reason, never a traceback.

Reads are cached per process (least recently used), keyed by the request's parameters and dropped whenever the
store's generation changes: an ingest in this process clears the cache at once, one in another process within
``CACHE_CHECK_SECONDS``.

Under load (issue 5: hundreds of concurrent clients on a couple of cores) the cost that matters is CPU per
request, so the read-only JSON routes are answered by ``FastReads`` before FastAPI's middleware and routing see
the request (``QuotegraphAPI``; FastAPI still documents them and answers anything unusual), the process's
start-up objects are frozen out of the garbage collector, searches come from an in-memory index of the
quotes (``quotegraph.store.quote_index``: filters, facets and order in numpy; words still matched by the store's
full-text index), and answers are JSON built from rows, not from pydantic models. Each JSON answer equals what
the models would serialise to (tests compare them, on both engines). A response from FastReads says whether it
came from the cache in ``X-Quotegraph-Cache: hit|miss``.
"""

from __future__ import annotations

import datetime
import gc
import hmac
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args
from urllib.parse import parse_qsl

import jinja2
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import to_json
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quotegraph.api import pages
from quotegraph.api.trace_routes import router as trace_router
from quotegraph.readers.base import MAX_ARTICLE_CHARS
from quotegraph.record import Article
from quotegraph.store import browse
from quotegraph.store.db import Store, open_store
from quotegraph.store.ingest import IngestOutcome, content_hash, ingest, unstorable_reason
from quotegraph.store.quote_index import QuoteIndex, Snapshot
from quotegraph.store.schemas import (
    MAX_ID,
    MAX_NAME_CHARS,
    MAX_PAGE_SIZE,
    ArticleDetail,
    SearchParams,
    SearchResult,
    SpeakerDetail,
    SpeakerList,
    StoreStats,
    clean_text,
)
from quotegraph.store.search import QuoteQuery, count_and_facets, hits_by_ids, page_of_hits

log = logging.getLogger("quotegraph.api")

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE_SIZE = 4096
HIT_CACHE_FACTOR = 5  # quotes' JSON kept per cached answer (a page holds 20): about 1 kB each
CACHE_CHECK_SECONDS = 1.0
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_INGEST_ARTICLES = 100
MEMORY_INDEX_ENV = "QUOTEGRAPH_MEMORY_INDEX"
SpeakerTypeParam = Literal["person", "organization", "anonymous", "unknown"]
SPEAKER_PAGE_SIZE = 50

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

T = TypeVar("T")


def _version() -> str:
    try:
        return version("quotegraph")
    except PackageNotFoundError:
        return "unknown"


# ---------------------------------------------------------------------------------------------------- models


class ErrorMessage(BaseModel):
    detail: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class IngestArticle(BaseModel):
    """One article to extract and store. ``text`` is the body; ``headline`` is stored above it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_ARTICLE_CHARS)
    headline: str | None = Field(None, max_length=2000)
    date: datetime.date | None = Field(None, description="YYYY-MM-DD")
    url: str | None = Field(None, max_length=2000)
    outlet: str | None = Field(None, max_length=MAX_NAME_CHARS)
    id: str | None = Field(None, max_length=MAX_NAME_CHARS, description="your id for it (default: its hash)")

    @field_validator("text", "headline", "url", "outlet", "id")
    @classmethod
    def _storable(cls, value: str | None) -> str | None:
        if value is not None:
            reason = unstorable_reason(value)
            if reason:
                raise ValueError(reason)
        return value


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    articles: list[IngestArticle] = Field(min_length=1, max_length=MAX_INGEST_ARTICLES)


class IngestedArticle(BaseModel):
    label: str
    status: Literal["stored", "skipped", "failed", "error"]
    article_id: int | None
    content_hash: str | None
    n_quotes: int
    reason: str | None


class IngestResponse(BaseModel):
    stored: int
    skipped: int
    failed: int
    errors: int
    quotes: int
    articles: list[IngestedArticle]


# ---------------------------------------------------------------------------------------------------- reads


class CachedReads:
    """Store reads as JSON bytes, behind a least-recently-used cache that empties when the store's generation
    changes, and (by default) over an in-memory index of the quotes (``quotegraph.store.quote_index``).

    The JSON is built from rows and the index without pydantic models; its shape is the routes' response_model
    (a test compares every read with the models the SQL path builds). ``lookup`` and ``remember`` let an ASGI
    layer answer a hit on the event loop; everything else blocks (call it from a worker thread).
    """

    MISSING = object()

    def __init__(self, store: Store, size: int = DEFAULT_CACHE_SIZE, *, memory_index: bool = True) -> None:
        self.store = store
        self.size = max(0, size)
        self.index = QuoteIndex() if memory_index else None
        self._entries: OrderedDict[Any, Any] = OrderedDict()
        self._hits: OrderedDict[int, bytes] = OrderedDict()  # one quote's QuoteHit JSON, by id: pages share them
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._checked_at = 0.0
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._hits.clear()
            self._generation = None
            self._checked_at = 0.0

    def generation(self) -> int:
        """The store's generation, asked of the database at most once per ``CACHE_CHECK_SECONDS``; a new one
        empties the cache."""
        now = time.monotonic()
        known = self._generation
        if known is not None and now - self._checked_at < CACHE_CHECK_SECONDS:
            return known
        self._checked_at = now  # first, so concurrent requests do not all ask the database at once
        generation = self.store.generation()
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._hits.clear()
                self._generation = generation
        return generation

    def lookup(self, key: Any) -> Any:
        """The cached value for ``key``, or ``CachedReads.MISSING``."""
        if not self.size:
            return self.MISSING
        self.generation()
        with self._lock:
            value = self._entries.get(key, self.MISSING)
            if value is not self.MISSING:
                self._entries.move_to_end(key)
            return value

    def remember(self, key: Any, value: T, generation: int) -> T:
        """Keep ``value``, computed at ``generation``, unless the store has moved on since."""
        if self.size:
            with self._lock:
                if generation == self._generation:
                    self._entries[key] = value
                    while len(self._entries) > self.size:
                        self._entries.popitem(last=False)
        return value

    def get(self, key: Any, compute: Callable[[Connection, int], T]) -> T:
        """The cached value for ``key``, or ``compute(connection, generation)`` (blocking), remembered."""
        value = self.lookup(key)
        if value is not self.MISSING:
            return value
        generation = self.generation()
        with self.store.engine.connect() as connection:
            return self.remember(key, compute(connection, generation), generation)

    def snapshot(self, generation: int) -> Snapshot | None:
        """The in-memory index at ``generation`` (loading or refreshing it), or None without one."""
        return self.index.snapshot(self.store.engine, generation) if self.index is not None else None

    def warm(self) -> None:
        """Load the in-memory index now rather than on the first search."""
        self.snapshot(self.generation())

    # The reads themselves, as JSON

    def quotes_json(self, params: SearchParams) -> bytes:
        """A SearchResult. The total and facets are cached apart from the page, so paging a search is cheap."""
        generation = self.generation()
        key = ("summary", params.filter_key())
        summary = self.lookup(key)
        with self.store.engine.connect() as connection:
            snap = self.snapshot(generation)
            if snap is None or self.index is None:  # all in SQL
                session = Session(bind=connection)
                if summary is self.MISSING:
                    total, facets = count_and_facets(session, QuoteQuery(session, params))
                    summary = self.remember(key, (total, facets.model_dump_json().encode()), generation)
                hits = page_of_hits(session, QuoteQuery(session, params)) if summary[0] else []
                results = b"[" + b",".join(hit.model_dump_json().encode() for hit in hits) + b"]"
            else:
                selection = self.index.select(connection, snap, params)
                if summary is self.MISSING:
                    total, facet_json = QuoteIndex.facets(snap, selection)
                    summary = self.remember(key, (total, to_json(facet_json)), generation)
                ids = QuoteIndex.page(snap, selection, params) if summary[0] else []
                results = self._hits_json(connection, ids, generation)
        total, facets = summary
        pages = -(-total // params.page_size)
        head = f'{{"total":{total},"page":{params.page},"page_size":{params.page_size},"pages":{pages},"results":'
        return head.encode() + results + b',"facets":' + facets + b"}"

    def _hits_json(self, connection: Connection, ids: list[int], generation: int) -> bytes:
        """``to_json(hits_by_ids(connection, ids))``, each quote's JSON kept for the next page that shows it."""
        with self._lock:
            known = {i: self._hits[i] for i in ids if i in self._hits}
            for i in known:
                self._hits.move_to_end(i)
        missing = [i for i in ids if i not in known]
        if missing:
            fetched = {hit["id"]: to_json(hit) for hit in hits_by_ids(connection, missing)}
            known.update(fetched)
            limit = self.size * HIT_CACHE_FACTOR
            if limit:
                with self._lock:
                    if generation == self._generation:
                        self._hits.update(fetched)
                        while len(self._hits) > limit:
                            self._hits.popitem(last=False)
        return b"[" + b",".join(known[i] for i in ids if i in known) + b"]"

    def speakers_json(self, name: str | None, type: str | None, sort: Any, page: int, page_size: int) -> bytes:
        return self.get(
            ("speakers", name, type, sort, page, page_size),
            lambda connection, _: (
                browse.list_speakers(
                    Session(bind=connection), name=name, type=type, sort=sort, page=page, page_size=page_size
                )
                .model_dump_json()
                .encode()
            ),
        )

    def speaker_json(self, speaker_id: int) -> bytes | None:
        def compute(connection: Connection, generation: int) -> bytes | None:
            detail = browse.speaker_json(connection, speaker_id, self.snapshot(generation))
            return None if detail is None else to_json(detail)

        return self.get(("speaker", speaker_id), compute)

    def article_json(self, article_id: int) -> bytes | None:
        def compute(connection: Connection, _: int) -> bytes | None:
            detail = browse.article_json(connection, article_id)
            return None if detail is None else to_json(detail)

        return self.get(("article", article_id), compute)

    def stats_json(self) -> bytes:
        return self.get(
            ("stats",), lambda connection, _: browse.stats(Session(bind=connection)).model_dump_json().encode()
        )

    # The same as models, for the pages

    def search(self, params: SearchParams) -> SearchResult:
        return SearchResult.model_validate_json(self.quotes_json(params))

    def speakers(self, name: str | None, type: str | None, sort: Any, page: int, page_size: int) -> SpeakerList:
        return SpeakerList.model_validate_json(self.speakers_json(name, type, sort, page, page_size))

    def speaker(self, speaker_id: int) -> SpeakerDetail | None:
        body = self.speaker_json(speaker_id)
        return None if body is None else SpeakerDetail.model_validate_json(body)

    def article(self, article_id: int) -> ArticleDetail | None:
        body = self.article_json(article_id)
        return None if body is None else ArticleDetail.model_validate_json(body)

    def stats(self) -> StoreStats:
        return StoreStats.model_validate_json(self.stats_json())


class FastReads:
    """The read-only JSON routes, answered before FastAPI sees the request (``QuotegraphAPI.__call__``).

    A GET of /api/quotes, /api/speakers, /api/speakers/{id}, /api/articles/{id} or /api/stats is looked up by its
    exact path and query string: a hit is sent at once, on the event loop. A miss whose parameters are plainly
    valid is computed here with the same validation and the same reads as the FastAPI route, and remembered.
    Anything else (an invalid or unusual request, a 404, an error) goes on to FastAPI, which answers it as always:
    only a 200 is ever answered here. FastAPI's per-request work (its middleware stack, routing, dependency
    solving, parameter models) was a large part of a cheap request's cost; the answers carry the same security
    headers as GuardMiddleware adds to everything else.

    On SQLite a miss is computed on the event loop itself: the work is CPU in this process (the GIL lets one
    thread run at a time anyway), a read never waits for a writer (WAL), and handing each request to a worker
    thread and back cost a third of a cheap request's CPU. Elsewhere (a database across the network) it runs in
    a worker thread, so the loop never waits on a socket.
    """

    def __init__(self, reads: CachedReads) -> None:
        self.reads = reads
        self.inline = reads.store.dialect == "sqlite"

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer the request if it is one of these reads; False leaves it to FastAPI."""
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/api/"):
            return False
        key = ("http", scope["path"], scope["query_string"])
        body = self.reads.lookup(key)
        if body is not CachedReads.MISSING:
            self.reads.hits += 1
            await _send_json(send, body, b"hit")
            return True
        produce = _fast_route(self.reads, scope["path"], scope["query_string"])
        if produce is None:
            return False
        generation = self.reads.generation()
        try:
            body = produce() if self.inline else await run_in_threadpool(produce)
        except Exception:  # FastAPI answers it again, with its handlers (a 503 for a busy store, ...)
            log.debug("fast read of %s failed; FastAPI answers it", scope["path"], exc_info=True)
            return False
        if body is None:
            return False
        self.reads.misses += 1
        self.reads.remember(key, body, generation)
        await _send_json(send, body, b"miss")
        return True


class QuotegraphAPI(FastAPI):
    """FastAPI, with ``FastReads`` answering the plain read-only GETs before the middleware stack and routing."""

    fast_reads: FastReads | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.fast_reads is not None and await self.fast_reads.answer(scope, send):
            return
        await super().__call__(scope, receive, send)


_SPEAKER_TYPES = frozenset(get_args(SpeakerTypeParam))
_SPEAKER_SORTS = frozenset(get_args(browse.SpeakerSort))
_SPEAKER_PARAMS = frozenset({"name", "type", "sort", "page", "page_size"})
_ID_PATH = re.compile(r"/api/(speakers|articles)/([1-9][0-9]{0,9})")
_SMALL_INT = re.compile(r"[1-9][0-9]{0,5}")


def _fast_route(reads: CachedReads, path: str, query_string: bytes) -> Callable[[], bytes | None] | None:
    """What answers ``path`` and its query, when they are plainly valid; None when FastAPI should decide."""
    if path == "/api/stats":
        return reads.stats_json
    found = _ID_PATH.fullmatch(path)
    if found:  # these routes take no query parameters (FastAPI ignores any)
        item_id = int(found.group(2))
        if item_id > MAX_ID:
            return None
        return partial(reads.speaker_json if found.group(1) == "speakers" else reads.article_json, item_id)
    if path not in ("/api/quotes", "/api/speakers"):
        return None
    # as Starlette reads a query string; a repeated name is left to FastAPI
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    if len(query) != len(pairs):
        return None
    if path == "/api/quotes":
        try:
            return partial(reads.quotes_json, SearchParams.model_validate(query))
        except ValidationError:
            return None
    if not query.keys() <= _SPEAKER_PARAMS:
        return None
    name = query.get("name")
    type = query.get("type")
    sort = query.get("sort", "quotes")
    page = query.get("page", "1")
    page_size = query.get("page_size", str(SPEAKER_PAGE_SIZE))
    if (
        (name is not None and len(name) > MAX_NAME_CHARS)
        or (type is not None and type not in _SPEAKER_TYPES)
        or sort not in _SPEAKER_SORTS
        or not _SMALL_INT.fullmatch(page)
        or not _SMALL_INT.fullmatch(page_size)
        or int(page) > 10_000
        or int(page_size) > MAX_PAGE_SIZE
    ):
        return None
    try:
        clean = clean_text(name)
    except ValueError:
        return None
    return partial(reads.speakers_json, clean, type, sort, int(page), int(page_size))


async def _send_json(send: Send, body: bytes, cache: bytes) -> None:
    headers = [
        (b"content-length", str(len(body)).encode("latin-1")),
        (b"content-type", b"application/json"),
        (b"x-quotegraph-cache", cache),
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------------------------------------- middleware


class GuardMiddleware:
    """Security headers on every response; request bodies over ``max_body`` refused with 413 before any route
    reads them (the body is read here, bounded, and replayed to the app)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        if scope["method"] in ("POST", "PUT", "PATCH"):
            declared = dict(scope.get("headers", [])).get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
                await self._too_large(send_with_headers)
                return
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await self._too_large(send_with_headers)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    async def _too_large(self, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body over {self.max_body // (1024 * 1024)} MiB: send fewer articles per request"},
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


# ---------------------------------------------------------------------------------------------------- the app

_BEARER = HTTPBearer(auto_error=False, description="the token the server was started with (--token)")


def require_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
) -> None:
    """Writes need the server's token; a server started without one refuses them all."""
    token: str | None = request.app.state.token
    if token is None:
        raise HTTPException(
            403, "this server is read-only: start it with --token (or QUOTEGRAPH_TOKEN) to allow ingest"
        )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "ingest needs 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
    # constant-time: the comparison must not tell an attacker how many leading characters were right
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise HTTPException(401, "wrong token", {"WWW-Authenticate": "Bearer"})


def create_app(
    db_url: str | None = None,
    token: str | None = None,
    *,
    store: Store | None = None,
    cache_size: int = DEFAULT_CACHE_SIZE,
    memory_index: bool | None = None,
) -> FastAPI:
    """The FastAPI app over the store at ``db_url`` (or an already open ``store``); writes need ``token``.

    ``memory_index`` answers searches from an in-memory index of the quotes (``quotegraph.store.quote_index``:
    about 200 bytes a quote in each worker process, loaded at start-up, about a second per 100,000 quotes);
    without it every search is SQL. By default it is on unless the environment sets ``QUOTEGRAPH_MEMORY_INDEX=0``.
    """
    store = store or open_store(db_url)
    if memory_index is None:
        memory_index = os.environ.get(MEMORY_INDEX_ENV, "1").strip().lower() not in ("0", "false", "no", "off")
    reads = CachedReads(store, cache_size, memory_index=memory_index)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:  # the index is loaded before the server takes requests
            await run_in_threadpool(reads.warm)
        except SQLAlchemyError as exc:  # the store is unreachable for now: the first search will load it
            log.warning("could not load the quote index at start-up: %s", exc)
        # What start-up built (the index, the app, the libraries) lives as long as the process: moved out of the
        # collector's reach, a full collection no longer walks some 300,000 objects (about 200 ms with every
        # request of this worker waiting: measured, the worst of the latency tail under load).
        gc.collect()
        gc.freeze()
        yield

    ingest_lock = threading.Lock()  # spaCy pipelines are not thread-safe: one ingest at a time per process

    app = QuotegraphAPI(
        title="quotegraph",
        version=_version(),
        description="Who said what, about whom, and when: search the quotes quotegraph extracted from news.",
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; the schema itself is served locally.
        docs_url=None,
        redoc_url=None,
        openapi_tags=[{"name": "quotes"}, {"name": "speakers"}, {"name": "articles"}, {"name": "store"}],
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.reads = reads
    app.state.token = token or None  # an empty token would let an empty Bearer in: it means no token
    app.fast_reads = FastReads(reads)
    app.add_middleware(GuardMiddleware)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = _templates()
    app.include_router(trace_router)  # quote tracing (issue 7): /api/trace and /trace

    # ---------------------------------------------------------------- errors: a reason, never a traceback

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [_error_line(error) for error in exc.errors()]
        if _wants_html(request):
            return _error_page(templates, request, 422, "That request is not valid", errors)
        return JSONResponse(
            {"detail": jsonable_encoder(exc.errors(), custom_encoder={ValueError: str}), "errors": errors},
            status_code=422,
        )

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Response:
        log.warning("database error on %s: %s", request.url.path, exc.orig)
        return _json_or_page(templates, request, 503, "the store is busy or unreachable; try again shortly")

    @app.exception_handler(SQLAlchemyError)
    async def _db_error(request: Request, exc: SQLAlchemyError) -> Response:
        log.exception("database error on %s", request.url.path)
        return _json_or_page(templates, request, 500, "the store could not answer this request")

    @app.exception_handler(StarletteHTTPException)  # FastAPI's HTTPException and the router's own 404/405
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 422 and not _wants_html(request):  # the documented 422 shape: detail is a list
            item = {"loc": ["query"], "msg": str(exc.detail), "type": "value_error"}
            return JSONResponse({"detail": [item], "errors": [str(exc.detail)]}, status_code=422)
        return _json_or_page(templates, request, exc.status_code, str(exc.detail), headers=exc.headers)

    # ---------------------------------------------------------------- the API

    not_found: dict[int | str, dict[str, Any]] = {404: {"model": ErrorMessage, "description": "no such item"}}

    @app.get("/api/health", response_model=Health, tags=["store"], summary="Is the server up")
    def health() -> Health:
        return Health(version=app.version)

    # The JSON routes below are answered by FastReads in front of the router when their parameters are plainly
    # valid (the same reads, the same bytes); these are what documents them and what answers everything else.

    @app.get("/api/stats", response_model=StoreStats, tags=["store"], summary="How much the store holds")
    async def api_stats() -> Response:
        return _json_bytes(await run_in_threadpool(reads.stats_json))

    @app.get("/api/quotes", response_model=SearchResult, tags=["quotes"], summary="Search quotes, with facets")
    async def api_quotes(params: Annotated[SearchParams, Query()]) -> Response:
        return _json_bytes(await run_in_threadpool(reads.quotes_json, params))

    @app.get("/api/speakers", response_model=SpeakerList, tags=["speakers"], summary="Speakers, most quoted first")
    async def api_speakers(
        name: Annotated[
            str | None, Query(max_length=MAX_NAME_CHARS, description="whole words of a name or alias")
        ] = None,
        type: Annotated[SpeakerTypeParam | None, Query()] = None,
        sort: Annotated[browse.SpeakerSort, Query()] = "quotes",
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = SPEAKER_PAGE_SIZE,
    ) -> Response:
        name = _clean_query_text(name, "name")
        return _json_bytes(await run_in_threadpool(reads.speakers_json, name, type, sort, page, page_size))

    @app.get(
        "/api/speakers/{speaker_id}",
        response_model=SpeakerDetail,
        responses=not_found,
        tags=["speakers"],
        summary="A speaker: aliases, timeline, whom they talk about, latest quotes",
    )
    async def api_speaker(speaker_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> Response:
        body = await run_in_threadpool(reads.speaker_json, speaker_id)
        if body is None:
            raise HTTPException(404, f"no speaker {speaker_id}")
        return _json_bytes(body)

    @app.get(
        "/api/articles/{article_id}",
        response_model=ArticleDetail,
        responses=not_found,
        tags=["articles"],
        summary="An article: its text and every quote in it",
    )
    async def api_article(article_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> Response:
        body = await run_in_threadpool(reads.article_json, article_id)
        if body is None:
            raise HTTPException(404, f"no article {article_id}")
        return _json_bytes(body)

    @app.post(
        "/api/ingest",
        response_model=IngestResponse,
        responses={
            401: {"model": ErrorMessage, "description": "missing or wrong token"},
            403: {"model": ErrorMessage, "description": "the server is read-only (started without a token)"},
            413: {"model": ErrorMessage, "description": "request body too large"},
        },
        tags=["store"],
        summary="Extract quotes from articles and store them (needs the server's token)",
        dependencies=[Depends(require_token)],
    )
    def api_ingest(request_body: IngestRequest) -> IngestResponse:
        outcomes: list[IngestOutcome] = []
        articles = [
            Article.from_text(
                item.text,
                id=item.id or "",
                headline=item.headline or None,
                date=item.date.isoformat() if item.date else None,
                url=item.url,
                outlet=item.outlet,
            )
            for item in request_body.articles
        ]
        for article in articles:
            if not article.id:  # a stable default: the same text gets the same id, whoever sends it
                article.id = f"api-{content_hash(article.text)[:12]}"
        with ingest_lock:
            summary = ingest(store, articles, on_outcome=outcomes.append)
        reads.clear()
        # outcomes arrive as each is known (a skip at once, a store at its batch's commit): answer in input order
        by_hash: dict[str | None, list[IngestOutcome]] = {}
        for outcome in outcomes:
            by_hash.setdefault(outcome.content_hash, []).append(outcome)
        ordered = [(by_hash.get(content_hash(article.text)) or by_hash[None]).pop(0) for article in articles]
        return IngestResponse(
            stored=summary.stored,
            skipped=summary.skipped,
            failed=summary.failed,
            errors=summary.errors,
            quotes=summary.quotes,
            articles=[
                IngestedArticle(
                    label=outcome.label,
                    status=outcome.status,
                    article_id=outcome.article_id,
                    content_hash=outcome.content_hash,
                    n_quotes=outcome.n_quotes,
                    reason=outcome.reason,
                )
                for outcome in ordered
            ],
        )

    # ---------------------------------------------------------------- the explorer

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_search(request: Request) -> Response:
        raw = {
            key: value
            for key, value in request.query_params.items()
            if key in SearchParams.model_fields and value.strip()
        }
        try:
            params = SearchParams(**raw)
        except ValidationError as exc:
            return _error_page(
                templates, request, 400, "That search is not valid", [_error_line(e) for e in exc.errors()], raw
            )
        result = reads.search(params)
        active = params.model_dump(exclude_defaults=True, mode="json")
        speaker_name = None
        if params.speaker_id is not None:
            speaker = reads.speaker(params.speaker_id)
            speaker_name = speaker.name if speaker else f"#{params.speaker_id}"
        return templates.TemplateResponse(
            request,
            "search.html",
            {
                "params": params,
                "active": active,
                "result": result,
                "speaker_name": speaker_name,
                "stats": reads.stats(),
                "qs": lambda **changes: pages.query_string({**active, "page": None}, **changes),
                "page_qs": lambda page: pages.query_string(active, page=page),
            },
        )

    @app.get("/speakers", response_class=HTMLResponse, include_in_schema=False)
    def page_speakers(request: Request) -> Response:
        name = request.query_params.get("name", "")
        try:
            page = int(request.query_params.get("page", "1"))
            if not 1 <= page <= 10_000:
                raise ValueError
            clean_name = _clean_query_text(name, "name")
        except (ValueError, HTTPException) as exc:
            reason = (
                exc.detail if isinstance(exc, HTTPException) else "page must be a whole number from 1 to 10000"
            )
            return _error_page(templates, request, 400, "That request is not valid", [str(reason)])
        listing = reads.speakers(clean_name, None, "quotes", page, SPEAKER_PAGE_SIZE)
        return templates.TemplateResponse(
            request,
            "speakers.html",
            {
                "listing": listing,
                "name": clean_name or "",
                "page_qs": lambda p: pages.query_string({"name": clean_name}, page=p),
            },
        )

    @app.get("/speakers/{speaker_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_speaker(request: Request, speaker_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> Response:
        speaker = reads.speaker(speaker_id)
        if speaker is None:
            raise HTTPException(404, f"no speaker {speaker_id}")
        return templates.TemplateResponse(
            request,
            "speaker.html",
            {
                "speaker": speaker,
                "chart": pages.timeline_chart(speaker),
                "colour": pages.speaker_class(speaker.id),
            },
        )

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_article(request: Request, article_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> Response:
        article = reads.article(article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id}")
        return templates.TemplateResponse(
            request,
            "article.html",
            {"article": article, "view": pages.article_view(article), "href": pages.safe_href(article.url)},
        )

    return app


# ---------------------------------------------------------------------------------------------------- helpers


def _json_bytes(body: bytes | None) -> Response:
    """Already serialised JSON (the route's response_model documents its shape for the OpenAPI schema)."""
    return Response(body, media_type="application/json")


def _clean_query_text(value: str | None, name: str) -> str | None:
    try:
        return clean_text(value)
    except ValueError as exc:
        raise HTTPException(422, f"{name}: {exc}") from None


def _error_line(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path"))
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and request.url.path != "/openapi.json"


def _json_or_page(
    templates: Jinja2Templates,
    request: Request,
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    plain_headers = dict(headers) if headers else None
    if _wants_html(request):
        return _error_page(templates, request, status, message, [], headers=plain_headers)
    return JSONResponse({"detail": message}, status_code=status, headers=plain_headers)


def _error_page(
    templates: Jinja2Templates,
    request: Request,
    status: int,
    title: str,
    errors: list[str],
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": title, "errors": errors, "params": params or {}},
        status_code=status,
        headers=headers,
    )


def _templates() -> Jinja2Templates:
    # autoescape for every template, whatever its name: article text must never become markup
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["thousands"] = lambda n: f"{n:,}"
    environment.globals["speaker_class"] = pages.speaker_class
    environment.globals["safe_href"] = pages.safe_href
    environment.globals["query_string"] = pages.query_string
    return Jinja2Templates(env=environment)


def app_from_environment() -> FastAPI:
    """The app for one of several uvicorn worker processes (``quotegraph serve --workers N``): the store URL,
    token and cache size come from QUOTEGRAPH_DB, QUOTEGRAPH_TOKEN and QUOTEGRAPH_CACHE_SIZE."""
    from quotegraph.store.db import ENV_VAR

    cache_size = int(os.environ.get("QUOTEGRAPH_CACHE_SIZE", DEFAULT_CACHE_SIZE))
    return create_app(os.environ.get(ENV_VAR), os.environ.get("QUOTEGRAPH_TOKEN") or None, cache_size=cache_size)
