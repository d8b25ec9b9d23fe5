"""What the benchmarks share: timing requests through the test client and following list cursors."""
import re
import statistics
import time

HX = {"HX-Request": "true"}


def p95(samples):
    """The 95th percentile of sorted `samples` (the nearest rank below)."""
    return samples[max(0, int(len(samples) * 0.95) - 1)]


def timed(client, url, headers=None, runs=30, warm_up=False, statuses=(200,)):
    """(median ms, p95 ms, last body) of `runs` GETs of `url`, after one untimed GET if `warm_up`."""
    body = client.get(url, headers=headers or {}).get_data(as_text=True) if warm_up else ""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code in statuses, (url, response.status_code)
        body = response.get_data(as_text=True)
    samples.sort()
    return statistics.median(samples), p95(samples), body


def next_url(html):
    """The rows URL a list page or fragment loads next, or None at the end of the list."""
    found = re.search(r'hx-get="([^"]*/rows\?cursor=[^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def scroll_to(client, url, depth):
    """(rows URL of the `depth`-th scrolled page or of the last one, its depth), following cursors."""
    rows, reached = next_url(client.get(url, headers=HX).get_data(as_text=True)), 1
    while rows and reached < depth:
        following = next_url(client.get(rows, headers=HX).get_data(as_text=True))
        if following is None:
            break
        rows, reached = following, reached + 1
    return rows, reached
