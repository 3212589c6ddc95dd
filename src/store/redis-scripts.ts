import { BYTE_LESS } from './redis-lua.js';
import { RECORD_EVENTS } from './redis-outbox-scripts.js';

/**
 * Lua for the Redis payment store. Redis runs a script to the end before serving any other
 * client, so each script is one atomic step; ioredis sends them by EVALSHA.
 *
 * Keys that depend on stored data (the holder of a reference slot, the payment an attempt points
 * to) can only be built inside the script, from the prefix passed in ARGV. The store therefore
 * expects one Redis node, or a prefix with a hash tag (`{hpp}:`) so every key lands in one slot.
 */

/**
 * Shared by create and commit: the attempt index, the reference slots and the expiry set follow
 * the payment's status. Expects KEYS[3] = ref open slot, KEYS[4] = ref succeeded slot, KEYS[7] = exp.
 */
const INDEX_PAYMENT = `
local function index_payment(prefix, id, status, expires_ms, first_attempt_arg)
  for i = first_attempt_arg, #ARGV do
    redis.call('SET', prefix .. 'att:' .. ARGV[i], id, 'NX')
  end
  if status == 'created' or status == 'pending' or status == 'failed' then
    redis.call('SET', KEYS[3], id, 'NX')
    redis.call('ZADD', KEYS[7], expires_ms, id)
    return
  end
  if redis.call('GET', KEYS[3]) == id then
    redis.call('DEL', KEYS[3])
  end
  redis.call('ZREM', KEYS[7], id)
  if status == 'succeeded' then
    -- A late second success for the reference keeps the first holder: it is flagged, not promoted.
    redis.call('SET', KEYS[4], id, 'NX')
  end
end
`;

/**
 * Create a payment. Atomic because the idempotency check, the reference check and the writes must
 * see one state: two concurrent creates with one key or one reference must not both succeed. The
 * events are stored and queued for every outbox target in the same script (record_events), so a
 * payment never exists without its notifications owed, nor a notification without its payment.
 *
 * KEYS: 1 p:{id}, 2 ev:{id}, 3 ref:{reference}:open, 4 ref:{reference}:ok, 5 created,
 *       6 byref:{reference}, 7 exp, [8 idem:{key} when an Idempotency-Key was given]
 * ARGV: 1 prefix, 2 id, 3 payment json, 4 version, 5 status, 6 createdAt ms, 7 expiresAt ms,
 *       8 fingerprint, 9 idempotency ttl seconds, 10 idempotency record json, 11 event count (n),
 *       then per event: occurredAt ms, json; then outbox targets (comma-joined), now ms, now ISO;
 *       then the attempt refs.
 * Returns {'created'} | {'replayed', record json} | {'idempotency_mismatch'} | {'reference_conflict', payment json}.
 */
export const CREATE_PAYMENT = `${INDEX_PAYMENT}${RECORD_EVENTS}
local prefix, id = ARGV[1], ARGV[2]
local event_count = tonumber(ARGV[11])
local outbox_arg = 12 + 2 * event_count
local events = read_events(12, event_count)
if events.err then
  return events
end
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
index_payment(prefix, id, ARGV[5], ARGV[7], outbox_arg + 3)
if #KEYS == 8 then
  redis.call('SET', KEYS[8], ARGV[10], 'EX', ARGV[9])
end
return {'created'}
`;

/**
 * Compare-and-set a payment's next version. Atomic because the version check and the writes must
 * not be split: otherwise two instances applying the same bank message would both pass the check
 * and both record the transition (two events, two webhooks). The events are queued for every
 * outbox target by the same script, after the check: a lost compare-and-set queues nothing.
 *
 * KEYS: 1 p:{id}, 2 ev:{id}, 3 ref:{reference}:open, 4 ref:{reference}:ok, 5 created (unused),
 *       6 byref:{reference} (unused), 7 exp  (same layout as create, so index_payment is shared)
 * ARGV: 1 prefix, 2 id, 3 expected version, 4 next version, 5 status, 6 payment json,
 *       7 expiresAt ms, 8 event count (n), then per event: occurredAt ms, json; then outbox
 *       targets (comma-joined), now ms, now ISO; then the attempt refs.
 * Returns 1 when written, 0 when the stored version differed (nothing written).
 */
export const COMMIT_PAYMENT = `${INDEX_PAYMENT}${RECORD_EVENTS}
local event_count = tonumber(ARGV[8])
local outbox_arg = 9 + 2 * event_count
local events = read_events(9, event_count)
if events.err then
  return events
end
local stored = redis.call('HGET', KEYS[1], 'v')
if not stored or tonumber(stored) ~= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[4], 's', ARGV[5], 'json', ARGV[6])
record_events(ARGV[1], KEYS[2], events, ARGV[outbox_arg], ARGV[outbox_arg + 1], ARGV[outbox_arg + 2])
index_payment(ARGV[1], ARGV[2], ARGV[5], ARGV[7], outbox_arg + 3)
return 1
`;

/**
 * Read the payment owning an attempt. Not a write, but a script saves a round trip, and the index
 * and the payment are read from one state.
 *
 * KEYS: 1 att:{ref}   ARGV: 1 prefix
 */
export const PAYMENT_BY_ATTEMPT = `
local id = redis.call('GET', KEYS[1])
if not id then
  return false
end
return redis.call('HGET', ARGV[1] .. 'p:' .. id, 'json')
`;

/**
 * One stretch of a listing, newest first, filtered by status. A script so a page costs one round
 * trip whatever the filter skips; the examined count is capped so one call never blocks Redis long.
 *
 * Order is score descending, then member descending (bytewise), which is how ZREVRANGEBYSCORE
 * returns ties. Members are compared byte by byte here because Lua's string < follows the
 * server's locale, not ZSET order.
 *
 * KEYS: 1 the sorted set (created or byref:{reference})
 * ARGV: 1 prefix, 2 status or '', 3 score to start at ('+inf' or the cursor's), 4 cursor id or '',
 *       5 matches wanted, 6 most entries to examine
 * Returns {'done' | 'more', last examined score, last examined id, then score, id, json per match}.
 */
export const LIST_PAYMENTS = `
local prefix, status, max_score, after_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local wanted, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local cursor_score = tonumber(max_score)

${BYTE_LESS}
local result = {'more', '', ''}
local examined, offset, batch = 0, 0, 100
while true do
  local chunk = redis.call('ZREVRANGEBYSCORE', KEYS[1], max_score, '-inf', 'WITHSCORES', 'LIMIT', offset, batch)
  for i = 1, #chunk, 2 do
    local id, score = chunk[i], chunk[i + 1]
    examined = examined + 1
    result[2], result[3] = score, id
    -- Ties at the cursor's score sort by id descending: ids at or above the cursor were already listed.
    local seen = after_id ~= '' and tonumber(score) == cursor_score and not byte_less(id, after_id)
    if not seen then
      local fields = redis.call('HMGET', prefix .. 'p:' .. id, 's', 'json')
      if fields[2] and (status == '' or fields[1] == status) then
        table.insert(result, score)
        table.insert(result, id)
        table.insert(result, fields[2])
        if (#result - 3) / 3 >= wanted then
          return result
        end
      end
    end
    if examined >= budget then
      return result
    end
  end
  if #chunk < batch * 2 then
    result[1] = 'done'
    return result
  end
  offset = offset + batch
end
`;

/**
 * Claims open payments due for expiry. Atomic so two instances sweeping at the same moment take
 * different payments: the first moves each claimed id's score to the end of its lease before the
 * second can read it (the `exp` score is the due time and, while claimed, the lease). The expiry is
 * then committed like any other change, whose index_payment drops the id from `exp` (or, for a
 * payment still open, puts its score back to expiresAt). Ids whose payment is gone or no longer
 * open are dropped on the way, so asking again always makes progress.
 *
 * KEYS: 1 exp
 * ARGV: 1 prefix, 2 now ms, 3 limit, 4 lease ms
 * Returns {next due score or '', then the json of each claimed payment}.
 */
export const CLAIM_EXPIRIES = `
local prefix, now_ms = ARGV[1], ARGV[2]
local limit = tonumber(ARGV[3])
local lease_end = tonumber(now_ms) + tonumber(ARGV[4])
local result = {''}
local claimed = 0
while claimed < limit do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, limit - claimed)
  if #due == 0 then
    break
  end
  for _, id in ipairs(due) do
    local fields = redis.call('HMGET', prefix .. 'p:' .. id, 's', 'json')
    local status = fields[1]
    if fields[2] and (status == 'created' or status == 'pending' or status == 'failed') then
      redis.call('ZADD', KEYS[1], lease_end, id)
      table.insert(result, fields[2])
      claimed = claimed + 1
    else
      redis.call('ZREM', KEYS[1], id)
    end
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then
  result[1] = first[2]
end
return result
`;
