import { BYTE_LESS } from './redis-lua.js';
/**
 * Lua for the outbox on Redis (see outbox.ts for why it is not a job-queue library). Each script is
 * one atomic state change. Layout under the prefix:
 *
 * - `evt:{eventId}` HASH: `json` the event, `pid` its payment id, `targets` the targets it has
 *   deliveries for, comma-joined
 * - `events` ZSET of event ids, and `evp:{paymentId}` ZSET of one payment's event ids, scored by
 *   occurredAt ms, for listing
 * - `dlv:{eventId}:{target}` HASH: `state`, `attempts` (JSON array), `tries` (its length), `next`
 *   (nextAttemptAt ISO or ''), `queued` (queuedAt ISO), `delivered` (deliveredAt ISO or '')
 * - `obq:{target}:{paymentId}` LIST of event ids, oldest first: the head is the one being delivered
 * - `obdue` ZSET of queue members `{target}|{paymentId}`, scored by when the head is due (ms). A
 *   claim pushes the score to the end of its lease, so the score is also the lease.
 * - `lease:{member}` HASH: `token` of the current claim, `until` its end (ms)
 * - `obpending` SET of `{eventId}|{target}` for every pending delivery
 * - `obretry:{target}` ZSET of the target's queue members whose head waits for a retry after a
 *   failed try, scored by when it failed (ms): what a success brings forward (COMPLETE_DELIVERY)
 *
 * Invariants: a delivery is pending exactly when its event id is in its queue; a queue with entries
 * has a member in `obdue`. Target names never hold `,` or `|` (outbox-checks.ts), event and
 * payment ids never hold `:`, so every key and member above reads back one way.
 *
 * Keys are built from the prefix inside the scripts, so, like the payment scripts, these expect one
 * Redis node or a prefix with a hash tag. LPOS needs Redis 6.0.6 or later.
 */

/** Splits a comma-joined target list. */
const SPLIT_TARGETS = `
local function split_targets(joined)
  local targets = {}
  for target in string.gmatch(joined or '', '[^,]+') do
    table.insert(targets, target)
  end
  return targets
end
`;

/**
 * Shared with the payment scripts (redis-scripts.ts), which call `read_events` before their first
 * write and `record_events` after their checks pass: the events, their queue entries and the
 * payment are one atomic write. (Redis does not undo a script's writes when it stops on an error,
 * so every event is decoded and checked before anything is written.)
 *
 * `read_events` takes the ARGV index of the first event; each event has two: occurredAt ms, json.
 * `record_events` stores each event and queues it for every target. A queue that already exists
 * keeps its due time (ZADD NX): its head may be leased or waiting for a retry, and the new event
 * simply waits behind it.
 */
export const RECORD_EVENTS = `${SPLIT_TARGETS}
local function read_events(first_arg, count)
  local events = {}
  for i = 0, count - 1 do
    local occurred_ms, json = ARGV[first_arg + 2 * i], ARGV[first_arg + 2 * i + 1]
    local decoded = cjson.decode(json)
    if type(decoded.id) ~= 'string' or type(decoded.paymentId) ~= 'string' or not tonumber(occurred_ms) then
      return redis.error_reply('an event needs an id, a paymentId and occurredAt')
    end
    -- Queued under the event's own payment id: that is what a claim hands back and settles by.
    table.insert(events, {id = decoded.id, payment_id = decoded.paymentId, occurred_ms = occurred_ms, json = json})
  end
  return events
end

local function record_events(prefix, events_key, events, joined_targets, now_ms, now_iso)
  local targets = split_targets(joined_targets)
  for _, event in ipairs(events) do
    local id, payment_id = event.id, event.payment_id
    redis.call('RPUSH', events_key, event.json)
    redis.call('HSET', prefix .. 'evt:' .. id, 'json', event.json, 'pid', payment_id, 'targets', joined_targets)
    redis.call('ZADD', prefix .. 'events', event.occurred_ms, id)
    redis.call('ZADD', prefix .. 'evp:' .. payment_id, event.occurred_ms, id)
    for _, target in ipairs(targets) do
      redis.call('HSET', prefix .. 'dlv:' .. id .. ':' .. target,
        'state', 'pending', 'attempts', '[]', 'tries', 0, 'next', now_iso, 'queued', now_iso, 'delivered', '')
      redis.call('RPUSH', prefix .. 'obq:' .. target .. ':' .. payment_id, id)
      redis.call('SADD', prefix .. 'obpending', id .. '|' .. target)
      redis.call('ZADD', prefix .. 'obdue', 'NX', now_ms, target .. '|' .. payment_id)
    end
  end
end
`;

/**
 * Claims the heads of due queues. Atomic so two workers never get the same head while a lease is
 * live: the first moves the queue's score past `now` before the second can read it.
 *
 * KEYS: 1 obdue
 * ARGV: 1 prefix, 2 now ms, 3 limit, 4 lease ms, 5 token base (random, one per call)
 * Returns, per claim: target, event json, attempt number, queuedAt, lease token.
 */
export const CLAIM_DELIVERIES = `
local prefix, now_ms = ARGV[1], ARGV[2]
local limit = tonumber(ARGV[3])
local lease_end = tonumber(now_ms) + tonumber(ARGV[4])
local result = {}
local claimed = 0
-- Claimed queues leave the due range (their score moves to the lease's end) and empty ones leave
-- the set, so asking again from the start always makes progress.
while claimed < limit do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, limit - claimed)
  if #due == 0 then
    break
  end
  for _, member in ipairs(due) do
    local bar = string.find(member, '|', 1, true)
    local target, payment_id = string.sub(member, 1, bar - 1), string.sub(member, bar + 1)
    local head = redis.call('LINDEX', prefix .. 'obq:' .. target .. ':' .. payment_id, 0)
    if not head then
      redis.call('ZREM', KEYS[1], member)
    else
      redis.call('ZREM', prefix .. 'obretry:' .. target, member)
      claimed = claimed + 1
      local token = ARGV[5] .. '.' .. claimed
      local delivery = redis.call('HMGET', prefix .. 'dlv:' .. head .. ':' .. target, 'tries', 'queued')
      redis.call('ZADD', KEYS[1], lease_end, member)
      redis.call('HSET', prefix .. 'lease:' .. member, 'token', token, 'until', lease_end)
      table.insert(result, target)
      table.insert(result, redis.call('HGET', prefix .. 'evt:' .. head, 'json'))
      table.insert(result, tostring((tonumber(delivery[1]) or 0) + 1))
      table.insert(result, delivery[2])
      table.insert(result, token)
    end
  end
end
return result
`;

/** Shared by complete and fail: the lease check, appending the attempt, moving the queue on. */
const SETTLE = `
local function lease_held(lease_key, token)
  return redis.call('HGET', lease_key, 'token') == token
end

local function append_attempt(delivery_key, attempt_json)
  local attempts = redis.call('HGET', delivery_key, 'attempts')
  if not attempts or attempts == '[]' then
    attempts = '[' .. attempt_json .. ']'
  else
    attempts = string.sub(attempts, 1, -2) .. ',' .. attempt_json .. ']'
  end
  redis.call('HSET', delivery_key, 'attempts', attempts)
  redis.call('HINCRBY', delivery_key, 'tries', 1)
end

-- The settled head leaves its queue (and back-off); the queue is due now if more waits, and leaves obdue if not.
local function move_on(queue_key, due_key, retry_key, member, event_id, now_ms)
  redis.call('ZREM', retry_key, member)
  if redis.call('LINDEX', queue_key, 0) == event_id then
    redis.call('LPOP', queue_key)
  end
  if redis.call('LLEN', queue_key) > 0 then
    redis.call('ZADD', due_key, now_ms, member)
  else
    redis.call('ZREM', due_key, member)
  end
end
`;

/**
 * Makes up to `limit` of a target's queues that wait for a retry due now, oldest failure first.
 * A queue under a live lease keeps its score (its head is out with a worker); its entry leaves
 * obretry all the same, since the claim already took it out of back-off.
 */
const BRING_FORWARD = `
local function bring_forward(prefix, retry_key, due_key, target, now_ms, now_iso, limit)
  if limit <= 0 then
    return
  end
  for _, member in ipairs(redis.call('ZRANGE', retry_key, 0, limit - 1)) do
    redis.call('ZREM', retry_key, member)
    local lease_end = redis.call('HGET', prefix .. 'lease:' .. member, 'until')
    local score = redis.call('ZSCORE', due_key, member)
    if score and not (lease_end and tonumber(lease_end) > tonumber(now_ms)) then
      if tonumber(score) > tonumber(now_ms) then
        redis.call('ZADD', due_key, now_ms, member)
      end
      local payment_id = string.sub(member, #target + 2)
      local head = redis.call('LINDEX', prefix .. 'obq:' .. target .. ':' .. payment_id, 0)
      if head and redis.call('HGET', prefix .. 'dlv:' .. head .. ':' .. target, 'state') == 'pending' then
        redis.call('HSET', prefix .. 'dlv:' .. head .. ':' .. target, 'next', now_iso)
      end
    end
  end
end
`;

/**
 * Records a successful try, and brings forward up to ARGV[9] of the target's queues waiting for a
 * retry (the endpoint answers again). Atomic so a worker whose lease ran out (and was taken over)
 * writes nothing: the check and the writes cannot be split by the other worker's claim; and so no
 * queue is made due between a claim and the write of its lease.
 *
 * KEYS: 1 lease:{member}, 2 obq:{target}:{paymentId}, 3 obdue, 4 dlv:{eventId}:{target}, 5 obpending,
 *       6 obretry:{target}
 * ARGV: 1 lease token, 2 member, 3 event id, 4 target, 5 attempt json, 6 now ms, 7 now ISO,
 *       8 prefix, 9 how many waiting queues to bring forward
 * Returns 1 when recorded, 0 when the lease was lost.
 */
export const COMPLETE_DELIVERY = `${SETTLE}${BRING_FORWARD}
if not lease_held(KEYS[1], ARGV[1]) then
  return 0
end
append_attempt(KEYS[4], ARGV[5])
redis.call('HSET', KEYS[4], 'state', 'delivered', 'next', '', 'delivered', ARGV[7])
redis.call('SREM', KEYS[5], ARGV[3] .. '|' .. ARGV[4])
move_on(KEYS[2], KEYS[3], KEYS[6], ARGV[2], ARGV[3], ARGV[6])
redis.call('DEL', KEYS[1])
bring_forward(ARGV[8], KEYS[6], KEYS[3], ARGV[4], ARGV[6], ARGV[7], tonumber(ARGV[9]) or 0)
return 1
`;

/**
 * Records a failed try: the queue is due again at the retry time (and waits in obretry), or the
 * delivery is dead and the queue moves on. Atomic for the same reason as COMPLETE_DELIVERY.
 *
 * KEYS: as COMPLETE_DELIVERY
 * ARGV: 1 lease token, 2 member, 3 event id, 4 target, 5 attempt json, 6 now ms,
 *       7 retry ms or '' (dead), 8 retry ISO or ''
 * Returns 1 when recorded, 0 when the lease was lost.
 */
export const FAIL_DELIVERY = `${SETTLE}
if not lease_held(KEYS[1], ARGV[1]) then
  return 0
end
append_attempt(KEYS[4], ARGV[5])
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[4], 'next', ARGV[8])
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[2])
  redis.call('ZADD', KEYS[6], ARGV[6], ARGV[2])
else
  redis.call('HSET', KEYS[4], 'state', 'dead', 'next', '')
  redis.call('SREM', KEYS[5], ARGV[3] .. '|' .. ARGV[4])
  move_on(KEYS[2], KEYS[3], KEYS[6], ARGV[2], ARGV[3], ARGV[6])
end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * Queues an event again for the given targets (configured ones, checked by the caller), due now;
 * the event's other deliveries are not touched. Atomic so the delivery's state, its queue entry and
 * the queue's due time always agree. The attempts so far are kept. A queue whose head is under a live
 * lease keeps its score: making it due would hand that head to a second worker.
 *
 * KEYS: 1 evt:{eventId}
 * ARGV: 1 prefix, 2 event id, 3 now ms, 4 now ISO, 5 the targets to redeliver to, comma-joined
 * Returns 1, or 0 when there is no such event.
 */
export const REDELIVER_EVENT = `${SPLIT_TARGETS}
local prefix, id, now_ms, now_iso = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local stored = redis.call('HMGET', KEYS[1], 'pid', 'targets')
local payment_id, known = stored[1], stored[2] or ''
if not payment_id then
  return 0
end
local listed = {}
for _, target in ipairs(split_targets(known)) do
  listed[target] = true
end
for _, target in ipairs(split_targets(ARGV[5])) do
  local delivery_key = prefix .. 'dlv:' .. id .. ':' .. target
  if redis.call('EXISTS', delivery_key) == 0 then
    redis.call('HSET', delivery_key, 'attempts', '[]', 'tries', 0)
  end
  redis.call('HSET', delivery_key, 'state', 'pending', 'next', now_iso, 'queued', now_iso, 'delivered', '')
  if not listed[target] then
    listed[target] = true
    known = known == '' and target or known .. ',' .. target
  end
  redis.call('SADD', prefix .. 'obpending', id .. '|' .. target)
  local queue_key = prefix .. 'obq:' .. target .. ':' .. payment_id
  if not redis.call('LPOS', queue_key, id) then
    redis.call('RPUSH', queue_key, id)
  end
  local member = target .. '|' .. payment_id
  local lease_end = redis.call('HGET', prefix .. 'lease:' .. member, 'until')
  if lease_end and tonumber(lease_end) > tonumber(now_ms) then
    redis.call('ZADD', prefix .. 'obdue', 'NX', lease_end, member)
  else
    redis.call('ZADD', prefix .. 'obdue', now_ms, member)
  end
end
redis.call('HSET', KEYS[1], 'targets', known)
return 1
`;

/** Shared by the readers: appends an event's deliveries to a reply, and tells whether one is in a state. */
const READ_DELIVERIES = `${SPLIT_TARGETS}
-- Appends: count, then per delivery: target, state, attempts, next, queued, delivered.
local function append_deliveries(result, prefix, id, joined_targets, wanted_state)
  local rows, matched = {}, wanted_state == ''
  for _, target in ipairs(split_targets(joined_targets)) do
    local fields = redis.call('HMGET', prefix .. 'dlv:' .. id .. ':' .. target, 'state', 'attempts', 'next', 'queued', 'delivered')
    if fields[1] then
      table.insert(rows, {target, fields[1], fields[2], fields[3], fields[4], fields[5]})
      if fields[1] == wanted_state then
        matched = true
      end
    end
  end
  if not matched then
    return false
  end
  table.insert(result, tostring(#rows))
  for _, row in ipairs(rows) do
    for _, value in ipairs(row) do
      table.insert(result, value)
    end
  end
  return true
end
`;

/**
 * Reads one event and its deliveries. A script so it is one round trip and one consistent state.
 *
 * KEYS: 1 evt:{eventId}   ARGV: 1 prefix, 2 event id
 * Returns nil, or: event json, then the deliveries as append_deliveries writes them.
 */
export const GET_EVENT = `${READ_DELIVERIES}
local stored = redis.call('HMGET', KEYS[1], 'json', 'targets')
if not stored[1] then
  return false
end
local result = {stored[1]}
append_deliveries(result, ARGV[1], ARGV[2], stored[2], '')
return result
`;

/**
 * One stretch of the event listing, newest first, filtered by type and delivery state. Same walk
 * as LIST_PAYMENTS (redis-scripts.ts): score descending, then id descending bytewise, with a cap
 * on the entries examined so one call never blocks Redis long.
 *
 * KEYS: 1 the sorted set (events or evp:{paymentId})
 * ARGV: 1 prefix, 2 type or '', 3 delivery state or '', 4 score to start at ('+inf' or the
 *       cursor's), 5 cursor id or '', 6 matches wanted, 7 most entries to examine
 * Returns {'done' | 'more', last examined score, last examined id, then per match: score, id,
 * event json, deliveries as append_deliveries writes them}.
 */
export const LIST_EVENTS = `${READ_DELIVERIES}
local prefix, wanted_type, wanted_state, max_score, after_id = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local wanted, budget = tonumber(ARGV[6]), tonumber(ARGV[7])
local cursor_score = tonumber(max_score)

${BYTE_LESS}
local result = {'more', '', ''}
local examined, found, offset, batch = 0, 0, 0, 100
while true do
  local chunk = redis.call('ZREVRANGEBYSCORE', KEYS[1], max_score, '-inf', 'WITHSCORES', 'LIMIT', offset, batch)
  for i = 1, #chunk, 2 do
    local id, score = chunk[i], chunk[i + 1]
    examined = examined + 1
    result[2], result[3] = score, id
    local seen = after_id ~= '' and tonumber(score) == cursor_score and not byte_less(id, after_id)
    if not seen then
      local stored = redis.call('HMGET', prefix .. 'evt:' .. id, 'json', 'targets')
      if stored[1] and (wanted_type == '' or cjson.decode(stored[1]).type == wanted_type) then
        local entry = {score, id, stored[1]}
        if append_deliveries(entry, prefix, id, stored[2], wanted_state) then
          for _, value in ipairs(entry) do
            table.insert(result, value)
          end
          found = found + 1
          if found >= wanted then
            return result
          end
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
