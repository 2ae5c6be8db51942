"""What an admin sets up, one package per thing managed: ``places`` (regions, agencies, units, the units CSV),
``users`` (with surveyors' conflicts of interest), ``waves`` (with the scoring profiles) and ``assignments`` (a wave's,
with the seeded draw). Each holds ``controllers.py`` (HTTP in and out), ``schemas.py`` (bodies and answers),
``services.py`` (the use cases, in the request's transaction, each change with its audit event) and ``queries.py``
(its statements). ``services.py`` is what their services share; ``opening_hours.py`` is read by the visit checks too."""
