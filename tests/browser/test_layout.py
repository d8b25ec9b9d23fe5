"""Every section fits the window: no page scrolls sideways (wide lists scroll inside their own frame)."""
import pytest


@pytest.mark.parametrize("locale", ["en_US", "de"])
def test_no_section_is_wider_than_the_window(page, sign_in, base_url, locale):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in("admin@example.com", locale)
    sections = page.locator("#sidenav a[href]").evaluate_all("links => links.map(a => a.href)")
    assert len(sections) >= 10
    for url in dict.fromkeys(sections + [base_url + "/help/"]):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{url} is {wide} px wider than the window"
