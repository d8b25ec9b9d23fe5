"""Every page of every other demo role fits a phone and a desktop and passes axe-core, in English and
the light theme (the administrator's are in test_every_page.py, which says how a page is checked)."""
import pytest

from tests.browser.page_audit import ROLES, SIZES, check_every_page

CASES = [(role, size) for role in ROLES if role != "admin" for size in SIZES]


@pytest.mark.parametrize(("role", "size"), CASES)
def test_every_page_fits_and_passes_axe(browser, base_url, role, size):
    check_every_page(browser, base_url, role, size, "en_US")
