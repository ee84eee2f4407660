-- roomcast publish: offset, history and delivery of one message in one atomic round trip.
-- Documented in docs/redis.md; the broker runs it with EVALSHA (EVAL after NOSCRIPT).
--
-- KEYS[1] roomcast:{<room>}:offset   KEYS[2] roomcast:{<room>}:epoch   KEYS[3] roomcast:{<room>}:history
-- KEYS[4] roomcast:{<room>}:gen      the run_id of the server that made the epoch
-- KEYS[5] roomcast:{<room>}:idem:<idempotency key>                     (optional)
-- ARGV[1] channel, roomcast:{<room>}
-- ARGV[2] payload bytes
-- ARGV[3] 't' when the payload is UTF-8 text, 'b' for binary          (optional, default 'b')
-- ARGV[4] history length kept, approximately; 0 keeps no history     (optional, default 1000)
-- ARGV[5] history TTL in seconds, refreshed by every publish          (optional, default 86400)
-- ARGV[6] offset and epoch TTL in seconds, refreshed likewise         (optional, default 2592000)
-- ARGV[7] '1' to SPUBLISH (Redis Cluster), '0' to PUBLISH             (optional, default '0')
-- ARGV[8] how long KEYS[5] is remembered, milliseconds                 (optional, default 300000)
-- Returns {offset, epoch, time_ms, repeated}: repeated is 1 when KEYS[5] named an earlier publish of
-- this epoch, whose result this is; nothing was stored or published again.

if #KEYS < 4 then
  return redis.error_reply('ERR roomcast publish.lua needs 4 keys (offset, epoch, history, gen), see docs/redis.md')
end

local function varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end

local function bytes_field(tag, s)
  return string.char(tag) .. varint(#s) .. s
end

local payload = ARGV[2]
local text = ARGV[3] == 't'
local max_len = tonumber(ARGV[4] or '1000')
local history_ttl = tonumber(ARGV[5] or '86400')
local meta_ttl = tonumber(ARGV[6] or '2592000')
local sharded = ARGV[7] == '1'
local window_ms = tonumber(ARGV[8] or '300000')

local now = redis.call('TIME')
local time_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

-- Which server process this is: run_id is new with every start (from an RDB or AOF file or empty)
-- and a promoted replica has its own. A room whose epoch another process made may have lost or may
-- replay writes (a stale snapshot, a lagging replica): it starts a new epoch before any offset.
local run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')

-- The epoch and the offset live and die together: if either is gone (a Redis that restarted empty, an
-- expired room) or another server process made them, the stream starts anew and a new epoch tells
-- clients their offsets are void.
local epoch = redis.call('GET', KEYS[2])
if not epoch or redis.call('GET', KEYS[4]) ~= run_id or redis.call('EXISTS', KEYS[1]) == 0 then
  -- Server time to the microsecond, then the process: no random part, as Redis reseeds Lua's PRNG
  -- for every script; the run_id part keeps two processes (a split brain) from making the same epoch.
  epoch = string.format('%x%05x', tonumber(now[1]), tonumber(now[2])) .. '-' .. string.sub(run_id, 1, 6)
  redis.call('SET', KEYS[2], epoch)
  redis.call('SET', KEYS[4], run_id)
  redis.call('SET', KEYS[1], 0)
  redis.call('DEL', KEYS[3])
end

-- An idempotency key seen in this epoch: the same answer, nothing stored or sent again. One of an
-- older epoch says nothing about this one (its message may be lost with it): published anew.
local idem = KEYS[5]
if idem then
  local seen = redis.call('GET', idem)
  if seen then
    local o, e, t = string.match(seen, '^(%d+) (%S+) (%d+)$')
    if e == epoch then
      -- a write, so that a WAIT after this call covers the first publish too (replication is in order)
      redis.call('SET', idem, seen, 'KEEPTTL')
      return {tonumber(o), epoch, tonumber(t), 1}
    end
  end
end

local offset = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], meta_ttl)
redis.call('EXPIRE', KEYS[2], meta_ttl)
redis.call('EXPIRE', KEYS[4], meta_ttl)
if idem then
  redis.call('SET', idem, offset .. ' ' .. epoch .. ' ' .. time_ms, 'PX', window_ms)
end

-- Envelope: magic C1 52 43 01, then protobuf roomcast.v1.Envelope with fields
-- 1 data / 2 text (length-delimited), 3 offset (varint), 4 epoch (string), 5 time_ms (varint).
local envelope = '\193RC\1'
  .. bytes_field(text and 0x12 or 0x0A, payload)
  .. string.char(0x18) .. varint(offset)
  .. bytes_field(0x22, epoch)
  .. string.char(0x28) .. varint(time_ms)

if max_len > 0 then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', max_len, offset .. '-0', 'e', envelope)
  redis.call('EXPIRE', KEYS[3], history_ttl)
end

if sharded then
  redis.call('SPUBLISH', ARGV[1], envelope)
else
  redis.call('PUBLISH', ARGV[1], envelope)
end
return {offset, epoch, time_ms, 0}
