"""My Profile's two-factor sign-in: set up an authenticator app, see the recovery codes once, replace them,
turn it off."""
from flask import flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from webconsole.blueprints.account import bp
from webconsole.blueprints.account.forms import TwoFactorCodeForm, TwoFactorOffForm
from webconsole.domain import two_factor as domain
from webconsole.domain.errors import ValidationError
from webconsole.web.forms import ConfirmForm, apply_error
from webconsole.web.permissions import signed_in
from webconsole.web.two_factor import ENROL_FLAG


def section(**forms):
    """What the two-factor section needs to render, with any form given in place of its fresh default."""
    state = domain.status(current_user)
    if state["state"] == "pending":
        setup = domain.provisioning(current_user, domain.record_of(current_user))
        # segno draws the SVG from the otpauth URI alone: no text of ours or the user's is in its markup.
        state["qr"], state["secret"] = Markup(setup["svg"]), setup["secret"]
    forms.setdefault("confirm_form", TwoFactorCodeForm(formdata=None, prefix="confirm"))
    forms.setdefault("codes_form", TwoFactorCodeForm(formdata=None, prefix="codes"))
    forms.setdefault("off_form", TwoFactorOffForm(formdata=None))
    return {"two_factor": state, "confirm": ConfirmForm(), **forms}


def _page(status=200, **forms):
    return render_template("account/two_factor.html", **section(**forms)), status


def _codes_shown(codes):
    """The recovery codes, this once: never cached, and not reachable again by going back."""
    response = make_response(render_template("account/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/two-factor")
@signed_in
def two_factor():
    """Two-factor sign-in: its state, and the set-up or the management of it."""
    return _page()


@bp.post("/two-factor/start")
@signed_in
def two_factor_start():
    """Begin setting up an authenticator app: a new secret, shown as a QR code."""
    try:
        domain.start_enrolment(current_user)
    except ValidationError as error:
        flash(str(error), "error")
    return redirect(url_for("account.two_factor"))


@bp.post("/two-factor/confirm")
@signed_in
def two_factor_confirm():
    """Turn two-factor sign-in on with a first code from the app; show the recovery codes once."""
    form = TwoFactorCodeForm(prefix="confirm")
    if form.validate_on_submit():
        try:
            codes = domain.confirm_enrolment(current_user, form.code.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            session.pop(ENROL_FLAG, None)
            return _codes_shown(codes)
    return _page(422, confirm_form=form)


@bp.post("/two-factor/cancel")
@signed_in
def two_factor_cancel():
    """Abandon a set-up that was not confirmed."""
    if ConfirmForm().validate_on_submit():
        domain.cancel_enrolment(current_user)
    return redirect(url_for("account.two_factor"))


@bp.post("/two-factor/recovery-codes")
@signed_in
def two_factor_recovery_codes():
    """Replace the recovery codes (the old ones stop working), for a current code."""
    form = TwoFactorCodeForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = domain.regenerate_recovery_codes(current_user, form.code.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            return _codes_shown(codes)
    return _page(422, codes_form=form)


@bp.post("/two-factor/off")
@signed_in
def two_factor_off():
    """Turn two-factor sign-in off, with the password or a code; refused while the org requires it."""
    form = TwoFactorOffForm()
    if form.validate_on_submit():
        try:
            domain.turn_off(current_user, form.secret.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("account.two_factor"))
    return _page(422, off_form=form)
