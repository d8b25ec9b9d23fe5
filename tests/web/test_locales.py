"""Every locale renders: a translated string from its catalog and a date in its own format."""
from datetime import datetime

import pytest
from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po

from webconsole.config import LOCALES

SAMPLE = datetime(2026, 3, 14, 15, 9)


def catalog_string(locale, msgid):
    with open(f"translations/{locale}/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f)[msgid].string


@pytest.mark.parametrize("locale", LOCALES)
def test_page_is_translated_and_dates_are_localised(client, sign_in, world, app, locale):
    from webconsole.extensions import db
    from webconsole.models import Device
    with app.app_context():
        db.session.get(Device, world["user_laptop"]).last_connected = SAMPLE
        db.session.commit()
    sign_in("admin@acme.test")
    client.set_cookie("locale", locale)
    html = client.get("/devices/?q=USER-LAPTOP").get_data(as_text=True)
    heading = catalog_string(locale, "Last connected")
    assert heading and heading in html
    if not locale.startswith("en"):
        assert heading != "Last connected"  # a real translation, and the compiled catalog is in use
    expected = format_datetime(SAMPLE, "short", locale=Locale.parse(locale), tzinfo=None)
    assert expected in html



def bytes_in(app, locale, value):
    from flask_babel import force_locale

    from webconsole.web.templating import bytes_filter
    with app.test_request_context(), force_locale(locale):
        return bytes_filter(value)


@pytest.mark.parametrize("locale", LOCALES)
def test_byte_counts_read_naturally_in_every_locale(app, locale):
    small, large = bytes_in(app, locale, 512), bytes_in(app, locale, 3 * 1024**3)
    assert "512" in small and "digital" not in small and "digital" not in large  # never a unit's id
    assert large.startswith("3")
    if locale.startswith("en"):
        assert [bytes_in(app, locale, n) for n in (0, 1, 512)] == ["0 bytes", "1 byte", "512 bytes"]
