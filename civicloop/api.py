"""The JSON API: one NinjaAPI, routers per app, errors as JSON with field-level messages (core.api_errors)."""
from __future__ import annotations

from ninja import NinjaAPI

from civicloop.cases.api import router as cases_router
from civicloop.citizens.api import router as citizens_router
from civicloop.citizens.intake import router as citizen_reports_router
from civicloop.core import api_errors
from civicloop.evaluation.api import router as evaluation_router
from civicloop.gazetteer.api import router as geocoder_router
from civicloop.geo.api import router as geo_router
from civicloop.org.api import router as org_router
from civicloop.taxonomy.api import router as taxonomy_router

api = NinjaAPI(
    title="civicloop API",
    version="1",
    description="数字城管闭环 API — the closed loop of urban management: report, file, dispatch, handle, check, close.",
    urls_namespace="api",
)
api_errors.install(api)

api.add_router("/auth", org_router)
api.add_router("/cases", cases_router)
api.add_router("/geo", geo_router)
api.add_router("/geo", geocoder_router)
api.add_router("/categories", taxonomy_router)
api.add_router("/citizen", citizens_router)
api.add_router("/citizen", citizen_reports_router)
api.add_router("/evaluation", evaluation_router)
