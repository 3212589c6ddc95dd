-- Compare-and-set a payment's next version. Atomic because the version check and the writes must
-- not be split: otherwise two instances applying the same bank message would both pass the check
-- and both record the transition (two events, two webhooks). The events are queued for every
-- outbox target by the same script, after the check: a lost compare-and-set queues nothing.
--
-- KEYS: 1 p:{id}, 2 ev:{id}, 3 ref:{reference}:open, 4 ref:{reference}:ok, 5 created (unused),
--       6 byref:{reference} (unused), 7 exp  (same layout as create, so index_payment is shared)
-- ARGV: 1 prefix, 2 id, 3 expected version, 4 next version, 5 status, 6 payment json,
--       7 expiry due ms (expiresAt, or captureBefore while authorized), 8 reconcile-from ms ('' unless
--       the payment awaits the bank, see index_payment), 9 event count (n), then per
--       event: occurredAt ms, json; then outbox targets (comma-joined), now ms, now ISO; then the
--       bank message id this change applies ('' when none) and until when it is remembered (PXAT
--       ms), so the id is kept only if the change is written; then the audit entry of the change
--       ('' when none), the audit log's bound, its events in the same form as the payment's (count
--       (a), two per event, targets, now ms, now ISO); then the index keys without the prefix
--       (att:{ref} per attempt, rf:{id} per refund).
-- An audit entry given (a merchant's or a console user's operation that this change carries out) is
-- appended with its audit.recorded event only if the change is written: an operation that changed the
-- payment is never without its entry, nor an entry without the change.
-- Returns: 1 when written, 0 when the stored version differed (nothing written).

-- @include index-payment.lua
-- @include record-events.lua
-- @include append-audit-entry.lua

local event_count = tonumber(ARGV[9])
local outbox_arg = 10 + 2 * event_count
local events = read_events(10, event_count)
if events.err then
  return events
end
local audit = read_audit_args(outbox_arg + 5)
if audit.err then
  return audit
end
local stored = redis.call('HGET', KEYS[1], 'v')
if not stored or tonumber(stored) ~= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[4], 's', ARGV[5], 'json', ARGV[6])
record_events(ARGV[1], KEYS[2], events, ARGV[outbox_arg], ARGV[outbox_arg + 1], ARGV[outbox_arg + 2])
local message_id = ARGV[outbox_arg + 3]
if message_id ~= '' then
  redis.call('SET', ARGV[1] .. 'msg:' .. message_id, '1', 'PXAT', ARGV[outbox_arg + 4])
end
index_payment(ARGV[1], ARGV[2], ARGV[5], ARGV[7], ARGV[8], audit.next)
append_audit_args(ARGV[1], audit)
return 1
