"""Readers for HTML, WARC, JSONL and CSV (issue 6): the same Article from each, ReadErrors for bad records with
where and why, the rest of the file still read, and offsets that slice Article.text right."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from conftest import shared_data_dir

from quotegraph.readers import ReaderOptions, ReadError, detect_format, read_bytes, read_paths
from quotegraph.readers.common import normalize_date, url_id
from quotegraph.record import Article

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "wikinews"
HTML_DATA = shared_data_dir() / "html"
BENCHMARK = HTML_DATA / "article-extraction-benchmark"
READABILITY = HTML_DATA / "readability" / "test" / "test-pages"
WIKINEWS_CSV = shared_data_dir() / "news" / "wikinews" / "data" / "wikinews_2019.csv"


def items_of(*paths: Path | str, options: ReaderOptions | None = None) -> list[Article | ReadError]:
    return list(read_paths([str(p) for p in paths], options))


def articles_of(*paths: Path | str, options: ReaderOptions | None = None) -> list[Article]:
    items = items_of(*paths, options=options)
    errors = [item for item in items if isinstance(item, ReadError)]
    assert not errors, errors
    return [item for item in items if isinstance(item, Article)]


def check_offsets(article: Article) -> None:
    """headline_span and body_span slice Article.text to the title and the body, and nothing is lost."""
    text = article.text
    b0, b1 = article.body_span
    assert 0 <= b0 < b1 <= len(text)
    assert article.body == text[b0:b1] and article.body.strip() == article.body
    if article.headline_span is None:
        assert article.title is None and (b0, b1) == (0, len(text))
    else:
        h0, h1 = article.headline_span
        assert (h0, h1) == (0, len(article.title or ""))
        assert text[h0:h1] == article.title and "\n" not in article.title
        assert text[h1:b0] == "\n\n" and b1 == len(text)
    assert article.date is None or len(article.date) == 10


def sample_articles(n: int) -> list[Article]:
    """The first n bundled Wikinews samples (dated-article text files): title, date, body."""
    return [item for item in read_paths([str(SAMPLES)]) if isinstance(item, Article)][:n]


# --- dispatch -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("story.txt", "text"),
        ("story", "text"),
        ("story.txt.gz", "text"),
        ("notes.md", "text"),
        ("page.html", "html"),
        ("page.HTM", "html"),
        ("page.html.gz", "html"),
        ("CC-NEWS-20240101-00001.warc.gz", "warc"),
        ("crawl.warc", "warc"),
        ("old.arc.gz", "warc"),
        ("dump.jsonl", "jsonl"),
        ("dump.ndjson.gz", "jsonl"),
        ("wikinews_2019.csv", "csv"),
        ("table.csv.gz", "csv"),
        ("table.tsv", "tsv"),
    ],
)
def test_format_by_file_name(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt


def test_dates_and_url_ids() -> None:
    assert normalize_date("2019-05-01T12:00:00Z") == "2019-05-01"
    assert normalize_date("2019-5-1") == "2019-05-01"
    assert normalize_date("Tue, 05 Mar 2019 10:00:00 GMT") == "2019-03-05"
    assert (
        normalize_date("2019-02-30") is None and normalize_date("last week") is None and normalize_date("") is None
    )
    first = url_id("https://en.wikinews.org//wiki/Greta_Thunberg_named_2019_Time_Person_of_the_Year")
    assert (
        first.startswith("greta-thunberg-named-2019-time-person-of-the-year-")
        and len(first.rsplit("-", 1)[1]) == 8
    )
    assert url_id("https://a.example/news/index.html") != url_id("https://b.example/news/index.html")
    assert url_id("https://x.example/story/12345").startswith("story-12345-")


# --- HTML -----------------------------------------------------------------------------------------------------


def test_html_page_gives_title_date_byline_outlet_and_body(tmp_path: Path, warc_tools) -> None:
    news_page, _ = warc_tools
    (tmp_path / "bridge.html").write_bytes(news_page(3))
    (tmp_path / "undated.htm").write_bytes(news_page(4, dated=False))
    with gzip.open(tmp_path / "zipped.html.gz", "wb") as handle:
        handle.write(news_page(5))
    by_id = {a.id: a for a in articles_of(tmp_path)}
    assert sorted(by_id) == ["bridge", "undated", "zipped"]
    page = by_id["bridge"]
    assert page.title == "Mayor promises new bridge for Riverton, story 3"
    assert page.date == "2021-03-04" and page.outlet == "Riverton Herald"
    assert page.meta["byline"] == "Jane Roe" and page.meta["format"] == "html"
    assert page.text.startswith(page.title + "\n\n")
    assert page.body.startswith("Paragraph 0 of story 3.")  # the <h1> repeating the title is not read twice
    assert page.body.count("\n") == 4  # one paragraph per line
    assert "Home" not in page.body and "Copyright" not in page.body  # navigation and footer left out
    assert by_id["undated"].date is None
    assert by_id["zipped"].body.startswith("Paragraph 0 of story 5.")
    for article in by_id.values():
        check_offsets(article)


def test_bad_html_gives_read_errors_and_the_rest_is_read(tmp_path: Path, warc_tools) -> None:
    news_page, _ = warc_tools
    whole = news_page(1)
    (tmp_path / "a-good.html").write_bytes(whole)
    (tmp_path / "b-cut.html").write_bytes(whole[: whole.index(b"<article>") + 20])  # cut before any paragraph
    (tmp_path / "c-cut.html.gz").write_bytes(gzip.compress(whole)[:300])  # a truncated download
    (tmp_path / "d-empty.html").write_bytes(b"   \n")
    (tmp_path / "e-good.html").write_bytes(news_page(2))
    items = items_of(tmp_path)
    assert [type(item).__name__ for item in items] == ["Article", "ReadError", "ReadError", "ReadError", "Article"]
    cut, gz, empty = items[1:4]
    assert isinstance(cut, ReadError) and cut.path.endswith("b-cut.html") and "main text" in cut.reason
    assert isinstance(gz, ReadError) and "gzip" in gz.reason
    assert isinstance(empty, ReadError) and "empty" in empty.reason
    for error in (cut, gz, empty):
        assert "\n" not in str(error)


def test_html_charset_from_meta(tmp_path: Path, warc_tools) -> None:
    news_page, _ = warc_tools
    page = (
        news_page(1, title="Café owners say prices rose")
        .decode("utf-8")
        .replace("charset='utf-8'", "charset='iso-8859-1'")
    )
    (tmp_path / "latin.html").write_bytes(page.replace("\u201c", '"').replace("\u201d", '"').encode("iso-8859-1"))
    (article,) = articles_of(tmp_path / "latin.html")
    assert article.title == "Café owners say prices rose"


@pytest.mark.skipif(not BENCHMARK.is_dir(), reason=f"shared HTML benchmark not found at {BENCHMARK}")
def test_real_benchmark_page_metadata() -> None:
    page = BENCHMARK / "html" / "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856.html.gz"
    (article,) = articles_of(page)
    assert article.id == "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856"
    assert article.title and article.title.startswith("Google Stadia, Microsoft xCloud, Apple Arcade")
    assert article.date == "2019-11-19" and article.outlet == "Wall Street Journal"
    assert article.meta["byline"] == "Sarah E Needleman"
    assert article.url and article.url.startswith("https://www.wsj.com/articles/google-stadia")
    assert "Gaming used to be so simple." in article.body
    check_offsets(article)


@pytest.mark.skipif(not READABILITY.is_dir(), reason=f"shared Readability pages not found at {READABILITY}")
def test_real_readability_pages_all_read_with_good_offsets() -> None:
    folders = sorted(path for path in READABILITY.iterdir() if (path / "source.html").is_file())
    items = items_of(*(folder / "source.html" for folder in folders))
    articles = [item for item in items if isinstance(item, Article)]
    assert len(articles) >= len(folders) - 2, [str(item) for item in items if isinstance(item, ReadError)]
    for article in articles:
        check_offsets(article)
    bbc = json.loads((READABILITY / "bbc-1" / "expected-metadata.json").read_text(encoding="utf-8"))
    (article,) = articles_of(READABILITY / "bbc-1" / "source.html")
    assert article.title == bbc["title"] and article.outlet == bbc["siteName"]
    assert article.date == bbc["publishedTime"][:10]
    assert "common sense gun safety laws" in article.body


# --- WARC -----------------------------------------------------------------------------------------------------


def _pages(n: int, news_page) -> list[tuple[str, bytes]]:
    return [(f"https://news.example.com/2021/03/story-{i}.html", news_page(i, dated=i != 1)) for i in range(n)]


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_warc_response_records_become_articles(tmp_path: Path, warc_tools, gz: bool) -> None:
    news_page, write_warc = warc_tools
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    write_warc(path, _pages(3, news_page), gz=gz)
    articles = articles_of(path)  # warcinfo, requests, the PNG, the 404 and the metadata record are no articles
    assert [a.url for a in articles] == [f"https://news.example.com/2021/03/story-{i}.html" for i in range(3)]
    assert [a.id for a in articles] == [url_id(a.url or "") for a in articles]
    assert articles[0].id.startswith("story-0-")
    assert [a.date for a in articles] == ["2021-03-01", "2021-03-15", "2021-03-03"]  # story 1: WARC-Date
    assert {a.outlet for a in articles} == {"Riverton Herald"}
    assert all(a.meta["format"] == "warc" and a.meta["warc_record_id"].startswith("<urn:uuid:") for a in articles)
    assert all(a.path == str(path) for a in articles)
    for article in articles:
        check_offsets(article)
    assert list(read_bytes(path.read_bytes(), str(path))) == articles  # bytes in memory (Spark) read the same


def _corrupt(data: bytes, at: int, junk: bytes = b"\x00\xff\x13\x37garbage") -> bytes:
    return data[:at] + junk + data[at + len(junk) :]


def test_corrupt_gzip_warc_record_is_reported_and_the_rest_read(tmp_path: Path, warc_tools) -> None:
    from warcio.archiveiterator import ArchiveIterator

    news_page, write_warc = warc_tools
    good = tmp_path / "good.warc.gz"
    write_warc(good, _pages(5, news_page), gz=True, extras=False)
    data = good.read_bytes()
    with good.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        offsets = []
        for record in iterator:
            offsets.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), iterator.offset))
    responses = [(uri, offset) for kind, uri, offset in offsets if kind == "response"]
    bad_uri, bad_offset = responses[2]
    bad = tmp_path / "bad.warc.gz"
    bad.write_bytes(_corrupt(data, bad_offset + 60))  # inside the member's compressed bytes
    items = items_of(bad)
    errors = [item for item in items if isinstance(item, ReadError)]
    articles = [item for item in items if isinstance(item, Article)]
    assert len(errors) == 1
    (error,) = errors
    assert error.path == str(bad) and error.location is not None
    assert f"at byte {bad_offset}" in error.location and error.location.startswith("record ")
    assert "corrupt record" in error.reason and "resumed at byte" in error.reason
    assert str(error).startswith(f"{bad}:record ")
    assert [a.url for a in articles] == [uri for uri, _ in responses if uri != bad_uri]  # the rest is read


def test_corrupt_plain_warc_header_and_payload(tmp_path: Path, warc_tools) -> None:
    news_page, write_warc = warc_tools
    path = tmp_path / "plain.warc"
    write_warc(path, _pages(4, news_page), gz=False, extras=False)
    data = path.read_bytes()
    starts = [i for i in range(len(data)) if data.startswith(b"WARC/1.", i)]
    second_response, third_response = starts[4], starts[6]  # warcinfo, (request, response) x 4
    broken = _corrupt(data, second_response + 2, b"XXXX")  # the record's first line
    payload_at = data.index(b"Paragraph 2", third_response)
    broken = _corrupt(broken, payload_at, b"GARBLED!")  # same length: only the block digest can tell
    (tmp_path / "plain.warc").write_bytes(broken)
    items = items_of(path)
    errors = [item for item in items if isinstance(item, ReadError)]
    assert [e.location for e in errors] == [
        f"record 5 at byte {second_response}",
        f"record 7 at byte {third_response}",
    ]
    assert "not a WARC or ARC header" in errors[0].reason and "WARC-Block-Digest" in errors[1].reason
    urls = [item.url for item in items if isinstance(item, Article)]
    assert urls == [
        "https://news.example.com/2021/03/story-0.html",
        "https://news.example.com/2021/03/story-3.html",
    ]


def test_warc_from_a_pipe_is_read_and_a_truncated_one_reported(tmp_path: Path, warc_tools) -> None:
    news_page, write_warc = warc_tools
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, _pages(2, news_page), gz=True, extras=False)
    data = path.read_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) - 200])
    items = items_of(tmp_path / "cut.warc.gz")
    assert isinstance(items[0], Article) and isinstance(items[-1], ReadError)
    assert items[-1].location and items[-1].location.startswith("record ")


# --- JSONL ----------------------------------------------------------------------------------------------------


def test_jsonl_common_keys_ids_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    lines = [
        {"title": "Minister resigns", "text": 'The minister said: "I am leaving."', "date": "2020-01-02",
         "url": "https://news.example.com/politics/minister-resigns", "source": "Example News"},
        {"headline": "Storm hits coast", "body": "Winds reached 120 km/h, officials said.",
         "published": "2020-01-03T07:00:00+01:00", "site": "Coast Daily"},
        "not json at all {",
        {"id": "wire-77", "content": "Prices rose, the bank said.",
         "publish_date": "Fri, 03 Jan 2020 10:00:00 GMT"},
        ["an", "array"],
        {"title": "No text here", "text": "   "},
        {"TEXT": "Upper-case keys are found too, he said.", "Title": "Case"},
    ]  # fmt: skip
    raw = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n\n"
    path.write_text(raw, encoding="utf-8")
    items = items_of(path)
    kinds = [type(item).__name__ for item in items]
    assert kinds == ["Article", "Article", "ReadError", "Article", "ReadError", "ReadError", "Article"]
    first, second, bad_json, third, array, empty, upper = items
    assert isinstance(first, Article) and first.id == url_id("https://news.example.com/politics/minister-resigns")
    assert (first.title, first.date, first.outlet) == ("Minister resigns", "2020-01-02", "Example News")
    assert first.url == "https://news.example.com/politics/minister-resigns" and first.meta["line"] == 1
    assert isinstance(second, Article) and second.id == "dump-2" and second.date == "2020-01-03"
    assert (second.title, second.outlet) == ("Storm hits coast", "Coast Daily")
    assert (
        isinstance(third, Article) and third.id == "wire-77" and third.title is None and third.date == "2020-01-03"
    )
    assert isinstance(upper, Article) and upper.title == "Case"
    assert isinstance(bad_json, ReadError) and str(bad_json).startswith(f"{path}:3: invalid JSON")
    assert isinstance(array, ReadError) and array.location == "5" and "not a JSON object" in array.reason
    assert isinstance(empty, ReadError) and empty.location == "6" and "no text" in empty.reason
    for article in (first, second, third, upper):
        check_offsets(article)


def test_jsonl_custom_fields_nested_and_gzipped(tmp_path: Path) -> None:
    rows = [
        {"meta": {"headline": "Court rules on tax records", "when": "2019-10-10"}, "story": "The judge said no."},
        {"meta": {"headline": "Second", "when": "bad date"}, "story": "He said yes."},
    ]
    path = tmp_path / "nested.ndjson.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")))
    options = ReaderOptions.from_field_options(text="story", title="meta.headline", date="meta.when")
    first, second = articles_of(path, options=options)
    assert (first.title, first.date, first.body) == (
        "Court rules on tax records",
        "2019-10-10",
        "The judge said no.",
    )
    assert second.date is None and second.meta["raw_date"] == "bad date"
    assert [first.id, second.id] == ["nested-1", "nested-2"]
    plain = items_of(path)  # default fields: no 'text', 'body' or 'content' key in these lines
    assert all(isinstance(item, ReadError) and "no text" in item.reason for item in plain)


def test_jsonl_corrupt_gzip_ends_the_file_with_an_error(tmp_path: Path) -> None:
    rows = "".join(json.dumps({"text": f"Line {i}: the mayor said it would rain."}) + "\n" for i in range(200))
    data = gzip.compress(rows.encode("utf-8"))
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    items = items_of(tmp_path / "cut.jsonl.gz")
    assert isinstance(items[0], Article) and isinstance(items[-1], ReadError)
    assert "gzip" in items[-1].reason and "rest of the file" in items[-1].reason


# --- CSV ------------------------------------------------------------------------------------------------------


def _wikinews_csv(path: Path, articles: list[Article], *, drop_text_of: int | None = None) -> None:
    """A CSV in the shared Wikinews layout (url,date,title,text; multi-line text with blank lines)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["url", "date", "title", "text"])
        for n, article in enumerate(articles):
            url = "https://en.wikinews.org//wiki/" + (article.title or "").replace(" ", "_")
            body = "Friday, January 4, 2019\xa0\n\n\n" + article.body.replace("\n", "\n\n")
            if n == drop_text_of:
                writer.writerow([url, article.date, article.title])  # a row missing its text field
            else:
                writer.writerow([url, article.date, article.title, body])


def test_wikinews_csv_out_of_the_box(tmp_path: Path) -> None:
    samples = sample_articles(3)
    path = tmp_path / "wikinews_2019.csv"
    _wikinews_csv(path, samples)
    articles = articles_of(path)
    assert len(articles) == 3
    for article, sample in zip(articles, samples, strict=True):
        assert article.title == sample.title and article.date == sample.date
        assert article.url and article.url.startswith("https://en.wikinews.org//wiki/")
        assert article.id == url_id(article.url)
        assert article.body.startswith("Friday, January 4, 2019")
        assert sample.body.split("\n")[0] in article.body
        check_offsets(article)


def test_csv_bad_rows_give_errors_with_file_and_line(tmp_path: Path) -> None:
    samples = sample_articles(4)
    path = tmp_path / "news.csv"
    _wikinews_csv(path, samples, drop_text_of=1)
    items = items_of(path)
    assert [type(item).__name__ for item in items] == ["Article", "ReadError", "Article", "Article"]
    error = items[1]
    assert isinstance(error, ReadError) and "no text" in error.reason
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[int(error.location or 0) - 1].lstrip('"').startswith("https://en.wikinews.org//wiki/")  # its line
    assert str(error).startswith(f"{path}:{error.location}: ")


def test_csv_header_without_text_column_and_custom_fields(tmp_path: Path) -> None:
    path = tmp_path / "custom.csv"
    path.write_text(
        "link,day,headline,story,paper\n"
        'https://x.example/a,2020-02-02,Vote delayed,"The speaker said the vote would wait.",The Ledger\n',
        encoding="utf-8",
    )
    (error,) = items_of(path)
    assert isinstance(error, ReadError) and error.location == "1" and "--text-field" in error.reason
    options = ReaderOptions.from_field_options(text="story", date="day", url="link", outlet="paper")
    (article,) = articles_of(path, options=options)
    assert (article.title, article.date, article.url, article.outlet) == (
        "Vote delayed", "2020-02-02", "https://x.example/a", "The Ledger"
    )  # fmt: skip
    check_offsets(article)


def test_tsv_and_gzipped_csv(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("title\ttext\nOne\tShe said it was fine.\n", encoding="utf-8")
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(b'text\n"He said: ""no."""\n'))
    first, second = articles_of(tmp_path)
    assert (first.id, first.title, first.body) == ("a-1", "One", "She said it was fine.")
    assert (second.id, second.body) == ("b-1", 'He said: "no."')


@pytest.mark.skipif(not WIKINEWS_CSV.is_file(), reason=f"shared Wikinews CSV not found at {WIKINEWS_CSV}")
def test_real_wikinews_csv() -> None:
    articles = articles_of(WIKINEWS_CSV)
    assert len(articles) == 171 and len({a.id for a in articles}) == 171
    assert all(a.date and a.date.startswith("2019-") and a.title and a.url for a in articles)
    for article in articles:
        check_offsets(article)


# --- stdin, bytes and the command line ----------------------------------------------------------------------


def test_read_bytes_matches_read_paths_for_every_format(tmp_path: Path, warc_tools) -> None:
    news_page, write_warc = warc_tools
    (tmp_path / "p.html").write_bytes(news_page(1))
    write_warc(tmp_path / "w.warc.gz", _pages(2, news_page))
    (tmp_path / "j.jsonl").write_text(
        json.dumps({"text": "It works, she said."}) + "\nnot json\n", encoding="utf-8"
    )
    (tmp_path / "c.csv").write_text("title,text\nT,He said so.\n", encoding="utf-8")
    (tmp_path / "t.txt").write_text("date 2020-01-01 Headline\nBody text here.\n", encoding="utf-8")
    for path in sorted(tmp_path.iterdir()):
        assert list(read_bytes(path.read_bytes(), str(path))) == items_of(path), path.name


def test_forced_format_reads_stdin_as_jsonl(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (json.dumps({"text": "One, he said."}) + "\n" + json.dumps({"text": "Two, she said."}) + "\n").encode()

    class Stdin:
        buffer = io.BufferedReader(io.BytesIO(data))
        closed = False

    monkeypatch.setattr("sys.stdin", Stdin())
    items = list(read_paths(["-"], ReaderOptions(format="jsonl")))
    assert [item.id for item in items if isinstance(item, Article)] == ["stdin-1", "stdin-2"]


def test_extract_command_field_options_and_errors(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "custom.jsonl"
    path.write_text(
        json.dumps({"story": '"We will win," the coach said.', "hed": "Coach is confident", "when": "2021-05-05"})
        + "\n{broken\n",
        encoding="utf-8",
    )
    result = run_cli(
        ["extract", str(path), "--text-field", "story", "--title-field", "hed", "--date-field", "when"]
    )
    assert result.returncode == 2, result.stderr
    assert f"error: {path}:2: invalid JSON" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert (
        records
        and {r["doc_id"] for r in records} == {"custom-1"}
        and {r["date"] for r in records} == {"2021-05-05"}
    )
    quote = next(r for r in records if r["text"].startswith("We will win"))
    text = "Coach is confident\n\n" + '"We will win," the coach said.'
    assert text[quote["start"] : quote["end"]] == quote["text"]
