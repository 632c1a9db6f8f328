"""Evidence fixtures: every test stores into its own folder (tests/plugin/evidence.py), and
`case` is a Karaganda case with no evidence yet to attach to."""

import pytest
from moto.server import ThreadedMotoServer

from casework.cases.models import CaseState


@pytest.fixture(autouse=True)
def _own_folder(evidence_dir):
    """Every evidence test stores into its own folder, never the instance folder."""


@pytest.fixture
def case(make_case):
    return make_case(CaseState.RECEIVED, region_code="KZ-KAR", evidence=0)


# moto is the S3-compatible server that runs here (real HTTP, real boto3 requests);
# no real object store can run in the test environment.
@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
