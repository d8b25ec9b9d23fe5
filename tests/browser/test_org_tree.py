"""The Organizations tree by keyboard, and lists whose default columns fit a 1440 × 900 window."""
import pytest
from playwright.sync_api import expect


def test_an_org_is_expanded_and_collapsed_by_keyboard(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/orgs/")
    rows = page.locator("#list-orgs tbody td.tree-name a")
    expect(rows).to_have_text(["Example Corp", "Engineering", "Finance", "Operations", "Sales"])
    toggle = page.get_by_role("button", name="Organizations under Sales")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # Children right under their parent, in the locale's order: "Americas" before "APAC".
    expect(rows).to_have_text(["Example Corp", "Engineering", "Finance", "Operations", "Sales",
                               "Americas Sales", "APAC Sales", "EMEA Sales"])
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(rows).to_have_count(5)


@pytest.mark.parametrize("locale", ["en_US", "de"])
@pytest.mark.parametrize("path", ["/devices/", "/forensic-search/"])
def test_the_default_columns_fit_the_box_at_1440_px(page, sign_in, base_url, path, locale):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in("admin@example.com", locale)
    page.goto(base_url + path)
    table = page.locator("table.list")
    expect(table.locator("tbody tr").first).to_be_visible()
    table_width, box_width = table.evaluate("t => [t.offsetWidth, t.closest('.table-wrap').clientWidth]")
    assert table_width <= box_width, f"{path}: a {table_width} px table in a {box_width} px box"
    # Every value its column cuts ("Aarav's MacBook …") shows whole on hover.
    cut = table.evaluate("""t => Array.from(t.querySelectorAll('tbody td'))
        .filter(td => td.scrollWidth > td.clientWidth + 1)
        .map(td => [td.innerText.trim(), td.getAttribute('title')])""")
    untitled = [(text, title) for text, title in cut if not title or not title.startswith(text)]
    assert not untitled, untitled
