"""File events searched with the clients' query language, as py42's FileEventService and `code42
security-data search` use it (bare JSON, on the FORENSIC_SEARCH service address: this console)."""
from webconsole.blueprints.code42_api import bp
from webconsole.blueprints.code42_api.door import ApiError, api, body, json_response, number
from webconsole.domain import event_query, forensics
from webconsole.domain.errors import ValidationError


def _search(actor, version):
    values = body()
    try:
        query = event_query.parse(values)
        token = values.get("pgToken") if "pgToken" in values else None
        page_num = number("pgNum", 1, 1, 10**6, values) if token is None else None
        if version == 1:
            found, next_token = event_query.search(actor, query, page_token=token, page_num=page_num)
        else:
            shown, next_token = event_query.search_v2(actor, query, page_token=token, page_num=page_num)
    except event_query.InvalidPageToken as error:
        # py42 looks for this name to raise Py42InvalidPageTokenError (code42cli then starts again).
        raise ApiError(400, error.code, f"INVALID_PAGE_TOKEN: {error.message}", "pgToken") from None
    except ValidationError as error:
        return {"fileEvents": [], "nextPgToken": None, "totalCount": 0,
                "problems": [{"type": error.code, "description": error.message, "field": error.field}]}, 400
    if version == 1:
        shown = [forensics.as_v1(e) for e in found]
    return {"fileEvents": shown, "nextPgToken": next_token or ("" if token is not None else None),
            "totalCount": event_query.count(actor, query), "problems": None}


@bp.post("/forensic-search/queryservice/api/v2/fileevent")
@api("forensics.search", envelope=False)
def search_v2(actor):
    """A page of file events in the v2 shape: groups of {term, operator, value}, srtKey, srtDir, pgSize, and
    pgToken ("" for the first page; the answer's nextPgToken for the next) or pgNum."""
    result = _search(actor, 2)
    # 10 000 events a page: Flask's encoder (which also sorts every object's keys) took a sixth of the page.
    return _answer(result) if isinstance(result, tuple) else json_response(result)


@bp.post("/forensic-search/queryservice/api/v1/fileevent")
@api("forensics.search", envelope=False)
def search_v1(actor):
    """The same search, answered in the v1 shape (eventId, fileName, ...)."""
    return _answer(_search(actor, 1))


def _answer(result):
    from flask import jsonify

    if isinstance(result, tuple):
        response = jsonify(result[0])
        response.status_code = result[1]
        return response
    return jsonify(result)
