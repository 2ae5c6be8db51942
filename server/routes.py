"""Every route handler of the API, by context."""

from litestar.types import ControllerRouterHandler

from server.domain.admin.assignments.controllers import WaveAssignmentController
from server.domain.admin.places.controllers import AgencyController, RegionController, UnitController
from server.domain.admin.users.controllers import UserController
from server.domain.admin.waves.controllers import ProfileController, WaveController
from server.domain.assignments.controllers import MyAssignmentsController
from server.domain.auth.controllers import AuthController
from server.domain.insights.controllers import INSIGHTS_CONTROLLERS
from server.domain.instruments.controllers import AdminInstrumentController, InstrumentController
from server.domain.metrics.controllers import MetricsController
from server.domain.openrosa.controllers import CollectKeyController, OpenRosaController
from server.domain.photos.controllers import PhotoController, PhotoQueueController
from server.domain.results.controllers import PublicResultsController, PublishController, ResultsController
from server.domain.review.controllers import ReviewController
from server.domain.settings.controllers import SettingsController
from server.domain.visits.controllers import VisitController

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    AuthController,
    VisitController,
    PhotoController,
    PhotoQueueController,
    MyAssignmentsController,
    InstrumentController,
    AdminInstrumentController,
    RegionController,
    AgencyController,
    UnitController,
    UserController,
    WaveController,
    WaveAssignmentController,
    ProfileController,
    ReviewController,
    ResultsController,
    PublishController,
    PublicResultsController,
    SettingsController,
    OpenRosaController,
    CollectKeyController,
    *INSIGHTS_CONTROLLERS,
    MetricsController,
]
