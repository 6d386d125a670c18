"""Web pages for people: case managers (match), 211 operators (directory), planners and providers.

The pages are plain HTML shells plus small ES modules and one stylesheet, all served by this router
from `web/templates` and `web/static`: no CDN, no build step, nothing fetched from another host, so
they work on a closed network and load fast on a phone. A page itself needs no key; its data calls
go to `/v1` with the key the user pasted once (kept in the browser's localStorage).
"""

from __future__ import annotations

import html
import mimetypes
import pathlib
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import case, func, or_, select, text

from api.auth.keys import Caller
from api.deps import ReaderDep, SessionDep, SettingsDep, require_roles
from catalog.tables import CapacityReport, Location, Phone, Service, ServiceAtLocation, ServiceCapacity
from divert import __version__
from divert.errors import InvalidInput, NotFound
from matcher.vocabulary import GAP_REASONS, INTERCEPTS, NEEDS

router = APIRouter(include_in_schema=False)

WEB_ROOT: Final = pathlib.Path(__file__).resolve().parent
TEMPLATES: Final = WEB_ROOT / "templates"
STATIC: Final = WEB_ROOT / "static"

# Pages: path -> (template file, page module under static/js, title dictionary key).
PAGES: Final[dict[str, tuple[str, str, str]]] = {
    "/": ("match.html", "match", "title.match"),
    "/match": ("match.html", "match", "title.match"),
    "/directory": ("directory.html", "directory", "title.directory"),
    "/planner": ("planner.html", "planner", "title.planner"),
    "/provider": ("provider.html", "provider", "title.provider"),
}

# Assets are revalidated (ETag / Last-Modified, a 304 costs a few bytes) rather than cached blind, so a
# deployment never serves a page with the modules of the previous release.
STATIC_CACHE: Final = "no-cache"

# A region's map opens centred on its catalog; a sample of locations is enough for a centre and keeps
# this query cheap at a million rows.
_CENTRE_SQL: Final = text(
    "SELECT avg(latitude), avg(longitude) FROM "
    "(SELECT latitude, longitude FROM location WHERE latitude IS NOT NULL AND longitude IS NOT NULL "
    "LIMIT 500) AS sample"
)


def _render(template: str, module: str, title_key: str, extra: dict[str, str] | None = None) -> HTMLResponse:
    """The shared shell (header, sign-in, language switch) around one page's body."""
    shell = (TEMPLATES / "shell.html").read_text(encoding="utf-8")
    body = (TEMPLATES / template).read_text(encoding="utf-8")
    values = {"body": body, "module": module, "title_key": title_key, "version": __version__, **(extra or {})}
    page = shell
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", value)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


def _page(template: str, module: str, title_key: str) -> Any:
    def page() -> HTMLResponse:
        return _render(template, module, title_key)

    return page


for _path, (_template, _module, _title) in PAGES.items():
    router.add_api_route(_path, _page(_template, _module, _title), methods=["GET"],
                         response_class=HTMLResponse)


@router.get("/services/{service_id}", response_class=HTMLResponse)
def service_page(service_id: str) -> HTMLResponse:
    # The id is only echoed into a data attribute for the module to read; escaped all the same.
    return _render("service.html", "service", "title.service",
                   {"service_id": html.escape(service_id, quote=True)})


@router.get("/web/config.json")
def web_config(settings: SettingsDep, session: SessionDep) -> JSONResponse:
    """What the pages need to know about this deployment: vocabulary, base map, where the region is."""
    lat, lon = session.execute(_CENTRE_SQL).one()
    centre = {"lat": round(float(lat), 5), "lon": round(float(lon), 5)} if lat is not None else None
    return JSONResponse({
        "version": __version__,
        "tile_url": settings.tile_url,
        "needs": NEEDS,
        "intercepts": {str(k): v for k, v in INTERCEPTS.items()},
        "gap_reasons": list(GAP_REASONS) + ["unconfirmed_only"],
        "map_centre": centre,
    }, headers={"Cache-Control": "no-cache"})


# The match page asks where its options are in one request; a page of results never has more.
MAX_PLACES: Final = 100


@router.get("/web/places.json")
def places(_reader: ReaderDep, session: SessionDep,
           ids: str = Query(..., description="comma-separated service_at_location ids")) -> JSONResponse:
    """Coordinates of service-at-locations by id, for drawing match options on the page's map.

    Match options name their place (CONTRACT §2.2) but carry no coordinates; this answers for all of
    a result's places in one round trip instead of one HSDS read per option.
    """
    wanted = _ids(ids)
    rows = session.execute(
        select(ServiceAtLocation.id, Location.latitude, Location.longitude, _first_phone())
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.id.in_(wanted), Location.latitude.is_not(None))
    ).all()
    return JSONResponse({sal_id: {"lat": lat, "lon": lon, "phone": phone} for sal_id, lat, lon, phone in rows})


def _first_phone() -> Any:
    """The number to call for a service at a place (the option's call link): the place's own, then
    the location's, the service's, the organization's."""
    org = (select(Service.organization_id).where(Service.id == ServiceAtLocation.service_id)
           .correlate(ServiceAtLocation).scalar_subquery())
    rank = case((Phone.service_at_location_id == ServiceAtLocation.id, 0), (Phone.location_id == Location.id, 1),
                (Phone.service_id == ServiceAtLocation.service_id, 2), else_=3)
    return (select(Phone.number)
            .where(or_(Phone.service_at_location_id == ServiceAtLocation.id, Phone.location_id == Location.id,
                       Phone.service_id == ServiceAtLocation.service_id, Phone.organization_id == org))
            .order_by(rank, Phone.id).limit(1).correlate(ServiceAtLocation, Location).scalar_subquery())


# Roles that may see a pool's current numbers may see how those numbers moved (providers: their own).
TrendReaderDep = Annotated[Caller, Depends(require_roles("provider", "curator", "case_manager", "operator"))]
# Points in a sparkline: about a day of hourly reports, small enough to draw on a phone.
TREND_POINTS: Final = 30


def _ids(raw: str) -> list[str]:
    wanted = [i for i in dict.fromkeys(part.strip() for part in raw.split(",")) if i]
    if len(wanted) > MAX_PLACES:
        raise InvalidInput(f"ids: at most {MAX_PLACES} ids", errors=[{"path": "ids", "message": "too many"}])
    return wanted


@router.get("/web/capacity_trend.json")
def capacity_trend(caller: TrendReaderDep, session: SessionDep,
                   ids: str = Query(..., description="comma-separated capacity ids")) -> JSONResponse:
    """The last applied reports of each pool as {updated, available, maximum}, oldest first.

    The capacity history endpoint also says who sent each report (key names), so it is for providers
    and curators; a trend line needs only the numbers, which every role that matches or refers may see.
    """
    ranked = (
        select(CapacityReport.capacity_id, CapacityReport.updated, CapacityReport.available,
               CapacityReport.maximum,
               func.row_number().over(partition_by=CapacityReport.capacity_id,
                                      order_by=CapacityReport.updated.desc()).label("rank"))
        .join(ServiceCapacity, ServiceCapacity.id == CapacityReport.capacity_id)
        .join(Service, Service.id == ServiceCapacity.service_id)
        .where(CapacityReport.capacity_id.in_(_ids(ids)), CapacityReport.applied.is_(True))
    )
    if caller.role == "provider":
        ranked = ranked.where(Service.organization_id == caller.organization_id)
    sub = ranked.subquery()
    rows = session.execute(
        select(sub.c.capacity_id, sub.c.updated, sub.c.available, sub.c.maximum)
        .where(sub.c.rank <= TREND_POINTS).order_by(sub.c.capacity_id, sub.c.updated)
    ).all()
    trend: dict[str, list[dict[str, Any]]] = {}
    for capacity_id, updated, available, maximum in rows:
        trend.setdefault(capacity_id, []).append({
            "updated": updated.isoformat(), "available": float(available),
            "maximum": None if maximum is None else float(maximum)})
    return JSONResponse(trend)


@router.get("/static/{asset_path:path}")
def static_asset(asset_path: str, request: Request) -> Response:
    """Files under web/static only; anything resolving outside it is simply not found."""
    target = (STATIC / asset_path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        raise NotFound(f"no such asset: {asset_path}")
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".js":
        media_type = "text/javascript"  # ES modules must not be served as text/plain
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": STATIC_CACHE})


@router.get("/favicon.ico")
def favicon() -> Response:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": STATIC_CACHE})
