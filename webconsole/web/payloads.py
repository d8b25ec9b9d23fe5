"""JSON bodies of the machine doors (the agent API, data-connection ingest) read into typed values.

A body is decoded by the standard library's C parser (NaN and Infinity, which are not JSON, refused;
nesting too deep for the parser refused, not a server error), then validated by a pydantic model:
strict types (no number where text goes, no list where a number goes), bounded lengths, finite
numbers within 64 bits, no NUL in text, times inside the calendar. The first problem comes back as
a PayloadError naming the field, in the shape the agent protocol has always used ("backup[1].
percent_complete"), with the protocol's codes: `invalid_body`, `missing_field`, `invalid_field`.
"""
import json
from datetime import UTC, datetime
from typing import Annotated

from flask import request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Strict
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError

from webconsole.domain.errors import DomainError

INT64 = 2**63 - 1


class PayloadError(DomainError):
    """A body the door cannot read into its model; nothing of it reached the domain."""

    code = "invalid_field"


class Payload(BaseModel):
    """A JSON object as a door accepts it: fields it does not know are ignored (newer clients send more)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)


def _not_json(constant):
    """Refuse NaN, Infinity and -Infinity, which Python's parser would take but JSON does not have."""
    raise ValueError(f"{constant} is not JSON")


_decode = json.JSONDecoder(parse_constant=_not_json).decode


def read_json(model, body_message="the body must be a JSON object"):
    """The request's body as an instance of `model` (a Payload), or PayloadError naming the first bad field."""
    data = request.get_data(cache=False)
    try:
        # As json.loads reads bytes (UTF-8, -16 or -32, a byte-order mark allowed), with the decoder made once.
        value = _decode(data.decode(json.detect_encoding(data), "surrogatepass"))
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise PayloadError(body_message, code="invalid_body") from None
    if not isinstance(value, dict):
        raise PayloadError(body_message, code="invalid_body")
    try:
        return model.model_validate(value)
    except PydanticError as error:
        raise _refusal(error.errors(include_url=False)[0]) from None
    except RecursionError:  # a field that takes any value holds one nested too deep to check
        raise PayloadError(body_message, code="invalid_body") from None


def field_name(loc):
    """A pydantic location as the protocol names fields: ("backup", 1, "size") -> backup[1].size."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


_PHRASES = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
}


def _refusal(error):
    field = field_name(error["loc"])
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return PayloadError(f"{field} is required", field=field, code="missing_field")
    if kind in ("string_too_long", "too_long"):
        unit = "characters" if kind == "string_too_long" else "items"
        message = f"holds more than {context.get('max_length')} {unit}"
    elif kind in _PHRASES:
        message = _PHRASES[kind]
    elif kind == "value_error":
        message = str(context.get("error", error["msg"]))
    else:  # the types here raise PydanticCustomErrors whose message is the phrase; pydantic's others are rare
        message = error["msg"][:1].lower() + error["msg"][1:]
    return PayloadError(f"{field} {message}", field=field)


# -- field types ------------------------------------------------------------------------------------

def _clean_text(value):
    if "\x00" in value:
        raise PydanticCustomError("nul", "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") no database stores
        raise PydanticCustomError("unicode", "must be valid Unicode text") from None
    return value


def text(max_length, collapse=True, required=False):
    """Text of at most `max_length` characters without NUL; runs of white space made one space unless
    `collapse` is false; empty refused as missing when `required`."""
    def check(value):
        value = _clean_text(value)
        if collapse:
            value = " ".join(value.split())
        if required and not value:
            raise PydanticCustomError("missing", "is required")
        if len(value) > max_length:
            raise PydanticCustomError("string_too_long", "holds more than {max_length} characters",
                                      {"max_length": max_length})
        return value
    return Annotated[str, Strict(), AfterValidator(check)]


def whole(minimum=0, maximum=INT64):
    """A whole number (true and false are not) from `minimum` to `maximum`, 64 bits at most."""
    def check(value):
        if not minimum <= value <= maximum:
            raise PydanticCustomError("range", "must be from {minimum} to {maximum}",
                                      {"minimum": minimum, "maximum": maximum})
        return value
    return Annotated[int, Strict(), AfterValidator(check)]


def number(minimum=0, maximum=INT64):
    """A finite number, whole or not, from `minimum` to `maximum`."""
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError("float_type", "must be a number")
        if not minimum <= value <= maximum:  # NaN fails this too
            raise PydanticCustomError("range", "must be from {minimum} to {maximum}",
                                      {"minimum": minimum, "maximum": maximum})
        return value
    return Annotated[int | float, BeforeValidator(check)]


def _moment(value):
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise PydanticCustomError("datetime_type", "must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)  # stored as naive UTC
    except (ValueError, OverflowError):  # OverflowError: 9999-12-31T23:00-05:00 is past the calendar's end in UTC
        raise PydanticCustomError("datetime_type", "must be an ISO 8601 time within the years 1 to 9999") from None
    return moment


# An ISO 8601 time (naive UTC), or None when absent or empty.
Moment = Annotated[datetime | None, BeforeValidator(_moment)]
