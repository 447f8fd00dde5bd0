"""Xero's webhooks: changes in Xero reach the warehouse in seconds (design decision 10).

The path of one change, and why each step is as it is:

1. **Xero → receiver** (``receiver.py``, ``python -m xero_sync.webhooks serve``). Xero POSTs a
   signed payload; the receiver checks the signature over the raw bytes in constant time and
   commits every event to ``_webhook_events`` *before* it answers 200 (401 for a wrong
   signature, 503 when the warehouse cannot store them, so that Xero retries). A repeated
   delivery stores nothing new.
2. **Warehouse → Airflow** (``trigger.py``). Each object with webhooks (``webhooks:`` in its
   mapping) has a webhook asset whose ``AssetWatcher`` runs ``PendingWebhookEvents`` in
   Airflow's triggerer; it polls the stored events and fires an asset event, which runs the
   object's DAG (``AssetOrTimeSchedule``: its cron *or* the asset).

   Chosen over the receiver posting asset events to Airflow's REST API: the receiver needs no
   Airflow credentials and no Airflow at all (it answers Xero while Airflow is down or being
   upgraded), and there is one source of truth, the stored events. An event is never "sent to
   Airflow but not stored" or the reverse; after an outage the trigger fires for what waits.
   The price is a poll (every 2 s, one indexed count per object) and the triggerer service,
   which Airflow 3's compose file and ``airflow standalone`` run anyway.
3. **The run** (``changed.py``). The asset-triggered run reads only the organisations with
   pending events and only their changed records, by id (Xero's ``IDs`` filter, 50 a call),
   through the same transform and load as every run, marking the events processed in the
   same transactions; it holds the same run lock and never moves the watermark.

Webhooks speed things up; they are never the only path. The scheduled incremental and
reconciliation runs read from their watermarks as before, so a change whose event was lost,
refused while the receiver was down past Xero's 24 hours of retries, or never sent (a silent
edit) still arrives; they also mark the events their reads covered as processed.
"""
