"""Every page fits a phone and a desktop, and axe-core finds no serious or critical violation on it.

Each demo role visits its navigation's sections, the page of each list's first row, My Profile and Help,
at 390 x 844 and 1440 x 900 (and the administrator's again in German on a phone), in one browser
context per role and size. A page fails if it scrolls
sideways (documentElement.scrollWidth > clientWidth; wide tables scroll inside their own box) or if
axe-core (vendored under vendor/, injected here only) reports a serious or critical violation.
"""
from pathlib import Path

import pytest
from playwright.sync_api import expect

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


def visit(page, url):
    """Open `url` and wait for what htmx loads after the page (counts, the bell, lazy panels)."""
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
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


def signed_in_page(browser, base_url, role, size, locale="en_US"):
    """A page of a new context at `size`, signed in as the demo `role` in `locale`."""
    context = browser.new_context(viewport=SIZES[size], bypass_csp=True)
    context.add_cookies([{"name": "locale", "value": locale, "url": base_url}])
    page = context.new_page()
    page.goto(base_url + "/auth/signin")
    page.fill("input[name=username]", f"{role}@example.com")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/auth/signin" not in url)
    return page


# Every role in English at both sizes; German's longer words once more for the role that sees the most.
CASES = [(role, size, "en_US") for role in ROLES for size in SIZES] + [("admin", "phone", "de")]


@pytest.mark.parametrize(("role", "size", "locale"), CASES)
def test_every_page_fits_and_passes_axe(browser, base_url, role, size, locale):
    page = signed_in_page(browser, base_url, role, size, locale)
    try:
        sections = page.locator("#sidenav a[href]").evaluate_all("links => links.map(a => a.href)")
        assert sections, f"{role} sees no section"
        todo = list(dict.fromkeys(sections + [base_url + "/account/profile", base_url + "/help/"]))
        seen, problems = set(), []
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
        assert not problems, f"{role} at {size} in {locale}:\n" + "\n".join(problems)
    finally:
        page.context.close()


def test_a_phone_keeps_many_actions_behind_one_menu_button(browser, base_url):
    page = signed_in_page(browser, base_url, "admin", "phone")
    try:
        visit(page, base_url + "/devices/")
        visit(page, page.evaluate(FIRST_ROW))
        toggle = page.get_by_role("button", name="Actions")
        deactivate = page.locator(".page-actions").get_by_role("link", name="Deactivate")
        expect(deactivate).to_be_hidden()
        toggle.focus()
        page.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(deactivate).to_be_visible()
        page.keyboard.press("Escape")
        expect(deactivate).to_be_hidden()
        expect(toggle).to_be_focused()
        page.set_viewport_size(SIZES["desktop"])
        expect(toggle).to_be_hidden()
        expect(deactivate).to_be_visible()
    finally:
        page.context.close()
