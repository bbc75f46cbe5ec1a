-- Open311 POST requests.json: a new service request per call, at a random point of the city.
-- OPEN311_KEY: the API key; OPEN311_POINTS: "lat,long;lat,long;…" (points inside the city's grids).
local key = os.getenv("OPEN311_KEY")
local points = {}
for lat, lon in string.gmatch(os.getenv("OPEN311_POINTS") or "", "([%d%.%-]+),([%d%.%-]+)") do
  points[#points + 1] = {lat, lon}
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(id * 7919)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"

function request()
  local p = points[math.random(#points)]
  local body = "api_key=" .. key .. "&service_code=06010&lat=" .. p[1] .. "&long=" .. p[2] ..
               "&description=%E8%B7%AF%E8%BE%B9%E6%9A%B4%E9%9C%B2%E5%9E%83%E5%9C%BE"
  return wrk.format("POST", "/open311/v2/requests.json", nil, body)
end
