"""`quotegraph spark` (issue 6): on Spark local mode and on a standalone master with two workers on loopback, the
quote records are identical to the single-process `quotegraph extract --format jsonl` on the same input, and the
speaker registry is the one computed from those records."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]' or '.[test]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (17): no java on PATH and no JAVA_HOME", allow_module_level=True)

from quotegraph.readers import read_paths  # noqa: E402
from quotegraph.record import Article, QuoteRecord  # noqa: E402
from quotegraph.spark import quote_schema, read_quotes, registry_from_records  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wikinews"


@pytest.fixture(scope="module")
def spark_env() -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in ("SPARK_LOCAL_IP", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    os.environ.update(
        SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable
    )
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def spark_input(tmp_path_factory: pytest.TempPathFactory, warc_tools) -> Path:
    """Six Wikinews articles (CC BY 2.5, credit: Wikinews) as JSONL with one broken line, and a small WARC."""
    news_page, write_warc = warc_tools
    folder = tmp_path_factory.mktemp("spark-input")
    articles = [item for item in read_paths([str(FIXTURES)]) if isinstance(item, Article)]
    assert len(articles) == 6
    lines = [
        json.dumps({"title": a.title, "date": a.date, "text": a.body, "source": "Wikinews"}) for a in articles[:3]
    ]
    lines.append("{not json")
    lines += [json.dumps({"headline": a.title, "body": a.body}) for a in articles[3:]]  # undated: null partition
    (folder / "wiki news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pages = [(f"https://news.example.com/2021/03/story-{i}.html", news_page(i)) for i in range(3)]
    write_warc(folder / "crawl.warc.gz", pages)
    (folder / "README.md").write_text("paperwork, not an article\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def single_process(spark_input: Path, run_cli) -> list[dict[str, Any]]:
    """The records of `quotegraph extract --format jsonl` on the same input (one broken line: exit code 2)."""
    result = run_cli(["extract", str(spark_input), "--format", "jsonl"])
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("error:") == 1 and "wiki news.jsonl:4: invalid JSON" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len({r["doc_id"] for r in records}) >= 6 and any(r["date"] is None for r in records)
    assert any(r["doc_id"].startswith("wiki news-") for r in records)  # a file name with a space: same ids
    return records


def _canonical(records: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(record, sort_keys=True, ensure_ascii=False) for record in records)


def _check_output(output: Path, single_process: list[dict[str, Any]]) -> None:
    import pyarrow.parquet as pq

    spark_records = read_quotes(output)
    assert len(spark_records) == len(single_process)
    assert _canonical(spark_records) == _canonical(single_process)
    for record in spark_records:
        QuoteRecord.model_validate(record)  # the contract holds for what Spark wrote
    folders = sorted(p.name for p in (output / "quotes").iterdir() if p.is_dir())
    assert "date=__HIVE_DEFAULT_PARTITION__" in folders and "date=2019-02-11" in folders
    speakers = pq.read_table(output / "speakers").to_pylist()
    assert _canonical(speakers) == _canonical(registry_from_records(single_process))
    errors = pq.read_table(output / "errors").to_pylist()
    assert [(e["location"], e["stage"]) for e in errors] == [("4", "read")]
    assert errors[0]["path"].endswith("wiki news.jsonl") and "invalid JSON" in errors[0]["reason"]
    articles = pq.read_table(output / "articles").to_pylist()
    assert len(articles) == 9  # 6 good JSONL lines + 3 WARC pages; README skipped as paperwork
    counts = {a["doc_id"]: a["n_quotes"] for a in articles}
    for doc_id in {r["doc_id"] for r in single_process}:
        assert counts[doc_id] == sum(1 for r in single_process if r["doc_id"] == doc_id)


def test_schema_follows_the_record() -> None:
    assert [f.name for f in quote_schema().fields] == list(QuoteRecord.model_fields)


def test_local_mode_matches_single_process(
    spark_env: None, spark_input: Path, single_process: list[dict[str, Any]], tmp_path: Path
) -> None:
    from quotegraph.spark import run_spark, spark_session

    spark = spark_session("local[2]")
    try:
        output = tmp_path / "out"
        summary = run_spark(spark, [str(spark_input)], str(output), partitions=3)
        assert (summary.files, summary.articles, summary.errors) == (2, 9, 1)
        assert summary.quotes == len(single_process)
        with pytest.raises(FileExistsError, match="--overwrite"):
            run_spark(spark, [str(spark_input)], str(output))
    finally:
        spark.stop()
    _check_output(output, single_process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def standalone_cluster(spark_env: None, tmp_path: Path) -> Iterator[str]:
    """A Spark standalone master and two 1-core workers on loopback, started with spark-daemon.sh (the pip
    package has no start-master.sh); work, log and pid folders in tmp_path; all stopped afterwards."""
    import pyspark

    home = Path(pyspark.__file__).resolve().parent
    daemon = home / "sbin" / "spark-daemon.sh"
    if not daemon.is_file():
        pytest.skip(f"this pyspark has no {daemon}")
    env = dict(
        os.environ,
        SPARK_HOME=str(home),
        SPARK_WORKER_DIR=str(tmp_path / "work"),
        SPARK_LOG_DIR=str(tmp_path / "logs"),
        SPARK_PID_DIR=str(tmp_path / "pids"),
        SPARK_LOCAL_IP="127.0.0.1",
    )
    master_class, worker_class = "org.apache.spark.deploy.master.Master", "org.apache.spark.deploy.worker.Worker"
    port, ui = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    started: list[tuple[str, int]] = []

    def run(*args: str) -> None:
        subprocess.run(["bash", str(daemon), *args], env=env, check=True, capture_output=True, timeout=60)

    try:
        run("start", master_class, "1", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui))
        started.append((master_class, 1))
        for instance in (1, 2):
            run(
                "start", worker_class, str(instance), url, "--host", "127.0.0.1", "--cores", "1",
                "--memory", "1g", "--webui-port", str(_free_port()),
            )  # fmt: skip
            started.append((worker_class, instance))
        deadline = time.monotonic() + 60
        alive = 0
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as response:
                    alive = json.load(response).get("aliveworkers", 0)
            except OSError:
                alive = 0
            if alive >= 2:
                break
            time.sleep(0.5)
        if alive < 2:
            logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in (tmp_path / "logs").glob("*.out"))
            pytest.fail(f"the standalone cluster did not come up ({alive} workers alive):\n{logs}")
        yield url
    finally:
        for cls, instance in reversed(started):
            subprocess.run(
                ["bash", str(daemon), "stop", cls, str(instance)], env=env, capture_output=True, timeout=60
            )


def test_standalone_cluster_matches_single_process(
    standalone_cluster: str, spark_input: Path, single_process: list[dict[str, Any]], tmp_path: Path, run_cli
) -> None:
    output = tmp_path / "out"
    result = run_cli(["spark", str(spark_input), str(output), "--master", standalone_cluster, "--partitions", "4"])
    assert result.returncode == 2, result.stderr[-3000:]  # 2: one line could not be read
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["files"], summary["articles"], summary["errors"]) == (2, 9, 1)
    assert "output written to" in result.stderr
    _check_output(output, single_process)
