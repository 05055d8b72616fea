-- Each worker process reports its graphile-worker ids here every few seconds.
-- A worker that stops reporting (killed, machine lost) has its locked jobs
-- unlocked by the others (graphile_worker.force_unlock_workers), so a batch it
-- was processing is picked up again in seconds rather than after the default 4 hours.
create table worker_heartbeats (
  worker_id text primary key,
  seen_at timestamptz not null default now()
);
