-- Records a successful try, and brings forward up to ARGV[9] of the target's queues waiting for a
-- retry (the endpoint answers again). Atomic so a worker whose lease ran out (and was taken over)
-- writes nothing: the check and the writes cannot be split by the other worker's claim; and so no
-- queue is made due between a claim and the write of its lease.
--
-- KEYS: 1 lease:{member}, 2 obq:{target}:{paymentId}, 3 obdue, 4 dlv:{eventId}:{target}, 5 obpending,
--       6 obretry:{target}
-- ARGV: 1 lease token, 2 member, 3 event id, 4 target, 5 attempt json, 6 now ms, 7 now ISO,
--       8 prefix, 9 how many waiting queues to bring forward
-- Returns: 1 when recorded, 0 when the lease was lost.

-- @include settle-delivery.lua
-- @include bring-forward.lua

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
