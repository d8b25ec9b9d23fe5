"""The sessions list names a browser and its system in a few words, whatever the header says."""
import pytest

from webconsole.web.user_agents import describe

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"
EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
        "Safari/537.36 Edg/131.0.0.0")
SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")
FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.mark.parametrize("header, expected", [
    (CHROME, ("Chrome 156", "Linux")), (EDGE, ("Edge 131", "Windows")), (SAFARI, ("Safari 18", "iOS")),
    (FIREFOX, ("Firefox 133", "macOS")), ("curl/8.5.0", ("curl/8.5.0", "")), ("", ("", "")),
    ("x" * 255, ("x" * 40 + "…", "")),
])
def test_a_browser_is_named_with_its_version_and_system(header, expected):
    assert describe(header) == expected


def test_my_profile_shows_the_browser_not_its_whole_header(client, sign_in, world):
    client.environ_base["HTTP_USER_AGENT"] = CHROME
    sign_in("user@acme.test")
    html = client.get("/account/profile").get_data(as_text=True)
    assert "Chrome 156 · Linux" in html and f'title="{CHROME}"' in html
