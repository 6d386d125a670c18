"""Routes of the match room (placeholder until the room is built)."""

from fastapi import APIRouter

router = APIRouter()
