-- split_targets(joined): the outbox targets of a comma-joined list (target names never hold `,`).

local function split_targets(joined)
  local targets = {}
  for target in string.gmatch(joined or '', '[^,]+') do
    table.insert(targets, target)
  end
  return targets
end
