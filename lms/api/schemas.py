"""What the API takes and gives: one pydantic model per body, query and answer.

``lms.api.openapi`` validates requests against the ``*In`` and ``*Query``
models (the views receive them typed), renders answers through the ``*Out``
models and writes all of them into the OpenAPI document. Inputs are strict
(JSON types as declared: ``"3"`` is no integer, ``true`` no number), refuse
fields they do not know, and take their limits from ``lms.limits``, as the page
forms do. Texts are cleaned (``clean_text``) by the operations.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    create_model,
)

from courses.gates import Step
from courses.posttest import QuestionKind
from courses.workflow import CourseStatus
from lms import limits
from lms.accounts.roles import Profession, Role
from lms.edge import MAX_ID, MAX_PAGE
from lms.enums import MEDIA_POLICIES, CourseFormat, ProjectLevel
from lms.hospitals.network import Tier
from media_pipeline.states import JobState, MediaStatus, ReviewState


def text(max_length, min_length=0):
    return Annotated[
        str, Strict(), StringConstraints(min_length=min_length, max_length=max_length)
    ]


def choice(enum):
    """An enum field: its values as strings in JSON, the enum in the view."""
    return Annotated[enum, Strict(False)]


Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]


def _iso_text(value):
    if not isinstance(value, str):
        raise ValueError("an ISO 8601 date-time is a string")  # not a timestamp
    return value


def _aware(value):
    if value.tzinfo is None:
        raise ValueError("needs a time zone, e.g. 2026-09-01T08:00:00+08:00")
    try:
        # Bounded so that every time zone holds it: 9999-12-31T20:00-08:00 is
        # past UTC's year 9999 (OverflowError), and shown in Beijing so is
        # 9999-12-31T17:00Z.
        in_range = limits.YEAR_MIN <= value.astimezone(UTC).year <= limits.YEAR_MAX
    except OverflowError:
        in_range = False
    if not in_range or not limits.YEAR_MIN <= value.year <= limits.YEAR_MAX:
        raise ValueError(f"dates are between {limits.YEAR_MIN} and {limits.YEAR_MAX}")
    return value


AwareDatetime = Annotated[
    datetime, Strict(False), BeforeValidator(_iso_text), AfterValidator(_aware)
]


class In(BaseModel):
    """A request's body: strict JSON types; fields it does not declare are
    never read (``owner`` or ``id`` in a body reaches no operation)."""

    model_config = ConfigDict(strict=True, extra="ignore")


class Query(BaseModel):
    """Query arguments arrive as strings: numbers are read from them."""

    model_config = ConfigDict(extra="ignore")


class Out(BaseModel):
    """An answer: only the fields declared are sent."""

    model_config = ConfigDict(extra="ignore")


# --- errors, people, hospitals -----------------------------------------------


class ErrorDetail(Out):
    code: str = Field(examples=["not_enrolled"])
    message: str
    request_id: str = Field(
        description="The request's id in the log (also the X-Request-ID header)"
    )
    #: A refused upload chunk: where to resume.
    offset: int | None = None


class Error(Out):
    """An error"""

    error: ErrorDetail


class HospitalOut(Out):
    """A hospital of the network"""

    id: int
    code: str
    name_zh: str
    name_en: str
    tier: Tier
    province_code: str
    province: str
    city: str


class HospitalsQuery(Query):
    province: str | None = Field(None, max_length=6, description="Province code")
    tier: choice(Tier) | None = None
    q: str = Field("", max_length=100, description="Part of a name or code")


class HospitalsOut(Out):
    """Hospitals"""

    items: list[HospitalOut]


class UserOut(Out):
    """A user"""

    id: int
    login: str
    name: str
    role: Role
    profession: Profession
    professional_title: str | None
    hospital: HospitalOut | None


class TokenIn(In):
    login: text(limits.LOGIN_MAX) = Field(description="email or mobile number")
    password: text(limits.PASSWORD_MAX)
    label: text(limits.TOKEN_LABEL_MAX) = Field("", description="e.g. the device")


class TokenOut(Out):
    """A new token; it is shown only once"""

    token: str
    expires_at: datetime
    user: UserOut


# --- courses -------------------------------------------------------------------


class LecturerRef(Out):
    id: int
    name: str


class LectureOut(Out):
    """A lecture"""

    id: int
    course_id: int
    position: int
    title_zh: str
    title_en: str
    lecturer: str | None
    duration: float | None = Field(description="Seconds")
    status: MediaStatus
    is_playable: bool
    hls_url: str | None


class CourseOut(Out):
    """A course, with the credits completing it awards"""

    id: int
    title_zh: str
    title_en: str
    title: str = Field(description="In the reader's language")
    description_zh: str
    description_en: str
    specialty: str
    target_professions: list[Profession]
    project_number: str | None
    project_level: ProjectLevel
    format: CourseFormat
    rule_set: str
    credit_category: str
    class_hours: float | None = Field(
        description="Clock hours (60 minutes): the office's, or the lectures' "
        "length in the rule set's steps"
    )
    credits: float = Field(
        description="What completing the course awards under its rule set, "
        "level, category and format (0: none)"
    )
    status: CourseStatus
    completion_threshold: float
    pass_mark: float
    max_attempts: int
    questions_per_attempt: int | None
    lecturers: list[LecturerRef]
    lectures: list[LectureOut]
    my_step: Step | None = Field(description="The requester's step, if enrolled")
    # Search results only:
    score: float | None = None
    title_html: str | None = None
    title_en_html: str | None = None
    snippet_html: str | None = None


class CatalogQuery(Query):
    q: str = Field("", max_length=200, description="Words to search for")
    specialty: str | None = Field(None, max_length=64)
    profession: choice(Profession) | None = None
    format: choice(CourseFormat) | None = None
    credit_category: str | None = Field(None, max_length=64)
    page: int = Field(1, ge=1, le=MAX_PAGE)


class CourseListOut(Out):
    """A page of approved courses"""

    items: list[CourseOut]
    page: int
    pages: int
    total: int
    facets: dict[str, dict[str, int]] | None = Field(
        None, description="Search only: counts per filter value"
    )


class CourseFieldsIn(In):
    """A course's own fields (never its owner or id)."""

    title_zh: text(limits.TITLE_MAX, 1) = Field(examples=["高血压基层管理"])
    title_en: text(limits.TITLE_MAX) = ""
    description_zh: text(limits.DESCRIPTION_MAX) = ""
    description_en: text(limits.DESCRIPTION_MAX) = ""
    specialty: text(64) = Field("general_practice", examples=["cardiology"])
    target_professions: list[choice(Profession)] = Field([], max_length=10)
    project_level: choice(ProjectLevel) = ProjectLevel.HOSPITAL
    format: choice(CourseFormat) = CourseFormat.RECORDED
    rule_set_code: text(32, 1) | None = None
    credit_category: text(64, 1) | None = None
    enrol_opens_dt: AwareDatetime | None = None
    enrol_closes_dt: AwareDatetime | None = None
    completion_threshold: Annotated[
        Number,
        Field(ge=limits.COMPLETION_THRESHOLD_MIN, le=limits.COMPLETION_THRESHOLD_MAX),
    ] = 0.95
    pass_mark: Annotated[
        Number, Field(ge=limits.PASS_MARK_MIN, le=limits.PASS_MARK_MAX)
    ] = 0.6
    max_attempts: Annotated[
        int, Field(ge=limits.MAX_ATTEMPTS_MIN, le=limits.MAX_ATTEMPTS_MAX)
    ] = 3
    questions_per_attempt: (
        Annotated[
            int,
            Field(
                ge=limits.QUESTIONS_PER_ATTEMPT_MIN,
                le=limits.QUESTIONS_PER_ATTEMPT_MAX,
            ),
        ]
        | None
    ) = None


class CourseCreateIn(CourseFieldsIn):
    pass


def _all_optional(model, name):
    """``model`` with every field optional: a PATCH sends what changes."""
    fields = {
        key: (field.annotation | None, Field(None, description=field.description))
        for key, field in model.model_fields.items()
    }
    return create_model(
        name, __base__=In, __doc__="Only the fields to change", **fields
    )


CoursePatchIn = _all_optional(CourseFieldsIn, "CoursePatchIn")


class LectureIn(In):
    title_zh: text(limits.TITLE_MAX, 1) = Field(examples=["第1讲 高血压的诊断"])
    title_en: text(limits.TITLE_MAX) = ""
    duration: Annotated[Number, Field(gt=0, le=limits.DURATION_MAX_SECONDS)] | None = (
        Field(None, description="Seconds, until the recording is uploaded")
    )


class OptionIn(In):
    text_zh: text(limits.OPTION_TEXT_MAX, 1)
    text_en: text(limits.OPTION_TEXT_MAX) = ""
    is_correct: bool = False


class QuestionIn(In):
    text_zh: text(limits.QUESTION_TEXT_MAX, 1)
    text_en: text(limits.QUESTION_TEXT_MAX) = ""
    kind: choice(QuestionKind) = QuestionKind.SINGLE
    options: list[OptionIn] = Field(
        min_length=limits.OPTIONS_MIN, max_length=limits.OPTIONS_MAX
    )
    explanation_zh: text(limits.QUESTION_TEXT_MAX) = ""
    explanation_en: text(limits.QUESTION_TEXT_MAX) = ""


class OptionOut(Out):
    id: int
    text_zh: str
    is_correct: bool


class QuestionOut(Out):
    """The question, with its answer key (for its authors)"""

    id: int
    kind: QuestionKind
    options: list[OptionOut]


class CourseDecisionIn(In):
    """A lecturer's or the office's decision; the office may set the approval's
    terms (a reason is needed to change the class hours)."""

    comment: text(limits.COMMENT_MAX) = ""
    project_number: text(limits.PROJECT_NUMBER_MAX) | None = None
    project_level: choice(ProjectLevel) | None = None
    credit_category: text(64, 1) | None = None
    class_hours_override: (
        Annotated[Number, Field(ge=limits.CLASS_HOURS_MIN, le=limits.CLASS_HOURS_MAX)]
        | None
    ) = None
    class_hours_override_reason: text(limits.REASON_MAX) = ""
    media_policy: Literal[MEDIA_POLICIES] | None = None
    has_credit_review: bool | None = None


class EnrolmentOut(Out):
    """The enrolment"""

    course_id: int
    enrolled_at: datetime
    step: Step


# --- watching ------------------------------------------------------------------


class ProgressOut(Out):
    """Coverage, completion and the resume position"""

    lecture_id: int
    duration: float
    covered_seconds: float
    complete: bool
    resume_position: float
    coverage: list[list[float]] = Field(description="Media ranges watched [start, end]")
    accepted: bool = Field(description="False when the beat changed nothing")
    user_id: int | None = None


class PlaySessionOut(Out):
    """The play session and the learner's progress"""

    play_session: str
    heartbeat_seconds: int
    progress: ProgressOut


class HeartbeatIn(In):
    play_session: text(64, 1)
    seq: Id = Field(description="1, 2, 3… per play session")
    ranges: list[Annotated[list[Number], Field(min_length=2, max_length=2)]] = Field(
        max_length=100, description="Media ranges played since the last beat"
    )
    position: Number | None = None


class LearnerQuery(Query):
    user_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Another learner (their teachers, office)"
    )


class CourseProgressOut(Out):
    """Per-lecture progress and the next step"""

    user_id: int
    step: Step
    completed_at: datetime | None
    lectures: list[ProgressOut]


# --- post-test and evaluation ----------------------------------------------------


class AttemptOption(Out):
    id: str = Field(description="This attempt's own key for the option")
    text: str


class AttemptQuestion(Out):
    id: int
    kind: QuestionKind
    text: str
    options: list[AttemptOption]


class AttemptOut(Out):
    """An attempt's questions with shuffled options, no answer key. Option ids
    are this attempt's own random keys: answer with them."""

    attempt_id: int
    number: int
    submitted: bool
    attempts_left: int
    questions: list[AttemptQuestion]


class AnswersIn(In):
    attempt_id: Id
    answers: dict[
        Annotated[str, StringConstraints(max_length=20)],
        text(64) | Annotated[list[text(64)], Field(max_length=10)],
    ] = Field(
        max_length=200,
        description="question id → the option key (or keys) this attempt shows",
    )


class GradeOut(Out):
    """The result"""

    attempt_id: int
    score: float
    correct: int
    total: int
    passed: bool
    pass_mark: float
    attempts_left: int
    step: Step


Score = Annotated[int, Field(ge=limits.SCORE_MIN, le=limits.SCORE_MAX)]


class EvaluationIn(In):
    course_quality: Score
    lecturer_quality: Score
    relevance: Score
    comments: text(limits.EVALUATION_COMMENTS_MAX) = ""


class EvaluationOut(Out):
    """The course is complete"""

    step: Step
    completed_at: datetime


# --- credits and certificates ----------------------------------------------------


class YearQuery(Query):
    year: int | None = Field(None, ge=limits.YEAR_MIN, le=limits.YEAR_MAX)


class AwardOut(Out):
    """A ledger line"""

    id: int
    date: str
    source: str
    manual_kind: str | None
    course_id: int | None
    #: The scheduled session the line was earned at (attendance, teaching).
    session_id: int | None = None
    title_zh: str
    title_en: str | None
    project_number: str | None
    rule_set: str
    rule_set_version: int | None
    category: str | None
    class_hours: str | None
    credits: str
    awarding_unit: str | None
    revokes: int | None
    study_months: int | None
    assessment_passed: bool | None
    revoked: bool | None = None
    counted_credits: str | None = None
    not_counted_reason: str | None = None


class RuleSetRef(Out):
    code: str
    version: int
    name_zh: str
    name_en: str


class RequirementItem(Out):
    item: str
    required: str
    achieved: str
    met: bool


class HoursEquivalent(Out):
    achieved: str
    required: str


class TranscriptOut(Out):
    """The year's credits, what counts, the requirement and whether it is met"""

    year: int
    rule_set: RuleSetRef
    lines: list[AwardOut]
    total_credits: str
    counted_credits: str
    counted_class_hours: str
    class_hours_equivalent: HoursEquivalent | None
    requirement: list[RequirementItem]
    met: bool
    met_by: str | None


class CertificateOut(Out):
    """A certificate and its facts"""

    serial: str
    version: int
    status: Literal["valid", "revoked", "replaced"]
    valid: bool
    issued: datetime
    key_id: str
    facts: dict[str, Any]
    revoked: datetime | None = None
    revoke_reason: str | None = None
    replaced_by: str | None = None
    pdf_url: str | None = None
    signature: str | None = None


class CertificatesOut(Out):
    """The certificates, every version"""

    certificates: list[CertificateOut]


class ClassIIIn(In):
    sessions: Annotated[int, Field(ge=1, le=10_000)] | None = None
    characters: Annotated[int, Field(ge=1, le=100_000_000)] | None = None
    rank: Annotated[int, Field(ge=1, le=100)] | None = None
    venue: text(64) | None = None


Decimal = Annotated[str, Strict(), StringConstraints(pattern=r"^\d{1,4}(\.\d{1,2})?$")]


class ManualCreditIn(In):
    error_codes: ClassVar = {
        "study_months": "invalid_study",
        "assessment_passed": "invalid_study",
    }

    title: text(limits.TITLE_MAX, 1)
    kind: text(32, 1) = Field(examples=["ii-paper"])
    date: Annotated[str, Strict(), StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    reason: text(limits.REASON_MAX, 1)
    rule_set: text(32) | None = None
    category: text(32) = ""  # the column's and the page form's length
    credits: Decimal | None = None
    class_hours: Decimal | None = None
    class_ii: ClassIIIn | None = None
    override_reason: text(limits.REASON_MAX) | None = None
    study_months: Annotated[int, Field(ge=1, le=60)] | None = None
    assessment_passed: bool | None = None


class ReasonIn(In):
    reason: text(limits.REASON_MAX, 1)


class IssueIn(In):
    all: bool = Field(False, description="Every eligible learner (the office)")
    user_id: Id | None = Field(None, description="One learner (the office)")


class BatchOut(Out):
    """The bulk job"""

    id: int
    course_id: int
    state: str
    total: int
    done: int
    error: str | None
    archive_url: str | None


class VerificationKeyOut(Out):
    """The key id and PEMs"""

    key_id: str
    algorithm: Literal["Ed25519"]
    public_key_pem: str
    document_certificate_pem: str
    document_certificate_sha256: str


# --- media -----------------------------------------------------------------------


class JobOut(Out):
    """A transcode job"""

    id: int
    lecture_id: int
    state: JobState
    progress: float
    attempts: int
    error: str | None
    error_code: str | None
    error_message: str | None
    #: The ladder policy asked for ("auto": from an analysis of the picture).
    policy: str
    #: The policy the ladder used, once chosen.
    used_policy: str | None = None
    #: What the analysis found: slides, screen or camera (None: not analysed).
    content_class: str | None = None
    review: ReviewState | None
    review_comment: str | None
    preview_url: str | None
    course_id: int | None = None


class JobEnvelopeOut(Out):
    """The transcode job"""

    job: JobOut


class MediaReviewsOut(Out):
    """New media of published lectures waiting for review"""

    versions: list[JobOut]


class RejectIn(In):
    comment: text(limits.COMMENT_MAX, 1)


class UploadIn(In):
    error_codes: ClassVar = {"sha256": "invalid_checksum", "size": "invalid_size"}

    size: Annotated[int, Field(ge=1, le=2**53)] = Field(description="Bytes")
    filename: text(255) = ""
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = (
        Field(None, description="The whole file's SHA-256 (hex), checked at the end")
    )


class UploadOut(Out):
    """The upload and its offset"""

    upload: str
    offset: int
    size: int
    complete: bool
    chunk_size: int
    job: JobOut | None
    review_required: bool


#: The raw bytes of a recording or chunk (the request body of PUT media, PATCH).
RAW_BODY = {
    "required": True,
    "content": {
        "application/octet-stream": {
            "schema": {"type": "string", "format": "binary"},
        }
    },
}
