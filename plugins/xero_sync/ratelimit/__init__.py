"""Xero's rate limits, kept per organisation across every process and worker.

``budget``: the rolling-window arithmetic; ``ledger``: the record of recent calls (in-process);
``warehouse_ledger``: the same record in the warehouse, shared by every worker; ``limiter``:
what the client asks before each call.
"""

from xero_sync.ratelimit.budget import XeroLimits
from xero_sync.ratelimit.ledger import MemoryLedger
from xero_sync.ratelimit.limiter import RateLimiter, Slot

__all__ = ["MemoryLedger", "RateLimiter", "Slot", "XeroLimits"]
