"""Readers: real files in, Articles or one-line ReadErrors out, never a traceback."""

from __future__ import annotations

import gzip
import importlib.util
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from quotegraph.readers import MAX_ARTICLE_CHARS, ReadError, read_paths
from quotegraph.record import Article

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
BAD = TESTS / "fixtures" / "bad_input"
SAMPLES = ROOT / "samples" / "wikinews"
FIXTURE_NEWS = TESTS / "fixtures" / "wikinews"


def read_one(path: Path | str) -> Article | ReadError:
    items = list(read_paths([str(path)]))
    assert len(items) == 1, items
    return items[0]


def read_article(path: Path | str) -> Article:
    item = read_one(path)
    assert isinstance(item, Article), item
    return item


def read_error(path: Path | str) -> ReadError:
    item = read_one(path)
    assert isinstance(item, ReadError), item
    assert "\n" not in item.reason
    return item


def run_python(code: str, stdin: bytes, *prefix: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*prefix, sys.executable, "-c", code], input=stdin, capture_output=True, check=False)


# --- plain text ---------------------------------------------------------------------------------------------


def test_plain_text_file_is_the_whole_body(tmp_path: Path) -> None:
    text = 'The minister said: "We will build it."\nShe added that it would cost more.\n'
    path = tmp_path / "budget-story.txt"
    path.write_text(text, encoding="utf-8")
    article = read_article(path)
    assert article == Article(id="budget-story", text=text, body_span=(0, len(text)), path=str(path))
    assert article.headline is None and article.date is None and article.title is None


@pytest.mark.parametrize("name", ["story.md", "story", "story.article"])
def test_any_extension_that_decodes_as_text_is_read(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text('"Yes," he said.', encoding="utf-8")
    article = read_article(tmp_path / name)
    assert article.id == "story"
    assert article.text == '"Yes," he said.'


def test_crlf_and_spacing_are_kept_exactly(tmp_path: Path) -> None:
    data = 'He said  "no".\r\n\r\n  Then   left.\r\n'
    (tmp_path / "crlf.txt").write_bytes(data.encode())
    article = read_article(tmp_path / "crlf.txt")
    assert article.text == data
    assert article.text[9:13] == '"no"'


def test_utf8_bom_is_dropped_and_offsets_count_after_it(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + "\u201cHi,\u201d she said.".encode())
    article = read_article(tmp_path / "bom.txt")
    assert article.text == "\u201cHi,\u201d she said."
    assert article.body_span == (0, len(article.text))
    assert article.text[1:4] == "Hi,"


def test_a_line_starting_with_the_word_date_is_not_a_header(tmp_path: Path) -> None:
    text = "date night was fun, she said.\nNobody disagreed.\n"
    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    article = read_article(tmp_path / "d.txt")
    assert article.date is None and article.headline_span is None
    assert article.body_span == (0, len(text))


# --- the dated-article format ---------------------------------------------------------------------------------


def test_dated_article_spans_point_into_the_whole_text(tmp_path: Path) -> None:
    text = (
        "date 2019-01-07 Trump says he may declare a national emergency\n"
        '"I can do it if I want," Trump said on Friday.\n'
        "Democrats disagreed.\n\n  \n"
    )
    path = tmp_path / "2019-01-07-trump.txt"
    path.write_text(text, encoding="utf-8")
    article = read_article(path)
    assert article.text == text
    assert article.id == "2019-01-07-trump"
    assert article.date == "2019-01-07"
    assert article.title == "Trump says he may declare a national emergency"
    assert article.headline_span is not None
    assert text[article.headline_span[0] : article.headline_span[1]] == article.title
    assert article.headline == article.title
    assert article.body == '"I can do it if I want," Trump said on Friday.\nDemocrats disagreed.'
    assert article.body_span == (text.index('"I can'), len(text.rstrip()))
    assert article.path == str(path)


def test_dated_article_with_leading_spaces_blank_lines_and_crlf(tmp_path: Path) -> None:
    text = '   date 2020-02-29   Leap day headline  \r\n\r\n\r\n"Quoted," said Ann.\r\nMore.\r\n'
    (tmp_path / "leap.txt").write_bytes(text.encode())
    article = read_article(tmp_path / "leap.txt")
    assert article.date == "2020-02-29"
    assert article.headline == "Leap day headline"
    assert article.body == '"Quoted," said Ann.\r\nMore.'
    assert article.body_span[0] == text.index('"Quoted')


def test_dated_article_with_bom_keeps_spans_true(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_bytes(b"\xef\xbb\xbfdate 2019-03-01 Headline here\nBody text.\n")
    article = read_article(tmp_path / "b.txt")
    assert article.text.startswith("date 2019-03-01")
    assert article.headline == "Headline here"
    assert article.body == "Body text."


def test_dated_article_without_headline_or_body(tmp_path: Path) -> None:
    (tmp_path / "nohead.txt").write_text("date 2019-05-05\nShe said it.\n", encoding="utf-8")
    article = read_article(tmp_path / "nohead.txt")
    assert article.headline_span is None and article.title is None
    assert article.body == "She said it."

    (tmp_path / "headonly.txt").write_text("date 2019-05-05 Only a headline\n", encoding="utf-8")
    article = read_article(tmp_path / "headonly.txt")
    assert article.headline == "Only a headline"
    assert article.body == ""
    assert article.body_span[0] <= article.body_span[1] <= len(article.text)


@pytest.mark.parametrize("date", ["2019-02-30", "2019-13-01", "2019-1-5"])
def test_an_invalid_date_is_a_read_error(tmp_path: Path, date: str) -> None:
    (tmp_path / "x.txt").write_text(f"date {date} Headline\nBody.\n", encoding="utf-8")
    error = read_error(tmp_path / "x.txt")
    assert error.reason == f"invalid date '{date}' on line 1 (want a real date, YYYY-MM-DD)"


def test_committed_bad_date_fixture() -> None:
    assert "invalid date '2019-02-30'" in read_error(BAD / "bad_date.txt").reason


# --- bad input ---------------------------------------------------------------------------------------------------


def test_binary_file_is_refused() -> None:
    error = read_error(BAD / "binary.png")
    assert error.reason.startswith("binary file, not text (NUL byte at byte ")
    assert error.path == str(BAD / "binary.png")


def test_undecodable_file_without_nul_is_refused(tmp_path: Path) -> None:
    (tmp_path / "noise.dat").write_bytes(bytes(range(0x80, 0x100)) * 4)
    assert read_error(tmp_path / "noise.dat").reason.startswith("invalid UTF-8 at byte 0 ")


def test_invalid_utf8_says_where_and_does_not_guess_latin1() -> None:
    error = read_error(BAD / "latin1.txt")
    assert error.reason == "invalid UTF-8 at byte 20 (0xe9); save the file as UTF-8"


def test_invalid_utf8_deep_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "late.txt").write_bytes(b"a" * 1234 + b"\xff rest")
    assert read_error(tmp_path / "late.txt").reason.startswith("invalid UTF-8 at byte 1234 ")


def test_utf16_is_named() -> None:
    assert read_error(BAD / "utf16.txt").reason == "UTF-16 text; save the file as UTF-8"


@pytest.mark.parametrize("name", ["empty.txt", "whitespace.txt"])
def test_empty_and_whitespace_only_files(name: str) -> None:
    assert read_error(BAD / name).reason == "empty file"


def test_a_file_without_letters() -> None:
    assert read_error(BAD / "quotes_only.txt").reason == "no text: the file holds no letters"


def test_a_dated_file_without_letters_after_the_date(tmp_path: Path) -> None:
    (tmp_path / "q.txt").write_text('date 2019-01-01 ""\n"" 12\n', encoding="utf-8")
    assert read_error(tmp_path / "q.txt").reason == "no text: the file holds no letters"


def test_a_5_mb_article_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * (5 * 1024 * 1024 // 5))
    error = read_error(path)
    assert error.reason == "article is 5,242,880 characters, over the 1,000,000 limit; split it"


def test_an_article_at_the_limit_is_read(tmp_path: Path) -> None:
    text = ("ab " * MAX_ARTICLE_CHARS)[:MAX_ARTICLE_CHARS]
    (tmp_path / "limit.txt").write_text(text, encoding="utf-8")
    assert len(read_article(tmp_path / "limit.txt").text) == MAX_ARTICLE_CHARS


def test_the_limit_counts_characters_not_bytes(tmp_path: Path) -> None:
    text = "\u00e9" * MAX_ARTICLE_CHARS  # two bytes each: 2 MB on disk, still within the limit
    (tmp_path / "accents.txt").write_text(text, encoding="utf-8")
    assert read_article(tmp_path / "accents.txt").text == text


def test_missing_path() -> None:
    error = read_error("/nonexistent/quotegraph/article.txt")
    assert error == ReadError("/nonexistent/quotegraph/article.txt", "no such file or directory")


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("He said so.", encoding="utf-8")
    path.chmod(0)
    try:
        if os.geteuid() != 0:
            assert read_error(path).reason == "permission denied"
            return
        # root reads anything; without its capabilities it meets the mode bits like everyone else
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv is not installed: cannot make a file unreadable")
        code = f"from quotegraph.readers import read_paths; print(list(read_paths([{str(path)!r}]))[0].reason)"
        result = run_python(code, b"", setpriv, "--inh-caps=-all", "--bounding-set=-all", "--")
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().strip() == "permission denied"
    finally:
        path.chmod(0o644)


# --- gzip ----------------------------------------------------------------------------------------------------------


def test_gzip_files_are_read_transparently(tmp_path: Path) -> None:
    text = 'date 2019-04-01 Compressed headline\n"Small," she said.\n'
    (tmp_path / "packed.txt.gz").write_bytes(gzip.compress(text.encode()))
    article = read_article(tmp_path / "packed.txt.gz")
    assert article.id == "packed"
    assert article.text == text
    assert article.headline == "Compressed headline"


def test_gzip_with_bad_text_inside(tmp_path: Path) -> None:
    (tmp_path / "bad.txt.gz").write_bytes(gzip.compress(b"ok \xe9"))
    assert read_error(tmp_path / "bad.txt.gz").reason.startswith("invalid UTF-8 at byte 3 ")


def test_broken_gzip_files() -> None:
    assert read_error(BAD / "truncated.txt.gz").reason.startswith("corrupt gzip data")
    assert read_error(BAD / "not_gzip.txt.gz").reason == "not gzip data, although the name ends in .gz"


# --- directories ------------------------------------------------------------------------------------------------


def test_directory_is_walked_recursively_in_name_order(tmp_path: Path) -> None:
    for rel in ["b.txt", "a/z.txt", "a/c.txt", "c/d/e.txt", "a.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f'"{rel}," he said.', encoding="utf-8")
    # hidden entries and a corpus folder's paperwork are not articles
    (tmp_path / ".hidden.txt").write_text("secret", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("object", encoding="utf-8")
    (tmp_path / "CREDITS.md").write_text("Credit: Wikinews", encoding="utf-8")
    (tmp_path / "a" / "README").write_text("about", encoding="utf-8")

    items = list(read_paths([str(tmp_path)]))
    assert all(isinstance(item, Article) for item in items)
    paths = [Path(str(item.path)).relative_to(tmp_path).as_posix() for item in items]
    assert paths == ["a/c.txt", "a/z.txt", "a.txt", "b.txt", "c/d/e.txt"]
    assert items == list(read_paths([str(tmp_path)]))


def test_a_named_hidden_or_paperwork_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".note.txt").write_text("She said so.", encoding="utf-8")
    (tmp_path / "README.txt").write_text("He said so.", encoding="utf-8")
    assert read_article(tmp_path / ".note.txt").text == "She said so."
    assert read_article(tmp_path / "README.txt").text == "He said so."


def test_a_broken_file_in_a_directory_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "1-good.txt").write_text('"One," said A.', encoding="utf-8")
    shutil.copy(BAD / "latin1.txt", tmp_path / "2-bad.txt")
    (tmp_path / "3-good.txt").write_text('"Three," said C.', encoding="utf-8")
    items = list(read_paths([str(tmp_path)]))
    assert [type(item).__name__ for item in items] == ["Article", "ReadError", "Article"]
    assert items[1].path == str(tmp_path / "2-bad.txt")


def test_every_bad_fixture_is_one_error_and_the_rest_go_on(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text('"Fine," said Bo.', encoding="utf-8")
    items = list(read_paths([str(BAD), "/nonexistent.txt", str(good)]))
    errors = [item for item in items if isinstance(item, ReadError)]
    assert len(errors) == len([p for p in BAD.iterdir() if p.name != "README.md"]) + 1
    assert all(error.reason and "\n" not in error.reason for error in errors)
    assert items[-1] == read_article(good)


def test_odd_directory_entries_never_raise(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("He said yes.", encoding="utf-8")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "loop").symlink_to(tmp_path)  # a symlink cycle back to the root
    os.mkfifo(tmp_path / "pipe")
    items = list(read_paths([str(tmp_path)]))
    assert [(type(i).__name__, Path(str(i.path)).name) for i in items] == [
        ("ReadError", "dangling.txt"),
        ("Article", "real.txt"),
    ]
    assert items[0] == ReadError(str(tmp_path / "dangling.txt"), "broken symbolic link")


# --- standard input ---------------------------------------------------------------------------------------------

STDIN_CODE = (
    "import sys\n"
    "from quotegraph.readers import read_paths\n"
    "for item in read_paths(sys.argv[1:] or ['-']):\n"
    "    print(repr(item))\n"
)


def read_stdin(data: bytes) -> str:
    result = run_python(STDIN_CODE, data)
    assert result.returncode == 0, result.stderr
    assert not result.stderr
    return result.stdout.decode()


def test_stdin_plain_text() -> None:
    text = 'He said: "From a pipe."\n'
    out = read_stdin(text.encode())
    assert out.strip() == repr(Article(id="stdin", text=text, body_span=(0, len(text)), path="<stdin>"))


def test_stdin_dated_article_and_gzip() -> None:
    text = "date 2019-06-01 Piped headline\nBody.\n"
    out = read_stdin(gzip.compress(text.encode()))
    assert "id='stdin'" in out and "date='2019-06-01'" in out and "title='Piped headline'" in out


def test_stdin_errors_are_read_errors() -> None:
    assert read_stdin(b"").strip() == repr(ReadError("<stdin>", "empty file"))
    assert "invalid UTF-8 at byte 1 " in read_stdin(b"a\xff")


def test_stdin_replaced_by_a_text_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('"Typed," she said.'))
    assert list(read_paths(["-"])) == [
        Article(id="stdin", text='"Typed," she said.', body_span=(0, 18), path="<stdin>")
    ]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"bad \xff"), encoding="utf-8"))
    [error] = read_paths(["-"])
    assert error == ReadError(
        "<stdin>", "invalid UTF-8 at byte 4 (0xff); save the file as UTF-8"
    )  # raw bytes read


def test_a_path_with_a_nul_character() -> None:
    assert read_error("bad\x00name.txt").reason == "embedded null byte"


# --- the committed Wikinews articles ------------------------------------------------------------------------


@pytest.mark.parametrize(("folder", "count"), [(SAMPLES, 36), (FIXTURE_NEWS, 6)])
def test_wikinews_files_are_dated_articles(folder: Path, count: int) -> None:
    items = list(read_paths([str(folder)]))
    assert len(items) == count
    credits = (folder / "CREDITS.md").read_text(encoding="utf-8")
    assert "CC BY 2.5" in credits and "https://creativecommons.org/licenses/by/2.5/" in credits
    assert "credit: Wikinews" in credits
    for article in items:
        assert isinstance(article, Article), article
        assert article.date and article.date[:4] in {"2019", "2020"}
        assert article.id.startswith(article.date)
        assert article.headline and article.headline == article.title
        assert article.body and article.body_span[1] == len(article.text.rstrip())
        assert any(mark in article.body for mark in '"\u201c\u201d')
        assert f"| {Path(str(article.path)).name} |" in credits
        assert "en.wikinews.org/wiki/" in credits


def test_samples_and_test_fixtures_do_not_overlap_and_fit_the_budget() -> None:
    samples = {p.name for p in SAMPLES.glob("*.txt")}
    fixtures = {p.name for p in FIXTURE_NEWS.glob("*.txt")}
    assert not samples & fixtures
    assert sum(p.stat().st_size for p in SAMPLES.iterdir()) < 300_000
    assert {name[:4] for name in samples} == {"2019", "2020"}


def test_sample_converter_reformats_only() -> None:
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
    assert spec and spec.loader
    make_samples = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = make_samples  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(make_samples)
    finally:
        del sys.modules["make_samples"]
    row = {
        "url": "https://en.wikinews.org//wiki/Example",
        "date": "2019-01-07",
        "title": "Example: a  title",
        "text": 'Monday, January 7, 2019\u00a0\n\n\n"One," she said,\nacross lines.  \n\n\n\n \n\nTwo.\n\n',
    }
    story = make_samples.to_story(row)
    assert story.render() == 'date 2019-01-07 Example: a title\n"One," she said, across lines.\nTwo.\n'
    assert story.url == "https://en.wikinews.org/wiki/Example"
    assert story.filename == "2019-01-07-example-a-title.txt"
    # no dateline: nothing is dropped
    assert make_samples.to_story({**row, "text": "Thursday, troops left."}).paragraphs == [
        "Thursday, troops left."
    ]
