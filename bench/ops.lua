-- wrk script for bench/run: one Customer Profiles operation, chosen by the environment.
--   BENCH_OP      update | create | search_email | search_id | get_domain | put_object
--   BENCH_N       profiles loaded (profile i = 1..BENCH_N, as bench/gen_profiles.py makes it)
--   BENCH_IDS     file of ProfileIds, line i = profile i's id (profiles created through the API,
--                 bench/api_load.py); unset: the deterministic ids of `profiled import`'s data
--   BENCH_RUN     a number distinct for every wrk run on one data set (default 0), so that the
--                 CreateProfile bodies and PutProfileObject keys of one run are new in the next
--   BENCH_DOMAIN  domain name (default d1)
-- Requests that name an existing profile are pre-built in init() (10,000 of them, profiles drawn
-- uniformly from 1..BENCH_N), so wrk spends no CPU formatting while it measures. The UpdateProfile
-- body is the reference server's (../shared/bench/limit/update_profile.lua) byte for byte, with
-- the same ids, so both measure the same request. Requests that must be new every time are made
-- per request: CreateProfile (a new customer) and PutProfileObject (a new order: an OrderId unique
-- per run, thread and request, for an existing profile found by its email through the PROFILE
-- key; the order is spliced into a pre-built request at a fixed width, so it costs a concat).
-- done() prints one "RESULT ..." line (latency in microseconds).
local op = os.getenv("BENCH_OP") or "update"
local N = tonumber(os.getenv("BENCH_N") or "10000")
local run = tonumber(os.getenv("BENCH_RUN") or "0")
local ids_file = os.getenv("BENCH_IDS")
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

local ids = nil
if ids_file then
  ids = {}
  for line in io.lines(ids_file) do
    ids[#ids + 1] = line
  end
  if #ids < N then
    error(string.format("BENCH_IDS %s has %d ids, BENCH_N is %d", ids_file, #ids, N))
  end
end

local function profile_id(i) -- 32 lowercase hex chars, deterministic (the reference's ids)
  if ids then return ids[i] end
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

local reqs, pre, post, idx, seq = {}, {}, {}, 0, 0
local h = { ["Content-Type"] = "application/json" }
local base = "/domains/" .. domain
local KEY_SLOT = "\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1" -- 20 chars, replaced per request

function init(args)
  math.randomseed(12345 + (tid or 0))
  for k = 1, M do
    -- Uniform, not in id order: users touch random customers, and ids of profiles created
    -- through the API are time-first, so cycling them in order would hit neighbouring b-tree
    -- pages, the kindest case (the reference measured on it ran ~2x faster with ~5x fewer bytes).
    local i = math.random(1, N)
    if op == "update" then
      reqs[k] = wrk.format("PUT", base .. "/profiles", h, profile_body(i, true))
    elseif op == "create" then
      reqs[k] = true -- made per request
    elseif op == "search_email" then
      reqs[k] = wrk.format("POST", base .. "/profiles/search", h,
        string.format('{"KeyName":"_email","Values":["%s"]}', email(i)))
    elseif op == "search_id" then
      reqs[k] = wrk.format("POST", base .. "/profiles/search", h,
        string.format('{"KeyName":"_profileId","Values":["%s"]}', profile_id(i)))
    elseif op == "get_domain" then
      reqs[k] = wrk.format("GET", base, h)
    elseif op == "put_object" then
      -- an order of a known customer (found by _email); OrderId spliced in per request
      local obj = string.format(
        '{"OrderId":"%s","email":"%s","total":"%d.%02d","status":"SHIPPED","items":[{"sku":"SKU-%06d","qty":%d}]}',
        KEY_SLOT, email(i), k % 500, k % 100, i * 7 % 1000000, k % 5 + 1)
      obj = obj:gsub('"', '\\"')
      local r = wrk.format("PUT", base .. "/profiles/objects", h,
        string.format('{"ObjectTypeName":"Order","Object":"%s"}', obj))
      local a, b = r:find(KEY_SLOT, 1, true)
      pre[k], post[k] = r:sub(1, a - 1), r:sub(b + 1)
    else
      error("unknown BENCH_OP " .. op)
    end
  end
  idx = (tid or 0) * 4999 % M
end

function request()
  idx = idx % M + 1
  seq = seq + 1
  if op == "put_object" then
    -- 20 chars: unique per run (BENCH_RUN), wrk thread and request
    return pre[idx] .. string.format("o-%02d-%02d-%012d", run % 100, (tid or 0) % 100, seq) .. post[idx]
  elseif op == "create" then
    -- new customers: 12-digit indices past any loaded set, distinct per run, thread and request
    local i = 100000000000 + (run % 90) * 1000000000 + ((tid or 0) % 10) * 100000000 + seq
    return wrk.format("POST", base .. "/profiles", h, profile_body(i, false))
  end
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
