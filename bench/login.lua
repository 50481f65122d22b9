-- wrk script: real logins, POST /logga-in with the right password.
--
-- Environment:
--   BENCH_USERS     comma-separated usernames to rotate over (required)
--   BENCH_PASSWORD  their common password (required)
--
-- The login form's CSRF check is a double submit (the `csrf` field must equal the `mina_pre`
-- cookie), so each connection picks its own 43-character token and sends both.
--
-- A successful login is a 303 to /start that sets mina_session. Anything else is counted as an
-- error; done() prints a machine-readable line
--   login_result ok=<n> errors=<n> statuses=<status:count,...>
-- and bench/run.sh refuses a run with errors > 0.

local users = {}
for u in string.gmatch(os.getenv("BENCH_USERS") or "", "[^,%s]+") do users[#users + 1] = u end
local password = os.getenv("BENCH_PASSWORD") or ""
if #users == 0 or password == "" then
  io.stderr:write("login.lua: set BENCH_USERS and BENCH_PASSWORD\n")
  os.exit(2)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local threads = {}
local thread_counter = 0

function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("id", thread_counter)
  table.insert(threads, thread)
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

function init(args)
  ok = 0
  errors = 0
  statuses = {}
  math.randomseed(os.time() * 1000 + (id or 0))
  local t = {}
  for i = 1, 43 do
    local k = math.random(1, #alphabet)
    t[i] = alphabet:sub(k, k)
  end
  token = table.concat(t)
  next_user = ((id or 1) - 1) % #users
  pw = urlencode(password)
end

function request()
  next_user = next_user % #users + 1
  local body = "csrf=" .. token .. "&username=" .. urlencode(users[next_user]) .. "&password=" .. pw
  return wrk.format("POST", "/logga-in", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "mina_pre=" .. token,
  }, body)
end

function response(status, headers, body)
  local cookie = headers["Set-Cookie"] or headers["set-cookie"] or ""
  if status == 303 and string.find(cookie, "mina_session=", 1, true) then
    ok = ok + 1
  else
    errors = errors + 1
  end
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests)
  local total_ok, total_err, merged = 0, 0, {}
  for _, t in ipairs(threads) do
    total_ok = total_ok + (t:get("ok") or 0)
    total_err = total_err + (t:get("errors") or 0)
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do parts[#parts + 1] = k .. ":" .. v end
  table.sort(parts)
  -- wrk's own socket errors (connect, read, write, timeout) and non-2xx/3xx are failures too.
  local e = summary.errors
  local sock = e.connect + e.read + e.write + e.timeout
  io.write(string.format("login_result ok=%d errors=%d socket_errors=%d statuses=%s\n",
                         total_ok, total_err + sock, sock, table.concat(parts, ",")))
end
