"""The hospital network (public: registration clients need it)."""

from lms.api import api_route
from lms.api import schemas as s
from lms.api.serializers import serialize_hospital
from lms.hospitals.queries import list_hospitals


@api_route(
    "/hospitals",
    ["GET"],
    summary="Active hospitals of the network, filtered by province and tier",
    auth="none",
    query=s.HospitalsQuery,
    responses={200: s.HospitalsOut},
)
def hospitals(query):
    rows = list_hospitals(
        q=query.q,
        province_code=query.province or None,
        tier=query.tier,
        active_only=True,
    )
    return {"items": [serialize_hospital(h) for h in rows]}
