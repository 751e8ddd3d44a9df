"""The demo project's reduction plan: one lever of each kind, a reuse record and the narratives.

``carbon-workbench plan demo.cwb`` then ranks every lever. The parameters are illustrative
choices for the demo, not recommendations, and every rationale states it.
"""

from __future__ import annotations

from workbench.engine.planner.levers import make_lever
from workbench.project.store import Project
from workbench.services import planner_store

SYNTHETIC = "synthetic demo value written by Carbon Workbench; not a published figure"
SITE = "dc-paris"

LEVERS = (
    ("time_shift", {"window_hours": 12}, "Demo: the scheduler may start each run up to 12 h earlier or later"),
    ("relocation", {"runs": ["llm-7b-eval"], "zone": "FR"},
     "Demo: run the evaluation in a French cloud region instead of the German one"),
    ("procurement", {"mwh": 2, "type": "eac", "market": "FR", "label": "Demo: additional hydro guarantees of origin"},
     "Demo: buy 2 MWh more guarantees of origin for 2025"),
    ("facility_efficiency", {"site": SITE, "pue": 1.15, "from": "2025-03-30"},
     "Demo: free cooling retrofit at dc-paris from 30 March 2025"),
    ("accelerator", {"site": SITE, "current": "h100", "new": "b200", "embodied_kg_per_accelerator": 250,
                     "embodied_source": SYNTHETIC},
     "Demo: the same work on B200 accelerators instead of H100"),
    ("reuse", {}, "Demo: start the ablation from the pre-training checkpoint instead of from scratch"),
    ("experiments", {"cap_share": 0.1, "stop_failed_after": 0.25},
     "Demo: cap experiments at 10 % of the final run's energy; stop failed runs after a quarter"),
)
COMBINED = ("time_shift", "facility_efficiency")
NARRATIVES = {
    "method_limits": "Demo: avoided emissions are differences between computed what-if footprints; they depend on "
                     "the stated parameters and on the grid factors of the hours moved to, and they are never "
                     "deducted from the footprint or the inventory.",
    "relocation_effects": "Demo: moving evaluation load to France adds demand on the French grid at the hours of the "
                          "runs; the host region's water use for cooling is not assessed.",
    "hardware_end_of_life": "Demo: replaced H100 servers would be resold for inference; recycling emissions are "
                            "not assessed.",
    "offsets_and_credits": "Demo: 2 tCO2e of forestry credits are held for 2025. They are listed separately and are "
                           "not deducted from any total.",
}


def configure_planner(project: Project) -> list[str]:
    """Store the demo's reuse record, levers derived from 'baseline' and narratives; return the lever sets."""
    planner_store.mark_reuse(
        project, "llm-7b-ablation", relation="retrained", base_model="llm-7b",
        alternative={"accelerators": 8, "accelerator_hours": 16, "avg_power_w": 600, "power_basis": "board"},
        source=f"{SYNTHETIC}: continued training from the llm-7b checkpoint, 8 GPUs for 2 h at 600 W")
    names = {}
    for kind, parameters, rationale in LEVERS:
        spec = make_lever(kind, parameters)
        names[kind] = (spec, planner_store.save_lever(project, spec, parent="baseline", rationale=rationale))
    combined = make_lever("combination", {"levers": [names[kind][0].as_dict() for kind in COMBINED]})
    saved = [name for _, name in names.values()]
    saved.append(planner_store.save_lever(project, combined, parent="baseline",
                                          rationale="Demo: time shifting and the PUE retrofit together"))
    for topic, text in NARRATIVES.items():
        planner_store.set_narrative(project, topic, text)
    return saved
