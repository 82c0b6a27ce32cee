"""An `sms` contact as the API and the CLI take it (validated again as an `SmsSubscriber`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SmsContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["sms"]
    phone: str = Field(max_length=32, description="E.164 number, e.g. +77012345678.")
