"""Settings for the research video crash test's processes: the real ones, with small pieces
(half a second of frames), so that a short clip is several jobs."""

from consentry.settings import *  # noqa: F403

RESEARCH_VIDEO_PIECE_SECONDS = 0.5
