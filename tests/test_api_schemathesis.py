"""Property-based tests of every documented operation against the OpenAPI schema: no 5xx, conforming answers.

(schemathesis' ``from_fixture`` does not work with pytest 9, so the app is built when the module is collected,
over a real fixture store in a temporary folder removed at exit.)
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_api_support import make_app

_DATA_DIR = Path(tempfile.mkdtemp(prefix="kg-schemathesis-"))
atexit.register(shutil.rmtree, _DATA_DIR, True)
APP = make_app(_DATA_DIR, query_timeout_s=3.0)
# Without Neo4j, /cypher answers 503 by design (tested in test_api_errors.py); every other operation must not 5xx.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path="/cypher")


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_every_operation_conforms(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])
