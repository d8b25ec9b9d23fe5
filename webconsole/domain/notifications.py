"""Alert notifications: e-mail to each raised alert's rule recipients, and the toolbar's unread alerts.

E-mail is never lost and never sent twice. When alerts are raised, one OutgoingMail row per message
is written in one transaction (a digest when a recipient gets more than DIGEST_OVER alerts at once);
a job then sends the due rows. A sender claims a row with a conditional UPDATE that moves
`next_attempt_at` CLAIM ahead, so no two senders take the same row; it marks the row sent after the
SMTP server accepted it. A refused attempt is tried again after BACKOFF, up to MAX_ATTEMPTS, then the
row is marked failed with the error, for administrators to see. A sender that dies between the
server's acceptance and the mark leaves the row to be claimed again once its claim has run out: the
message is then resent with the same Message-ID, by which mail systems drop the copy.
"""
import hashlib
import logging
import re
import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from webconsole.domain import alert_signals
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import Alert, AlertRule, Job, NotificationMark, OutgoingMail, User
from webconsole.models.base import utcnow

# The console's one way of writing a size, so an e-mail says "1.3 GB" as the pages do.
from webconsole.web import alert_text, labels

log = logging.getLogger(__name__)

DIGEST_OVER = 5  # more alerts than this for one recipient from one evaluation: one digest
MAX_ATTEMPTS = 6
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
           timedelta(hours=4))  # the wait after the 1st, 2nd... refused attempt
CLAIM = timedelta(minutes=10)  # longer than one message takes to send, with the SMTP timeout
SMTP_TIMEOUT = 30
SEND_BATCH = 200
UNREAD_BOUND = 99  # the bell says "99+" beyond
LATEST = 5
SEND_KIND = "notifications.send"
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")

def configured():
    """Is an SMTP server set (WEBCONSOLE_SMTP_HOST)?"""
    return bool(current_app.config.get("SMTP_HOST"))


# -- what a message says ---------------------------------------------------------------------------

def _external_url(endpoint, **values):
    """An absolute URL of `endpoint`, on WEBCONSOLE_EXTERNAL_URL (else this request's host)."""
    base = current_app.config.get("EXTERNAL_URL")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or "http://localhost/"):
        return url_for(endpoint, _external=True, **values)


def alert_url(alert):
    """The link a message gives for `alert`: its page, or the Alerts list, where those are served."""
    for endpoint, values in (("alerts.detail", {"alert_id": alert.id}), ("alerts.index", {}),
                             ("home.index", {})):
        if endpoint in current_app.view_functions:
            return _external_url(endpoint, **values)


def _alert_lines(alert):
    return [_("Rule: %(rule)s", rule=alert.name), _("User: %(user)s", user=alert.username or _("unknown")),
            _("Severity: %(severity)s", severity=labels.SEVERITIES.get(alert.severity, alert.severity)),
            _("Why: %(why)s", why=alert_text.why(alert)),
            _("When: %(when)s", when=format_datetime(alert.created_at)), alert_url(alert)]


def render(mail, alerts):
    """(subject, body) of `mail` about `alerts`, in the recipient's language."""
    with force_locale(mail.locale or "en_US"):
        if mail.kind == "digest" or len(alerts) != 1:
            subject = ngettext("%(num)d alert raised", "%(num)d alerts raised", len(alerts))
            parts = [_("These alerts were raised:"), ""]
            for alert in alerts:
                parts += [f"- {alert.name}: {alert.username} — {alert_text.why(alert)}", f"  {alert_url(alert)}"]
        else:
            alert = alerts[0]
            subject = _("Alert: %(rule)s — %(user)s", rule=alert.name, user=alert.username or _("unknown"))
            parts = _alert_lines(alert)
        parts += ["", _("You receive this because you are a recipient of the alert rule.")]
        return str(subject), "\n".join(str(p) for p in parts) + "\n"


# -- queueing --------------------------------------------------------------------------------------

def _address(value):
    value = str(value or "").strip()
    return value.lower() if len(value) <= 320 and _ADDRESS.match(value) else None


def _locales(addresses):
    """{address: locale} of the addresses that are console users' e-mail (their language)."""
    found = {}
    if addresses:
        rows = db.session.execute(select(func.lower(User.email), User.locale).where(
            func.lower(User.email).in_(list(addresses)), User.status == "active").order_by(User.id))
        for email, locale in rows:
            found.setdefault(email, locale or "en_US")
    return found


def _message_id(kind, alert_ids, recipient):
    """A Message-ID that the same message always has, so a resent copy is known as one."""
    digest = hashlib.sha256(f"{kind}:{','.join(map(str, alert_ids))}:{recipient}".encode()).hexdigest()[:32]
    return f"<{kind}-{alert_ids[0]}-{digest}@webconsole>"


@alert_signals.on_alerts_raised
def queue_notifications(alert_ids):
    """Write the messages owed for these raised alerts (one transaction), then start the sending job."""
    if not configured():
        return 0
    alerts = db.session.execute(select(Alert.id, AlertRule.recipients).join(AlertRule, AlertRule.id == Alert.rule_id)
                                .where(Alert.id.in_(list(alert_ids))).order_by(Alert.id)).all()
    owed = {}
    for alert_id, recipients in alerts:
        for recipient in {a for a in map(_address, recipients or []) if a}:
            owed.setdefault(recipient, []).append(alert_id)
    locales = _locales(owed)
    rows = []
    for recipient, ids in sorted(owed.items()):
        batches = [("digest", ids)] if len(ids) > DIGEST_OVER else [("alert", [i]) for i in ids]
        rows += [OutgoingMail(recipient=recipient, locale=locales.get(recipient, "en_US"), kind=kind, alert_ids=batch,
                              message_id=_message_id(kind, batch, recipient)) for kind, batch in batches]
    # The same alerts told twice (a retried signal) owe nothing more: their Message-IDs are already there.
    known = set(db.session.scalars(select(OutgoingMail.message_id).where(
        OutgoingMail.message_id.in_([r.message_id for r in rows])))) if rows else set()
    rows = [r for r in rows if r.message_id not in known]
    if rows:
        db.session.add_all(rows)
        db.session.commit()
        start_sending()
    return len(rows)


def start_sending():
    """Start a job that sends the due messages."""
    from webconsole.domain import jobs  # here: jobs imports the queue, which imports the job kinds
    return jobs.start_job(SEND_KIND, label=str(_l("Alert e-mail")))


def sending_queued():
    """Is a sending job waiting to start? (It will send whatever is due when it does.)"""
    return db.session.scalar(select(Job.id).where(Job.kind == SEND_KIND, Job.state == "queued").limit(1)) is not None


def due_count(now=None):
    """How many messages are due to be sent now (none claimed, sent or failed)."""
    return db.session.scalar(select(func.count()).select_from(OutgoingMail).where(_due(now or utcnow())))


def _due(now):
    return OutgoingMail.sent_at.is_(None) & OutgoingMail.failed_at.is_(None) & (OutgoingMail.next_attempt_at <= now)


# -- sending ---------------------------------------------------------------------------------------

def claim(mail_id, now):
    """Take message `mail_id` for this sender if it is still due; True when this sender has it."""
    taken = db.session.execute(update(OutgoingMail).where(OutgoingMail.id == mail_id, _due(now)).values(
        next_attempt_at=now + CLAIM, attempts=OutgoingMail.attempts + 1).execution_options(
        synchronize_session=False)).rowcount
    db.session.commit()
    return taken == 1


def _mark(mail_id, **values):
    db.session.execute(update(OutgoingMail).where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None))
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


class _Connection:
    """One SMTP session for a run of messages, opened at the first and again after a failure."""

    def __init__(self, config):
        self.config, self.smtp = config, None

    def send(self, message):
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message)
        except Exception:
            self.close()
            raise

    def _open(self):
        c = self.config
        security, host, port = c.get("SMTP_SECURITY") or "none", c["SMTP_HOST"], c.get("SMTP_PORT")
        if security not in ("none", "starttls", "tls"):
            raise ValueError("WEBCONSOLE_SMTP_SECURITY must be none, starttls or tls")
        if security == "tls":
            smtp = smtplib.SMTP_SSL(host, port or 465, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port or (587 if security == "starttls" else 25), timeout=SMTP_TIMEOUT)
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if c.get("SMTP_USER"):
            smtp.login(c["SMTP_USER"], c.get("SMTP_PASSWORD") or "")
        return smtp

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def build_message(mail):
    """The EmailMessage of an OutgoingMail row (the alerts it names that are still stored)."""
    alerts = db.session.scalars(select(Alert).where(Alert.id.in_(mail.alert_ids or [])).order_by(Alert.id)).all()
    if not alerts:
        return None
    subject, body = render(mail, alerts)
    message = EmailMessage()
    message["Subject"], message["To"] = subject, mail.recipient
    message["From"] = current_app.config.get("SMTP_SENDER") or "webconsole@localhost"
    message["Message-ID"], message["Date"] = mail.message_id, formatdate(localtime=False, usegmt=True)
    message.set_content(body)  # before Content-Language: it replaces every Content-* header
    message["Content-Language"] = (mail.locale or "en_US").replace("_", "-")
    return message


def send_due(now=None, limit=SEND_BATCH, progress=None):
    """Send up to `limit` due messages; (sent, refused) counts."""
    now = now or utcnow()
    ids = db.session.scalars(select(OutgoingMail.id).where(_due(now)).order_by(OutgoingMail.id).limit(limit)).all()
    connection, sent, refused = _Connection(current_app.config), 0, 0
    try:
        for n, mail_id in enumerate(ids):
            if not claim(mail_id, now):
                continue  # another sender has it
            mail = db.session.get(OutgoingMail, mail_id)
            db.session.refresh(mail)
            try:
                message = build_message(mail)
                if message is None:  # its alerts were deleted: nothing left to say
                    _mark(mail_id, failed_at=utcnow(), last_error="the alerts are no longer stored")
                    continue
                connection.send(message)
            except (smtplib.SMTPException, OSError, ValueError) as error:
                refused += 1
                _refused(mail, error, now)
            else:
                sent += 1
                _mark(mail_id, sent_at=utcnow(), last_error="")
            if progress is not None:
                progress(n + 1, len(ids))
    finally:
        connection.close()
    return sent, refused


def _refused(mail, error, now):
    text = f"{type(error).__name__}: {error}"[:500]
    log.warning("alert e-mail %s to %s refused: %s", mail.id, mail.recipient, text)
    if mail.attempts >= MAX_ATTEMPTS:
        _mark(mail.id, failed_at=utcnow(), last_error=text)
    else:
        _mark(mail.id, next_attempt_at=now + BACKOFF[min(mail.attempts, len(BACKOFF)) - 1], last_error=text)


def undelivered(limit=20):
    """The newest messages that failed for good, and how many are waiting for another attempt."""
    failed = db.session.scalars(select(OutgoingMail).where(OutgoingMail.failed_at.is_not(None))
                                .order_by(OutgoingMail.id.desc()).limit(limit)).all()
    retrying = db.session.scalar(select(func.count()).select_from(OutgoingMail).where(
        OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None), OutgoingMail.attempts > 0))
    return failed, retrying


# -- the toolbar's bell ----------------------------------------------------------------------------

def _seen(actor):
    mark = db.session.get(NotificationMark, actor.id)
    return mark.seen_alert_id if mark is not None else 0


def unread(actor):
    """(count up to UNREAD_BOUND + 1, the LATEST newest) of the alerts in `actor`'s scope they have not
    read: one query of at most UNREAD_BOUND + 1 rows, walking the alerts' id index from the newest."""
    stmt = restrict(select(Alert.id, Alert.name, Alert.username, Alert.severity, Alert.created_at)
                    .where(Alert.id > _seen(actor)), scope_for(actor, "alerts.manage"), org_column=Alert.org_id)
    rows = db.session.execute(stmt.order_by(Alert.id.desc()).limit(UNREAD_BOUND + 1)).all()
    return len(rows), rows[:LATEST]


def mark_all_read(actor):
    """Count every alert raised so far as read by `actor`."""
    newest = db.session.scalar(select(func.max(Alert.id))) or 0
    mark = db.session.get(NotificationMark, actor.id)
    if mark is None:
        db.session.add(NotificationMark(user_id=actor.id, seen_alert_id=newest))
    elif newest > mark.seen_alert_id:
        mark.seen_alert_id = newest
    db.session.commit()
