"""Form helpers shared by the sections."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


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
        raise ValidationError(_l("Enter an e-mail address such as name@example.com."))
