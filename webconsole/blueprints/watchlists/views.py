"""Watchlists: Departing Employees and High Risk Employees, their quick filters, adding and removing members."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from webconsole.blueprints.watchlists import bp
from webconsole.domain import properties, watchlists
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.web.forms import ConfirmForm, DayField, Form, MultiCheckboxField, apply_error
from webconsole.web.htmx import is_partial
from webconsole.web.list_views import register_list_routes
from webconsole.web.lists import Column, ListSpec
from webconsole.web.permissions import require


class MemberFieldsForm(Form):
    """The profile fields a watchlist asks for (the departing list's date, the high-risk list's factors)."""

    departure_date = DayField(_l("Departure date"), validators=[Optional()])
    risk_factors = MultiCheckboxField(_l("Risk factors"),
                                      choices=[SelectChoice(k, v) for k, v in watchlists.RISK_FACTORS.items()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=watchlists.NOTES_MAX)])
    cloud_aliases = StringField(_l("Cloud aliases"), validators=[Optional(), Length(max=1300)],
                                description=_l("E-mail addresses the user goes by in cloud services, "
                                               "separated by commas."))


class AddMembersForm(MemberFieldsForm):
    pass


def _columns(watchlist):
    middle = ([Column("departure_date", _l("Departure date"), cell="day", width=130)] if watchlist == "departing"
              else [Column("risk_factors", _l("Risk factors"), cell="risk_factors", width=200)])
    return [Column("name", _l("Name"), cell="watched_user", width=220),
            Column("org_name", _l("Organization"), width=140), *middle,
            Column("added_at", _l("Added"), cell="datetime", width=165),
            Column("last_exposure", _l("Last exposure"), cell="datetime", width=165),
            Column("search", _l("File events"), cell="user_search", width=120),
            Column("actions", _l("Actions"), cell="watch_actions", width=120)]


def _page_context(watchlist):
    def context(actor, params):
        return {"watchlist": watchlist, "lists": watchlists.WATCHLISTS, "quick": params.filters.get("quick"),
                "quick_filters": {k: watchlists.QUICK_FILTERS[k] for k in (
                    watchlists.DEPARTING_QUICK if watchlist == "departing" else watchlists.HIGH_RISK_QUICK)}}
    return context


LISTS = {key: ListSpec(listing=catalog.WATCHLISTS[key], endpoint=f"watchlists.{key}", columns=_columns(key),
                       page_context=_page_context(key))
         for key in watchlists.WATCHLISTS}
register_list_routes(bp, LISTS["departing"], "watchlists.view", "watchlists/index.html", url="/departing/")
register_list_routes(bp, LISTS["high_risk"], "watchlists.view", "watchlists/index.html", url="/high-risk/")

HISTORY = ListSpec(
    listing=catalog.WATCHLIST_HISTORY, endpoint="watchlists.history",
    columns=[Column("at", _l("When"), cell="datetime", width=170),
             Column("watchlist", _l("Watchlist"), labels=watchlists.WATCHLISTS, width=200),
             Column("action", _l("Event"), labels={"added": _l("Added"), "removed": _l("Removed")}, width=110),
             Column("username", _l("User"), width=240),
             Column("actor_username", _l("By"), width=240)],
    choice_labels={"list": watchlists.WATCHLISTS},
)
register_list_routes(bp, HISTORY, "watchlists.view", "watchlists/history.html", url="/history/")


def _list_arg(value):
    if value not in watchlists.WATCHLISTS:
        abort(404)
    return value


@bp.get("/")
@require("watchlists.view")
def index():
    """The watchlists: the chosen list (Departing Employees by default) with its quick filters."""
    watchlist = request.args.get("list") or "departing"
    if watchlist not in watchlists.WATCHLISTS:
        watchlist = "departing"
    args = {k: v for k, v in request.args.items() if k in ("quick", "q", "org", "sort", "dir")}
    return redirect(url_for(LISTS[watchlist].endpoint, **args))


@bp.get("/<list_key>/counts/<quick>")
@require("watchlists.view")
def quick_count(list_key, quick):
    """How many members a quick filter shows, bounded like a list's count (each loads after the page)."""
    watchlist = _list_arg(list_key)
    if quick not in catalog.WATCHLISTS[watchlist].filter("quick").values:
        abort(404)
    n, exact = watchlists.quick_count(current_user, watchlist, quick, properties.value("lists.count_bound"))
    return render_template("watchlists/_quick_count.html", n=n, exact=exact)


@bp.get("/candidates")
@require("watchlists.manage")
def candidates():
    """Search as you type: users in scope matching the text, after those already chosen (kept checked)."""
    chosen = watchlists.users_by_id(current_user, request.args.getlist("user_ids")[:watchlists.ADD_MAX],
                                    "watchlists.manage")
    taken = {u.id for u in chosen}
    found = [u for u in watchlists.pick_users(current_user, request.args.get("q", ""), "watchlists.manage")
             if u.id not in taken]
    return render_template("_partials/user_candidates.html", chosen=chosen, found=found)


def _add_page(watchlist, form, chosen, status=200):
    return render_template("watchlists/add.html", watchlist=watchlist, lists=watchlists.WATCHLISTS, form=form,
                           chosen=chosen, found=[]), status


@bp.route("/add", methods=["GET", "POST"])
@require("watchlists.manage")
def add():
    """Add employees to a watchlist: several users chosen by search, then the list's fields."""
    watchlist = request.values.get("list") or "departing"
    if watchlist not in watchlists.WATCHLISTS:
        watchlist = "departing"
    form = AddMembersForm()
    picked = request.values.getlist("user_ids")[:watchlists.ADD_MAX] or request.args.getlist("user")[:1]
    chosen = watchlists.users_by_id(current_user, picked, "watchlists.manage")
    if request.method == "GET":
        return _add_page(watchlist, form, chosen)
    if form.validate_on_submit():
        try:
            added = watchlists.add_members(current_user, watchlist, request.form.getlist("user_ids"),
                                           **_member_fields(form, watchlist))
        except ValidationError as error:
            apply_error(form, error)
            if error.field == "user_ids":
                form.form_errors.append(str(error))
        else:
            flash(_("Added to %(list)s: %(names)s.", list=watchlists.WATCHLISTS[watchlist],
                    names=", ".join(u.username for u in added)), "success")
            return redirect(url_for(LISTS[watchlist].endpoint))
    return _add_page(watchlist, form, chosen, 422)


def _member_fields(form, watchlist):
    """The profile fields a list's form sets (blank ones leave the profile's value as it is)."""
    fields = {"notes": form.notes.data} if form.notes.data else {}
    if form.cloud_aliases.data:
        fields["cloud_aliases"] = form.cloud_aliases.data
    if watchlist == "departing" and form.departure_date.data:
        fields["departure"] = form.departure_date.data
    if watchlist == "high_risk" and form.risk_factors.data:
        fields["risk_factors"] = form.risk_factors.data
    return fields


@bp.route("/<list_key>/<int:user_id>/remove", methods=["GET", "POST"])
@require("watchlists.manage")
def remove(list_key, user_id):
    """Ask, then take a user off a watchlist."""
    watchlist = _list_arg(list_key)
    user = watchlists.get_watched_user(current_user, user_id, "watchlists.manage")
    confirm = ConfirmForm()
    if request.method == "POST" and confirm.validate_on_submit():
        watchlists.remove_member(current_user, watchlist, user.id)
        flash(_("%(name)s was removed from %(list)s.", name=user.username, list=watchlists.WATCHLISTS[watchlist]),
              "success")
        return redirect(url_for(LISTS[watchlist].endpoint))
    return render_template("watchlists/remove.html", user=user, watchlist=watchlist, lists=watchlists.WATCHLISTS,
                           confirm=confirm)


@bp.route("/profile/<int:user_id>", methods=["GET", "POST"])
@require("watchlists.manage")
def profile(user_id):
    """Edit a user's risk profile: departure date, risk factors, notes and cloud aliases."""
    user = watchlists.get_watched_user(current_user, user_id, "watchlists.manage")
    current = watchlists.profile_of(user.id)
    form = MemberFieldsForm(obj=current) if request.method == "GET" else MemberFieldsForm()
    if request.method == "GET" and current is not None:
        form.cloud_aliases.data = ", ".join(current.cloud_aliases or ())
    if request.method == "POST" and form.validate_on_submit():
        try:
            watchlists.update_profile(current_user, user.id, departure=form.departure_date.data or "",
                                      risk_factors=form.risk_factors.data or [], notes=form.notes.data or "",
                                      cloud_aliases=form.cloud_aliases.data or "")
        except ValidationError as error:
            apply_error(form, error)
        else:
            flash(_("Risk profile saved."), "success")
            return redirect(url_for("activity.index", user=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("watchlists/profile.html", user=user, form=form,
                           memberships=watchlists.memberships_of(user.id), lists=watchlists.WATCHLISTS), status


@bp.get("/user/<int:user_id>")
@require("watchlists.manage")
def memberships(user_id):
    """A user's watchlists, with a way onto the others (a user's page asks for it)."""
    user = watchlists.get_watched_user(current_user, user_id, "watchlists.manage")
    if not is_partial():
        return redirect(url_for("activity.index", user=user.id))
    return render_template("watchlists/_memberships.html", user=user, lists=watchlists.WATCHLISTS,
                           memberships=watchlists.memberships_of(user.id))
