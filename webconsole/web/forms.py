"""Form helpers shared by the sections."""
import re

from flask import flash, redirect
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms import ValidationError as FieldError
from wtforms.widgets import CheckboxInput, ListWidget

from webconsole.domain.errors import ValidationError


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    """A confirmation: only the CSRF token."""


def apply_error(form, error):
    """Put a domain ValidationError on the form field it names (or on the form as a whole)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(error)]
    else:
        form.form_errors.append(str(error))


# Self-hosted consoles live on internal domains (corp.local, example.test), so no list of
# "real" top-level domains: one @, no spaces, domain labels of letters, digits and hyphens.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s]+@{_LABEL}(?:\.{_LABEL})*$")


def email_address(form, field):
    """WTForms validator: the value looks like an e-mail address."""
    if field.data and not _EMAIL.match(field.data.strip()):
        raise FieldError(_l("Enter an e-mail address such as name@example.com."))


def handle_form(form, action, done, success_url, error_page):
    """Post/Redirect/Get for a domain change: run `action(form)` on a valid form, flash `done` and
    redirect; otherwise (or when the domain refuses a value) show `error_page(form)` again.

    `done` and `success_url` may be callables of what the action returned (a created object).
    """
    if form.validate_on_submit():
        try:
            result = action(form)
        except ValidationError as error:
            apply_error(form, error)
        else:
            flash(done(result) if callable(done) else done, "success")
            return redirect(success_url(result) if callable(success_url) else success_url)
    return error_page(form)
