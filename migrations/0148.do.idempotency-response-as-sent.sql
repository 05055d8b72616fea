-- An Idempotency-Key replays its first response (README), and a partner may compare the two byte
-- for byte: jsonb kept the response's meaning but not its key order (a refused row's `details`
-- came back as {"context":…,"retryable":…}, its validation tree's fields sorted; QA). json keeps
-- the text as written. The responses stored before keep jsonb's order (they expire in a day).
alter table idempotency_keys alter column response type json using response::json;
