"""Details a person notices in the browser: chart legends with values, the address after a failed form,
breadcrumb spacing, audit details that open whole."""
from playwright.sync_api import expect
from sqlalchemy import select

from webconsole.extensions import db
from webconsole.models import Org


def _org(live_app, name):
    with live_app.app_context():
        return db.session.scalar(select(Org.id).where(Org.name == name))


def test_chart_legends_show_the_latest_values_before_any_hover(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/dashboard/")
    legend = page.locator("[data-chart] .u-legend")
    expect(legend).to_be_visible()
    values = legend.locator(".u-series .u-value")
    assert values.count() >= 2  # the date and at least one destination
    texts = values.all_inner_texts()
    assert all(t.strip() for t in texts), texts


def test_a_failed_form_leaves_an_address_that_reloads(page, sign_in, base_url, live_app):
    sign_in("admin@example.com")
    org = _org(live_app, "Engineering")
    page.goto(f"{base_url}/orgs/{org}")
    form = page.locator(f'form[action="/orgs/{org}/edit"]')
    form.get_by_label("Name", exact=True).fill("")
    form.get_by_role("button", name="Save").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    expect(page).to_have_url(f"{base_url}/orgs/{org}")
    response = page.reload()
    assert response.status == 200 and response.request.method == "GET"


def test_breadcrumbs_keep_a_space_on_each_side_of_the_separator(page, sign_in, base_url, live_app):
    sign_in("admin@example.com")
    page.goto(f"{base_url}/orgs/{_org(live_app, 'Platform')}")
    crumbs = page.locator("nav.breadcrumbs a")
    assert crumbs.count() >= 2
    gaps = page.evaluate("""() => {
        const links = [...document.querySelectorAll('nav.breadcrumbs a')];
        return links.slice(0, -1).map((a, i) => {
            const after = getComputedStyle(a, '::after');
            const next = links[i + 1].getBoundingClientRect().left - a.getBoundingClientRect().right;
            return [parseFloat(after.marginLeft), parseFloat(after.marginRight), next];
        });
    }""")
    for before, after, _between in gaps:
        assert before > 2 and after > 2, gaps


def test_an_audit_entrys_details_open_whole_in_the_row(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/audit/")
    cell = page.locator("#list-audit details.cell-whole").first
    expect(cell).to_be_visible()
    summary = cell.locator("summary")
    assert summary.get_attribute("title")
    closed = cell.bounding_box()["height"]
    summary.click()
    expect(cell).to_have_attribute("open", "")
    assert cell.bounding_box()["height"] >= closed
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1", summary.element_handle())
