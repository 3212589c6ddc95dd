-- bring_forward(prefix, retry_key, due_key, target, now_ms, now_iso, limit): makes up to `limit` of
-- a target's queues that wait for a retry due now, oldest failure first. A queue under a live lease
-- keeps its score (its head is out with a worker); its entry leaves obretry all the same, since the
-- claim already took it out of back-off.

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
