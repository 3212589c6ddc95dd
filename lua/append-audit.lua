-- Appends one entry to the audit log under the next sequence number and drops the oldest beyond the
-- limit, so the log stays bounded and its order is the order of appends, whatever the clocks say.
-- The entry's audit.recorded event is stored and queued for every outbox target by the same script
-- (record_events, in the audit queue), so an entry is never recorded without its event, nor the reverse.
-- The audit events' listing index (`evaudit`) is trimmed to the same bound, oldest first, so the
-- console's audit deliveries never list more than the log holds. Only the index: a trimmed event and
-- its deliveries stay readable by id (get-event), queued and redeliverable as before.
--
-- KEYS: 1 the log (sorted set, score = sequence), 2 the sequence counter
-- ARGV: 1 the entry's JSON, 2 how many entries to keep, 3 the store's key prefix (the outbox's keys
--       are built from it, with the same hash tag as KEYS), then the outbox arguments: 4 the event
--       count (1, or 0 for a log without outbox), two per event (occurredAt ms, JSON), then outbox
--       targets (comma-joined), now ms, now ISO
-- Returns: the entry's sequence number.

-- @include record-events.lua

local event_count = tonumber(ARGV[4])
local events = read_events(5, event_count)
if events.err then return events end
local outbox_arg = 5 + 2 * event_count
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
record_events(ARGV[3], false, events, ARGV[outbox_arg], ARGV[outbox_arg + 1], ARGV[outbox_arg + 2])
if event_count > 0 then
  redis.call('ZREMRANGEBYRANK', ARGV[3] .. 'evaudit', 0, -(tonumber(ARGV[2]) + 1))
end
return seq
