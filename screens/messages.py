"""What screens tell the app, as messages.

Screens never call the app's own methods: they post one of these and the app
(which holds the consultation, the autosave and every file operation) handles it.
Each message bubbles from the screen that posts it up to ``AdvisorApp``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message


@dataclass
class AnswersChanged(Message):
    """An answer or a checklist mark was stored in the profile: it is now unsaved and is autosaved."""


@dataclass
class SectionEntered(Message):
    """The person is now in questionnaire section ``section_id``.

    ``autosave``: write the autosave again (when there are unsaved answers) so
    that resuming the consultation returns to this section.
    """

    section_id: str
    autosave: bool = False


@dataclass
class CloseConsultationRequested(Message):
    """The person leaves the questionnaire on purpose (save or discard first)."""


@dataclass
class ResumeRequested(Message):
    """Continue the unfinished consultation ``consultation_id`` from its autosave."""

    consultation_id: str


@dataclass
class OpenProfileRequested(Message):
    """Open the profile file at ``path`` (chosen from the recent files)."""

    path: Path


@dataclass
class DiscardAutosaveRequested(Message):
    """Forget the unfinished consultation ``consultation_id`` (its autosave is deleted)."""

    consultation_id: str
