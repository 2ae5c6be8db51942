"""Every route handler of the API, by context."""

from server.domain.auth.controllers import AuthController
from server.domain.visits.controllers import VisitController

ROUTE_HANDLERS: list[object] = [AuthController, VisitController]
