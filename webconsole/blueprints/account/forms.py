from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from webconsole.web.forms import Form, email_address


class ProfileForm(Form):
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=128)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=128)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), email_address, Length(max=255)])


class PasswordChangeForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class TwoFactorCodeForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"})


class TwoFactorOffForm(Form):
    secret = PasswordField(_l("Password or code"), validators=[DataRequired(), Length(max=1024)],
                           render_kw={"autocomplete": "current-password"})
