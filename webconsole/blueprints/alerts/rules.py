"""Alert rules: their list, the form that adds or changes one, enabling, disabling and deleting."""
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from webconsole.blueprints.alerts import bp
from webconsole.domain import alert_rules
from webconsole.domain.event_parser import CATEGORIES
from webconsole.domain.listings import catalog
from webconsole.web import labels
from webconsole.web.alert_text import threshold_text, window_text
from webconsole.web.forms import ConfirmForm, Form, MultiCheckboxField, handle_form
from webconsole.web.htmx import is_partial
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require

PERMISSION = "alerts.rules"


def _choices(table):
    return [SelectChoice(value, label) for value, label in table.items()]


class RuleForm(Form):
    """The fields of a rule; the domain checks every value and names the field it refuses."""

    name = StringField(_l("Name"))
    description = TextAreaField(_l("Description"))
    severity = SelectField(_l("Severity"), choices=_choices(labels.SEVERITIES), validate_choice=False)
    vector = SelectField(_l("Vector"), choices=_choices(labels.VECTORS), validate_choice=False)
    categories = MultiCheckboxField(_l("File categories (none: every category)"),
                                    choices=[SelectChoice(c, labels.FILE_CATEGORIES[c]) for c in CATEGORIES],
                                    validate_choice=False)
    name_part = StringField(_l("File name or path contains"))
    min_size = StringField(_l("Minimum file size (bytes)"))
    threshold_kind = SelectField(_l("Alert on more than"), choices=_choices(labels.THRESHOLD_KINDS),
                                 validate_choice=False)
    threshold = StringField(_l("Threshold"))
    window_amount = StringField(_l("Within"))
    window_unit = SelectField(_l("Window unit"), choices=_choices(labels.WINDOW_UNITS), validate_choice=False)
    watch = RadioField(_l("Watch"), choices=_choices(labels.WATCH), validate_choice=False)
    users = TextAreaField(_l("Users to watch (usernames)"))
    recipients = TextAreaField(_l("Notify (e-mail addresses, at most 10)"))

    def values(self):
        """What the domain checks: the submitted values as plain text and lists."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


RULE_LIST = ListSpec(
    listing=catalog.ALERT_RULES, endpoint="alerts.rules",
    columns=[
        Column("name", _l("Name"), link=("alerts.rule_edit", "rule_id"), width=240),
        Column("severity", _l("Severity"), labels=labels.SEVERITIES, width=100),
        Column("vector", _l("Vector"), labels=labels.VECTORS, width=170),
        Column("watch", _l("Watches"), labels=labels.WATCH, width=170),
        Column("enabled", _l("Enabled"), cell="rule_enabled", width=110),
        Column("created_at", _l("Created"), cell="datetime", width=165),
        Column("modified_at", _l("Modified"), cell="datetime", width=165),
    ],
    choice_labels={"severity": labels.SEVERITIES, "vector": labels.VECTORS},
)

register_list_routes(bp, RULE_LIST, PERMISSION, "alerts/rules.html", url="/rules/")


def _form_page(form, rule=None, status=200):
    return render_template("alerts/rule_form.html", form=form, rule=rule, confirm=ConfirmForm()), status


def _rule_form(rule=None):
    form = RuleForm(obj=rule) if rule is not None else RuleForm(severity="high", vector="removable_media",
                                                                  threshold_kind="files", threshold="20",
                                                                  window_amount="1", window_unit="hours",
                                                                  watch="everyone")
    if rule is not None and request.method == "GET":
        form.users.data = "\n".join(u.username for u in rule.users)
        form.recipients.data = "\n".join(rule.recipients)
        form.min_size.data = "" if rule.min_size is None else str(rule.min_size)
    return form


@bp.get("/rules/new")
@require(PERMISSION)
def rule_new():
    """The form for a new alert rule."""
    return _form_page(_rule_form())


@bp.post("/rules/new")
@require(PERMISSION)
def rule_create():
    """Add an alert rule."""
    return handle_form(RuleForm(), lambda f: alert_rules.create_rule(current_user, f.values()),
                       lambda rule: _("Alert rule “%(name)s” added.", name=rule.name), url_for("alerts.rules"),
                       lambda f: _form_page(f, status=422))


@bp.get("/rules/<int:rule_id>")
@require(PERMISSION)
def rule_edit(rule_id):
    """An alert rule's form."""
    return _form_page(_rule_form(alert_rules.get_rule(rule_id)), alert_rules.get_rule(rule_id))


@bp.post("/rules/<int:rule_id>")
@require(PERMISSION)
def rule_update(rule_id):
    """Change an alert rule."""
    rule = alert_rules.get_rule(rule_id)
    return handle_form(RuleForm(), lambda f: alert_rules.update_rule(current_user, rule, f.values()),
                       _("Alert rule saved."), url_for("alerts.rules"), lambda f: _form_page(f, rule, status=422))


@bp.post("/rules/<int:rule_id>/enabled")
@require(PERMISSION)
def rule_toggle(rule_id):
    """Enable or disable a rule; its toggle again for htmx, else back to the list."""
    rule = alert_rules.get_rule(rule_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        alert_rules.set_enabled(current_user, rule, request.form.get("enabled") == "1")
    if is_partial():
        return render_template("alerts/_rule_enabled.html", rule_id=rule.id, enabled=rule.enabled)
    return redirect(url_for("alerts.rules"))


@bp.get("/rules/<int:rule_id>/delete")
@require(PERMISSION)
def rule_confirm_delete(rule_id):
    """Ask before deleting a rule."""
    return render_template("alerts/rule_delete.html", rule=alert_rules.get_rule(rule_id), confirm=ConfirmForm())


@bp.post("/rules/<int:rule_id>/delete")
@require(PERMISSION)
def rule_delete(rule_id):
    """Delete a rule: it raises nothing more; its alerts stay, with its name."""
    rule = alert_rules.get_rule(rule_id)
    return handle_form(ConfirmForm(), lambda f: alert_rules.delete_rule(current_user, rule),
                       _("Alert rule “%(name)s” deleted. Its alerts stay.", name=rule.name), url_for("alerts.rules"),
                       lambda f: redirect(url_for("alerts.rule_edit", rule_id=rule.id)))


@bp.app_template_global()
def rule_summary(rule):
    """"More than 20 files within 1 hour": a rule's threshold in words."""
    return _("More than %(threshold)s within %(window)s", threshold=threshold_text(rule.threshold_kind, rule.threshold),
             window=window_text(rule.window_amount, rule.window_unit))
