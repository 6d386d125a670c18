"""Routes of the directory room (placeholder until the room is built)."""

from fastapi import APIRouter

router = APIRouter()
