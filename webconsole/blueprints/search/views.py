from flask import redirect, render_template, request, url_for
from flask_login import current_user

from webconsole.blueprints.search import bp
from webconsole.domain.search import search
from webconsole.web.htmx import is_partial
from webconsole.web.permissions import signed_in

PAGES = {"device": ("devices.detail", "device_id"), "user": ("users.detail", "user_id"),
         "org": ("orgs.detail", "org_id")}
ACTIVITY_PAGE = ("activity.index", "user")  # where an investigator opens a user


@bp.get("/")
@signed_in
def index():
    """Search everything the user may see; a whole GUID opens that object directly."""
    q = request.args.get("q", "")
    results = search(current_user, q, limit=5 if is_partial() else 50)
    if is_partial():
        return render_template("search/_results.html", results=results, q=q)
    if results.exact:
        endpoint, arg = ACTIVITY_PAGE if results.exact[0] == "user" and results.users_for_activity \
            else PAGES[results.exact[0]]
        return redirect(url_for(endpoint, **{arg: results.exact[1]}))
    return render_template("search/index.html", results=results, q=q)
