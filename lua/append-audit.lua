-- Appends one entry to the audit log under the next sequence number and drops the oldest beyond the
-- limit, so the log stays bounded and its order is the order of appends, whatever the clocks say.
-- The entry's audit.recorded event is stored and queued for every outbox target by the same script
-- (in the audit queue), so an entry is never recorded without its event, nor the reverse
-- (append_audit_entry, which also keeps the audit events' listing index to the log's bound).
--
-- KEYS: 1 the log (`audit` under the prefix), 2 the sequence counter (`audit:seq`): declared, so that a
--       Cluster routes the script to their slot; the script builds them from the prefix alike
-- ARGV: 1 the entry's JSON, 2 how many entries to keep, 3 the store's key prefix (the outbox's keys
--       are built from it, with the same hash tag as KEYS), then the outbox arguments: 4 the event
--       count (1, or 0 for a log without outbox), two per event (occurredAt ms, JSON), then outbox
--       targets (comma-joined), now ms, now ISO
-- Returns: the entry's sequence number.

-- @include append-audit-entry.lua

local event_count = tonumber(ARGV[4])
local events = read_events(5, event_count)
if events.err then return events end
local outbox_arg = 5 + 2 * event_count
return append_audit_entry(ARGV[3], ARGV[1], ARGV[2], events, ARGV[outbox_arg], ARGV[outbox_arg + 1], ARGV[outbox_arg + 2])
