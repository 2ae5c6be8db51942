"""Every route handler of the API, by context."""

from server.domain.admin.controllers import ADMIN_CONTROLLERS
from server.domain.assignments.controllers import MyAssignmentsController
from server.domain.auth.controllers import AuthController
from server.domain.insights.controllers import INSIGHTS_CONTROLLERS
from server.domain.instruments.controllers import AdminInstrumentController, InstrumentController
from server.domain.photos.controllers import PhotoController
from server.domain.results.controllers import PublicResultsController, PublishController, ResultsController
from server.domain.review.controllers import ReviewController
from server.domain.settings.controllers import SettingsController
from server.domain.visits.controllers import VisitController

ROUTE_HANDLERS: list[object] = [
    AuthController,
    VisitController,
    PhotoController,
    MyAssignmentsController,
    InstrumentController,
    AdminInstrumentController,
    *ADMIN_CONTROLLERS,
    ReviewController,
    ResultsController,
    PublishController,
    PublicResultsController,
    SettingsController,
    *INSIGHTS_CONTROLLERS,
]
