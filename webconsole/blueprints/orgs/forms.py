from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class OrgForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=220)])
    ext_ref = StringField(_l("External reference"), validators=[Optional(), Length(max=255)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


class OrgCreateForm(OrgForm):
    parent_id = SelectField(_l("Parent organization"), coerce=int, validators=[DataRequired()])


class OrgMoveForm(FlaskForm):
    parent_id = SelectField(_l("New parent organization"), coerce=int, validators=[DataRequired()])
