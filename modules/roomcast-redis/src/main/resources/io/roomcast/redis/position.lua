-- roomcast position: the room's latest offset and its epoch, creating the epoch when the room has
-- none, so that the position a subscriber starts from and the first publication share an epoch.
--
-- KEYS[1] roomcast:{<room>}:offset   KEYS[2] roomcast:{<room>}:epoch   KEYS[3] roomcast:{<room>}:history
-- ARGV[1] offset and epoch TTL in seconds, applied when the epoch is created (optional, default 2592000)
-- Returns {offset, epoch}.

local epoch = redis.call('GET', KEYS[2])
local offset = redis.call('GET', KEYS[1])
if not epoch or not offset then
  local now = redis.call('TIME')
  local meta_ttl = tonumber(ARGV[1] or '2592000')
  -- Server time to the microsecond; no random part, as Redis reseeds Lua's PRNG for every script.
  epoch = string.format('%x%05x', tonumber(now[1]), tonumber(now[2]))
  offset = 0
  redis.call('SET', KEYS[2], epoch, 'EX', meta_ttl)
  redis.call('SET', KEYS[1], 0, 'EX', meta_ttl)
  redis.call('DEL', KEYS[3])
end
return {tonumber(offset), epoch}
