"""The quote record as a published contract: the JSON Schema in docs/, ``quotegraph schema``, and real output.

docs/quote-record.schema.json is generated from ``quote_record_schema()``; regenerate it with::

    .venv/bin/quotegraph schema > docs/quote-record.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from jsonschema import Draft202012Validator

from quotegraph import extract
from quotegraph.record import QuoteRecord, quote_record_schema

ROOT = Path(__file__).resolve().parent.parent
DOCS_SCHEMA = ROOT / "docs" / "quote-record.schema.json"

# The fields the issue defines for every record, in its words: "Absent values are null".
CONTRACT_FIELDS = (
    "doc_id",
    "text",
    "start",
    "end",
    "kind",
    "cue",
    "cue_start",
    "cue_end",
    "mention",
    "mention_start",
    "mention_end",
    "speaker",
    "speaker_type",
    "parent",
    "in_headline",
    "confidence",
)
NULLABLE = ("cue", "cue_start", "cue_end", "mention", "mention_start", "mention_end", "speaker", "parent")


def _types(prop: dict) -> set[str]:
    """The JSON types a property schema admits (through anyOf / type lists / enums)."""
    if "anyOf" in prop:
        return set().union(*(_types(p) for p in prop["anyOf"]))
    if "type" in prop:
        return set(prop["type"]) if isinstance(prop["type"], list) else {prop["type"]}
    if "enum" in prop:
        return {type(v).__name__.replace("str", "string") for v in prop["enum"]}
    return set()


def _enum(prop: dict) -> set:
    if "enum" in prop:
        return set(prop["enum"])
    if "anyOf" in prop:
        return set().union(*(_enum(p) for p in prop["anyOf"]))
    return set()


# --- the published schema -------------------------------------------------------------------------------------


def test_docs_schema_is_committed_and_identical_to_the_generated_one() -> None:
    assert DOCS_SCHEMA.exists(), "publish it: .venv/bin/quotegraph schema > docs/quote-record.schema.json"
    assert json.loads(DOCS_SCHEMA.read_text(encoding="utf-8")) == quote_record_schema(), (
        "docs/quote-record.schema.json is stale: regenerate it with `quotegraph schema`"
    )


def test_the_schema_command_prints_the_same_schema(run_cli) -> None:
    proc = run_cli(["schema"])
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout) == quote_record_schema()
    assert json.loads(proc.stdout) == json.loads(DOCS_SCHEMA.read_text(encoding="utf-8"))


def test_schema_is_valid_draft_2020_12(record_schema: dict) -> None:
    assert record_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(record_schema)
    assert record_schema["type"] == "object"


def test_schema_describes_every_contract_field(record_schema: dict) -> None:
    props = record_schema["properties"]
    missing = [name for name in CONTRACT_FIELDS if name not in props]
    assert missing == []
    assert _enum(props["kind"]) == {"direct", "indirect", "mixed"}
    assert _enum(props["speaker_type"]) == {"person", "organization", "anonymous", "unknown"}
    for name in NULLABLE:
        assert "null" in _types(props[name]), f"{name} must admit null"
    for name in ("start", "end"):
        assert "integer" in _types(props[name]) and props[name].get("minimum") == 0
    assert props["confidence"].get("minimum") == 0 and props["confidence"].get("maximum") == 1
    assert "boolean" in _types(props["in_headline"])


def test_schema_requires_every_contract_field(record_schema: dict) -> None:
    """Every line carries every contract field ('absent values are null'), so the published schema must say
    so: a tool validating a line with `speaker` missing should be told it is not a quotegraph record."""
    assert set(CONTRACT_FIELDS) <= set(record_schema.get("required", [])), sorted(
        set(CONTRACT_FIELDS) - set(record_schema.get("required", []))
    )


def test_schema_rejects_malformed_records(record_schema: dict) -> None:
    good = QuoteRecord(doc_id="a", text="We won", start=1, end=7, kind="direct", confidence=0.9).to_dict()
    jsonschema.validate(good, record_schema)
    for bad in (
        {**good, "kind": "quote"},
        {**good, "speaker_type": "human"},
        {**good, "start": -1},
        {**good, "confidence": 1.5},
        {**good, "nickname": "x"},
        {k: v for k, v in good.items() if k != "text"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, record_schema)


# --- real records against it ----------------------------------------------------------------------------------

ARTICLE = (
    "Karen Webb, who represents the families of the victims, spoke first at the inquiry on Monday.\n"
    '"The families were kept in the dark for three years," Webb said. "Three years.\n'
    "\"Nobody ever told them what 'an ongoing review' meant,\" she said.\n"
    "The inquiry was told the ward was short of staff, according to people familiar with the matter.\n"
    'Hospital chief Paul Grant said the trust had been "too slow to listen".\n'
)


def test_extracted_records_validate_against_the_schema(record_schema: dict) -> None:
    records = extract(ARTICLE, headline="Families 'Kept in the Dark', Lawyer Says", date="2021-05-04")
    assert len(records) >= 5
    kinds = {r.kind for r in records}
    assert kinds == {"direct", "indirect", "mixed"}, kinds
    validator = Draft202012Validator(record_schema)
    for r in records:
        data = json.loads(r.to_json())
        errors = sorted(validator.iter_errors(data), key=str)
        assert errors == [], [e.message for e in errors]
        assert set(CONTRACT_FIELDS) <= set(data), "absent values are null, never missing"


def test_cli_jsonl_output_validates_and_its_offsets_point_into_the_file(
    run_cli, record_schema: dict, tmp_path: Path
) -> None:
    files = {
        "2021-05-04-inquiry.txt": "date 2021-05-04 Families 'Kept in the Dark', Lawyer Says\n" + ARTICLE,
        "crlf-unicode.txt": (
            "\ufeffFans posted \U0001f389 all night after the win in Tromsø.\r\n"
            "\u201cWe\u2019re back where we belong,\u201d said captain Zoë Ødegaard.\r\n"
        ),
        "guillemets.txt": "The mayor, Claire Dubois, told reporters: \u00abWe will not leave this town.\u00bb\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    proc = run_cli(["extract", str(tmp_path), "--format", "jsonl"])
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, "no records at all"
    validator = Draft202012Validator(record_schema)
    seen: set[str] = set()
    for line in lines:
        data = json.loads(line)
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (line, errors)
        assert set(CONTRACT_FIELDS) <= set(data)
        seen.add(data["doc_id"])
        raw = files[data["doc_id"] + ".txt"]
        file_text = raw.removeprefix("\ufeff")  # offsets count after a byte order mark
        assert file_text[data["start"] : data["end"]] == data["text"], line
        for name in ("cue", "mention"):
            if data[name] is not None:
                assert file_text[data[f"{name}_start"] : data[f"{name}_end"]] == data[name], line
    assert seen == {"2021-05-04-inquiry", "crlf-unicode", "guillemets"}
    headline = [json.loads(line) for line in lines if json.loads(line)["in_headline"]]
    assert headline and all(h["doc_id"] == "2021-05-04-inquiry" and h["date"] == "2021-05-04" for h in headline)
