"""Systematic flows: vol-control funds, CTAs, corporate buybacks and stop levels.

The models (:mod:`~flowdesk.flows.volcontrol`, :mod:`~flowdesk.flows.cta`,
:mod:`~flowdesk.flows.buybacks`, :mod:`~flowdesk.flows.stops`,
:mod:`~flowdesk.flows.scenarios`) compute on the frames they are given; they read
only their defaults (AUM bands from the settings, the NYSE calendar). Only
:mod:`flowdesk.flows.desk` loads series, through :mod:`flowdesk.data`, to run
them on one date. Nothing here draws: figures live in
:mod:`flowdesk.report.figures_flows`.
"""
