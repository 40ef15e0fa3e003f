"""Named constants of the statistics core, each with its source.

Kept in one place so that a reader can check every number against the literature and the
reference tools (qicharts2 0.8.1, NHSRplotthedots 0.2.2, Provost & Murray 2011).
"""

# --- Moving ranges (XmR charts) -------------------------------------------------------------

#: d2 for subgroups of two: sigma = AMR / d2 (Montgomery, Introduction to Statistical Quality
#: Control, table VI; qicharts2 ``qic.i`` uses the rounded 1.128).
D2 = 1.128

#: D4 for subgroups of two: the upper limit of the moving-range chart, and the screening
#: threshold: moving ranges of D4 x AMR or more are dropped and AMR recomputed (Nelson 1982,
#: "Control charts for individual measurements", JQT 14:172-173; qicharts2 with
#: ``options(qic.screenedmr = TRUE)``; NHSRplotthedots ``screen_outliers = TRUE``).
MR_SCREEN = 3.267

#: Limits of an I chart under Making Data Count and in The Health Care Data Guide: mean +/-
#: 2.66 x AMR (NHS England, "Making Data Count"; NHSRplotthedots ``ptd_spc_standard``;
#: Provost & Murray 2011, p. 156). 2.66 = 3 / 1.128 rounded.
XMR_LIMIT_FACTOR = 2.66

#: Sigma multiples of the limits and of the "close to the limits" band (Shewhart; Western
#: Electric Statistical Quality Control Handbook 1956, zone tests).
SIGMA_LIMIT = 3.0
SIGMA_2 = 2.0

# --- T charts ------------------------------------------------------------------------------

#: Exponent of the Nelson transformation for times between events: y ** (1 / 3.6) is close to
#: normal for exponential data (Nelson 1994, JQT 26:239-240; qicharts2 ``qic.t``).
T_EXPONENT = 3.6

# --- Anhoej's runs rules (convention ``anhoej``, qicharts2 ``runs.analysis``) ----------------

#: Longest run limit: round(log2(n_useful)) + ANHOEJ_RUN_OFFSET (Schilling 2012, "The
#: surprising predictability of long runs", Math. Mag. 85:141-149; Anhoej & Olesen 2014,
#: PLoS ONE 9:e113825).
ANHOEJ_RUN_OFFSET = 3

#: Crossings limit: the ANHOEJ_CROSSINGS_P quantile of Binomial(n_useful - 1, 0.5) (Chen 2010,
#: "The crossing of the median", J. Stat. Plan. Inference; Anhoej & Olesen 2014).
ANHOEJ_CROSSINGS_P = 0.05

# --- IHI run chart rules (Perla, Provost & Murray 2011, BMJ Qual Saf 20:46-51) --------------

#: "Shift: six or more consecutive points either all above or all below the median."
IHI_RUN_SHIFT = 6
#: "Trend: five or more consecutive points all going up or all going down."
IHI_RUN_TREND = 5
#: Too few or too many runs: 2.5% in each tail of the Swed-Eisenhart runs distribution
#: (Swed & Eisenhart 1943, Ann. Math. Statist. 14:66-87).
IHI_RUNS_TAIL = 0.025

# --- IHI control chart rules (Provost & Murray, The Health Care Data Guide, 2011, p. 116) ---

#: Rule 2: "eight or more consecutive points above or below the centre line".
IHI_CONTROL_SHIFT = 8
#: Rule 3: "six consecutive points increasing or decreasing".
IHI_CONTROL_TREND = 6
#: Rule 5: "fifteen consecutive points close to the centre line (in the inner one-third)".
IHI_CONTROL_INNER = 15

# --- Making Data Count (NHS England; NHSRplotthedots 0.2.2) ---------------------------------

#: "A run of seven or more points above or below the mean" and "seven or more consecutive
#: points increasing or decreasing" (a collaborative may choose 6 for both).
MDC_SHIFT = 7
MDC_TREND = 7
MDC_ALLOWED_RUN_LENGTHS = (6, 7)

# --- How much data is enough ----------------------------------------------------------------

#: Making Data Count: limits need at least 12 points in the baseline (NHSRplotthedots refuses
#: ``fix_after_n_points`` below 12 and warns on shorter series).
MIN_POINTS_CONTROL = 12
#: Run chart rules are not useful with fewer than 10 points off the median (Perla et al. 2011;
#: Anhoej & Olesen 2014 tabulate from 10).
MIN_USEFUL_RUN = 10

# --- Funnel plots (Spiegelhalter 2005, Stat Med 24:1185-1202; FunnelPlotR 0.6) ---------------

#: Two-sided coverage of the inner and outer funnel limits (2 and 3 sigma in spirit).
FUNNEL_LEVELS = (0.95, 0.998)
#: Winsorise this share of z-scores at each end before estimating phi (Spiegelhalter et al.
#: 2012, JRSS A 175:1-47).
FUNNEL_TRIM = 0.1
