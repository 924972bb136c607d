#pragma once
// Lua scripts of the Redis bridge (atomic on the server, one round trip each).
namespace abcsmc::redis::scripts {

// Claim. ARGV: run prefix, worker id, batch override (0 = the round's). Returns nil (no open
// round) or {k, start, count}; count 0 = nothing to claim now.
inline constexpr const char* kClaim = R"lua(
local p = ARGV[1]
local k = redis.call('GET', p .. 'round')
if not k then return nil end
local r = p .. 'r' .. k .. ':'
if redis.call('EXISTS', r .. 'spec') == 0 then return {tonumber(k), 0, 0} end
local lease = redis.call('GET', r .. 'lease_ms')
local b = redis.call('LPOP', r .. 'reissue')
if b then
  local s, c = string.match(b, '(%d+):(%d+)')
  redis.call('SET', r .. 'lease:' .. s, ARGV[2], 'PX', lease)
  return {tonumber(k), tonumber(s), tonumber(c)}
end
if redis.call('EXISTS', r .. 'done') == 1 then return {tonumber(k), 0, 0} end
local batch = tonumber(ARGV[3])
if batch == 0 then batch = tonumber(redis.call('GET', r .. 'batch')) end
local limit = tonumber(redis.call('GET', r .. 'limit'))
local e = redis.call('INCRBY', r .. 'next', batch)
local s = e - batch
if limit > 0 and s >= limit then return {tonumber(k), 0, 0} end
local c = batch
if limit > 0 and s + c > limit then c = limit - s end
redis.call('SET', r .. 'lease:' .. s, ARGV[2], 'PX', lease)
redis.call('RPUSH', r .. 'claims', s .. ':' .. c)
return {tonumber(k), s, c}
)lua";

// Push a batch's result. ARGV: run prefix, round prefix, start, bytes, evaluated, accepted.
// Dropped (returns 0) when the round is over.
inline constexpr const char* kPush = R"lua(
local r = ARGV[2]
redis.call('DEL', r .. 'lease:' .. ARGV[3])
if redis.call('EXISTS', r .. 'spec') == 0 then return 0 end
redis.call('RPUSH', r .. 'results', ARGV[4])
redis.call('HINCRBY', ARGV[1] .. 'info', 'evaluations', ARGV[5])
redis.call('HINCRBY', ARGV[1] .. 'info', 'acceptances', ARGV[6])
return 1
)lua";

// Dead claims. ARGV: round prefix, then "start:count" of claims without a result. Returns those
// with neither a lease nor a pending re-issue.
inline constexpr const char* kDead = R"lua(
local r = ARGV[1]
local dead = {}
local pending = {}
for _, v in ipairs(redis.call('LRANGE', r .. 'reissue', 0, -1)) do pending[v] = true end
for i = 2, #ARGV do
  local s = string.match(ARGV[i], '(%d+):')
  if not pending[ARGV[i]] and redis.call('EXISTS', r .. 'lease:' .. s) == 0 then
    dead[#dead + 1] = ARGV[i]
  end
end
return dead
)lua";

// The registered runs that are alive; a run whose config key has expired (its master is gone:
// run keys expire 5 s after its last renewal) is removed from the registry, atomically, so a
// master registering again meanwhile is not lost. ARGV: the registry key, "abcsmc:". Returns
// the live run ids.
inline constexpr const char* kLiveRuns = R"lua(
local live = {}
for _, run in ipairs(redis.call('SMEMBERS', ARGV[1])) do
  if redis.call('EXISTS', ARGV[2] .. run .. ':config') == 1 then
    live[#live + 1] = run
  else
    redis.call('SREM', ARGV[1], run)
  end
end
return live
)lua";

}  // namespace abcsmc::redis::scripts
