"""The API's OpenAPI 3.0 document, assembled once from the YAML fragments in openapi/ (one per API module, so
that each module's author writes only their own file) and served at /api/openapi.json."""
import functools
import re
from importlib import metadata
from pathlib import Path

import yaml
from flask import jsonify, request

from webconsole.blueprints.code42_api import bp

FRAGMENTS = Path(__file__).with_name("openapi")
COMMON = "common.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FRAGMENT_KEYS = {"paths", "schemas"}
# common.yaml also holds what every fragment shares (its own paths and schemas merge like any fragment's).
COMMON_KEYS = FRAGMENT_KEYS | {"responses", "parameters", "securitySchemes", "tags"}
_RULE_PARAMETER = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


class FragmentError(ValueError):
    """A fragment that cannot be merged: a path, method, operationId or schema name given twice, an unknown
    key, or a $ref to a component nobody defines."""


def openapi_path(rule):
    """A Flask rule written the OpenAPI way: `/api/v1/User/<user_ref>` -> `/api/v1/User/{user_ref}`."""
    return _RULE_PARAMETER.sub(r"{\1}", rule)


def _version():
    try:
        return metadata.version("webconsole")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


def _read(path):
    with path.open(encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    if not isinstance(loaded, dict):
        raise FragmentError(f"{path.name}: a fragment is a mapping with `paths` and `schemas`")
    allowed = COMMON_KEYS if path.name == COMMON else FRAGMENT_KEYS
    # x-... keys hold YAML anchors that the fragment reuses (`<<: *name`); they are not merged.
    unknown = {key for key in loaded if not str(key).startswith("x-")} - allowed
    if unknown:
        raise FragmentError(f"{path.name}: unknown top-level keys {sorted(unknown)} (allowed: {sorted(allowed)})")
    return loaded


def _merge_paths(paths, fragment, name, operation_ids):
    for path, item in (fragment.get("paths") or {}).items():
        if not isinstance(item, dict):
            raise FragmentError(f"{name}: path {path} is not a mapping")
        merged = paths.setdefault(path, {})
        for method, operation in item.items():
            if method in merged:
                raise FragmentError(f"{name}: {method.upper()} {path} is already described")
            merged[method] = operation
            if method in METHODS:
                operation_id = (operation or {}).get("operationId")
                if not operation_id:
                    raise FragmentError(f"{name}: {method.upper()} {path} has no operationId")
                if operation_id in operation_ids:
                    raise FragmentError(f"{name}: operationId {operation_id} is already used in "
                                        f"{operation_ids[operation_id]}")
                operation_ids[operation_id] = name
                # Any call can be refused before its route runs (web/inputs.py: a NUL in the address or the
                # query string, a body that is not strict JSON): every operation can answer 400.
                operation.setdefault("responses", {}).setdefault("400", {"$ref": "#/components/responses/BadRequest"})


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def assemble(directory=FRAGMENTS):
    """The document from every *.yaml in `directory` (no servers: they are the request's own origin)."""
    files = sorted(directory.glob("*.yaml"))
    common = _read(directory / COMMON)
    paths, schemas, operation_ids = {}, {}, {}
    for path in files:
        fragment = common if path.name == COMMON else _read(path)
        _merge_paths(paths, fragment, path.name, operation_ids)
        for schema_name, schema in (fragment.get("schemas") or {}).items():
            if schema_name in schemas:
                raise FragmentError(f"{path.name}: schema {schema_name} is already defined")
            schemas[schema_name] = schema
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Webconsole API", "version": _version(),
                 "description": "The console's REST API: the legacy Code42 console API that py42 and code42cli "
                                "use, and the services they find by discovery (docs/api.md)."},
        "security": [{"bearer": []}],
        "tags": common.get("tags") or [],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas, "responses": common.get("responses") or {},
                       "parameters": common.get("parameters") or {},
                       "securitySchemes": common.get("securitySchemes") or {}},
    }
    for ref in _refs(document):
        kind, _, component = ref.removeprefix("#/components/").partition("/")
        if not ref.startswith("#/components/") or component not in document["components"].get(kind, {}):
            raise FragmentError(f"$ref {ref} names no component of the document")
    return document


@functools.cache
def _assembled():
    return assemble()


@bp.record_once
def _load_at_start(state):
    """Assemble the document when the console starts: a fragment that clashes stops it there, not later."""
    _assembled()


def document(origin):
    """The document, its server being `origin` (the scheme and host the caller reached)."""
    return {**_assembled(), "servers": [{"url": origin}]}


@bp.get("/api/openapi.json")
def openapi_json():
    """The OpenAPI 3.0 document describing this API (public: it describes no data)."""
    return jsonify(document(request.host_url.rstrip("/")))


openapi_json.permission = "api:public"
