"""Where everything on a certificate goes: one A4 landscape page (DESIGN §2.5).

Text is measured with an injected ``measure(text, font_size) -> width in points``
(the PDF layer passes the embedded font's metrics), so the plan knows what fits:
text too wide for its box shrinks down to a floor size, the course title wraps
onto a few lines, and whatever still does not fit ends in "…". No box leaves the
page's margins and no two text boxes overlap. Text is kept as given: markup such
as ``<b>`` is a learner's name like any other.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import dataclasses
import re
from dataclasses import dataclass

PAGE_WIDTH = 841.89  # A4 landscape, in points
PAGE_HEIGHT = 595.28
#: Nothing but the border comes closer to the edge of the paper.
MARGIN = 50.0

#: A line's box is this many font sizes tall, and its baseline sits DESCENT font
#: sizes above the box's bottom: the glyphs (ascent 0.8, descent 0.2 in the CJK
#: font) stay inside.
LINE_HEIGHT = 1.25
DESCENT = 0.25
#: Font sizes tried, from a style's size down to its floor.
SIZE_STEP = 0.5
#: Smaller text is drawn regular even when its style is bold: strokes clog.
BOLD_MIN_SIZE = 11.0
#: Between the paragraphs of one value (a name in Chinese, then in English).
PARAGRAPH_GAP = 1.5
ELLIPSIS = "…"

NAVY = "#1f3a5f"
GOLD = "#a8842c"
INK = "#1d232b"
SOFT_INK = "#3f4a57"
MUTED = "#6b7480"
FAINT = "#c3c9d2"
PAPER = "#fdfbf4"

BODY_LEFT = 96.0
BODY_RIGHT = PAGE_WIDTH - BODY_LEFT
BODY_WIDTH = BODY_RIGHT - BODY_LEFT
#: The label column of the rows that run across the page.
LABEL_WIDTH = 76.0
LABEL_GAP = 10.0
GRID_GUTTER = 18.0
FOOTER_BOTTOM = 56.0
#: The body ends here; the footer is below.
BODY_BOTTOM = 176.0
QR_SIZE = 100.0
#: About the width of the QR code's quiet zone (four modules): the box starts
#: this far left of the body so that the code itself lines up with the labels.
QR_QUIET_ZONE = 10.0
SEAL_SIZE = 86.0
SEAL_COLUMN = 132.0


@dataclass(frozen=True)
class TextStyle:
    size: float
    min_size: float
    bold: bool = False
    color: str = INK
    max_lines: int = 1


TITLE_ZH = TextStyle(26, 16, bold=True, color=NAVY)
TITLE_EN = TextStyle(12.5, 8, color=NAVY)
LABEL_ZH = TextStyle(9.5, 7, color=SOFT_INK)
LABEL_EN = TextStyle(7, 5.5, color=MUTED)
NAME = TextStyle(20, 9, bold=True)
VALUE = TextStyle(10.5, 7)
VALUE_EN = TextStyle(8, 6, color=MUTED)
COURSE_ZH = TextStyle(13, 9, bold=True, max_lines=3)
COURSE_EN = TextStyle(9, 6.5, color=MUTED, max_lines=2)
CREDITS = TextStyle(12, 8, bold=True, color=NAVY)
CELL_LABEL_ZH = TextStyle(8, 6.5, color=SOFT_INK)
CELL_LABEL_EN = TextStyle(6.5, 5, color=MUTED)
CAPTION_ZH = TextStyle(8, 6, color=SOFT_INK)
CAPTION_EN = TextStyle(6.5, 5, color=MUTED)
NOTE = TextStyle(7, 5, color=MUTED, max_lines=2)
URL = TextStyle(6.5, 4.5, color=MUTED)

TITLE_ZH_TEXT = "继续医学教育学分证书"
TITLE_EN_TEXT = "Certificate of Continuing Medical Education Credit"
PROJECT_LEVELS = {
    "national": ("国家级", "National"),
    "provincial": ("省级", "Provincial"),
    "municipal": ("市级", "Municipal"),
    "hospital": ("院级", "Hospital"),
}
FORMATS = {
    "recorded": ("线上录播", "Recorded online"),
    "live": ("直播", "Live broadcast"),
    "onsite": ("现场", "On site"),
}
CREDIT_CATEGORIES = {
    "I": ("Ⅰ类学分", "Class I"),
    "II": ("Ⅱ类学分", "Class II"),
    "CME": ("学分", "CME credit"),
    "AMA-1": ("", "AMA PRA Category 1 Credit™"),
    "contact-hour": ("护理学时", "Contact hours"),
}
NOTE_ZH = "本证书附电子签名，扫描二维码或访问下方网址即可核验。"
NOTE_EN = "Digitally signed: scan the code or visit the address below to verify."
#: The two seal slots, in the order of ``plan_certificate``'s ``seals``.
SEAL_SLOTS = (
    ("awarding_body", "授予单位（盖章）", "Seal of the awarding body"),
    ("organiser", "主办单位（盖章）", "Seal of the organiser"),
)
NO_VALUE = "—"


@dataclass(frozen=True)
class Box:
    #: "frame" (a rectangle around the page), "rule" (a horizontal line across
    #: the box), "text" (one line), "qr" (a QR code of ``text``, quiet zone
    #: included) or "seal" (a seal image, or a dashed outline when there is none).
    kind: str
    x: float
    y: float
    width: float
    height: float
    text: str = ""
    font_size: float = 0.0
    #: "left", "center" or "right" within the box.
    align: str = "left"
    bold: bool = False
    color: str = INK
    line_width: float = 0.0
    #: A frame's background, "" for none.
    fill: str = ""
    dashed: bool = False
    #: What the box shows, for the drawing layer and for tests: "title_zh",
    #: "label:name" (its English line "label:name:2"), "value:course_title"
    #: (the English title "value:course_title:2"), "qr", "seal:organiser", ...
    role: str = ""

    @property
    def top(self):
        return self.y + self.height

    @property
    def right(self):
        return self.x + self.width

    @property
    def baseline(self):
        """Where a text box's glyphs stand."""
        return self.y + DESCENT * self.font_size


@dataclass(frozen=True)
class CertificateLayout:
    width: float
    height: float
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class FittedText:
    size: float
    lines: tuple[str, ...]
    #: Whether the text was cut short with an ellipsis.
    is_truncated: bool = False


# A CJK character (with the punctuation that may not start a line stuck to it),
# a run of other non-space characters (a word, with the same), or spaces.
_CJK = (
    "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003ffff"
)
_CLOSING = "，。、；：？！）》」』】〕〉”’,.;:?!)…%"
_TOKEN = re.compile(rf"[{_CJK}][{_CLOSING}]*|[^\s{_CJK}]+[{_CLOSING}]*|\s+")


def wrap_text(text, width, size, measure):
    """Lines of ``text`` no wider than ``width`` at ``size``.

    Lines break between CJK characters and at spaces, never before closing
    punctuation; a word wider than the line is broken where it must be. Runs of
    white space count as one space.
    """
    text = " ".join(text.split())
    return [text[start:end] for start, end in _wrap_spans(text, width, size, measure)]


def _wrap_spans(text, width, size, measure):
    spans, start, end = [], None, None
    for match in _TOKEN.finditer(text):
        if match.group().isspace():
            continue
        token_start, token_end = match.span()
        if start is not None and measure(text[start:token_end], size) <= width:
            end = token_end
            continue
        if start is not None:
            spans.append((start, end))
        start, end = token_start, token_end
        while end - start > 1 and measure(text[start:end], size) > width:
            cut = start + max(_longest_prefix(text[start:end], width, size, measure), 1)
            spans.append((start, cut))
            start = cut
    if start is not None:
        spans.append((start, end))
    return spans


def fit_text(text, width, style, measure):
    """The largest size at which ``text`` fits ``width`` on the style's lines.

    Sizes go down by ``SIZE_STEP`` to ``style.min_size``; text that does not fit
    even then fills the lines it may and ends the last with an ellipsis.
    """
    text = " ".join(text.split())
    size = style.size
    while True:
        spans = _wrap_spans(text, width, size, measure)
        if len(spans) <= style.max_lines:
            return FittedText(size, tuple(text[start:end] for start, end in spans))
        if size <= style.min_size:
            break
        size = max(style.min_size, size - SIZE_STEP)
    kept = [text[start:end] for start, end in spans[: style.max_lines - 1]]
    rest = text[spans[style.max_lines - 1][0] :]
    cut = _longest_prefix(rest, width, size, measure, suffix=ELLIPSIS)
    return FittedText(size, (*kept, rest[:cut].rstrip() + ELLIPSIS), is_truncated=True)


def _longest_prefix(text, width, size, measure, suffix=""):
    """How many characters of ``text``, followed by ``suffix``, fit ``width``."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle].rstrip() + suffix, size) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def plan_certificate(facts, *, measure, seals=(False, False)):
    """The :class:`CertificateLayout` of a certificate stating ``facts``.

    ``measure(text, font_size)`` is the width of ``text`` in points. ``seals``
    says which of the two seal slots (the awarding body's, the organiser's) will
    carry an image; an empty slot is drawn as a dashed outline.
    """
    plan = _Planner(measure)
    header = _header(plan)
    body = _body(plan, facts, top=min(box.y for box in header) - 10)
    boxes = [*_frames(), *header, *body, *_footer(plan, facts, seals)]
    return CertificateLayout(PAGE_WIDTH, PAGE_HEIGHT, tuple(boxes))


def _frames():
    outer, inner = 20.0, 27.0
    return [
        Box(
            "frame",
            outer,
            outer,
            PAGE_WIDTH - 2 * outer,
            PAGE_HEIGHT - 2 * outer,
            color=NAVY,
            line_width=2.4,
            fill=PAPER,
            role="frame:outer",
        ),
        Box(
            "frame",
            inner,
            inner,
            PAGE_WIDTH - 2 * inner,
            PAGE_HEIGHT - 2 * inner,
            color=GOLD,
            line_width=0.8,
            role="frame:inner",
        ),
    ]


def _header(plan):
    top = PAGE_HEIGHT - 60
    title, bottom = plan.lines(
        TITLE_ZH_TEXT,
        TITLE_ZH,
        x=MARGIN,
        width=PAGE_WIDTH - 2 * MARGIN,
        top=top,
        align="center",
        role="title_zh",
    )
    subtitle, bottom = plan.lines(
        TITLE_EN_TEXT,
        TITLE_EN,
        x=MARGIN,
        width=PAGE_WIDTH - 2 * MARGIN,
        top=bottom - 3,
        align="center",
        role="title_en",
    )
    rule = _rule((PAGE_WIDTH - 220) / 2, bottom - 10, 220, GOLD, 1.2, "rule:title")
    return [*title, *subtitle, rule]


def _body(plan, facts, *, top):
    """The facts, laid out between the header and the footer.

    Rows are built from the top down, each at ``top=0``; then the space left
    over is shared out between them, so a short certificate is as balanced as a
    long one.
    """
    level = _bilingual(PROJECT_LEVELS.get(facts.project_level), facts.project_level)
    format_ = _bilingual(FORMATS.get(facts.format), facts.format)
    category = CREDIT_CATEGORIES.get(facts.credit_category)
    category = _bilingual(category, facts.credit_category)
    rule_set_en = f"{facts.rule_set_name_en} · {facts.rule_set_code}"
    course_title = [(facts.course_title_zh, COURSE_ZH)]
    if facts.course_title_en.strip():
        course_title.append((facts.course_title_en, COURSE_EN))
    rows = [
        plan.row("name", "姓名", "Name", [(facts.learner_name, NAME)]),
        plan.row(
            "learner_number", "学员编号", "Learner No.", [(facts.learner_number, VALUE)]
        ),
        plan.row(
            "hospital",
            "单位",
            "Hospital",
            [(facts.hospital_zh, VALUE), (facts.hospital_en, VALUE_EN)],
        ),
        plan.row("course_title", "项目名称", "Course", course_title),
        [_rule(BODY_LEFT, -1, BODY_WIDTH, FAINT, 0.6, "rule:details")],
        plan.cells(
            (
                "project_number",
                "项目编号",
                "Project No.",
                [(facts.project_number, VALUE)],
            ),
            ("project_level", "项目级别", "Level", [(level, VALUE)]),
            ("format", "形式", "Format", [(format_, VALUE)]),
            ("dates", "日期", "Dates", [(_dates(facts), VALUE)]),
        ),
        plan.cells(
            ("class_hours", "学时", "Class hours", [(facts.class_hours, VALUE)]),
            ("credit_category", "学分类别", "Credit category", [(category, VALUE)]),
            ("credits", "学分", "Credits", [(facts.credits, CREDITS)]),
            ("assessment", "考核结果", "Assessment", [(_assessment(facts), VALUE)]),
        ),
        plan.cells(
            (
                "awarding_body",
                "授予单位",
                "Awarding body",
                [(facts.awarding_body_zh, VALUE), (facts.awarding_body_en, VALUE_EN)],
            ),
            (
                "rule_set",
                "学分规则",
                "Rule set",
                [(facts.rule_set_name_zh, VALUE), (rule_set_en, VALUE_EN)],
            ),
        ),
    ]
    return _stack(rows, top=top, bottom=BODY_BOTTOM, gap=7, stretch=9)


def _stack(rows, *, top, bottom, gap, stretch):
    """Rows (each laid out at ``top=0``) one under another between two lines.

    Each gap grows by up to ``stretch`` to use the room there is; what is still
    left is split above and below. Rows that cannot fit are a design error.
    """
    heights = [-min(box.y for box in row) for row in rows]
    room = top - bottom - sum(heights) - gap * (len(rows) - 1)
    if room < 0:
        raise ValueError("The certificate's rows are taller than the page allows.")
    grow = min(stretch, room / max(len(rows) - 1, 1))
    y = top - (room - grow * (len(rows) - 1)) / 2
    boxes = []
    for row, height in zip(rows, heights, strict=True):
        boxes += [dataclasses.replace(box, y=box.y + y) for box in row]
        y -= height + gap + grow
    return boxes


def _footer(plan, facts, seals):
    """The QR code and its address, the serial and issue date, the seal slots."""
    url, _ = plan.lines(
        facts.verify_url,
        URL,
        x=BODY_LEFT,
        width=300,
        top=FOOTER_BOTTOM + URL.size * LINE_HEIGHT,
        role="verify_url",
    )
    qr_y = url[0].top + 3 if url else FOOTER_BOTTOM
    boxes = [
        *url,
        Box(
            "qr",
            BODY_LEFT - QR_QUIET_ZONE,
            qr_y,
            QR_SIZE,
            QR_SIZE,
            text=facts.verify_url,
            role="qr",
        ),
    ]
    serial = facts.serial
    if facts.version > 1:
        serial += f" (第 {facts.version} 版 / Version {facts.version})"
    left = BODY_LEFT - QR_QUIET_ZONE + QR_SIZE + 16
    width = BODY_RIGHT - 2 * SEAL_COLUMN - left - 10
    details = [
        plan.cell(
            "serial", "证书编号", "Serial No.", [(serial, VALUE)], x=left, width=width
        ),
        plan.cell(
            "issued_date",
            "签发日期",
            "Issued",
            [(facts.issued_date.isoformat(), VALUE)],
            x=left,
            width=width,
        ),
        plan.cell(
            "note", "", "", [(NOTE_ZH, NOTE), (NOTE_EN, NOTE)], x=left, width=width
        ),
    ]
    boxes += _stack(details, top=qr_y + QR_SIZE, bottom=qr_y, gap=6, stretch=6)
    for index, (slot, caption_zh, caption_en) in enumerate(SEAL_SLOTS):
        column_x = BODY_RIGHT - (len(SEAL_SLOTS) - index) * SEAL_COLUMN
        caption, caption_top = plan.column(
            [(caption_zh, CAPTION_ZH), (caption_en, CAPTION_EN)],
            x=column_x,
            width=SEAL_COLUMN,
            align="center",
            role=f"caption:{slot}",
        )
        shift = FOOTER_BOTTOM - min(box.y for box in caption)
        boxes += [dataclasses.replace(box, y=box.y + shift) for box in caption]
        boxes.append(
            Box(
                "seal",
                column_x + (SEAL_COLUMN - SEAL_SIZE) / 2,
                caption_top + shift + 4,
                SEAL_SIZE,
                SEAL_SIZE,
                color=FAINT,
                line_width=0.9,
                dashed=not seals[index],
                role=f"seal:{slot}",
            )
        )
    return boxes


def _rule(x, y, width, color, line_width, role):
    return Box(
        "rule", x, y, width, line_width, color=color, line_width=line_width, role=role
    )


def _bilingual(names, raw):
    if names is None:
        return raw
    zh, en = names
    return f"{zh} / {en}" if zh else en


def _dates(facts):
    if facts.start_date == facts.end_date:
        return facts.start_date.isoformat()
    return f"{facts.start_date.isoformat()} – {facts.end_date.isoformat()}"


def _assessment(facts):
    if facts.score_percent is None:
        return NO_VALUE
    return f"合格 {facts.score_percent}% / Passed {facts.score_percent}%"


class _Planner:
    """Fits and places text with the page's font measure."""

    def __init__(self, measure):
        self.measure = measure

    def lines(self, text, style, *, x, width, top, align="left", role=""):
        """Boxes for ``text`` fitted to ``width``, the first one's top at ``top``.

        Returns the boxes and the bottom of the last one.
        """
        fitted = fit_text(text.strip() or NO_VALUE, width, style, self.measure)
        return self._place(
            fitted,
            style,
            x=x,
            width=width,
            align=align,
            role=role,
            baseline=top - fitted.size,
        )

    def _place(self, fitted, style, *, x, width, align, role, baseline):
        size = fitted.size
        boxes = []
        for line in fitted.lines:
            boxes.append(
                Box(
                    "text",
                    x,
                    baseline - DESCENT * size,
                    width,
                    LINE_HEIGHT * size,
                    text=line,
                    font_size=size,
                    align=align,
                    bold=style.bold and size >= BOLD_MIN_SIZE,
                    color=style.color,
                    role=role,
                )
            )
            baseline -= LINE_HEIGHT * size
        return boxes, boxes[-1].y

    def column(self, parts, *, x, width, align="left", role="", baseline=0.0):
        """Paragraphs one under another, the first standing on ``baseline``.

        Returns the boxes and the top of the first one.
        """
        fitted = [
            (fit_text(text.strip() or NO_VALUE, width, style, self.measure), style)
            for text, style in parts
        ]
        boxes = []
        for index, (text, style) in enumerate(fitted):
            if index:
                baseline = boxes[-1].y - PARAGRAPH_GAP - text.size
            placed, _ = self._place(
                text,
                style,
                x=x,
                width=width,
                align=align,
                role=role if index == 0 else f"{role}:{index + 1}",
                baseline=baseline,
            )
            boxes += placed
        return boxes, boxes[0].top

    def row(self, name, label_zh, label_en, parts):
        """A row across the body: the label on the left, the value beside it."""
        value_x = BODY_LEFT + LABEL_WIDTH + LABEL_GAP
        value, value_top = self.column(
            parts, x=value_x, width=BODY_RIGHT - value_x, role=f"value:{name}"
        )
        label, label_top = self.column(
            [(label_zh, LABEL_ZH), (label_en, LABEL_EN)],
            x=BODY_LEFT,
            width=LABEL_WIDTH,
            role=f"label:{name}",
        )
        # Both stand on one baseline; lift the row so its tallest box tops at 0.
        lift = -max(value_top, label_top)
        return [dataclasses.replace(b, y=b.y + lift) for b in (*label, *value)]

    def cell(self, name, label_zh, label_en, parts, *, x, width):
        """A small label (Chinese, then English beside it) over the value."""
        boxes = []
        if label_zh:
            zh = fit_text(label_zh, width, CELL_LABEL_ZH, self.measure)
            zh_width = min(width, self.measure(zh.lines[0], zh.size) + 4)
            en = fit_text(label_en, width - zh_width, CELL_LABEL_EN, self.measure)
            label_zh_boxes, _ = self._place(
                zh,
                CELL_LABEL_ZH,
                x=x,
                width=zh_width,
                align="left",
                role=f"label:{name}",
                baseline=-zh.size,
            )
            label_en_boxes, _ = self._place(
                en,
                CELL_LABEL_EN,
                x=x + zh_width,
                width=width - zh_width,
                align="left",
                role=f"label:{name}:2",
                baseline=-zh.size,
            )
            boxes += label_zh_boxes + label_en_boxes
        label_bottom = min((b.y for b in boxes), default=0.0)
        value, value_top = self.column(parts, x=x, width=width, role=f"value:{name}")
        shift = label_bottom - 1 - value_top
        boxes += [dataclasses.replace(b, y=b.y + shift) for b in value]
        return boxes

    def cells(self, *cells):
        """A row of cells sharing the body's width equally."""
        width = (BODY_WIDTH - GRID_GUTTER * (len(cells) - 1)) / len(cells)
        boxes = []
        for index, (name, label_zh, label_en, parts) in enumerate(cells):
            x = BODY_LEFT + index * (width + GRID_GUTTER)
            boxes += self.cell(name, label_zh, label_en, parts, x=x, width=width)
        return boxes
