from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from lms.hospitals.network import Tier


def tier_choices():
    return [
        SelectChoice(Tier.HUB.value, _l("Hub hospital")),
        SelectChoice(Tier.MUNICIPAL.value, _l("Municipal hospital")),
        SelectChoice(Tier.COUNTY.value, _l("County hospital")),
        SelectChoice(Tier.TOWNSHIP.value, _l("Township clinic")),
    ]


class HospitalForm(FlaskForm):
    code = StringField(_l("Code"), [InputRequired(), Length(max=32)])
    name_zh = StringField(_l("Name (Chinese)"), [InputRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), [Length(max=200)])
    tier = SelectField(_l("Tier"), choices=tier_choices())
    province_code = SelectField(_l("Province"))
    city = StringField(_l("City"), [Length(max=100)])
    is_active = BooleanField(_l("Active"), default=True)


class SheetImportForm(FlaskForm):
    kind = SelectField(
        _l("What the sheet lists"),
        choices=[
            SelectChoice("hospitals", _l("Hospitals")),
            SelectChoice("users", _l("People (accounts)")),
        ],
    )
    sheet = FileField(_l("Spreadsheet (.xlsx or .csv)"), [FileRequired()])
