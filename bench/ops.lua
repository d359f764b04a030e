-- wrk script for bench/run: one Customer Profiles operation, chosen by the environment.
--   BENCH_OP      update | create | search_email | search_id | get_domain | put_object
--   BENCH_N       profiles loaded (ids/emails of profile i as bench/run's generator makes them)
--   BENCH_DOMAIN  domain name (default d1)
-- Requests are pre-built in init() (10,000 of them, ids drawn uniformly from 1..BENCH_N), so
-- wrk spends no CPU formatting while it measures. The UpdateProfile body is the reference
-- server's (/work/shared/bench/limit/update_profile.lua) byte for byte, so both measure the same
-- request. done() prints one "RESULT ..." line (latency in microseconds).
local op = os.getenv("BENCH_OP") or "update"
local N = tonumber(os.getenv("BENCH_N") or "10000")
local domain = os.getenv("BENCH_DOMAIN") or "d1"
local M = 10000
local first = { "Alice", "Bob", "Carmen", "Dmitri", "Emeka", "Fatima", "Guo", "Hana" }
local last = { "Smith", "Garcia", "Nguyen", "Okafor", "Ivanova", "Tanaka", "Kumar", "Silva" }
local cities = { { "Seattle", "US" }, { "Berlin", "DE" }, { "Lagos", "NG" }, { "Osaka", "JP" } }
local tiers = { "bronze", "silver", "gold", "platinum" }

local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local function profile_id(i) -- 32 lowercase hex chars, deterministic (the reference's ids)
  return string.format("%08x%08x%08x%08x", i, (i * 2654435761) % 4294967296,
    (i * 40503) % 4294967296, (i * 7919) % 4294967296)
end

local function email(i)
  return string.format("%s.%s%d@example.com", first[i % #first + 1]:lower(),
    last[i % #last + 1]:lower(), i)
end

local function profile_body(i, with_id)
  local f, l, c = first[i % #first + 1], last[i % #last + 1], cities[i % #cities + 1]
  return string.format(
    '{%s"FirstName":"%s","LastName":"%s","EmailAddress":"%s.%s%d@example.com",' ..
    '"PhoneNumber":"+1206555%04d","Address":{"Address1":"%d Any Street","City":"%s",' ..
    '"PostalCode":"%05d","Country":"%s"},"Attributes":{"loyaltyTier":"%s",' ..
    '"preferredChannel":"email","signupSource":"web","lastPurchaseSku":"SKU-%06d","segment":"s%d"}}',
    with_id and string.format('"ProfileId":"%s",', profile_id(i)) or "",
    f, l, f:lower(), l:lower(), i, i, i, c[1], i % 100000, c[2],
    tiers[i % #tiers + 1], i * 7 % 1000000, i % 10)
end

local reqs, idx = {}, 0
function init(args)
  local h = { ["Content-Type"] = "application/json" }
  math.randomseed(12345 + (tid or 0))
  local base = "/domains/" .. domain
  for k = 1, M do
    local i = (N <= M) and ((k - 1) % N + 1) or math.random(1, N)
    if op == "update" then
      reqs[k] = wrk.format("PUT", base .. "/profiles", h, profile_body(i, true))
    elseif op == "create" then
      -- new customers: indices past the loaded set, distinct per thread
      reqs[k] = wrk.format("POST", base .. "/profiles", h, profile_body(N + (tid or 0) * M + k, false))
    elseif op == "search_email" then
      reqs[k] = wrk.format("POST", base .. "/profiles/search", h,
        string.format('{"KeyName":"_email","Values":["%s"]}', email(i)))
    elseif op == "search_id" then
      reqs[k] = wrk.format("POST", base .. "/profiles/search", h,
        string.format('{"KeyName":"_profileId","Values":["%s"]}', profile_id(i)))
    elseif op == "get_domain" then
      reqs[k] = wrk.format("GET", base, h)
    elseif op == "put_object" then
      -- an order of a known customer (found by _email); OrderId unique per thread and request
      local obj = string.format(
        '{"OrderId":"o-%d-%d","email":"%s","total":"%d.%02d","status":"SHIPPED","items":[{"sku":"SKU-%06d","qty":%d}]}',
        tid or 0, k, email(i), k % 500, k % 100, i * 7 % 1000000, k % 5 + 1)
      obj = obj:gsub('"', '\\"')
      reqs[k] = wrk.format("PUT", base .. "/profiles/objects", h,
        string.format('{"ObjectTypeName":"Order","Object":"%s"}', obj))
    else
      error("unknown BENCH_OP " .. op)
    end
  end
  idx = (tid or 0) * 4999 % M
end

function request()
  idx = idx % M + 1
  return reqs[idx]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
