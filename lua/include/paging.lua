-- list_newest_first(set_key, max_score, after_id, wanted, budget, take[, min_score]): one stretch of a listing,
-- shared by the payment and the event listings. Order is score descending, then member descending
-- (bytewise), which is how ZREVRANGEBYSCORE returns ties. The examined count is capped by `budget`
-- so one call never blocks Redis long, whatever a filter skips. Entries scored below `min_score`
-- (default '-inf') are not examined: a date range costs only the entries inside it.
--
-- `take(result, score, id)` appends one entry's values to `result` and returns true when the entry
-- matched the listing's filter, false when it was skipped.
-- Returns {'done' | 'more', last examined score, last examined id, then what `take` appended}.

-- @include byte-order.lua

local function list_newest_first(set_key, max_score, after_id, wanted, budget, take, min_score)
  min_score = min_score or '-inf'
  local cursor_score = tonumber(max_score)
  local result = {'more', '', ''}
  local examined, found, offset, batch = 0, 0, 0, 100
  while true do
    local chunk = redis.call('ZREVRANGEBYSCORE', set_key, max_score, min_score, 'WITHSCORES', 'LIMIT', offset, batch)
    for i = 1, #chunk, 2 do
      local id, score = chunk[i], chunk[i + 1]
      examined = examined + 1
      result[2], result[3] = score, id
      -- Ties at the cursor's score sort by id descending: ids at or above the cursor were already listed.
      local seen = after_id ~= '' and tonumber(score) == cursor_score and not byte_less(id, after_id)
      if not seen and take(result, score, id) then
        found = found + 1
        if found >= wanted then
          return result
        end
      end
      if examined >= budget then
        return result
      end
    end
    if #chunk < batch * 2 then
      result[1] = 'done'
      return result
    end
    offset = offset + batch
  end
end
