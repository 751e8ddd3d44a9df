"""The demo project's report header and sign-offs, so that a final export of the demo passes the checklist.

Every name and statement is marked fictional, and the grid mix is an illustrative split, not a
published value. The sign-offs are recorded last, after every change to the project, so they
match the state a report of the demo shows.
"""

from __future__ import annotations

from workbench.project.store import Project

# Training compute of the pre-training by the dense-transformer rule 6 x parameters x tokens:
# 6 x 7e9 x 1.3e10 (the demo's model size and token count).
PRETRAIN_FLOP = 6 * 7e9 * 1.3e10
HEADER = {
    "reporting_entity": "Demo Labs SAS (fictional)",
    "consolidation_approach": "operational_control",
    "reporting_period": "2025",
    "timezone": "Europe/Paris",
    "operational_boundary": "the GPU cluster in data hall dc-paris (operational control) and the cloud account "
                            "cloud-eu used for evaluation",
    "exclusions": "office buildings and business travel, outside the AI training operation; estimated below 5 % "
                  "of the total (fictional demo statement)",
    "run_boundary": "all runs of model llm-7b: the final pre-training, the ablation experiment and the evaluation "
                    "run, including their idle reserved GPUs; storage and network energy of the hall are in the "
                    "facility meter, not in the run footprints",
    "scope3_exclusions": "categories 4 to 15 (transport, waste, travel, commuting, leased assets, downstream "
                         "categories) are not relevant to a training cluster or fall outside the boundary "
                         "(fictional demo statement)",
    "base_year": "2025, the first reported year",
    "recalculation_policy": "the base year is recalculated for structural changes, method changes or errors "
                            "above 5 % of the total",
    "restatements": "none",
    "preparer": "Dana Preparer (demo)",
    "reviewer": "Rui Reviewer (demo)",
    "approver": "Alex Approver (demo)",
    "grid_mix.FR": {"fossil": 0.08, "nuclear": 0.68, "renewable": 0.24},
    "grid_mix_source": "illustrative split for the demo, not a published value",
    "run_flop.llm-7b-pretrain": PRETRAIN_FLOP,
}


def complete(project: Project, cloud_site: str) -> None:
    """Fill the report header, set the PUE category of the cloud site and record the three sign-offs."""
    from workbench.services import entities, report_info, signoffs

    report_info.set_fields(project, HEADER)
    # The evaluation's declared board power is node energy at the server input; PUE3 measures IT energy there.
    entities.configure_site(project, cloud_site, pue_category="PUE3")
    for stage in ("preparer", "reviewer", "approver"):
        signoffs.record_signoff(project, stage, HEADER[stage], role=f"{stage} of the demo report",
                                statement=f"Demo sign-off by the {stage}; the people and the data are fictional.")
