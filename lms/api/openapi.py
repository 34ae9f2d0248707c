"""Declared endpoints: one declaration gives validation, serialisation and the
OpenAPI 3.1 document (``/api/v1/openapi.json``).

The library is pydantic (v2): each endpoint names its input models (``body``,
``query``, ``headers``) and its output models per status, and ``api_route``
does the rest: it parses the request into typed values for the view, renders
what the view returns through its model, and writes the operation into the
document from the same classes (pydantic's JSON Schema, 2020-12, is the
schema dialect of OpenAPI 3.1).

Why pydantic rather than APIFlask, flask-smorest or flask-openapi3: APIFlask and
flask-openapi3 replace the Flask app and blueprint classes with their own (our
factory, CSRF-free bearer auth and error handlers would have to move under
them); flask-smorest registers its own handler for every HTTPException and
answers validation errors in webargs' shape, and marshmallow hands views plain
dicts, not typed values. pydantic is the most used validation library in Python,
is kept by a company whose business it is, gives views typed objects, and its
schemas are OpenAPI 3.1's own; the wiring left to us is this module.
"""

import functools
import re

from flask import Response, current_app, jsonify, request
from pydantic import BaseModel, ValidationError

from lms.edge import MAX_ID

#: ``(path, method) -> operation``, filled as endpoints are declared.
OPERATIONS = {}
#: The endpoints' models by name, as the document's components.
SCHEMAS = {}
REF = "#/components/schemas/{model}"

COMPONENTS = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "telecme_session"},
    },
    "schemas": SCHEMAS,
}

#: What each error status means, for the operations that can answer it.
ERROR_DESCRIPTIONS = {
    "400": "Not a readable request (malformed JSON, a bad query argument or "
    "header, or a browser session's write without its CSRF header)",
    "401": "Not signed in, or the bearer token is not valid",
    "403": "Not allowed",
    "404": "Not found (or not visible to you)",
    "409": "Conflicts with the current state",
    "410": "Revoked or replaced",
    "411": "Content-Length is required",
    "413": "Too large",
    "422": "Invalid data: the message names the field",
    "429": "Too many attempts: wait the Retry-After seconds",
    "460": "The body does not match its checksum",
}


def error_response(description):
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        },
    }


def header_parameter(name, description, *, required=False, schema=None):
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def json_response(description, schema):
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


# Older declarations (raw schemas) still read: ``ok()``, ``created()``, ``ERRORS``.
OBJ = {"type": "object"}
ERRORS = {
    status: error_response(ERROR_DESCRIPTIONS[status])
    for status in ("401", "403", "404", "409", "422")
}


def ok(description, schema=OBJ):
    return {"200": json_response(description, schema), **ERRORS}


def created(description, schema=OBJ):
    return {"201": json_response(description, schema), **ERRORS}


def openapi_path(rule):
    """``/courses/<int:course_id>`` → ``/courses/{course_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


# --- models as schemas --------------------------------------------------------------


def schema_of(model, mode="validation"):
    """A reference to ``model`` in the document's components (its nested models
    too), or a raw schema given as a dict."""
    if isinstance(model, dict):
        return model
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    for name, nested in schema.pop("$defs", {}).items():
        SCHEMAS.setdefault(name, nested)
    SCHEMAS.setdefault(model.__name__, schema)
    return {"$ref": REF.format(model=model.__name__)}


def _parameters(model, location):
    """A query or header model's fields as OpenAPI parameters."""
    schema = model.model_json_schema(ref_template=REF)
    for name, nested in schema.pop("$defs", {}).items():
        SCHEMAS.setdefault(name, nested)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema.get("properties", {}).items():
        parameter = {
            "name": name,
            "in": location,
            "required": name in required,
            "schema": {k: v for k, v in field.items() if k != "description"},
        }
        if "description" in field:
            parameter["description"] = field["description"]
        parameters.append(parameter)
    return parameters


def _path_parameters(rule):
    parameters = []
    for converter, name in re.findall(r"<(?:([^:<>]+):)?([^<>]+)>", rule):
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:  # serials, upload tokens: URL-safe strings
            schema = {"type": "string", "minLength": 1, "maxLength": 64}
        parameters.append(
            {"name": name, "in": "path", "required": True, "schema": schema}
        )
    return parameters


# --- requests and responses ------------------------------------------------------


class Invalid(Exception):
    """Input that does not fit its declaration (``lms.api`` answers it):
    ``code`` names the first field at fault (``invalid_ranges``,
    ``reason_required``)."""

    def __init__(self, status, message, code="invalid"):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def validation_code(error, codes=None):
    """``<field>_required`` for a missing or empty field, else ``invalid_<field>``,
    unless the model names the field's code (``error_codes``: the code its
    operation answered before, which clients know)."""
    first = error.errors(include_url=False)[0]
    field = next((part for part in first["loc"] if isinstance(part, str)), "")
    if not field:
        return "invalid"
    if codes and field in codes:
        return codes[field]
    empty = first["type"] == "string_too_short" and first["input"] == ""
    if first["type"] == "missing" or empty:
        return f"{field}_required"
    return f"invalid_{field}"


def validation_message(error):
    """``title_zh: String should have at most 200 characters; …`` (three at most)."""
    parts = []
    for item in error.errors(include_url=False)[:3]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts) + "."


def parse(model, data, status):
    """``data`` as ``model``; ``Invalid(status, …)`` naming the fields otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        codes = getattr(model, "error_codes", None)
        message, code = validation_message(error), validation_code(error, codes)
        raise Invalid(status, message, code) from None


def render(result, models):
    """What a view returned as a response: a model, or a dict rendered through
    the model declared for its status; a ``Response`` as it is."""
    status, headers = None, None
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else None
    if isinstance(result, Response | str | bytes):
        response = current_app.make_response(result)
    else:
        model = models.get(str(status or 200))
        if isinstance(result, BaseModel):
            data = result.model_dump(mode="json", exclude_unset=True)
        elif model is not None:
            data = model.model_validate(result)
            data = data.model_dump(mode="json", exclude_unset=True)
        else:
            data = result
        response = jsonify(data)
    if status is not None:
        response.status_code = status
    if headers:
        response.headers.update(headers)
    return response


def _require_role(roles):
    """Who may call the endpoint at all, checked before its input (a learner's
    POST to an office endpoint is a 403 whatever it carries)."""
    from flask import abort
    from flask_login import current_user

    if not current_user.is_authenticated:
        abort(401)
    if current_user.role not in roles:
        abort(403)


def api_route_factory(bp):
    def api_route(
        rule,
        methods,
        *,
        summary,
        responses,
        auth="user",
        roles=None,
        body=None,
        body_optional=False,
        query=None,
        headers=None,
        request_body=None,
        raw_body=None,
        parameters=None,
        tags=None,
        description=None,
        example=None,
    ):
        """Declare an endpoint and its OpenAPI operation together.

        ``responses`` maps a status to a pydantic model (the body at that status),
        a description (an error: ``{error: {…}}``) or a raw OpenAPI response.
        ``body``, ``query`` and ``headers`` are the input models; the view gets
        them, validated, as keyword arguments of those names. ``raw_body`` is
        the OpenAPI request body of an endpoint that streams its raw body
        itself. ``auth`` is ``"user"`` (bearer token or session) or ``"none"``
        (public); ``roles``, when given, the roles that may call it at all.
        Statuses every such endpoint can answer (401 for a bad token,
        400 and 422 for bad input) are declared here.
        """
        models = {
            str(status): value
            for status, value in responses.items()
            if isinstance(value, type) and issubclass(value, BaseModel)
        }

        def decorator(view):
            @functools.wraps(view)
            def endpoint(**path):
                if roles is not None:
                    _require_role(roles)
                kwargs = dict(path)
                if query is not None:
                    repeated = sorted(
                        k for k in request.args if len(request.args.getlist(k)) > 1
                    )
                    if repeated:
                        raise Invalid(
                            400,
                            f"{repeated[0]}: give it once.",
                            f"invalid_{repeated[0]}",
                        )
                    kwargs["query"] = parse(query, request.args.to_dict(), 400)
                if headers is not None:
                    sent = {
                        name: request.headers[field.alias or name]
                        for name, field in headers.model_fields.items()
                        if (field.alias or name) in request.headers
                    }
                    kwargs["headers"] = parse(headers, sent, 400)
                if body is not None:
                    from lms.api import json_body, optional_json_body

                    data = optional_json_body() if body_optional else json_body()
                    kwargs["body"] = parse(body, data, 422)
                return render(view(**kwargs), models)

            # One view under several rules stays one endpoint (Flask's name).
            endpoint = view.__dict__.setdefault("api_endpoint", endpoint)
            bp.add_url_rule(rule, view_func=endpoint, methods=methods)
            path = bp.url_prefix + openapi_path(rule)
            for method in methods:
                OPERATIONS[(path, method.lower())] = _operation(
                    view.__name__,
                    rule,
                    method,
                    summary=summary,
                    responses=responses,
                    auth=auth,
                    roles=roles,
                    body=body,
                    body_optional=body_optional,
                    query=query,
                    headers=headers,
                    request_body=request_body,
                    raw_body=raw_body,
                    parameters=parameters,
                    tags=tags,
                    description=description,
                    example=example,
                )
            return endpoint

        return decorator

    return api_route


def _operation(name, rule, method, **declared):
    responses = {}
    for status, value in declared["responses"].items():
        status = str(status)
        if isinstance(value, str):
            responses[status] = error_response(value)
        elif isinstance(value, dict):
            responses[status] = value
        else:
            doc = (value.__doc__ or value.__name__).strip().splitlines()[0]
            responses[status] = json_response(
                doc, schema_of(value, mode="serialization")
            )
    implied = {"401"}  # a bearer token that is not valid, on any endpoint
    if declared["auth"] != "none":
        implied.add("401")
    if method not in ("GET", "HEAD", "OPTIONS"):
        implied.add("400")  # a session's write without its CSRF header
    if declared["query"] is not None or declared["headers"] is not None:
        implied.add("400")
    if declared["body"] is not None:
        implied |= {"400", "422"}
    if "<" in rule:
        implied.add("404")
    if declared["roles"] is not None:
        implied.add("403")
    for status in sorted(implied):
        responses.setdefault(status, error_response(ERROR_DESCRIPTIONS[status]))
    operation = {
        "operationId": name,
        "summary": declared["summary"],
        "tags": declared["tags"] or [rule.strip("/").split("/")[0]],
        "responses": dict(sorted(responses.items())),
        "parameters": _path_parameters(rule)
        + (_parameters(declared["query"], "query") if declared["query"] else [])
        + (_parameters(declared["headers"], "header") if declared["headers"] else [])
        + list(declared["parameters"] or []),
        "security": (
            [] if declared["auth"] == "none" else [{"bearer": []}, {"session": []}]
        ),
    }
    if declared["description"]:
        operation["description"] = declared["description"]
    if declared["body"] is not None:
        media = {"schema": schema_of(declared["body"])}
        if declared["example"] is not None:
            media["example"] = declared["example"]
        operation["requestBody"] = {
            "required": not declared["body_optional"],
            "content": {"application/json": media},
        }
    elif declared["raw_body"]:
        operation["requestBody"] = declared["raw_body"]
    elif declared["request_body"]:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": declared["request_body"]}},
        }
    return operation


def build_document():
    paths = {}
    for (path, method), operation in sorted(OPERATIONS.items()):
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TeleCME API",
            "version": "1",
            "description": (
                "Continuing medical education: catalog, lectures, progress, "
                "credits and certificates. Errors are {error: {code, message, "
                "request_id}}; every response carries X-Request-ID."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": COMPONENTS,
    }


def openapi_view():
    response = jsonify(build_document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
