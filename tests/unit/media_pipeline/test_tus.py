"""tus 1.0 headers as data (media_pipeline.tus), one row per rule of the protocol."""

from datetime import UTC, datetime, timedelta

import pytest

from media_pipeline.tus import (
    TusHeaderError,
    discovery_headers,
    expires_at,
    format_metadata,
    http_date,
    parse_length,
    parse_metadata,
    speaks_tus,
)


@pytest.mark.parametrize(
    "value, expected",
    [("0", 0), ("1024", 1024), (" 7 ", 7), (str(2**63 - 1), 2**63 - 1)],
)
def test_parse_length_reads_non_negative_integers(value, expected):
    assert parse_length(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "-1", "+1", "1.5", "1e3", "ten", "0x10", str(2**63), "9" * 30, "１２"],
)
def test_parse_length_refuses_anything_else(value):
    with pytest.raises(TusHeaderError):
        parse_length(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, {}),
        ("", {}),
        ("filename dGFsay5tcDQ=", {"filename": "talk.mp4"}),
        (
            "filename 6K6y5bqnLm1wNA==,is_draft",
            {"filename": "讲座.mp4", "is_draft": ""},
        ),
        ("a YQ==, b Yg==", {"a": "a", "b": "b"}),
    ],
    ids=["none", "empty", "one", "chinese-and-bare-key", "spaces-after-commas"],
)
def test_parse_metadata(value, expected):
    assert parse_metadata(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "filename ***",  # not base64
        "filename dGFsaw",  # base64 without its padding
        "filename /w==",  # not UTF-8
        "a YQ==,a Yg==",  # a key twice
        "a YQ== extra",  # three parts
        ",",  # an empty key
    ],
)
def test_parse_metadata_refuses_malformed_pairs(value):
    with pytest.raises(TusHeaderError):
        parse_metadata(value)


def test_format_metadata_reads_back():
    metadata = {"filename": "高血压 ../x.mp4", "flag": ""}
    assert parse_metadata(format_metadata(metadata)) == metadata


@pytest.mark.parametrize(
    "value, speaks",
    [("1.0.0", True), (" 1.0.0 ", True), (None, False), ("", False), ("0.2.2", False)],
)
def test_speaks_tus(value, speaks):
    assert speaks_tus(value) is speaks


def test_an_upload_expires_when_the_sweep_would_delete_it():
    last = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    expires = expires_at(last, timedelta(hours=24))
    assert http_date(expires) == "Tue, 01 Dec 2026 08:00:00 GMT"


def test_discovery_headers():
    headers = discovery_headers(4 * 1024**3)
    assert headers["Tus-Version"] == headers["Tus-Resumable"] == "1.0.0"
    assert headers["Tus-Extension"] == "creation,checksum,expiration,termination"
    assert headers["Tus-Max-Size"] == "4294967296"
    assert headers["Tus-Checksum-Algorithm"] == "sha256"
