-- Review of 0146: its backfill set last_slow_at to when each endpoint's slow streak began
-- (slow_since), so an endpoint slow for more than 10 minutes when it ran let its partner's queued
-- deliveries back into the common queue at once, where the slow receiver took every slot until
-- its first slow attempt there. Its last slow attempt is not known: now, as if it had just been
-- slow (its partner's deliveries stay one at a time for 10 minutes, or until a quick answer).
update webhook_endpoints set last_slow_at = now() where slow_since is not null;
