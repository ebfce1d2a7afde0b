"""The flow's test rig (tests/kiosk/flow_rig.py make_rig) as a fixture for every module."""

import pytest

from tests.kiosk.flow_rig import make_rig


@pytest.fixture
def rig(tmp_path, platform):
    r, vp = make_rig(tmp_path, platform)
    r.flow.platform_status(True)
    yield r
    vp.stop()
    r.outbox.close()
    r.client.close()
