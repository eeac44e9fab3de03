"""The `min`/`max` parameters shared by the kinds that bound a number."""

from __future__ import annotations

from pydantic import Field, model_validator

from annexa_check.catalogue.kinds.base import Params


class BoundsParams(Params):
    min: int | None = Field(default=None, description="a whole number")
    max: int | None = Field(default=None, description="a whole number")

    @model_validator(mode="after")
    def _one_of_them(self) -> BoundsParams:
        if self.min is None and self.max is None:
            raise ValueError("needs 'min' and/or 'max'")
        return self
