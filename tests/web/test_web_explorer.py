"""The web explorer in a real browser: Playwright driving Debian's Chromium (never a downloaded one) against a live
server over a real SQLite store. Search, a facet click, a speaker's timeline chart, an article with its quotes
highlighted and the evidence shown on click, and hostile article text that stays text. Screenshots of each page
are saved to test-artifacts/screenshots/ (CI keeps them as artefacts)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import ROOT_DIR

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = ROOT_DIR / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright: pip install -e '.[test]'"
)

# one engine is enough here: the pages are the same whatever the store (the API tests cover both)
pytestmark = pytest.mark.parametrize("filled_store", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, api_server):
    context = browser.new_context(base_url=api_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()
    # no script error, no CSP violation, and never an alert() from article text
    assert problems == []


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_search_then_refine_with_a_facet(page) -> None:
    page.goto("/")
    page.get_by_label("Search quotes").fill("Brexit")
    page.get_by_label("Search quotes").press("Enter")
    page.wait_for_url(re.compile(r"q=Brexit"))
    summary = page.locator("#result-summary").inner_text()
    total = int(re.search(r"(\d+) quotes?", summary).group(1))
    assert total >= 2
    assert page.locator("article.hit").count() == min(total, 20)
    for text in page.locator("article.hit blockquote").all_inner_texts():
        assert "brexit" in text.lower()

    facet = page.locator('[data-facet="kind"] a').first
    kind = facet.get_attribute("data-value")
    expected = int(facet.locator(".count").inner_text())
    facet.click()
    page.wait_for_url(re.compile(rf"kind={kind}"))
    assert f"{expected} quote" in page.locator("#result-summary").inner_text()
    assert set(page.locator("article.hit .kind").all_inner_texts()) == {kind.upper()} or {
        t.lower() for t in page.locator("article.hit .kind").all_inner_texts()
    } == {kind}
    assert page.locator(".active-filters .chip-remove").count() == 1
    screenshot(page, "search-facet")

    page.locator(".active-filters .chip-remove").click()  # removing the filter widens the search again
    page.wait_for_url(lambda url: "kind=" not in url)
    assert f"{total} quote" in page.locator("#result-summary").inner_text()


def test_speaker_page_with_timeline_and_whom_they_talk_about(page) -> None:
    page.goto("/?speaker=boris+johnson")
    page.locator("article.hit .speaker-link").first.click()
    page.wait_for_url(re.compile(r"/speakers/\d+$"))
    assert page.locator("h1").inner_text().strip() == "Boris Johnson"
    chart = page.locator("svg#timeline-chart")
    assert chart.is_visible()
    bars = chart.locator("a.bar")
    assert bars.count() >= 1
    drawn = chart.locator("rect.bar-direct, rect.bar-indirect, rect.bar-mixed")
    assert drawn.count() >= 1 and float(drawn.first.get_attribute("height")) > 0
    tooltip = bars.first.locator("title").text_content()
    assert re.match(r"\d{4}-\d{2}: \d+ quotes?", tooltip)
    assert "Brexit" in page.locator(".talks-about").inner_text()
    assert page.locator(".recent article.hit").count() >= 1
    screenshot(page, "speaker")

    bars.first.click()  # a bar opens that period's quotes by this speaker, oldest first
    page.wait_for_url(re.compile(r"speaker_id=\d+.*since=\d{4}-\d{2}-01.*until="))
    assert page.locator("article.hit").count() >= 1


def test_article_page_highlights_quotes_and_shows_evidence_on_click(page) -> None:
    page.goto("/?q=economy&speaker=lam")
    page.locator("article.hit a.in-context").first.click()
    page.wait_for_url(re.compile(r"/articles/\d+#quote-\d+"))
    # arriving from a search hit selects that quote and shows its evidence
    assert page.locator(".evidence:not([hidden])").count() == 1

    quotes = page.locator("#article-text .mark.q")
    assert quotes.count() >= 5
    classes = quotes.first.get_attribute("class")
    assert re.search(r"\bsp-(\d+|none)\b", classes)
    background = quotes.first.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.locator("#article-text .mark.cue").count() >= 3
    assert page.locator("#article-text .mark.mention").count() >= 3
    # hovering shows who and why (the title attribute: speaker, then the evidence steps)
    hover = quotes.first.get_attribute("title") or ""
    assert "Lam" in hover.split(" · ")[0] and "→" in hover

    target = page.locator("#article-text .mark.q", has_text="Hong Kong economy has already slipped")
    target.click()
    quote_id = target.get_attribute("data-quote")
    panel = page.locator(f"#quote-{quote_id}")
    assert panel.is_visible()
    assert page.locator(".evidence:not([hidden])").count() == 1
    assert "Lam" in panel.locator("h2").inner_text()
    steps = panel.locator(".evidence-steps li").all_inner_texts()
    assert steps and any("Lam" in step for step in steps)
    assert "said" in panel.inner_text()  # the cue
    assert page.locator(f'.mark.selected[data-quote="{quote_id}"]').count() >= 1
    screenshot(page, "article-evidence")

    # the keyboard reaches the evidence too
    other = page.locator("#article-text .mark.q", has_text="any acts that advocate")
    other.focus()
    page.keyboard.press("Enter")
    assert page.locator(f"#quote-{other.get_attribute('data-quote')}").is_visible()


def test_hostile_article_text_is_shown_as_text_and_runs_nothing(page) -> None:
    page.goto("/?q=pwned")
    page.locator("article.hit a.in-context").first.click()
    page.wait_for_url(re.compile(r"/articles/\d+"))
    text = page.locator("#article-text").inner_text()
    assert "<script>alert('pwned')</script> is what we found in the logs" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "<script>alert('headline')</script>" in page.locator("h1").inner_text()
    assert page.locator("#article-text script, #article-text img, h1 script").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    screenshot(page, "hostile-article")

    page.goto("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&speaker=%27%3B+DROP+TABLE+quotes%3B--")
    assert page.get_by_label("Search quotes").input_value() == "<script>alert(1)</script>"
    assert "No quotes match" in page.locator("#result-summary").inner_text()
