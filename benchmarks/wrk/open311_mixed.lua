-- 70% reads / 30% writes at a constant total rate (wrk has no rate option; wrk2 is not in Debian).
-- Each thread sends on a fixed schedule: delay() returns the time to the thread's next slot, read
-- from gettimeofday through LuaJIT's FFI. Latency is measured by wrk from the actual send, so a
-- server that falls behind shows as a lower rate, not only as latency (say so with the figures).
-- OPEN311_RATE: total requests/s; OPEN311_THREADS: wrk -t; OPEN311_KEY, OPEN311_POINTS as in post.lua;
-- OPEN311_IDS: "id;id;…" existing service_request_ids for single reads.
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_usec; } timeval;
  int gettimeofday(timeval *tv, void *tz);
]]
local tv = ffi.new("timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local key = os.getenv("OPEN311_KEY")
local rate = tonumber(os.getenv("OPEN311_RATE") or "200")
local threads = tonumber(os.getenv("OPEN311_THREADS") or "2")
local points, ids = {}, {}
for lat, lon in string.gmatch(os.getenv("OPEN311_POINTS") or "", "([%d%.%-]+),([%d%.%-]+)") do
  points[#points + 1] = {lat, lon}
end
for id in string.gmatch(os.getenv("OPEN311_IDS") or "", "([^;]+)") do ids[#ids + 1] = id end

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

local interval, next_slot
function init(args)
  math.randomseed(id * 104729)
  interval = 1000.0 * threads / rate
  next_slot = now_ms() + (id - 1) * interval / threads
end

function delay()
  local t = now_ms()
  if next_slot < t then next_slot = t end  -- behind schedule: send now, do not burst to catch up
  local wait = next_slot - t
  next_slot = next_slot + interval
  return wait
end

local body_text = "&description=%E4%BA%95%E7%9B%96%E6%9D%BE%E5%8A%A8"
function request()
  local r = math.random()
  if r < 0.30 then
    local p = points[math.random(#points)]
    return wrk.format("POST", "/open311/v2/requests.json",
      {["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"},
      "api_key=" .. key .. "&service_code=01001&lat=" .. p[1] .. "&long=" .. p[2] .. body_text)
  elseif r < 0.50 then
    return wrk.format("GET", "/open311/v2/requests.json?status=open")
  elseif r < 0.75 then
    return wrk.format("GET", "/open311/v2/requests.json?status=open&page_size=100&page=" .. math.random(10))
  else
    return wrk.format("GET", "/open311/v2/requests/" .. ids[math.random(#ids)] .. ".json")
  end
end
