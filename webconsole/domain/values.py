"""Plain values from untrusted text, checked the same way by every rule that takes them."""
from flask_babel import lazy_gettext as _l

from webconsole.domain.errors import ValidationError

LARGEST_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL, which refuses a larger operand
LARGEST_EVENT_ID = 2**63 - 1  # file events are keyed by BIGINT


def parse_id(value, largest=LARGEST_ID):
    """The id that `value` (a number, or its digits from a query string) can name, or None.

    Only ASCII digits count ("²" and "٣" are digits to Python, not to a URL), and a number beyond
    what the id column holds names nothing (the database would refuse it with an error).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value)
        if not (text.isascii() and text.isdigit()):
            return None
        number = int(text)
    return number if 0 < number <= largest else None


def refuse_nul(value, field):
    """`value`, or ValidationError naming `field` when it holds a NUL character (PostgreSQL cannot store one)."""
    if value and "\x00" in value:
        raise ValidationError(_l("This field cannot contain a NUL character."), field=field)
    return value
