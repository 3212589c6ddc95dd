-- One stretch of the event listing, newest first, filtered by type and delivery state (the walk is
-- paging.lua's, as for the payment listing). A script so a page costs one round trip whatever the
-- filters skip.
--
-- KEYS: 1 the sorted set (events, evp:{paymentId} or evaudit)
-- ARGV: 1 prefix, 2 type or '', 3 delivery state or '', 4 score to start at ('+inf' or the
--       cursor's), 5 cursor id or '', 6 matches wanted, 7 most entries to examine
-- Returns: {'done' | 'more', last examined score, last examined id, then per match: score, id,
--          event json, deliveries as append_deliveries (read-deliveries.lua) writes them}.

-- @include read-deliveries.lua
-- @include paging.lua

local prefix, wanted_type, wanted_state = ARGV[1], ARGV[2], ARGV[3]

local function take(result, score, id)
  local stored = redis.call('HMGET', prefix .. 'evt:' .. id, 'json', 'targets')
  if not stored[1] or (wanted_type ~= '' and cjson.decode(stored[1]).type ~= wanted_type) then
    return false
  end
  local entry = {score, id, stored[1]}
  if not append_deliveries(entry, prefix, id, stored[2], wanted_state) then
    return false
  end
  for _, value in ipairs(entry) do
    table.insert(result, value)
  end
  return true
end

return list_newest_first(KEYS[1], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), take)
