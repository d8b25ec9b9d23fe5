"""Walking every page a role can open, checking that it fits the window and that axe-core finds no
serious or critical violation (test_every_page.py in light, test_every_page_dark.py in dark).

A role visits the sign-in page, its navigation's sections, the page of each list's first row, My Profile
and Help, in one browser context. A page fails if it scrolls sideways (documentElement.scrollWidth >
clientWidth; wide tables scroll inside their own box) or if axe-core (vendored under vendor/, injected
here only) reports a serious or critical violation.
"""
from pathlib import Path

from tests.browser.conftest import DEMO_PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
ROLES = ["admin", "orgadmin", "analyst", "legal", "auditor", "helpdesk", "user"]
# The first row's link of a list (its own page); "#" links open panels in place.
FIRST_ROW = """() => {
  const link = document.querySelector('main table tbody tr td a[href]:not([href^="#"])');
  return link ? link.href : null;
}"""
WIDER = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


# htmx's requests in flight, counted from its own events (added to every page of a context by
# `signed_in_page`). htmx sends afterRequest to the nearest element still in the page when the one that
# asked was swapped away.
COUNT_REQUESTS = """window.__htmxPending = 0;
document.addEventListener("htmx:beforeRequest", () => { window.__htmxPending += 1; });
document.addEventListener("htmx:afterRequest", () => { window.__htmxPending -= 1; });"""
# Quiet: loaded, no request in flight, and nothing swapped in still waiting to settle. Content swapped in
# keeps htmx-added until it settles, and settling is when its own "load" requests are sent: there is no
# moment between a response and the requests its content makes when this holds.
QUIET = """() => document.readyState === "complete" && window.__htmxPending === 0
  && !document.querySelector(".htmx-request, .htmx-added, .htmx-settling, .htmx-swapping")"""


def visit(page, url):
    """Open `url` and wait until what htmx loads after the page (counts, the bell, lazy panels) is in.
    (Playwright's "networkidle" would do too, but it waits half a second of silence on every page.)"""
    response = page.goto(url)
    page.wait_for_function(QUIET)
    return response


def problems_of(page, url):
    """What is wrong with the open page: its status, its width, axe's serious and critical findings."""
    found = []
    wider = page.evaluate(WIDER)
    if wider > 0:
        found.append(f"{url}: {wider} px wider than the window")
    # The console's Content-Security-Policy forbids inline script: the context bypasses it for axe only.
    page.add_script_tag(path=str(AXE))
    found += [f"{url}: {violation}" for violation in page.evaluate(AXE_RUN)]
    return found


def signed_in_page(browser, base_url, role, size, locale="en_US", scheme="light", problems=None):
    """A page of a new context at `size`, signed in as the demo `role` in `locale`, its system's colour
    scheme `scheme` (which the console follows until a theme is chosen). With a `problems` list, the
    sign-in page's own problems are added to it."""
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True, color_scheme=scheme)
    context.add_init_script(COUNT_REQUESTS)
    context.add_cookies([{"name": "locale", "value": locale, "url": base_url}])
    page = context.new_page()
    page.goto(base_url + "/auth/signin")
    if problems is not None:
        problems += problems_of(page, base_url + "/auth/signin")
    page.fill("input[name=username]", f"{role}@example.com")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/auth/signin" not in url)
    return page


def check_every_page(browser, base_url, role, size, locale, scheme="light"):
    """Open every page `role` can reach and fail with the list of what is wrong on any of them."""
    problems = []
    page = signed_in_page(browser, base_url, role, size, locale, scheme, problems)
    try:
        sections = page.locator("#sidenav a[href]").evaluate_all("links => links.map(a => a.href)")
        assert sections, f"{role} sees no section"
        todo = list(dict.fromkeys(sections + [base_url + "/account/profile", base_url + "/help/"]))
        seen = set()
        while todo:
            url = todo.pop(0)
            if url in seen:
                continue
            seen.add(url)
            response = visit(page, url)
            if response.status != 200:
                problems.append(f"{url}: answered {response.status}")
                continue
            if url in sections:
                first = page.evaluate(FIRST_ROW)
                if first and first not in seen:
                    todo.insert(0, first)
            problems += problems_of(page, url)
        if role == "admin":
            assert len(seen) > len(sections) + 5, "the lists' first rows were not opened"
        assert not problems, f"{role} at {size} in {locale}, {scheme}:\n" + "\n".join(problems)
    finally:
        page.context.close()
