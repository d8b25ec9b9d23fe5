from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from webconsole.web.forms import Form, MultiCheckboxField, email_address


class UserCreateForm(Form):
    org_id = SelectField(_l("Organization"), coerce=int, validators=[DataRequired()])
    username = EmailField(_l("Username (e-mail address)"), validators=[DataRequired(), email_address, Length(max=255)])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=128)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=128)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    role_ids = MultiCheckboxField(_l("Roles"), coerce=int)


class UserProfileForm(Form):
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=128)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=128)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address, Length(max=255)])


class UserRolesForm(Form):
    role_ids = MultiCheckboxField(_l("Roles"), coerce=int)


class PasswordResetForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class UserMoveForm(Form):
    org_id = SelectField(_l("Organization to move to"), coerce=int, validators=[DataRequired()])
