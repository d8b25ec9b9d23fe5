"""Sending alert e-mail as a job, and the periodic pick-up of messages whose next attempt is due.

Raising alerts starts a sending job at once; a message refused by the SMTP server waits for its
backoff, and a message whose job died with its worker waits for its claim to run out: the periodic
task starts a job whenever such messages are due, so none is left behind after a restart.
"""
from huey import crontab

from webconsole.domain import notifications
from webconsole.jobs.kinds import job_kind
from webconsole.jobs.periodic import _in_app
from webconsole.jobs.queue import huey


@job_kind(notifications.SEND_KIND)
def send_notifications(context):
    """Send the alert e-mail that is due, each claimed before it is sent."""
    total = 0
    while True:
        sent, refused = notifications.send_due(progress=lambda done, n, before=total: context.progress(before + done))
        total += sent + refused
        if sent + refused < notifications.SEND_BATCH:
            break
    context.progress(total, total)


@huey.periodic_task(crontab(minute="*"))
@_in_app
def notifications_catch_up():
    """Every minute: start sending when messages are due (retries after their backoff, stragglers)."""
    if notifications.configured() and notifications.due_count() and not notifications.sending_queued():
        notifications.start_sending()
