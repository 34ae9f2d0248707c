"""What a certificate states, and the payload its signature covers (DESIGN §2.5).

The facts are read from server state once, at issue; the layout, the PDF and the
signature are all made from them, and a verifier gets them back from the payload.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

from certificates.exports import mask_name

#: Names the payload format, so that a signature over a certificate can never be
#: taken for one over anything else the same key signs.
PAYLOAD_SCHEMA = "telecme.certificate/1"

PROJECT_LEVELS = ("national", "provincial", "municipal", "hospital")
FORMATS = ("recorded", "live", "onsite")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CertificateFacts:
    serial: str
    #: 1 for the first issue; a re-issue is a new certificate (and serial) one up.
    version: int
    #: As the learner wrote it: drawn literally, markup included.
    learner_name: str
    learner_number: str
    hospital_zh: str
    hospital_en: str
    course_title_zh: str
    #: May be empty.
    course_title_en: str
    #: The accreditor's project number; may be empty.
    project_number: str
    #: One of PROJECT_LEVELS.
    project_level: str
    #: One of FORMATS.
    format: str
    start_date: date
    end_date: date
    #: A decimal as text ("4.5"), so no float ever rounds it.
    class_hours: str
    #: "I", "II", "CME", "AMA-1", "contact-hour"; anything else is shown as is.
    credit_category: str
    #: A decimal as text ("1.5").
    credits: str
    #: The post-test result; None when the course has no test.
    score_percent: int | None
    awarding_body_zh: str
    awarding_body_en: str
    rule_set_code: str
    rule_set_name_zh: str
    rule_set_name_en: str
    issued_date: date
    #: The public verification page: in the QR code and printed beneath it.
    verify_url: str


#: What anyone holding a serial is shown (the public page and API): enough to
#: tell a genuine certificate, not the test score, the hospital or the
#: learner's number.
PUBLIC_FIELDS = (
    "serial",
    "version",
    "learner_name",
    "course_title_zh",
    "course_title_en",
    "project_number",
    "class_hours",
    "credit_category",
    "credits",
    "start_date",
    "end_date",
    "issued_date",
    "awarding_body_zh",
    "awarding_body_en",
    "rule_set_code",
    "rule_set_name_zh",
    "rule_set_name_en",
)


def public_facts(facts):
    """The facts a public verification shows, as a JSON-able dict: only
    :data:`PUBLIC_FIELDS`, the learner's name partly masked."""
    payload = facts_to_payload(facts)
    shown = {name: payload[name] for name in PUBLIC_FIELDS}
    shown["learner_name"] = mask_name(facts.learner_name)
    return shown


def learner_number(user_id):
    """The learner number certificates, transcripts and exports print."""
    return f"L{user_id:07d}"


_FIELDS = {f.name: f.type for f in dataclasses.fields(CertificateFacts)}


def facts_to_payload(facts):
    """The facts as a JSON-able dict (dates as ISO strings), ready to sign."""
    payload = {"schema": PAYLOAD_SCHEMA}
    for name in _FIELDS:
        value = getattr(facts, name)
        payload[name] = value.isoformat() if isinstance(value, date) else value
    return payload


def facts_from_payload(payload):
    """The :class:`CertificateFacts` a payload states.

    Raises ``ValueError`` naming the field when one is missing, unknown or of the
    wrong type, or when the payload is not a certificate's.
    """
    if not isinstance(payload, dict):
        raise ValueError("A certificate payload is a JSON object.")
    if payload.get("schema") != PAYLOAD_SCHEMA:
        raise ValueError(
            f"Not a certificate payload: schema is {payload.get('schema')!r}, "
            f"expected {PAYLOAD_SCHEMA!r}."
        )
    missing = [name for name in _FIELDS if name not in payload]
    if missing:
        raise ValueError(f"Certificate payload lacks: {', '.join(missing)}.")
    extra = sorted(set(payload) - set(_FIELDS) - {"schema"})
    if extra:
        raise ValueError(f"Certificate payload has unknown fields: {', '.join(extra)}.")
    return CertificateFacts(
        **{
            name: _parse_field(name, kind, payload[name])
            for name, kind in _FIELDS.items()
        }
    )


def _parse_field(name, kind, value):
    if kind is date:
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"Certificate payload field {name} is not a YYYY-MM-DD date.")
    if kind == int | None:
        if value is None or _is_int(value):
            return value
        raise ValueError(f"Certificate payload field {name} is not a whole number.")
    if kind is int:
        if _is_int(value):
            return value
        raise ValueError(f"Certificate payload field {name} is not a whole number.")
    if isinstance(value, str):
        return value
    raise ValueError(f"Certificate payload field {name} is not text.")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
