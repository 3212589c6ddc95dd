-- One stretch of the payment listing, newest first, filtered by status (the walk is paging.lua's).
-- A script so a page costs one round trip whatever the filter skips.
--
-- KEYS: 1 the sorted set (created or byref:{reference})
-- ARGV: 1 prefix, 2 status or '', 3 score to start at ('+inf' or the cursor's), 4 cursor id or '',
--       5 matches wanted, 6 most entries to examine
-- Returns: {'done' | 'more', last examined score, last examined id, then score, id, json per match}.

-- @include paging.lua

local prefix, status = ARGV[1], ARGV[2]

local function take(result, score, id)
  local fields = redis.call('HMGET', prefix .. 'p:' .. id, 's', 'json')
  if not fields[2] or (status ~= '' and fields[1] ~= status) then
    return false
  end
  table.insert(result, score)
  table.insert(result, id)
  table.insert(result, fields[2])
  return true
end

return list_newest_first(KEYS[1], ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), take)
