-- A description of invisible characters alone is no description either (Unicode QA): 0136 trimmed
-- white space, so 120 zero-width spaces (or Hangul fillers, or tag characters) raised no
-- MISSING_DESCRIPTION and earned the score's 25 description points, where the API refuses such a
-- name as blank. What the API's VISIBLE rule (validation-errors.ts) counts as showing nothing is left
-- out of the count now, wherever it stands in a text past ASCII: controls, format and
-- default-ignorable characters, the blank Braille pattern; white space around the text as before.
-- A text of ASCII alone (as many bytes as characters) is read as 0136 read it, white space trimmed:
-- evaluate_quality reads every product written, three times, and a translate of its ASCII controls
-- cost ~34 µs a call (a third more of the worker's PostgreSQL time in an import; the bench) where
-- this test costs ~0.3 µs. An ASCII control in a description is counted as a character.
create or replace function visible_text(t text) returns text language sql immutable parallel safe as $$
  select btrim(case when octet_length(t) = length(t) then t else regexp_replace(t, '[\u0001-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U00013430-\U00013455\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]', '', 'g') end,
    E' \t\n\r\f\u000b\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff')
$$;

-- The products whose description the new count tells otherwise than 0136's (white space trimmed
-- alone), evaluated again, a store at a time: blank now (MISSING_DESCRIPTION), or in another band of
-- the score (20 and 100 characters).
select evaluate_quality(s.store_id, s.ids)
from (
  select p.store_id, array_agg(p.id) as ids
  from products p, lateral (select btrim(p.description, E' \t\n\r\f\u000b\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff') as before, visible_text(p.description) as now) v
  where p.description is not null and v.now <> v.before
    and ((v.before <> '' and v.now = '')
      or (length(v.before) >= 20) <> (length(v.now) >= 20)
      or (length(v.before) >= 100) <> (length(v.now) >= 100))
  group by p.store_id) as s;
