"""Alert e-mail through a real SMTP server on loopback: language, digest, retry, never twice; the bell."""
import email
import email.policy
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.domain.test_cases import make_alert
from webconsole.domain import alert_signals, notifications
from webconsole.extensions import db
from webconsole.models import Job, OutgoingMail, User
from webconsole.models.base import utcnow


class Mailbox:
    """An aiosmtpd handler keeping each delivered message; it refuses the first `refuse` deliveries."""

    def __init__(self):
        self.messages, self.refuse, self.lock = [], 0, threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A local SMTP server the app sends to; its Mailbox."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port (the controller checks it started by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_SECURITY="none",
                      SMTP_SENDER="console@acme.test", EXTERNAL_URL="https://console.acme.test/")
    yield mailbox
    controller.stop()


@pytest.fixture
def watched(app, world, make_user):
    ids = dict(world)
    ids["analyst"] = make_user("analyst@acme.test", "insider_risk_analyst", world["root"], locale="fr")
    ids["analyst_sv"] = make_user("analyst-sv@acme.test", "insider_risk_analyst", world["root"], locale="sv")
    return ids


def raise_alerts(n, user_id, recipients, **fields):
    ids = [make_alert(user_id, [], recipients=recipients, file_count=42, **fields) for _ in range(n)]
    alert_signals.alerts_raised(ids)
    return ids


def test_an_alert_mails_each_recipient_once_in_their_language(app, smtp, watched):
    with app.app_context():
        raise_alerts(1, watched["user"], [
            "Analyst@acme.test", "soc@partner.test", "analyst@acme.test", "not an address"])
        assert len(smtp.messages) == 2
        by_to = {m["To"]: m for m in smtp.messages}
        english, french = by_to["soc@partner.test"], by_to["analyst@acme.test"]
        assert english["Subject"] == "Alert: USB copies — user@acme.test"
        body = english.get_content()
        assert "42 files, 1.2 GB to removable media within 1 hour; threshold 20 files" in body
        assert "https://console.acme.test/" in body and english["From"] == "console@acme.test"
        assert french["Content-Language"] == "fr" and english["Content-Language"] == "en-US"
        assert english["Message-ID"] != french["Message-ID"]
        rows = db.session.scalars(select(OutgoingMail)).all()
        assert all(r.sent_at is not None and r.attempts == 1 for r in rows)


def test_many_alerts_at_once_make_one_digest(app, smtp, watched):
    with app.app_context():
        ids = raise_alerts(notifications.DIGEST_OVER + 1, watched["user"], ["analyst-sv@acme.test"])
        assert len(smtp.messages) == 1
        digest = smtp.messages[0]
        assert digest["Content-Language"] == "sv"
        assert digest.get_content().count("user@acme.test") == len(ids)
        raise_alerts(2, watched["seller"], ["analyst-sv@acme.test"])
        assert len(smtp.messages) == 3  # a few are told one by one


def test_a_refused_message_is_retried_after_its_backoff_and_sent_once(app, smtp, watched):
    smtp.refuse = 1
    with app.app_context():
        raise_alerts(1, watched["user"], ["soc@partner.test"])
        assert smtp.messages == []
        mail = db.session.scalar(select(OutgoingMail))
        assert mail.attempts == 1 and mail.sent_at is None and "451" in mail.last_error
        assert mail.next_attempt_at > utcnow()
        assert notifications.send_due() == (0, 0)  # not due yet
        later = mail.next_attempt_at + timedelta(seconds=1)
        assert notifications.due_count(later) == 1
        assert notifications.send_due(now=later) == (1, 0)
        assert notifications.send_due(now=later + timedelta(hours=1)) == (0, 0)
        assert len(smtp.messages) == 1
        db.session.refresh(mail)
        assert mail.sent_at is not None and mail.attempts == 2 and mail.last_error == ""


def test_the_same_alerts_told_twice_and_a_claimed_message_are_not_sent_twice(app, smtp, watched):
    smtp.refuse = 1
    with app.app_context():
        ids = raise_alerts(1, watched["user"], ["soc@partner.test"])
        alert_signals.alerts_raised(ids)  # a retried signal
        assert db.session.query(OutgoingMail).count() == 1
        mail = db.session.scalar(select(OutgoingMail))
        later = mail.next_attempt_at + timedelta(seconds=1)
        assert notifications.claim(mail.id, later) is True
        assert notifications.claim(mail.id, later) is False  # another sender has it now
        assert notifications.send_due(now=later) == (0, 0)
        assert smtp.messages == []


def test_a_message_refused_every_time_fails_for_good_and_is_shown(app, smtp, watched):
    smtp.refuse = notifications.MAX_ATTEMPTS
    with app.app_context():
        raise_alerts(1, watched["user"], ["soc@partner.test"])
        now = utcnow()
        for _ in range(notifications.MAX_ATTEMPTS):
            now += timedelta(hours=5)
            notifications.send_due(now=now)
        mail = db.session.scalar(select(OutgoingMail))
        assert mail.failed_at is not None and mail.attempts == notifications.MAX_ATTEMPTS
        assert notifications.send_due(now=now + timedelta(days=1)) == (0, 0)
        failed, retrying = notifications.undelivered()
        assert [m.recipient for m in failed] == ["soc@partner.test"] and retrying == 0
        assert smtp.messages == []


def test_without_an_smtp_server_nothing_is_queued(app, watched):
    with app.app_context():
        raise_alerts(1, watched["user"], ["soc@partner.test"])
        assert db.session.query(OutgoingMail).count() == 0
        assert db.session.scalar(select(Job.id).where(Job.kind == notifications.SEND_KIND)) is None


def test_the_bell_counts_unread_alerts_in_scope_up_to_a_bound(app, watched):
    with app.app_context():
        analyst = db.session.get(User, watched["analyst"])
        assert notifications.unread(analyst) == (0, [])
        ids = [make_alert(watched["user"], [], name=f"Rule {n}") for n in range(3)]
        count, latest = notifications.unread(analyst)
        assert count == 3 and [a.id for a in latest] == ids[::-1]
        notifications.mark_all_read(analyst)
        assert notifications.unread(analyst)[0] == 0
        for n in range(notifications.UNREAD_BOUND + 5):
            make_alert(watched["user"], [], name=f"More {n}")
        count, latest = notifications.unread(analyst)
        assert count == notifications.UNREAD_BOUND + 1 and len(latest) == notifications.LATEST


def test_administrators_see_undelivered_mail_on_the_jobs_page(app, client, sign_in, smtp, watched, make_user):
    smtp.refuse = 1
    with app.app_context():
        raise_alerts(1, watched["user"], ["soc@partner.test"])
        mail = db.session.scalar(select(OutgoingMail))
        mail.failed_at, mail.last_error = utcnow(), "SMTPDataError: (550, b'Mailbox unavailable')"
        db.session.commit()
    make_user("secadmin@acme.test", "security_admin", watched["root"])
    sign_in("secadmin@acme.test")
    page = client.get("/jobs/").get_data(as_text=True)
    assert "soc@partner.test" in page and "Mailbox unavailable" in page
    sign_in("analyst@acme.test")  # triages alerts, does not set their recipients
    assert "soc@partner.test" not in client.get("/jobs/").get_data(as_text=True)


@pytest.mark.committed  # the periodic task runs in an app context of its own
def test_a_message_left_behind_by_a_dead_sender_is_picked_up_by_the_periodic_task(app, smtp, watched):
    from webconsole.jobs.notifications import notifications_catch_up
    smtp.refuse = 1
    with app.app_context():
        raise_alerts(1, watched["user"], ["soc@partner.test"])  # refused once: waits for its backoff
        mail = db.session.scalar(select(OutgoingMail))
        mail.next_attempt_at = utcnow() - timedelta(seconds=1)  # as if its backoff (or a dead sender's claim) ran out
        db.session.commit()
        notifications_catch_up()
        assert len(smtp.messages) == 1
        db.session.refresh(mail)
        assert mail.sent_at is not None
        notifications_catch_up()
        assert len(smtp.messages) == 1
