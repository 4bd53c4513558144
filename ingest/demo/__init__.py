"""Realistic demo data: a fictional bailleur on three real EPCIs around Grenoble.

``generate(out)`` writes a complete data root (see the data contract, ``dataroot.contract``): the
reference tables, 13 quarterly snapshots simulated from one consistent occupation history, and the
local targets ``objectifs.yaml``. Figures are calibrated in ``ingest.demo.calibration``.
"""

from ingest.demo.generation import GenerationReport, generate

__all__ = ["GenerationReport", "generate"]
