"""Waiting in tests: poll a condition until a deadline, never sleep a fixed time hoping the machine is quick."""
import time


def wait_for(condition, timeout=30, every=0.1, what="the condition"):
    """The first truthy value of `condition()`, polled every `every` seconds; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
