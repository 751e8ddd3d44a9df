"""Every real sample of meter, embodied and emission-factor data imports, or is rejected with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_paths import samples_dir
from workbench.errors import InputRejectedError
from workbench.services import imports

SAMPLES = samples_dir()
KIND_OF_FOLDER = {"meter": "green-button", "embodied": "hardware-library", "emission_factors": "factors"}
MAIN_TOTAL = {"green-button": "energy_kwh", "hardware-library": "values", "factors": "values"}

# (path under samples, accepted rows and main total) for files that import.
IMPORTED = {
    "meter/green_button/cityssm__intervals_APUC000000_electric.xml": (300, 248.53),
    "meter/green_button/verdigris__BulkSCEIntervalBlock.xml": (97, 24.38),
    "meter/green_button/verdigris__BulkSCEUsageSummaryAndIntervalBlock.xml": (3, 0.62),
    "meter/green_button/vladistan__abridged_electric_containerized.xml": (8, 4.086),
    "meter/green_button/vladistan__electricity_TestGBDataHourlyNineDaysBinnedDaily.xml": (216, 199.563),
    "meter/green_button/vladistan__electricity_TestGBDataOneYearDailyBinnedMonthly.xml": (444, 9917.817),
    "embodied/boavizta-data-us.csv": (1153, 1153),
    "embodied/boavizta-data-fr.csv": (1153, 1153),
    "emission_factors/carbontracker/carbon-intensities.csv": (189, 189),
    "emission_factors/co2js/IFI_Default_Grid_Factors_2021_v3.1_unfccc.csv": (227, 454),
    "emission_factors/co2js/average-intensities.json": (209, 209),
    "emission_factors/co2js/marginal-intensities-2021.json": (228, 456),
    "emission_factors/co2js/yearly_2024.json": (352, 352),
    "emission_factors/codecarbon/private_infra__2016__usa_emissions.json": (51, 51),
    "emission_factors/codecarbon/private_infra__2020__eu-carbon-intensity-electricity.csv": (588, 588),
    "emission_factors/codecarbon/private_infra__global_energy_mix.json": (213, 213),
    "emission_factors/codecarbon/private_infra__nordic_emissions.json": (10, 10),
    "emission_factors/green_algorithms/latest__CI_aggregated.csv": (130, 130),
    "emission_factors/green_algorithms/v1.0__CI_aggregated.csv": (16, 16),
    "emission_factors/mlco2_impact/2021-10-27yearly_averages.csv": (619, 619),
}

# Files that hold no importable data of their folder's kind, with the reason the import gives.
REJECTED = {
    "meter/green_button/verdigris__BulkSCERetailCustomer.xml": "holds no IntervalBlock (it contains ServiceSupplier",
    "meter/green_button/verdigris__ESPIElectricPowerUsageSummary.xml": "contains ElectricPowerUsageSummary x1",
    "meter/green_button/verdigris__ESPIIntervalBlock.xml": "444 interval readings but no ReadingType",
    "meter/green_button/verdigris__ESPILocalTimeParameters.xml": "contains LocalTimeParameters x1",
    "meter/green_button/verdigris__ESPIReadingType.xml": "contains ReadingType x1",
    "meter/green_button/verdigris__ESPIReadingTypes.xml": "contains ReadingType x22",
    "meter/green_button/verdigris__ESPIUsagePoint.xml": "contains UsagePoint x1",
    "meter/green_button/verdigris__PGEIntervalBlock.xml": "2556 interval readings but no ReadingType",
    "meter/green_button/verdigris__PGELocalTimeParameters.xml": "contains LocalTimeParameters x1",
    "meter/green_button/verdigris__PGEReadingType.xml": "contains ReadingType x48",
    "meter/green_button/verdigris__PGEUsagePoint.xml": "contains UsagePoint x1",
    "meter/green_button/verdigris__PGEUsageSummaries.xml": "contains UsageSummary x3",
    "meter/green_button/vladistan__natural_gas_ngma_gas_provider_2024-07-16.xml": "every reading has the same start",
    "embodied/boaviztapi/archetypes__cloud__aws.csv": "boaviztapi archetype table",
    "embodied/boaviztapi/archetypes__components__gpu.csv": "GPU specification table",
    "embodied/boaviztapi/archetypes__server.csv": "boaviztapi archetype table",
    "embodied/boaviztapi/crowdsourcing__electrical_mix.csv": "transposed to one country per column",
    "embodied/boaviztapi/crowdsourcing__gpu_specs.csv": "GPU specification table",
    "emission_factors/carbontracker/co2eq.csv": "emission equivalents of everyday activities",
    "emission_factors/codecarbon/cloud__impact.csv": "one intensity per cloud region with no year",
    "emission_factors/codecarbon/hardware__cpu_power.csv": "processor or GPU power table",
    "emission_factors/codecarbon/private_infra__2023__canada_energy_mix.json": "generation shares by fuel",
    "emission_factors/codecarbon/private_infra__carbon_intensity_per_source.json": "one intensity per fuel type",
    "emission_factors/codecarbon/private_infra__world_energy_mix.csv": "generation by source (TWh)",
    "emission_factors/experiment_impact_tracker/emissions_data_aws_regions.csv": "has no header row",
    "emission_factors/experiment_impact_tracker/emissions_data_co2eq_parameters.json": "per fuel type",
    "emission_factors/experiment_impact_tracker/emissions_data_gcp_regions.csv": "has no header row",
    "emission_factors/experiment_impact_tracker/gpu_data_tdp.csv": "processor or GPU power table",
    "emission_factors/green_algorithms/latest__TDP_cpu.csv": "processor power table",
    "emission_factors/green_algorithms/latest__TDP_gpu.csv": "processor power table",
    "emission_factors/green_algorithms/latest__cloudProviders_datacenters.csv": "PUE values",
    "emission_factors/green_algorithms/latest__defaults_PUE.csv": "PUE values",
    "emission_factors/green_algorithms/latest__providers_hardware.csv": "maps cloud providers to processor models",
    "emission_factors/green_algorithms/latest__referenceValues.csv": "reference values",
    "emission_factors/mlco2_impact/Readme.md": "MD document, not a table of factors",
    "emission_factors/mlco2_impact/gpus.csv": "processor or GPU power table",
    "emission_factors/mlco2_impact/impact.csv": "one intensity per cloud region with no year",
    "emission_factors/mlco2_impact/instances.csv": "lists cloud instances and their GPUs",
}


def sample_files() -> list[str]:
    return sorted(str(path.relative_to(SAMPLES)) for folder in KIND_OF_FOLDER
                  for path in (SAMPLES / folder).rglob("*") if path.is_file())


def test_every_sample_is_listed():
    assert set(sample_files()) == set(IMPORTED) | set(REJECTED)
    assert not set(IMPORTED) & set(REJECTED)


@pytest.mark.parametrize("relative", sample_files())
def test_sample_imports_or_is_rejected(project, samples, relative):
    path = samples / relative
    kind = KIND_OF_FOLDER[relative.split("/")[0]]
    options = imports.ImportOptions(kind=kind)
    if relative in REJECTED:
        with pytest.raises(InputRejectedError, match=REJECTED[relative].replace("(", r"\(").replace(")", r"\)")):
            imports.import_file(project, path, options)
        assert project.conn.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
        return
    accepted, total = IMPORTED[relative]
    report = imports.import_file(project, path, options)
    assert report.rows_accepted == accepted
    assert report.totals[MAIN_TOTAL[kind]] == pytest.approx(total, rel=1e-6)
