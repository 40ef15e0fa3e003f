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

# --- The verdict (README.md, "The verdict"; issue 14) --------------------------------------

#: "The latest 6": the verdict reads the last six valid, included points after the baseline.
#: Six is the shortest run rule of any convention (IHI run chart shift, Perla et al. 2011) and
#: half a year of monthly data: long enough that one odd month cannot decide, short enough
#: that a gain that has gone shows within two quarters.
VERDICT_WINDOW = 6

#: "The gain holds": the median z (on the reference chart, positive = better) of the latest
#: six is at least 1 sigma. A median, so that one odd month (either way) does not decide;
#: one sigma, the smallest shift the rules of every convention catch with fair odds (the
#: README gives the rates), while the median of six points of a stable process reaches 1
#: sigma only about 1 time in 65.
HOLD_Z = 1.0

#: Once the gain has held, it keeps holding until the median z falls below 0.5 sigma:
#: hysteresis, so that a gain sitting near 1 sigma does not flip between improved and
#: not sustained month by month; half the entry level is still clearly off the baseline.
KEEP_Z = 0.5

#: Run charts and G charts have no sigma to read the gain in (G limits are far from normal):
#: the gain holds when at least 5 of the latest 6 useful points (off the baseline median) are
#: on the better side; by chance 7 times in 64 for a stable series, so a signal is needed too.
HOLD_POINTS = 5

#: ... and keeps holding while at least 4 of the latest 6 are on the better side (the median
#: of the six still on the better side): the same hysteresis as KEEP_Z.
KEEP_POINTS = 4

#: A point flagged only by a trend rule counts as a signal on the side of the reference centre
#: line where it lies, and only when at least this many sigma from it: a trend that brings a
#: gain back to the baseline is not a concern until it goes clearly past it.
TREND_MIN_Z = 1.0

# --- Funnel plots (Spiegelhalter 2005, Stat Med 24:1185-1202; FunnelPlotR 0.6) ---------------

#: Two-sided coverage of the inner and outer funnel limits (2 and 3 sigma in spirit).
FUNNEL_LEVELS = (0.95, 0.998)
#: Winsorise this share of z-scores at each end before estimating phi (Spiegelhalter et al.
#: 2012, JRSS A 175:1-47).
FUNNEL_TRIM = 0.1
