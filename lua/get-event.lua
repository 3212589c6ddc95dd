-- Reads one event and its deliveries. A script so it is one round trip and one consistent state.
--
-- KEYS: 1 evt:{eventId}
-- ARGV: 1 prefix, 2 event id
-- Returns: nil, or: event json, then the deliveries as append_deliveries (read-deliveries.lua)
--          writes them.

-- @include read-deliveries.lua

local stored = redis.call('HMGET', KEYS[1], 'json', 'targets')
if not stored[1] then
  return false
end
local result = {stored[1]}
append_deliveries(result, ARGV[1], ARGV[2], stored[2], '')
return result
