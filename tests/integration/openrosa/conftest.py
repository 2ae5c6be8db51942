from tests.integration.openrosa.helpers import collect  # noqa: F401
from tests.integration.visits.helpers import field  # noqa: F401
