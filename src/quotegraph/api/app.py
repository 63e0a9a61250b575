"""The HTTP API and the web explorer over a quote store: ``create_app(db_url, token=None)``.

Read-only unless started with a token: then ``POST /api/ingest`` takes articles from a client that sends
``Authorization: Bearer <token>``; without a token that route answers 403. Everything an article holds is untrusted:
pages are Jinja2 templates with autoescaping on, and send a Content-Security-Policy that allows no inline script or
style, so even a mistake in a template could not run an article's ``<script>``. Input is bounded (query length,
page size, result depth, body size) and a bad request gets a 4xx with a reason, never a traceback.

Reads are cached per process (least recently used), keyed by the request's parameters and dropped whenever the
store's generation changes: an ingest in this process clears the cache at once, one in another process within
``CACHE_CHECK_SECONDS``.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

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
from quotegraph.store.schemas import (
    MAX_ID,
    MAX_NAME_CHARS,
    MAX_PAGE_SIZE,
    ArticleDetail,
    QuoteHit,
    SearchParams,
    SearchResult,
    SpeakerDetail,
    SpeakerList,
    StoreStats,
)
from quotegraph.store.search import QuoteQuery, count_and_facets, page_of_hits

log = logging.getLogger("quotegraph.api")

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE_SIZE = 4096
CACHE_CHECK_SECONDS = 1.0
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_INGEST_ARTICLES = 100
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
    """Store reads behind a least-recently-used cache that empties when the store's generation changes.

    ``get`` computes on a miss (blocking: call it from a worker thread); ``lookup`` and ``remember`` let an async
    route answer a hit without leaving the event loop.
    """

    MISSING = object()

    def __init__(self, store: Store, size: int = DEFAULT_CACHE_SIZE) -> None:
        self.store = store
        self.size = max(0, size)
        self._entries: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._checked_at = 0.0

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation = None
            self._checked_at = 0.0

    def _check_generation(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < CACHE_CHECK_SECONDS:
            return
        self._checked_at = now  # first, so concurrent requests do not all ask the database at once
        generation = self.store.generation()
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation

    def lookup(self, key: Any) -> Any:
        """The cached value for ``key``, or ``CachedReads.MISSING``."""
        if not self.size:
            return self.MISSING
        self._check_generation()
        with self._lock:
            value = self._entries.get(key, self.MISSING)
            if value is not self.MISSING:
                self._entries.move_to_end(key)
            return value

    def remember(self, key: Any, value: T) -> T:
        if self.size:
            with self._lock:
                self._entries[key] = value
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return value

    def get(self, key: Any, compute: Callable[[Session], T]) -> T:
        value = self.lookup(key)
        if value is not self.MISSING:
            return value
        with self.store.session() as session:
            return self.remember(key, compute(session))

    # The reads themselves

    def search(self, params: SearchParams) -> SearchResult:
        """Totals and facets are cached apart from the page of hits, so paging through a search is cheap."""
        total, facets = self.get(
            ("summary", params.filter_key()),
            lambda session: count_and_facets(session, QuoteQuery(session, params)),
        )
        hits: list[QuoteHit] = []
        if total:
            hits = self.get(
                ("hits", params.filter_key(), params.sort, params.page, params.page_size),
                lambda session: page_of_hits(session, QuoteQuery(session, params)),
            )
        return SearchResult(
            total=total,
            page=params.page,
            page_size=params.page_size,
            pages=-(-total // params.page_size),
            results=hits,
            facets=facets,
        )

    def speakers(self, name: str | None, type: str | None, sort: Any, page: int, page_size: int) -> SpeakerList:
        key = ("speakers", name, type, sort, page, page_size)
        return self.get(
            key,
            lambda session: browse.list_speakers(
                session, name=name, type=type, sort=sort, page=page, page_size=page_size
            ),
        )

    def speaker(self, speaker_id: int) -> SpeakerDetail | None:
        return self.get(("speaker", speaker_id), lambda session: browse.get_speaker(session, speaker_id))

    def article(self, article_id: int) -> ArticleDetail | None:
        return self.get(("article", article_id), lambda session: browse.get_article(session, article_id))

    def stats(self) -> StoreStats:
        return self.get(("stats",), browse.stats)

    async def json(self, key: Any, produce: Callable[[], BaseModel | None]) -> bytes | None:
        """The JSON of ``produce()`` (None when it finds nothing), cached as bytes: a hit is answered on the event
        loop with no thread and no serialisation; a miss runs ``produce`` in a worker thread."""
        body = self.lookup(("json", *key))
        if body is self.MISSING:

            def render() -> bytes | None:
                model = produce()
                return None if model is None else model.model_dump_json().encode()

            body = self.remember(("json", *key), await run_in_threadpool(render))
        return body


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
) -> FastAPI:
    """The FastAPI app over the store at ``db_url`` (or an already open ``store``); writes need ``token``."""
    store = store or open_store(db_url)
    reads = CachedReads(store, cache_size)
    ingest_lock = threading.Lock()  # spaCy pipelines are not thread-safe: one ingest at a time per process

    app = FastAPI(
        title="quotegraph",
        version=_version(),
        description="Who said what, about whom, and when: search the quotes quotegraph extracted from news.",
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; the schema itself is served locally.
        docs_url=None,
        redoc_url=None,
        openapi_tags=[{"name": "quotes"}, {"name": "speakers"}, {"name": "articles"}, {"name": "store"}],
    )
    app.state.store = store
    app.state.reads = reads
    app.state.token = token or None  # an empty token would let an empty Bearer in: it means no token
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

    @app.get("/api/stats", response_model=StoreStats, tags=["store"], summary="How much the store holds")
    async def api_stats() -> Response:
        return _json_bytes(await reads.json(("stats",), reads.stats))

    @app.get("/api/quotes", response_model=SearchResult, tags=["quotes"], summary="Search quotes, with facets")
    async def api_quotes(params: Annotated[SearchParams, Query()]) -> Response:
        return _json_bytes(await reads.json(("quotes", params.model_dump_json()), lambda: reads.search(params)))

    @app.get("/api/speakers", response_model=SpeakerList, tags=["speakers"], summary="Speakers, most quoted first")
    async def api_speakers(
        name: Annotated[
            str | None, Query(max_length=MAX_NAME_CHARS, description="whole words of a name or alias")
        ] = None,
        type: Annotated[Literal["person", "organization", "anonymous", "unknown"] | None, Query()] = None,
        sort: Annotated[browse.SpeakerSort, Query()] = "quotes",
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = SPEAKER_PAGE_SIZE,
    ) -> Response:
        name = _clean_query_text(name, "name")
        key = ("speakers", name, type, sort, page, page_size)
        return _json_bytes(await reads.json(key, lambda: reads.speakers(name, type, sort, page, page_size)))

    @app.get(
        "/api/speakers/{speaker_id}",
        response_model=SpeakerDetail,
        responses=not_found,
        tags=["speakers"],
        summary="A speaker: aliases, timeline, whom they talk about, latest quotes",
    )
    async def api_speaker(speaker_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> Response:
        body = await reads.json(("speaker", speaker_id), lambda: reads.speaker(speaker_id))
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
        body = await reads.json(("article", article_id), lambda: reads.article(article_id))
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
    from quotegraph.store.schemas import clean_text

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
    import os

    from quotegraph.store.db import ENV_VAR

    cache_size = int(os.environ.get("QUOTEGRAPH_CACHE_SIZE", DEFAULT_CACHE_SIZE))
    return create_app(os.environ.get(ENV_VAR), os.environ.get("QUOTEGRAPH_TOKEN") or None, cache_size=cache_size)
