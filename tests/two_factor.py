"""An authenticator app for tests that sign in with two-factor codes."""
import time

import pyotp

from tests.polling import wait_for


class Authenticator:
    """An authenticator app for one secret that never hands out a window's code twice: the console takes a
    code once, and each sign-in needs a fresh one (the console accepts the window either side of the current
    one, so three sign-ins fit in one window; a fourth waits for the next)."""

    def __init__(self, secret):
        self.totp, self.last = pyotp.TOTP(secret), None

    def _step(self):
        current = int(time.time() // 30)
        step = current - 1 if self.last is None else max(self.last + 1, current - 1)
        return step if step <= current + 1 else None

    def __call__(self):
        step = wait_for(self._step, timeout=45, what="the next 30-second window")
        self.last = step
        return self.totp.at(step * 30)
