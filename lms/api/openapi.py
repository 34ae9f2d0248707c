"""The OpenAPI document, built from the operations the endpoints declare."""

import re

from flask import jsonify

#: ``(path, method) -> operation``, filled as endpoints are declared.
OPERATIONS = {}

COMPONENTS = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"},
        "session": {"type": "apiKey", "in": "cookie", "name": "telecme_session"},
    },
    "schemas": {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "request_id": {
                            "type": "string",
                            "description": "Server errors (5xx): the id of the "
                            "request in the log; also the X-Request-ID header",
                        },
                    },
                }
            },
        },
        "Hospital": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "name_zh": {"type": "string"},
                "name_en": {"type": "string"},
                "tier": {
                    "type": "string",
                    "enum": ["hub", "municipal", "county", "township"],
                },
                "province_code": {"type": "string"},
                "province": {"type": "string"},
                "city": {"type": "string"},
            },
        },
        "User": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "login": {"type": "string"},
                "name": {"type": "string"},
                "role": {
                    "type": "string",
                    "enum": [
                        "learner",
                        "lecturer",
                        "site_coordinator",
                        "administrator",
                    ],
                },
                "profession": {"type": "string"},
                "professional_title": {"type": "string"},
                "hospital": {
                    "oneOf": [{"$ref": "#/components/schemas/Hospital"}],
                    "nullable": True,
                },
            },
        },
        "Course": {
            "type": "object",
            "description": "A course (drafts too, for those who may see them).",
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "project_number": {"type": "string"},
                "project_level": {
                    "type": "string",
                    "enum": ["national", "provincial", "municipal", "hospital"],
                },
                "format": {"type": "string", "enum": ["recorded", "live", "onsite"]},
                "rule_set": {"type": "string"},
                "credit_category": {"type": "string"},
                "class_hours": {
                    "type": "number",
                    "description": "Clock hours (60 minutes): the office's, or "
                    "the lectures' length in the rule set's steps.",
                },
                "credits": {
                    "type": "number",
                    "description": "What completing the course awards under its "
                    "rule set, level, category and format (0: none).",
                },
                "status": {"type": "string"},
            },
        },
    },
}


def error_response(description):
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        },
    }


def header_parameter(name, description, *, required=False):
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def json_response(description, schema):
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


OBJ = {"type": "object"}
#: The errors most endpoints can answer with.
ERRORS = {
    "401": error_response("Not signed in"),
    "403": error_response("Not allowed"),
    "404": error_response("Not found (or not visible to you)"),
    "409": error_response("Conflicts with the current state"),
    "422": error_response("Invalid data"),
}


def ok(description, schema=OBJ):
    return {"200": json_response(description, schema), **ERRORS}


def created(description, schema=OBJ):
    return {"201": json_response(description, schema), **ERRORS}


def openapi_path(rule):
    """``/courses/<int:course_id>`` → ``/courses/{course_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def api_route_factory(bp):
    def api_route(
        rule,
        methods,
        *,
        summary,
        responses,
        auth="user",
        request_body=None,
        parameters=None,
        tags=None,
        description=None,
    ):
        """Declare an endpoint and its OpenAPI operation together.

        ``auth`` is ``"user"`` (bearer token or session), or ``"none"`` (public).
        """

        def decorator(view):
            bp.add_url_rule(rule, view_func=view, methods=methods)
            path = bp.url_prefix + openapi_path(rule)
            path_params = re.findall(r"<(?:([^:<>]+):)?([^<>]+)>", rule)
            for method in methods:
                operation = {
                    "operationId": view.__name__,
                    "summary": summary,
                    "tags": tags or [rule.strip("/").split("/")[0]],
                    "responses": responses,
                    "parameters": [
                        {
                            "name": name,
                            "in": "path",
                            "required": True,
                            "schema": {
                                "type": "integer" if converter == "int" else "string"
                            },
                        }
                        for converter, name in path_params
                    ]
                    + list(parameters or []),
                }
                if description:
                    operation["description"] = description
                if request_body:
                    operation["requestBody"] = {
                        "required": True,
                        "content": {"application/json": {"schema": request_body}},
                    }
                operation["security"] = (
                    [] if auth == "none" else [{"bearer": []}, {"session": []}]
                )
                OPERATIONS[(path, method.lower())] = operation
            return view

        return decorator

    return api_route


def build_document():
    paths = {}
    for (path, method), operation in sorted(OPERATIONS.items()):
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "TeleCME API",
            "version": "1",
            "description": (
                "Continuing medical education: catalog, lectures, progress, "
                "credits and certificates. Errors are {error: {code, message}}."
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
