import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect


def column_texts(page, key, n):
    return page.locator(f"#list-{key} tbody tr:not(.list-end):not(.list-sentinel) td:nth-child({n})").all_inner_texts()


def test_clicking_a_heading_sorts_ascending_then_descending(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/users/")
    heading = page.locator("#list-users th", has_text="Organization")
    heading.get_by_role("link").click()
    expect(page).to_have_url(f"{base_url}/users/?sort=org_name&dir=asc")
    expect(page.locator("#list-users th", has_text="Organization")).to_have_attribute("aria-sort", "ascending")
    orgs = column_texts(page, "users", 3)
    assert orgs == sorted(orgs)
    page.locator("#list-users th", has_text="Organization").get_by_role("link").click()
    expect(page).to_have_url(f"{base_url}/users/?sort=org_name&dir=desc")
    orgs = column_texts(page, "users", 3)
    assert orgs == sorted(orgs, reverse=True)


def test_scrolling_reaches_the_end_without_gaps_or_repeats(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/users/?sort=org_name&dir=asc")  # many equal org names: ties on every page
    end = page.locator("#list-users .list-end")
    for _ in range(10):  # 200 users at 50 a page: four pages, then the end
        if end.count():
            break
        rows = page.locator("#list-users tbody tr").count()
        # In the page, not through a locator: the sentinel may be swapped out between finding and scrolling.
        page.evaluate("document.querySelector('#list-users .list-sentinel')?.scrollIntoView()")
        page.wait_for_function("rows => document.querySelector('#list-users .list-end') "
                               "|| document.querySelectorAll('#list-users tbody tr').length > rows", arg=rows)
    expect(end).to_be_visible()
    usernames = column_texts(page, "users", 1)
    assert len(usernames) == 200
    assert len(set(usernames)) == 200


def test_search_filters_as_you_type_and_lands_in_the_url(page, sign_in, base_url):
    sign_in("admin@example.com")
    page.goto(base_url + "/devices/")
    page.get_by_placeholder("Search by name, hostname, user or GUID").type("macbook", delay=20)
    expect(page).to_have_url(re.compile(r"q=macbook"))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["macbook"], "sort": ["name"], "dir": ["asc"]}
    names = column_texts(page, "devices", 1)
    assert names and all("MacBook" in name for name in names)
    page.reload()
    expect(page.get_by_placeholder("Search by name, hostname, user or GUID")).to_have_value("macbook")


def test_widths_survive_a_new_session_and_reset_on_double_click(page, sign_in, base_url, browser):
    sign_in("helpdesk@example.com")
    page.goto(base_url + "/devices/")
    col = page.locator('#list-devices col[data-col="org_name"]')
    before = col.evaluate("c => c.getBoundingClientRect().width")
    handle = page.locator('#list-devices .col-resize[data-col="org_name"]')
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + box["height"] / 2, steps=5)
    with page.expect_response("**/preferences/lists/devices/widths"):
        page.mouse.up()
    after = col.evaluate("c => c.getBoundingClientRect().width")
    assert after > before + 80

    # Another browser, a new session: the widths come from the server.
    other = browser.new_context().new_page()
    sign_in("helpdesk@example.com", target=other)
    other.goto(base_url + "/devices/")
    restored = other.locator('#list-devices col[data-col="org_name"]').evaluate(
        "c => c.getBoundingClientRect().width")
    assert abs(restored - after) < 2

    with other.expect_response("**/widths/reset"):
        other.locator("#list-devices thead th", has_text="Status").dblclick()
    expect(other).to_have_url(f"{base_url}/devices/")  # the double-click did not sort
    reset = other.locator('#list-devices col[data-col="org_name"]').evaluate(
        "c => c.getBoundingClientRect().width")
    assert abs(reset - before) < 2
    page.reload()
    assert abs(col.evaluate("c => c.getBoundingClientRect().width") - before) < 2
    other.context.close()


def test_a_column_is_resized_and_reset_by_keyboard(page, sign_in, base_url):
    sign_in("helpdesk@example.com")
    page.goto(base_url + "/users/")
    col = page.locator('#list-users col[data-col="org_name"]')
    before = col.evaluate("c => c.getBoundingClientRect().width")
    handle = page.get_by_role("separator", name="Width of the column Organization")
    handle.focus()
    expect(handle).to_be_focused()
    page.keyboard.press("ArrowRight")
    with page.expect_response("**/preferences/lists/users/widths"):
        page.keyboard.press("Shift+ArrowRight")
    assert abs(col.evaluate("c => c.getBoundingClientRect().width") - (before + 60)) < 2
    expect(handle).to_have_attribute("aria-valuenow", str(round(before) + 60))
    page.reload()
    assert abs(col.evaluate("c => c.getBoundingClientRect().width") - (before + 60)) < 2
    handle.focus()
    with page.expect_response("**/widths/reset"):
        page.keyboard.press("Home")
    assert abs(col.evaluate("c => c.getBoundingClientRect().width") - before) < 2
    page.reload()
    assert abs(col.evaluate("c => c.getBoundingClientRect().width") - before) < 2
