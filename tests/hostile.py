"""Hostile values and the map of the console's routes that the property-based test drives.

The map is learnt from the console itself: every page a Customer Cloud Admin can open is fetched
once, and its links and forms say which parameters, field names and path values each route takes.
"""
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

BIG = [str(2**63), str(2**64 + 1), "9" * 40, "-" + str(2**63 + 1), "1" + "0" * 400]
DIGITS = ["²", "٣", "１２", "߀", "³²", "Ⅻ", "①"]
DATES = ["9999-12-31", "0001-01-01", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
         "9999-12-31T23:59:59.999999+00:00", "10000-01-01", "2024-02-30", "0000-00-00", "-0001-01-01",
         "2024-01-01T25:61", "P1D"]
FLOATS = ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e400", "-1e400", "1e-400", "0x10", "1_000"]
CONTROL = ["\x00", "a\x00b", "\r\n", "/x\r\nSet-Cookie: hostile=1", "\n", "\t", "\x1b[31m", "\x7f"]
MARKUP = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "=HYPERLINK(\"http://evil.test\")",
          "'; DROP TABLE users; --", "%", "%00", "%%", "_", "*", "\\", "../../etc/passwd",
          "//evil.example", "https://evil.example/", "javascript:alert(1)", "/\\evil.example", "invoice\u202efdp.exe",
          "\ufeff", "\u0301", "\U0001f4a9" * 3]
SHAPES = ["", " ", "0", "-1", "1", "true", "null", "[]", "{}", "None", "A" * 5000]
HOSTILE_TEXT = BIG + DIGITS + DATES + FLOATS + CONTROL + MARKUP + SHAPES
HOSTILE_NAMES = ["²", "f²", "v١", "o\x00", "a" * 300, "cursor[]", "__proto__", "f9999999999999999999999"]
# Lone surrogates cannot travel in a URL or a form (they have no UTF-8), but JSON can spell them.
JSON_ONLY_TEXT = ["\ud800", "x\udfffy"]



class Raw(str):
    """Request text whose repr stays short when Hypothesis reports it (deep JSON is 200 kB long)."""

    def __repr__(self):
        return f"Raw({str.__repr__(self[:40])}... {len(self)} characters)" if len(self) > 80 else str.__repr__(self)


DEEP_JSON = Raw("[" * 100_000 + "]" * 100_000)
DEEP_OBJECT = Raw('{"a":' * 100_000 + "1" + "}" * 100_000)
RAW_JSON = [DEEP_JSON, DEEP_OBJECT, "1e400", "[1e400, -1e400]", "NaN", '{"a": Infinity}', str(2**70),
            '{"events": [' + str(2**70) + "]}", '"\\u0000"', "{", "", "\x00", '{"a": 1, "a": 2}', "[" * 5000]


def hostile_text():
    """A text value an attacker would try: a listed one, or anything Hypothesis makes up."""
    return st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40))


def json_values(keys):
    """JSON values of the wrong and the extreme kinds, with objects keyed by the route's own names."""
    leaves = st.one_of(
        st.none(), st.booleans(), st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**400 // 10**300, 0, -1]),
        st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_TEXT + JSON_ONLY_TEXT),
        st.text(max_size=20))
    names = st.sampled_from(sorted(keys) + ["²", "\x00"]) if keys else st.text(max_size=8)
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(names, inner, max_size=5)), max_leaves=12)


class _Harvest(HTMLParser):
    """Links, forms and the names of their fields on one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.forms, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for attr in ("href", "hx-get", "hx-post", "action", "src", "data-url", "hx-delete", "hx-put"):
            if a.get(attr):
                self.links.append(("POST" if attr in ("hx-post", "hx-put", "hx-delete") else "GET", a[attr]))
        if tag == "form":
            target = a.get("hx-post") or a.get("action") or a.get("hx-get") or ""
            method = "POST" if a.get("hx-post") or (a.get("method") or "get").lower() == "post" else "GET"
            self._form = {"method": method, "target": target, "fields": {}}
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea", "button") and a.get("name"):
            fields = self._form["fields"] if self._form is not None else {}
            fields.setdefault(a["name"], set())
            if a.get("value"):
                fields[a["name"]].add(a["value"])
            self._select = a["name"]
        elif tag == "option" and a.get("value") is not None and self._form is not None:
            name = getattr(self, "_select", None)
            if name:
                self._form["fields"].setdefault(name, set()).add(a["value"])
        if a.get("hx-vals"):
            try:
                self.links.append(("VALS", json.loads(a["hx-vals"])))
            except ValueError:
                pass

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


class RouteMap:
    """What each endpoint takes: path argument values, parameter names and ordinary values seen."""

    def __init__(self, app):
        self.app = app
        self.adapter = app.url_map.bind("localhost")
        self.args = {}  # endpoint -> {argument: {values}}
        self.names = {}  # endpoint -> {name: {values}}

    def _match(self, method, url):
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/"):
            return None
        try:
            endpoint, values = self.adapter.match(parts.path, method=method)
        except (HTTPException, RequestRedirect):
            return None
        for key, value in values.items():
            self.args.setdefault(endpoint, {}).setdefault(key, set()).add(str(value))
        names = self.names.setdefault(endpoint, {})
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            names.setdefault(key, set()).add(value)
        return endpoint

    def learn(self, html):
        """Note every route this page links to or posts to, with its parameters."""
        page = _Harvest()
        page.feed(html)
        found = []
        for method, link in page.links:
            if method != "VALS":
                found.append((method, link))
        for form in page.forms:
            endpoint = self._match(form["method"], form["target"]) if form["target"] else None
            if endpoint:
                names = self.names.setdefault(endpoint, {})
                for name, values in form["fields"].items():
                    names.setdefault(name, set()).update(values)
        return [(m, link) for m, link in found if self._match(m, link)]

    def example_path(self, rule):
        """A concrete URL for `rule` from values seen on pages, or None when none were seen."""
        seen = self.args.get(rule.endpoint, {})
        values = {}
        for arg in rule.arguments:
            if not seen.get(arg):
                return None
            values[arg] = sorted(seen[arg])[0]
        return self.adapter.build(rule.endpoint, values, force_external=False) if values else rule.rule


_ARG = re.compile(r"<(?:(?P<conv>\w+)(?:\((?P<opts>[^)]*)\))?:)?(?P<name>\w+)>")


def path_strategy(rule, seen):
    """URLs for `rule`: path arguments from the values seen on pages, and hostile ones."""
    pieces = []
    last = 0
    for match in _ARG.finditer(rule.rule):
        pieces.append(st.just(rule.rule[last:match.start()]))
        conv, name = match["conv"] or "default", match["name"]
        known = sorted(seen.get(name, ()))
        if conv == "int":
            hostile = st.sampled_from(["0", "٣", "00", "9" * 25, str(2**63), str(2**31), str(2**64)])
        elif conv == "any":
            hostile = st.sampled_from([o.strip().strip("'\"") for o in match["opts"].split(",")])
        else:
            hostile = hostile_text().filter(lambda t: t and "/" not in t)
        choices = [st.sampled_from(known)] if known else []
        pieces.append(st.one_of(*choices, hostile).map(lambda v: quote(v, safe="")))
        last = match.end()
    pieces.append(st.just(rule.rule[last:]))
    return st.tuples(*pieces).map("".join)
