"""Quote tracing in the HTTP API and the explorer (issue 7): ``GET /api/trace`` and the page ``/trace``.

``create_app`` includes ``router``. Both take ``q`` (words of a quote) or ``quote`` (a stored quote's id) and answer
with the groups of ``quotegraph.store.quote_groups.trace_words`` / ``trace_quote``: first appearance, outlets and
dates in order, speakers (with the misattribution flag), each variant's word diff against the earliest full form,
and linked headline quotes. Read-only: a stale ``quote_groups`` table is used as it is (with the live regrouping of
full-text hits); ``quotegraph trace --rebuild`` refreshes it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from quotegraph.store.schemas import MAX_ID, MAX_QUERY_CHARS, clean_text

router = APIRouter()
_templates: Any = None


def _template_engine() -> Any:
    global _templates
    if _templates is None:
        from quotegraph.api.app import _templates as make_templates

        _templates = make_templates()
    return _templates


def _run(request: Request, q: str | None, quote: int | None) -> Any:
    from quotegraph.store.quote_groups import trace_quote, trace_words

    store = request.app.state.store
    with store.session() as session:
        if quote is not None:
            result = trace_quote(session, quote)
            if result is None:
                raise HTTPException(404, f"no quote {quote}")
            return result
        return trace_words(session, q or "")


def _clean(q: str | None) -> str | None:
    try:
        return clean_text(q)
    except ValueError as exc:
        raise HTTPException(422, f"q: {exc}") from None


@router.get(
    "/api/trace",
    tags=["quotes"],
    summary="Follow a quote across the news: first appearance, copies, changes",
    responses={404: {"description": "no such quote", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}}}}},
)
def api_trace(
    request: Request,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS, description="words of the quote")] = None,
    quote: Annotated[int | None, Query(ge=1, le=MAX_ID, description="a stored quote's id")] = None,
) -> Response:
    q = _clean(q)
    if not q and quote is None:
        raise HTTPException(422, "give q (words of a quote) or quote (a quote id)")
    return JSONResponse(_run(request, q, quote).to_dict())


@router.get("/trace", response_class=HTMLResponse, include_in_schema=False)
def page_trace(
    request: Request,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_CHARS)] = None,
    quote: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    q = _clean(q)
    result = _run(request, q, quote) if (q or quote is not None) else None
    return _template_engine().TemplateResponse(request, "trace.html", {"q": q or "", "result": result})
