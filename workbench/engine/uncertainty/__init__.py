"""Propagated uncertainty of footprints and inventories: distributions, models, Monte Carlo, sensitivity.

The methodology is IPCC 2006 Vol. 1 ch. 3 (Approach 1, error propagation; Approach 2, Monte
Carlo), the GUM (JCGM 100:2008) law of propagation with correlation, and GUM Supplement 1
(JCGM 101:2008) for Monte Carlo with adaptive stopping. Parameter uncertainty only: method
choices (location vs market, hourly vs annual factors, amortization method) are compared as
assumption sets, not widened into error bars.
"""
