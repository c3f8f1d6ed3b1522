"""The JSON API: one NinjaAPI, its routers and its error handlers."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.renderers import JSONRenderer

from calsreg.api.errors import exception_handlers_install
from calsreg.api.routers import (
    billing,
    changes,
    changes_desk,
    confirmation,
    desk_actions,
    events,
    public,
    staff,
)

DESCRIPTION = """\
新潟県CALS情報共有サービスの利用申込API。

- 公開: 利用申込（JSON / Excel申込書）、申込状況の照会、発注事務所と監督員の一覧。
- ヘルプデスク: `Authorization: Bearer <token>`（`manage.py create_api_token` で発行）。
- 誤りはすべて `{"code", "message", "errors": [{"field", "label", "message"}]}` で返します。
  `field` は `users[2].requested_id` のように書き、一覧の番号は1から数えます。
"""


class Utf8JSONRenderer(JSONRenderer):
    """Japanese text as UTF-8, not as \\u escapes: readable in logs and in curl."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="calsreg API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    # validatorUrl None: Swagger UI would otherwise send our document to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
)
exception_handlers_install(api)
api.add_router("/", public.router)
api.add_router("/staff", staff.router)
api.add_router("/staff", desk_actions.router)
api.add_router("/staff", changes_desk.router)
api.add_router("/", confirmation.router)
api.add_router("/billing", billing.router)
api.add_router("/changes", changes.router)
api.add_router("/events", events.router)
