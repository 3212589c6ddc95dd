-- Shared by complete-delivery.lua and fail-delivery.lua: the lease check (`lease_held`), appending
-- the attempt (`append_attempt`), moving the queue on (`move_on`).

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
