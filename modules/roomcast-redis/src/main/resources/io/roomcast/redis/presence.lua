-- roomcast presence: who is in a room, kept alive by the nodes, with join and leave published on the
-- room's channel. Documented in docs/redis.md; RedisPresence runs it with EVALSHA (EVAL after NOSCRIPT).
-- All keys share the room's hash tag, so one script touches them all on Cluster.
--
-- KEYS[1] P         hash   session -> member (protobuf roomcast.v1.Member: user, session, info)
-- KEYS[2] P:users   hash   user -> how many sessions of the user are in the room (anonymous: none)
-- KEYS[3] P:nodes   zset   node -> until when its members are alive (ms); refreshed by the node
-- KEYS[4] P:idx     zset   "<node>\0<session>", score 0: the sessions of each node, by prefix
-- KEYS[5] P:gone    zset   identity -> leave deadline (ms): left, waiting out the grace
-- KEYS[6] P:last    hash   identity -> member, for the leave event
-- KEYS[7] the room's channel, roomcast:{<room>}
-- where P is roomcast:{<room>}:presence, and an identity is the user, or "$<session>" when anonymous.
-- ARGV[1] op: join | leave | refresh | sync | members | stats
-- ARGV[2] node id   ARGV[3] member ttl ms   ARGV[4] grace ms   ARGV[5] '1' SPUBLISH (Cluster), else PUBLISH
-- ARGV[6] key ttl ms: every key of the room's presence expires this long after the last write
-- Every op first sweeps: members of nodes that stopped refreshing are removed, and leaves whose grace
-- ran out are published. Replies start with the number of join/leave events the call published.

local P, USERS, NODES, IDX, GONE, LAST, CHANNEL = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local op, node = ARGV[1], ARGV[2]
local ttl, grace, sharded, key_ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1', tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local events = 0

local function varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end

-- Envelope field 6 (join) or 7 (leave), length-delimited, behind the magic bytes.
local function publish(tag, member)
  local envelope = '\193RC\1' .. string.char(tag) .. varint(#member) .. member
  redis.call(sharded and 'SPUBLISH' or 'PUBLISH', CHANNEL, envelope)
  events = events + 1
end

local function identity(session, user)
  if user == '' then return '$' .. session end
  return user
end

-- A session is gone: its user leaves once no session of theirs is left and the grace ran out.
local function depart(session, user, member, deadline)
  if user ~= '' then
    local left = redis.call('HINCRBY', USERS, user, -1)
    if left > 0 then return end
    redis.call('HDEL', USERS, user)
  end
  local id = identity(session, user)
  redis.call('ZADD', GONE, deadline, id)
  redis.call('HSET', LAST, id, member)
end

local function remove(session, user, owner, deadline)
  local member = redis.call('HGET', P, session)
  if not member then return end
  redis.call('HDEL', P, session)
  redis.call('ZREM', IDX, owner .. '\0' .. session)
  depart(session, user, member, deadline)
end

-- The user is stored inside the member bytes; the index knows only sessions. Field 1 of Member.
local function user_of(member)
  if string.byte(member, 1) ~= 10 then return '' end
  local len, shift, i = 0, 1, 2
  while true do
    local b = string.byte(member, i)
    len = len + (b % 128) * shift
    i = i + 1
    if b < 128 then break end
    shift = shift * 128
  end
  return string.sub(member, i, i + len - 1)
end

local function sweep()
  local dead = redis.call('ZRANGEBYSCORE', NODES, '-inf', now, 'WITHSCORES')
  for i = 1, #dead, 2 do
    local gone_node, expired = dead[i], tonumber(dead[i + 1])
    local entries = redis.call('ZRANGEBYLEX', IDX, '[' .. gone_node .. '\0', '(' .. gone_node .. '\1')
    for _, entry in ipairs(entries) do
      local session = string.sub(entry, #gone_node + 2)
      local member = redis.call('HGET', P, session)
      if member then remove(session, user_of(member), gone_node, expired + grace) end
      redis.call('ZREM', IDX, entry)
    end
    redis.call('ZREM', NODES, gone_node)
  end
  local due = redis.call('ZRANGEBYSCORE', GONE, '-inf', now)
  for _, id in ipairs(due) do
    local member = redis.call('HGET', LAST, id)
    if member then publish(0x3A, member) end
    redis.call('ZREM', GONE, id)
    redis.call('HDEL', LAST, id)
  end
end

local function add(session, user, member)
  if redis.call('HSET', P, session, member) == 0 then return end -- already there (a retried join)
  redis.call('ZADD', IDX, 0, node .. '\0' .. session)
  local first = true
  if user ~= '' then first = redis.call('HINCRBY', USERS, user, 1) == 1 end
  local id = identity(session, user)
  if redis.call('ZREM', GONE, id) == 1 then -- back within the grace: neither leave nor join
    redis.call('HDEL', LAST, id)
  elseif first then
    publish(0x32, member)
  end
end

local function alive()
  redis.call('ZADD', NODES, now + ttl, node)
end

local function keep()
  for i = 1, 6 do redis.call('PEXPIRE', KEYS[i], key_ttl) end
end

sweep()
local reply
if op == 'join' then
  alive()
  add(ARGV[7], ARGV[8], ARGV[9])
  reply = {}
elseif op == 'leave' then
  remove(ARGV[7], ARGV[8], node, now + grace)
  reply = {}
elseif op == 'refresh' then
  alive()
  reply = {redis.call('ZLEXCOUNT', IDX, '[' .. node .. '\0', '(' .. node .. '\1')}
elseif op == 'sync' then
  -- ARGV[7..]: session, user, member of every member this node has in the room
  alive()
  local wanted = {}
  for i = 7, #ARGV, 3 do wanted[ARGV[i]] = true end
  local entries = redis.call('ZRANGEBYLEX', IDX, '[' .. node .. '\0', '(' .. node .. '\1')
  for _, entry in ipairs(entries) do
    local session = string.sub(entry, #node + 2)
    if not wanted[session] then
      local member = redis.call('HGET', P, session)
      if member then remove(session, user_of(member), node, now + grace) else redis.call('ZREM', IDX, entry) end
    end
  end
  for i = 7, #ARGV, 3 do add(ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
  reply = {}
elseif op == 'members' then
  local total = redis.call('HLEN', P)
  if total > tonumber(ARGV[7]) then
    reply = {total}
  else
    reply = redis.call('HVALS', P)
    table.insert(reply, 1, total)
  end
elseif op == 'stats' then
  reply = {redis.call('HLEN', P), redis.call('HLEN', USERS)}
else
  return redis.error_reply('unknown presence op ' .. tostring(op))
end
if op ~= 'members' and op ~= 'stats' then keep() end
table.insert(reply, 1, events)
return reply
