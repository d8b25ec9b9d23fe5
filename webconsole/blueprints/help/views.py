from flask import abort, redirect, render_template, url_for
from flask_babel import get_locale
from markupsafe import Markup

from webconsole.blueprints.help import bp
from webconsole.domain.guide import guide_page, guide_pages
from webconsole.web.permissions import signed_in


@bp.get("/")
@signed_in
def index():
    """Help opens on the guide's first page."""
    return redirect(url_for("help.page", slug=guide_pages()[0][0]))


@bp.get("/<slug>")
@signed_in
def page(slug):
    """One page of the user guide, with the guide's contents beside it."""
    locale = str(get_locale())
    found = guide_page(slug, locale)
    if found is None:
        abort(404)
    title, html = found
    # The guide is the project's own Markdown in docs/guide, not user input.
    return render_template("help/page.html", title=title, body=Markup(html), pages=guide_pages(locale), slug=slug)
