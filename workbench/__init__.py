"""Carbon Workbench: measure, check and disclose the carbon footprint of AI training."""

__version__ = "0.1.0"
