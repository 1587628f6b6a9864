"""Request dependencies: what the app built at startup, typed for the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dedup.index import Index
from service.settings import Settings

__all__ = ["IndexDep", "SettingsDep", "get_index", "get_settings"]


def get_index(request: Request) -> Index:
    """The app's index, built in its lifespan."""
    index: Index = request.app.state.index
    return index


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


IndexDep = Annotated[Index, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
