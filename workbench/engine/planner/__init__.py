"""The reduction planner: what each lever would save, as avoided emissions beside the totals.

A lever (time shifting, relocation, clean procurement, facility efficiency, efficient
accelerators, reuse instead of retraining, experiment discipline, or a combination of these) is
a what-if: it changes the runs, sites, assets or instruments a footprint or an inventory is
computed from. The planner computes the world without the lever and the world with it, and the
difference is the avoided emissions, with an interval from common random numbers.

Avoided emissions are never added to or subtracted from a footprint or an inventory total:
:class:`~workbench.engine.planner.results.AvoidedEmissions` raises
:class:`~workbench.errors.NettingError` when anything tries.
"""
