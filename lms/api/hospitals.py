"""The hospital network (public: registration clients need it)."""

from flask import jsonify, request

from lms.api import api_route
from lms.api.openapi import json_response
from lms.api.serializers import serialize_hospital
from lms.edge import choice_arg
from lms.hospitals.network import Tier
from lms.hospitals.queries import list_hospitals


@api_route(
    "/hospitals",
    ["GET"],
    summary="Active hospitals of the network, filtered by province and tier",
    auth="none",
    parameters=[
        {"name": "province", "in": "query", "schema": {"type": "string"}},
        {"name": "tier", "in": "query", "schema": {"type": "string"}},
        {"name": "q", "in": "query", "schema": {"type": "string"}},
    ],
    responses={
        "200": json_response(
            "Hospitals",
            {
                "type": "object",
                "properties": {
                    "items": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Hospital"},
                    }
                },
            },
        )
    },
)
def hospitals():
    rows = list_hospitals(
        q=request.args.get("q", ""),
        province_code=request.args.get("province") or None,
        tier=choice_arg("tier", {t.value for t in Tier}),
        active_only=True,
    )
    return jsonify({"items": [serialize_hospital(h) for h in rows]})
