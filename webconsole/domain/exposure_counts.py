"""Exposure counts: each actor's exposed files by hour and by day, kept as events are stored.

Alert rules count windows of up to 90 days of one actor's exposed files. Reading those events on
every batch costs more than storing the batch, so the transaction that stores events also adds them
here, grouped by actor, hour (and day), exposure, event type and category. A rule sums the buckets
its window touches for an upper bound of its count: when that bound is within the threshold (as for
a rule tuned to its workforce, nearly always) no event is read. The bound is rule-independent, so a
rule created, edited or enabled needs nothing filled in, and it is committed with the events, so a
failed evaluation never leaves it short.
"""
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import accumulate

from sqlalchemy import and_, func, or_, select

from webconsole.extensions import db
from webconsole.models import ExposureCount

EPOCH = datetime(1970, 1, 1)
HOUR = timedelta(hours=1)
SPANS = (1, 24)  # hours in a bucket: an hour, a day (UTC)
DAY_SPAN_FROM = timedelta(days=2)  # windows this long and longer are bounded by the day buckets
# Bytes saturate here: far above any threshold (webconsole.domain.alert_rules.THRESHOLD_MAX), and two of
# them still add up within a signed 64-bit integer.
BYTES_MAX = 2**61

_KEY = "user_id, username, span, hour, exposure, event_type, category"


def hour_of(moment, span=1):
    """The bucket of `moment`: hours since 1970 (floored), a multiple of `span`."""
    hour = (moment - EPOCH) // HOUR
    return hour - hour % span


def start_of(hour):
    """The moment an hour number begins."""
    return EPOCH + hour * HOUR


def _hour_sql(dialect, span):
    seconds = 3600 * span
    if dialect == "postgresql":
        return f"(floor(extract(epoch FROM event_at) / {seconds})::bigint * {span})"
    # SQLite: whole seconds since 1970 (the fraction left off: 9999-12-31 23:59:59.9999995 would round into
    # the year 10000 and come out NULL), floored to the span (% truncates toward zero, hence the + seconds).
    s = "CAST(strftime('%s', substr(event_at, 1, 19)) AS INTEGER)"
    return f"((({s}) - ((({s}) % {seconds}) + {seconds}) % {seconds}) / 3600)"


def tally_statements(dialect, where):
    """The INSERT ... SELECT ... ON CONFLICT statements (hours, then days) that add the file events
    matching the SQL condition `where` to the counts. In key order, so two transactions adding to the
    same buckets lock them in the same order."""
    if dialect == "postgresql":
        size, larger = f"LEAST(coalesce(sum(file_size), 0), {BYTES_MAX})::bigint", "GREATEST"
    else:  # total() is a float and cannot overflow where sum() of 64-bit sizes would
        size, larger = f"CAST(min(total(file_size), {BYTES_MAX}) AS INTEGER)", "max"
    statements = []
    for span in SPANS:
        statements.append(
            f"INSERT INTO exposure_counts ({_KEY}, files, bytes, max_id) "
            f"SELECT coalesce(user_id, 0), CASE WHEN user_id IS NULL THEN username ELSE '' END, {span}, "
            f"{_hour_sql(dialect, span)} AS hour, exposure, event_type, coalesce(file_category, ''), count(*), {size}, "
            f"max(id) FROM file_events WHERE ({where}) AND (exposure != 0 OR event_type = 'EMAILED') "
            f"GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7 "
            f"ON CONFLICT ({_KEY}) DO UPDATE SET files = exposure_counts.files + excluded.files, "
            f"bytes = CASE WHEN exposure_counts.bytes + excluded.bytes > {BYTES_MAX} THEN {BYTES_MAX} "
            f"ELSE exposure_counts.bytes + excluded.bytes END, "
            f"max_id = {larger}(exposure_counts.max_id, excluded.max_id)")
    return statements


def tally(connection, first_id, last_id):
    """Add the events this transaction stored (ids first_id..last_id) to the counts.

    On PostgreSQL the id range may also hold events other transactions committed meanwhile (ids come
    from a shared sequence): they are counted again. That only raises an upper bound, never lowers
    one, and filtering them out by a column of the row (inserted_at) would miss the stores whose rows carry
    times of their own, such as the demo loader's."""
    dialect = connection.dialect.name
    where = "id BETWEEN %(first)s AND %(last)s" if dialect == "postgresql" else "id BETWEEN :first AND :last"
    for statement in tally_statements(dialect, where):
        connection.exec_driver_sql(statement, {"first": first_id, "last": last_id})


def span_of(window):
    """The bucket size, in hours, that bounds a window of this length."""
    return 24 if window >= DAY_SPAN_FROM else 1


class _Series:
    """One (span, exposure, event type, category)'s buckets of an actor, in hour order, with running sums."""

    def __init__(self, rows):
        rows.sort(key=lambda r: r.hour)
        self.hours = [r.hour for r in rows]
        self.files = [0, *accumulate(r.files for r in rows)]
        self.bytes = [0, *accumulate(r.bytes for r in rows)]


class Bounds:
    """An actor's buckets over the windows asked for; `of(...)` bounds one rule's count in a window."""

    def __init__(self, rows):
        found = defaultdict(list)
        for row in rows:
            found[row.span, (row.exposure, row.event_type, row.category)].append(row)
        self.series = {key: _Series(members) for key, members in found.items()}

    def of(self, start, end, matches, kind):
        """At least the files (kind "files") or bytes the events within (start, end] of the kinds
        (exposure, event type, category) that `matches` add up to."""
        span = span_of(end - start)
        low, high = hour_of(start, span), hour_of(end, span)
        total = 0
        for (bucket_span, event_kind), series in self.series.items():
            if bucket_span != span or not matches(event_kind):
                continue
            i, j = bisect_left(series.hours, low), bisect_right(series.hours, high)
            sums = series.files if kind == "files" else series.bytes
            total += sums[j] - sums[i]
        return total


_COLUMNS = (ExposureCount.user_id, ExposureCount.username, ExposureCount.span, ExposureCount.hour,
            ExposureCount.exposure, ExposureCount.event_type, ExposureCount.category, ExposureCount.files,
            ExposureCount.bytes)
_ACTORS_PER_QUERY = 500


def _ranges(windows):
    """{span: (lowest, highest hour)} that the windows of `windows` ({actor: [(start, end)]}) touch."""
    ranges = {}
    for spans in windows.values():
        for start, end in spans:
            span = span_of(end - start)
            low, high = hour_of(start, span), hour_of(end, span)
            old = ranges.get(span)
            ranges[span] = (min(low, old[0]), max(high, old[1])) if old else (low, high)
    return ranges


def _owners(actors):
    """The SQL condition of buckets of `actors`, in batches of _ACTORS_PER_QUERY."""
    for n in range(0, len(actors), _ACTORS_PER_QUERY):
        some = actors[n:n + _ACTORS_PER_QUERY]
        users = [user_id for user_id, _name in some if user_id is not None]
        names = [name for user_id, name in some if user_id is None]
        yield or_(*([ExposureCount.user_id.in_(users)] if users else []), *(
            [and_(ExposureCount.user_id == 0, ExposureCount.username.in_(names))] if names else []))


def _actor(row):
    return (row.user_id, "") if row.user_id else (None, row.username)


def totals(windows):
    """{actor: (files, bytes)}: all the actor's exposed files within the days that any of the windows of
    `windows` ({actor: [(start, end)]}) touch, a bound of every one of them; summed by the database."""
    low = min(hour_of(start, 24) for spans in windows.values() for start, _end in spans)
    high = max(hour_of(end, 24) for spans in windows.values() for _start, end in spans)
    found = {}
    for owners in _owners(list(windows)):
        for row in db.session.execute(
                select(ExposureCount.user_id, ExposureCount.username, func.sum(ExposureCount.files),
                       func.sum(ExposureCount.bytes))
                .where(owners, ExposureCount.span == 24, ExposureCount.hour.between(low, high))
                .group_by(ExposureCount.user_id, ExposureCount.username)):
            found[_actor(row)] = (row[2], row[3])
    return found


def bounds_for(windows):
    """{actor: Bounds} for `windows` ({actor: [(start, end)]}, datetimes): one query a span (per 500
    actors), each a range of the key per actor, so an import's chunk of many users costs a few queries."""
    ranges = _ranges(windows)
    found = defaultdict(list)
    for owners in _owners(list(windows)):
        for span, (low, high) in ranges.items():
            for row in db.session.execute(select(*_COLUMNS).where(
                    owners, ExposureCount.span == span, ExposureCount.hour.between(low, high))):
                found[_actor(row)].append(row)
    return {actor: Bounds(found.get(actor, ())) for actor in windows}


def newest_id_between(actor, start, end):
    """The newest event id counted in the actor's hours from the one holding `start` up to, not
    including, the one holding `end`: 0 for none."""
    user_id, username = actor
    return db.session.scalar(select(func.max(ExposureCount.max_id)).where(
        ExposureCount.user_id == (user_id or 0), ExposureCount.username == ("" if user_id else username),
        ExposureCount.span == 1, ExposureCount.hour >= hour_of(start), ExposureCount.hour < hour_of(end))) or 0
