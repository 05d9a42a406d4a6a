"""A pure model of nova's live-migration behaviour: no I/O, no logs, no pandas.

``releases`` (what each release does), ``options`` (the [libvirt] options as data),
``ramp`` (the downtime ramp and how it is applied), ``sizing`` (data_gb and limits).
"""
