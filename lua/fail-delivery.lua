-- Records a failed try: the queue is due again at the retry time (and waits in obretry), or the
-- delivery is dead and the queue moves on. Atomic for the same reason as complete-delivery.lua.
--
-- KEYS: as complete-delivery.lua: 1 lease:{member}, 2 obq:{target}:{paymentId}, 3 obdue,
--       4 dlv:{eventId}:{target}, 5 obpending, 6 obretry:{target}
-- ARGV: 1 lease token, 2 member, 3 event id, 4 target, 5 attempt json, 6 now ms,
--       7 retry ms or '' (dead), 8 retry ISO or ''
-- Returns: 1 when recorded, 0 when the lease was lost.

-- @include settle-delivery.lua

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
