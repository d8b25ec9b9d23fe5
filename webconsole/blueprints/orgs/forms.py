from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from webconsole.web.forms import Form


class OrgForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=220)])
    ext_ref = StringField(_l("External reference"), validators=[Optional(), Length(max=255)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


class OrgEditForm(OrgForm):
    require_two_factor = BooleanField(_l("Require two-factor sign-in"))


class OrgCreateForm(OrgForm):
    parent_id = SelectField(_l("Parent organization"), coerce=int, validators=[DataRequired()])


class OrgMoveForm(Form):
    parent_id = SelectField(_l("New parent organization"), coerce=int, validators=[DataRequired()])
