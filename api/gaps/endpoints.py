"""Routes of the gaps room (placeholder until the room is built)."""

from fastapi import APIRouter

router = APIRouter()
