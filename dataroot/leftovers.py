"""What a killed process leaves behind (an import's staging folder, an engine's private folder,
a half-built engine file) carries its pid in its name; it is removed once that pid is gone."""

from __future__ import annotations

import os


def owner_alive(pid: int) -> bool:
    """True while process `pid` exists (another user's process counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True
