"""What the event log says about assets now: check verdicts (and, in time, status, lineage and history).

Reads storage through its public API and interprets it with the graph; it imports only definitions,
graph and storage, so automation, the instance and the web read one answer to each question.
"""

from __future__ import annotations

from headwater.state.checks import CheckVerdicts

__all__ = ["CheckVerdicts"]
