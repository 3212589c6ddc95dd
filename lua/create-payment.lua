-- Create a payment. Atomic because the idempotency check, the reference check and the writes must
-- see one state: two concurrent creates with one key or one reference must not both succeed. The
-- events are stored and queued for every outbox target in the same script (record_events), so a
-- payment never exists without its notifications owed, nor a notification without its payment.
--
-- KEYS: 1 p:{id}, 2 ev:{id}, 3 ref:{reference}:open, 4 ref:{reference}:ok, 5 created,
--       6 byref:{reference}, 7 exp, [8 idem:{key} when an Idempotency-Key was given]
-- ARGV: 1 prefix, 2 id, 3 payment json, 4 version, 5 status, 6 createdAt ms, 7 expiresAt ms,
--       8 fingerprint, 9 idempotency ttl seconds, 10 idempotency record json, 11 reconcile-from ms
--       ('' unless the payment awaits the bank, see index_payment), 12 event count (n),
--       then per event: occurredAt ms, json; then outbox targets (comma-joined), now ms, now ISO;
--       then the audit entry of the create ('' when none), the audit log's bound, its events in the
--       same form as the payment's (count (a), two per event, targets, now ms, now ISO);
--       then the index keys without the prefix (att:{ref} per attempt, rf:{id} per refund).
-- An audit entry given is appended with its audit.recorded event by the write that creates the
-- payment (append_audit_entry), never by a replay or a refused create: a payment created through the
-- API is never without its entry, nor an entry without its payment.
-- Returns: {'created'} | {'replayed', record json} | {'idempotency_mismatch'}
--          | {'reference_conflict', payment json}.

-- @include index-payment.lua
-- @include record-events.lua
-- @include append-audit-entry.lua

local prefix, id = ARGV[1], ARGV[2]
local event_count = tonumber(ARGV[12])
local outbox_arg = 13 + 2 * event_count
local events = read_events(13, event_count)
if events.err then
  return events
end
local audit = read_audit_args(outbox_arg + 3)
if audit.err then
  return audit
end
local first_index_arg = audit.next
if #KEYS == 8 then
  local remembered = redis.call('GET', KEYS[8])
  if remembered then
    if cjson.decode(remembered).fingerprint == ARGV[8] then
      return {'replayed', remembered}
    end
    return {'idempotency_mismatch'}
  end
end
for _, slot in ipairs({KEYS[3], KEYS[4]}) do
  local holder = redis.call('GET', slot)
  if holder then
    local existing = redis.call('HGET', prefix .. 'p:' .. holder, 'json')
    if existing then
      return {'reference_conflict', existing}
    end
  end
end
redis.call('HSET', KEYS[1], 'v', ARGV[4], 's', ARGV[5], 'json', ARGV[3])
record_events(prefix, KEYS[2], events, ARGV[outbox_arg], ARGV[outbox_arg + 1], ARGV[outbox_arg + 2])
redis.call('ZADD', KEYS[5], ARGV[6], id)
redis.call('ZADD', KEYS[6], ARGV[6], id)
index_payment(prefix, id, ARGV[5], ARGV[7], ARGV[11], first_index_arg)
append_audit_args(prefix, audit)
if #KEYS == 8 then
  redis.call('SET', KEYS[8], ARGV[10], 'EX', ARGV[9])
end
return {'created'}
