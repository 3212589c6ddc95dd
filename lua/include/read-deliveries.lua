-- append_deliveries(result, prefix, id, joined_targets, wanted_state): shared by the event readers.
-- Appends an event's deliveries to a reply: their count, then per delivery: target, state, attempts,
-- next, queued, delivered. Returns false (and appends nothing) when `wanted_state` is not '' and no
-- delivery is in that state.

-- @include split-targets.lua

local function append_deliveries(result, prefix, id, joined_targets, wanted_state)
  local rows, matched = {}, wanted_state == ''
  for _, target in ipairs(split_targets(joined_targets)) do
    local fields = redis.call('HMGET', prefix .. 'dlv:' .. id .. ':' .. target, 'state', 'attempts', 'next', 'queued', 'delivered')
    if fields[1] then
      table.insert(rows, {target, fields[1], fields[2], fields[3], fields[4], fields[5]})
      if fields[1] == wanted_state then
        matched = true
      end
    end
  end
  if not matched then
    return false
  end
  table.insert(result, tostring(#rows))
  for _, row in ipairs(rows) do
    for _, value in ipairs(row) do
      table.insert(result, value)
    end
  end
  return true
end
