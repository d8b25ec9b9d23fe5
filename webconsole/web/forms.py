"""Form helpers shared by the sections."""
import re
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import RequestRedirect
from wtforms import Field, SelectMultipleField
from wtforms import ValidationError as FieldError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from webconsole.domain.dates import day_example, format_day, parse_day
from webconsole.domain.errors import ValidationError
from webconsole.web.csrf import MaskedFormCSRF
from webconsole.web.urls import local_path


def _json_formdata(form):
    """A JSON body read as `form`'s data: (text pairs, {field name or None: why it was refused})."""
    try:
        payload = request.get_json()
    except BadRequest as refused:  # not JSON, or JSON the console refuses (nested too deeply, NaN, 1e400)
        return [], {None: refused.description}
    if not isinstance(payload, dict):
        return [], {None: _("The request body must be a JSON object of field names and text values.")}
    pairs, refused = [], {}
    for name, value in payload.items():
        # A list is the JSON for a field of several values (checkboxes), and only for one.
        several = name in form and isinstance(form[name], SelectMultipleField) and isinstance(value, list)
        values = value if several else [value]
        if all(isinstance(v, str) for v in values):
            pairs += [(name, v) for v in values]
        else:
            refused[name] = _("“%(name)s” must be text.", name=name[:40])
    return pairs, refused


class Form(FlaskForm):
    """The console's forms: Flask-WTF's, where a JSON body of the wrong shape is refused, naming the
    field, instead of raising (a number for a password, a list where a name goes)."""

    class Meta(FlaskForm.Meta):
        csrf_class = MaskedFormCSRF

        def wrap_formdata(self, form, formdata):
            """Flask-WTF's form data, with a JSON body kept to its text values."""
            # Flask-WTF reads the request itself when no form data was passed in (its sentinel has no getlist).
            automatic = formdata is not None and not hasattr(formdata, "getlist")
            if automatic and request.method != "GET" and not request.files and not request.form and request.is_json:
                pairs, form.refused_json = _json_formdata(form)
                return ImmutableMultiDict(pairs)
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None):
        """WTForms' validation, failing also on the JSON values that were not text; a body that is not a
        JSON object at all is a 400 (when validating only: a form that is just shown, after a change was
        stored, must not turn the answer into an error)."""
        refused = getattr(self, "refused_json", {})
        if None in refused:
            abort(400, description=refused[None])
        valid = super().validate(extra_validators)
        for name, message in refused.items():
            if name in self:
                self[name].errors = list(self[name].errors) + [message]
            else:
                self.form_errors.append(message)
            valid = False
        return valid


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DayField(Field):
    """A date typed in the console's locale (or as YYYY-MM-DD), shown in the locale's form: a text input,
    since a browser shows <input type=date> in its own language, whatever the console's."""

    widget = TextInput()

    def __call__(self, **kwargs):
        for name, value in (("placeholder", day_example()), ("autocomplete", "off"), ("maxlength", 40),
                            ("spellcheck", "false"), ("class", "day-input")):
            kwargs.setdefault(name, value)
        return super().__call__(**kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]  # as typed, also when refused
        return format_day(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        self.data = None
        if text:
            try:
                self.data = parse_day(text)
            except ValidationError as error:
                raise ValueError(str(error)) from None


class ConfirmForm(Form):
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


def confirm_page(form, *, subject, question, consequence, button, cancel_url):
    """The page asking before a destructive action: it says what happens and posts back to its own address."""
    return render_template("confirm.html", form=form, subject=subject, question=question, consequence=consequence,
                           button=button, cancel_url=cancel_url)


def _answers_get(path):
    """Does this site answer a GET of `path` (a page, or a redirect to one)?"""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def page_address():
    """The address a page shown in answer to a form's POST should have in the address bar, for base.html
    (static/js/address.js puts it there); None for an answer to a GET.

    A form that fails validation is shown again by the view its POST went to, often an address that only
    takes POST (/orgs/5/edit): reloading it would answer 405, and even where it takes GET a reload sends
    the form again. The page's own address is the one the form was on (the Referer, when it is a page of
    this site), else the nearest address above the POST's that answers GET (/orgs/5)."""
    if request.method == "GET":
        return None
    if _answers_get(request.path):
        return request.full_path.rstrip("?")
    try:
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc == request.host and referrer.scheme == request.scheme
    except ValueError:  # a malformed Referer header (a port beyond 65535, a broken IPv6 host)
        same_site = False
    if same_site and local_path(referrer.path) and _answers_get(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    parts = request.path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        path = "/".join(parts) + "/"
        for candidate in (path.rstrip("/") or "/", path):
            if _answers_get(candidate):
                return candidate
    return "/"
