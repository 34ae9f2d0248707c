"""Ed25519 signatures over canonical payloads, and the facts a payload carries
(DESIGN §2.5: a certificate verifies with the public key alone)."""

import base64
import dataclasses
import math
from datetime import date

import pytest

from certificates.facts import (
    PAYLOAD_SCHEMA,
    CertificateFacts,
    facts_from_payload,
    facts_to_payload,
)
from certificates.signing import (
    canonical_payload,
    generate_key_pair,
    key_id,
    sign,
    verify,
)
from tests.pdfs import sample_facts


@pytest.fixture(scope="module")
def keys():
    return generate_key_pair()


@pytest.fixture(scope="module")
def other_keys():
    return generate_key_pair()


@pytest.fixture
def payload():
    return facts_to_payload(sample_facts())


def test_canonical_payload_sorts_keys_and_drops_spaces():
    assert canonical_payload({"b": [1, None, True], "a": "欧阳"}) == (
        '{"a":"欧阳","b":[1,null,true]}'.encode()
    )


def test_canonical_payload_does_not_depend_on_key_order():
    assert canonical_payload({"a": 1, "b": {"d": 2, "c": 3}}) == canonical_payload(
        {"b": {"c": 3, "d": 2}, "a": 1}
    )


@pytest.mark.parametrize(
    "payload",
    [{"credits": 1.5}, {"x": math.nan}, {"x": [math.inf]}, {"x": {1: "a"}}, {"x": b""}],
)
def test_canonical_payload_refuses_what_json_libraries_disagree_on(payload):
    with pytest.raises(ValueError):
        canonical_payload(payload)


def test_keys_are_pem_and_the_key_id_is_short_and_stable(keys, other_keys):
    private_pem, public_pem = keys
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert len(key_id(public_pem)) == 16
    assert int(key_id(public_pem), 16) >= 0
    assert key_id(public_pem) == key_id(public_pem)
    assert key_id(public_pem) != key_id(other_keys[1])


def test_a_signed_payload_verifies(keys, payload):
    private_pem, public_pem = keys
    signature = sign(payload, private_pem)
    assert "=" not in signature and len(signature) == 86
    assert verify(payload, signature, public_pem)


def test_signing_is_deterministic(keys, payload):
    assert sign(payload, keys[0]) == sign(dict(reversed(payload.items())), keys[0])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("credits", "15"),
        ("learner_name", "欧阳娜"),
        ("score_percent", 86),
        ("version", 2),
        ("issued_date", "2025-03-21"),
    ],
)
def test_a_payload_with_one_field_changed_fails(keys, payload, field, value):
    signature = sign(payload, keys[0])
    assert not verify({**payload, field: value}, signature, keys[1])


def test_a_payload_with_a_field_added_or_removed_fails(keys, payload):
    signature = sign(payload, keys[0])
    assert not verify({**payload, "revoked": False}, signature, keys[1])
    del payload["credits"]
    assert not verify(payload, signature, keys[1])


def test_another_key_fails(keys, other_keys, payload):
    assert not verify(payload, sign(payload, other_keys[0]), keys[1])


def flip_a_bit(signature):
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "garble",
    [
        flip_a_bit,
        lambda s: s[:-1],
        lambda s: s + "A",
        lambda s: s + "==",
        lambda s: s[:40] + "!" + s[41:],
        lambda s: s[:-1] + chr(ord(s[-1]) + 1),  # only the unused last bits differ
        lambda s: "",
        lambda s: "A" * 86,
        lambda s: "\x00" * 86,
        lambda s: "欧" * 86,
        lambda s: None,
        lambda s: 12345,
        lambda s: s.encode(),
    ],
)
def test_a_forged_or_garbled_signature_is_false_not_an_error(keys, payload, garble):
    assert verify(payload, garble(sign(payload, keys[0])), keys[1]) is False


@pytest.mark.parametrize("payload", [{"x": 1.5}, "not a dict", None, {"x": "\ud800"}])
def test_a_payload_that_cannot_be_signed_does_not_verify(keys, payload):
    assert verify(payload, "A" * 86, keys[1]) is False


def test_facts_round_trip_through_a_payload():
    facts = sample_facts(score_percent=None, course_title_en="")
    payload = facts_to_payload(facts)
    assert payload["schema"] == PAYLOAD_SCHEMA
    assert payload["start_date"] == "2025-03-01"
    canonical_payload(payload)  # JSON-able, no floats
    assert facts_from_payload(payload) == facts


def test_every_fact_is_in_the_payload():
    names = {f.name for f in dataclasses.fields(CertificateFacts)}
    assert set(facts_to_payload(sample_facts())) == names | {"schema"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"credits": None}, "credits is not text"),
        ({"credits": 1.5}, "credits is not text"),
        ({"version": "1"}, "version is not a whole number"),
        ({"version": True}, "version is not a whole number"),
        ({"score_percent": 85.0}, "score_percent is not a whole number"),
        ({"issued_date": "20/03/2025"}, "issued_date is not a YYYY-MM-DD date"),
        ({"issued_date": "2025-02-30"}, "issued_date is not a YYYY-MM-DD date"),
        ({"start_date": 20250301}, "start_date is not a YYYY-MM-DD date"),
        ({"revoked": False}, "unknown fields: revoked"),
        ({"schema": "something/else"}, "Not a certificate payload"),
    ],
)
def test_a_malformed_payload_is_refused_with_the_field_named(change, message):
    payload = {**facts_to_payload(sample_facts()), **change}
    with pytest.raises(ValueError, match=message):
        facts_from_payload(payload)


def test_a_payload_missing_fields_names_them():
    payload = facts_to_payload(sample_facts())
    del payload["credits"], payload["verify_url"]
    with pytest.raises(ValueError, match="lacks: credits, verify_url"):
        facts_from_payload(payload)


@pytest.mark.parametrize("payload", [[], "{}", None])
def test_a_payload_that_is_not_an_object_is_refused(payload):
    with pytest.raises(ValueError, match="JSON object"):
        facts_from_payload(payload)


def test_dates_come_back_as_dates():
    facts = facts_from_payload(facts_to_payload(sample_facts()))
    assert facts.issued_date == date(2025, 3, 20)
