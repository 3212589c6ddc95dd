-- read_events and record_events: the payment scripts (create-payment.lua, commit-payment.lua) call
-- `read_events` before their first write and `record_events` after their checks pass, so the
-- events, their queue entries and the payment are one atomic write. (Redis does not undo a
-- script's writes when it stops on an error, so every event is decoded and checked before anything
-- is written.)
--
-- `read_events(first_arg, count)` takes the ARGV index of the first event; each event has two:
-- occurredAt ms, json. It returns the events, or an error reply.
-- `record_events(prefix, events_key, events, joined_targets, now_ms, now_iso)` stores each event
-- and queues it for its targets: `joined_targets` is one comma-joined list per event, the lists
-- separated by `;` (target names hold neither), or a single list for every event. With events_key
-- false (audit events, which are no payment's) the events are stored and queued but not appended to a payment's list nor indexed with the payments'
-- events: they are indexed apart, in `evaudit`, for the listing of audit deliveries
-- (append-audit.lua keeps that index to the audit log's bound). A queue that already exists keeps its due time (ZADD NX): its
-- head may be leased or waiting for a retry, and the new event simply waits behind it.

-- @include split-targets.lua

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
  local lists = {}
  for list in string.gmatch((joined_targets or '') .. ';', '([^;]*);') do
    table.insert(lists, list)
  end
  for i, event in ipairs(events) do
    local id, payment_id = event.id, event.payment_id
    local joined = lists[i] or lists[1] or ''
    local targets = split_targets(joined)
    redis.call('HSET', prefix .. 'evt:' .. id, 'json', event.json, 'pid', payment_id, 'targets', joined)
    if events_key then
      redis.call('RPUSH', events_key, event.json)
      redis.call('ZADD', prefix .. 'events', event.occurred_ms, id)
      redis.call('ZADD', prefix .. 'evp:' .. payment_id, event.occurred_ms, id)
    else
      redis.call('ZADD', prefix .. 'evaudit', event.occurred_ms, id)
    end
    for _, target in ipairs(targets) do
      redis.call('HSET', prefix .. 'dlv:' .. id .. ':' .. target,
        'state', 'pending', 'attempts', '[]', 'tries', 0, 'next', now_iso, 'queued', now_iso, 'delivered', '')
      redis.call('RPUSH', prefix .. 'obq:' .. target .. ':' .. payment_id, id)
      redis.call('SADD', prefix .. 'obpending', id .. '|' .. target)
      redis.call('ZADD', prefix .. 'obdue', 'NX', now_ms, target .. '|' .. payment_id)
    end
  end
end
