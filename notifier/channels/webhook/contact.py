"""A `webhook` contact as the API and the CLI take it (validated again as a
`WebhookEndpoint`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WebhookContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["webhook"]
    url: str = Field(max_length=2000, description="http:// or https:// URL.")
    secret: str = Field(max_length=200, description="Standard Webhooks secret, whsec_<base64>.")
    timeout_s: float = Field(15.0, gt=0, le=600)
    include_unconfirmed: bool = Field(
        False, description="Also receive unconfirmed reports (level.reported)."
    )
