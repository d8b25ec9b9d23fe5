"""Adding an S3-compatible destination (AWS S3, MinIO, Ceph) that devices back up to directly."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webconsole.blueprints.destinations import bp
from webconsole.domain import destinations
from webconsole.domain.errors import ValidationError
from webconsole.web.forms import ConfirmForm
from webconsole.web.permissions import require

FIELDS = ("name", "endpoint", "bucket", "prefix", "region", "access_key_id")


@bp.route("/new-s3", methods=["GET", "POST"])
@require("destinations.manage")
def new_s3():
    """The form of a new S3-compatible destination; saved, it can be chosen in backup sets."""
    form = ConfirmForm()
    values, errors = {}, {}
    if request.method == "POST" and form.validate_on_submit():
        values = {name: request.form.get(name, "") for name in (*FIELDS, "secret_access_key")}
        try:
            destination = destinations.create_s3(current_user, values)
        except ValidationError as error:
            errors = {error.field: str(error)}
        else:
            flash(_("%(name)s is added. Choose it in the backup sets of your organizations' device defaults.",
                    name=destination.name), "success")
            return redirect(url_for("destinations.index"))
    values.pop("secret_access_key", None)  # never sent back to the browser
    return render_template("destinations/new_s3.html", form=form, values=values, errors=errors), 422 if errors else 200
