-- Read the payment owning an attempt. Not a write, but a script saves a round trip, and the index
-- and the payment are read from one state.
--
-- KEYS: 1 att:{ref}
-- ARGV: 1 prefix
-- Returns: the payment json, or nil when the attempt or its payment is unknown.

local id = redis.call('GET', KEYS[1])
if not id then
  return false
end
return redis.call('HGET', ARGV[1] .. 'p:' .. id, 'json')
