"""The keys issued before org.HashedKey existed keep working after the migrations move their hashes."""
from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.transactional]

BEFORE = [("org", "0003_district_command_centre"), ("points", "0001_initial"), ("hotline", "0002_order_to_locate"),
          ("iot", "0001_initial"), ("open311", "0001_initial")]


def sha(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def old_rows(apps) -> dict[str, str]:
    """One key of each kind as the old tables held it; the secrets by kind."""
    now = timezone.now()
    user = apps.get_model("org", "User").objects.create(username="old-api-user", role="operator")
    apps.get_model("org", "ApiToken").objects.create(user=user, name="cli", digest=sha("cl_old-staff"), prefix="cl_old-s")
    apps.get_model("org", "ApiToken").objects.create(user=user, name="gone", digest=sha("cl_revoked"), prefix="cl_revok",
                                                     revoked=True)
    apps.get_model("points", "Partner").objects.create(name="银行", digest=sha("clp_old-partner"), prefix="clp_old-pa")
    apps.get_model("hotline", "HotlineSystem").objects.create(name="12345", key_digest=sha("hl_old-hotline"),
                                                              key_prefix="hl_old-hot", webhook_secret="s")
    apps.get_model("iot", "Device").objects.create(device_id="cam-old", name="旧", lon=103.38, lat=23.36,
                                                   token_digest=sha("dv_old-device"), token_prefix="dv_old-dev")
    apps.get_model("iot", "Device").objects.create(device_id="cam-none", name="无", lon=103.38, lat=23.36)
    apps.get_model("open311", "ApiKey").objects.create(name="CRM", digest=sha("o311_old-client"), prefix="o311_old-",
                                                       revoked_at=None)
    apps.get_model("open311", "ApiKey").objects.create(name="old CRM", digest=sha("o311_revoked"), prefix="o311_rev",
                                                       revoked_at=now)
    return {"staff": "cl_old-staff", "partner": "clp_old-partner", "hotline": "hl_old-hotline",
            "device": "dv_old-device", "open311": "o311_old-client"}


def test_existing_keys_keep_working_after_the_move():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        secrets = old_rows(migrate(BEFORE))
    finally:
        migrate(leaves)  # whatever happened, the next tests find the schema they expect

    from civicloop.hotline import services as hotline
    from civicloop.iot import services as iot
    from civicloop.open311 import services as open311
    from civicloop.open311.rules import Open311Error
    from civicloop.org import keys
    from civicloop.org.models import HashedKey
    from civicloop.points import credit

    assert keys.authenticate(keys.STAFF, secrets["staff"]).user.username == "old-api-user"
    assert keys.authenticate(keys.STAFF, "cl_revoked") is None
    assert credit.authenticate(secrets["partner"]).name == "银行"
    assert hotline.authenticate(secrets["hotline"]).name == "12345"
    assert iot.authenticate(secrets["device"]).device_id == "cam-old"
    assert open311.authenticate(secrets["open311"]).name == "CRM"
    with pytest.raises(Open311Error):
        open311.authenticate("o311_revoked")
    assert HashedKey.objects.count() == 7  # the device without a token has no key
    assert {k.kind for k in HashedKey.objects.all()} == {"staff", "partner", "hotline", "device", "open311"}
