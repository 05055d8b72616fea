-- An unbind also ends the partner's sessions for the store that were authorized and not yet
-- claimed (UNBOUND): "the seller must onboard again" (partner-api.md), not claim an older consent.
alter table onboard_sessions drop constraint onboard_sessions_status_check;
alter table onboard_sessions add constraint onboard_sessions_status_check
  check (status in ('OPEN', 'SIGNED_IN', 'AUTHORIZED', 'CANCELLED', 'CLAIMED', 'UNBOUND'));
