-- Read the payment an index points to: the payment owning an attempt (att:{ref}) or a refund
-- (rf:{id}). Not a write, but a script saves a round trip, and the index and the payment are read
-- from one state.
--
-- KEYS: 1 att:{ref} or rf:{id}
-- ARGV: 1 prefix
-- Returns: the payment json, or nil when the index or its payment is unknown.

local id = redis.call('GET', KEYS[1])
if not id then
  return false
end
return redis.call('HGET', ARGV[1] .. 'p:' .. id, 'json')
