"""A browser's name and system in a few words, from its User-Agent header (for the list of sessions)."""
import re

# Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
_BROWSERS = (("Edge", r"Edg(?:e|A|iOS)?/(\d+)"), ("Opera", r"OPR/(\d+)"), ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
             ("Chrome", r"(?:Chrome|CriOS)/(\d+)"), ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/"))
_SYSTEMS = (("Android", r"Android"), ("iOS", r"iPhone|iPad|iPod"), ("ChromeOS", r"CrOS"), ("Windows", r"Windows"),
            ("macOS", r"Mac OS X|Macintosh"), ("Linux", r"Linux|X11"))


def describe(user_agent):
    """("Chrome 156", "Linux") for a known browser; (the header cut short, "") otherwise, ("", "") for none."""
    text = user_agent or ""
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, text)), "")
    for name, pattern in _BROWSERS:
        found = re.search(pattern, text)
        if found:
            return f"{name} {found.group(1)}", system
    return (text[:40] + "…" if len(text) > 40 else text), system
