"""``make faults``: the fault-injection campaign (``python -m faults``; the campaign in
``faults.campaign``, one trial in ``faults.trial``, the sync process in
``faults.worker``)."""
