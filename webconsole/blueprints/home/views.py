from flask import redirect, render_template, url_for
from flask_login import current_user

from webconsole.blueprints.home import bp
from webconsole.domain import restores
from webconsole.domain.devices import backup_summary, devices_of
from webconsole.extensions import db
from webconsole.web.navigation import home_endpoint
from webconsole.web.permissions import public, signed_in


@bp.get("/")
@public
def index():
    """Send a visitor to sign in, and a signed-in user to their first section."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.signin"))
    return redirect(url_for(home_endpoint()))


@bp.get("/my-devices")
@signed_in
def devices():
    """A person's own home (a Desktop User's): their devices, how their backup stands, their restores."""
    mine = db.session.scalars(devices_of(current_user.id)).all()
    return render_template("home/devices.html", summary=backup_summary(mine),
                           devices=[d for d in mine if d.status != "deactivated"],
                           restores=restores.restores_of(current_user))
