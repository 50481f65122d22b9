-- wrk script: full OpenID Connect authorizations (issue [11]), each a chain of three requests on
-- one connection:
--   1. GET /oidc/authorize?response_type=code&client_id=..&redirect_uri=..&scope=openid profile
--      email schools&state=s&nonce=n&code_challenge=C&code_challenge_method=S256 with the portal
--      session's cookie: a 303 whose Location carries code=..
--   2. POST /oidc/token (client_secret_basic, grant_type=authorization_code, the code, the
--      redirect_uri, code_verifier=V): a 200 whose JSON has an access_token and an id_token signed
--      with the client's alg (its header's first bytes are checked: {"alg":"RS256", or ES256)
--   3. GET /oidc/userinfo with Authorization: Bearer <access_token>: a 200 with "sub"
-- request() builds the next step from what response() saw, so each wrk thread must have exactly
-- one connection (wrk -tN -cN): the state lives in the thread.
--
-- Environment:
--   BENCH_SESSION        the value of the mina_session cookie (a signed-in portal session) (required)
--   BENCH_CLIENT_ID      the registered client (required)
--   BENCH_CLIENT_SECRET  its secret (required)
--   BENCH_ALG            RS256 or ES256: the alg its ID tokens must carry (required)
--   BENCH_REDIRECT_URI   its registered redirect URI (default http://127.0.0.1:9/cb; never followed)
--
-- Any other status, or a missing code, access token or ID token of the wrong alg, is an error
-- (the chain starts again at step 1); done() prints a machine-readable line
--   oidc_result chains=<n> errors=<n> socket_errors=<n> seconds=<s> chains_per_s=<r> statuses=<step:status:count,...>
-- and bench/oidc.sh refuses a run with errors > 0. chains counts completed authorizations (step 3
-- answered 200); chains_per_s is chains over wrk's own duration of the run.

local session = os.getenv("BENCH_SESSION") or ""
local client_id = os.getenv("BENCH_CLIENT_ID") or ""
local client_secret = os.getenv("BENCH_CLIENT_SECRET") or ""
local alg = os.getenv("BENCH_ALG") or ""
local redirect_uri = os.getenv("BENCH_REDIRECT_URI") or "http://127.0.0.1:9/cb"
if session == "" or client_id == "" or client_secret == "" or (alg ~= "RS256" and alg ~= "ES256") then
  io.stderr:write("oidc.lua: set BENCH_SESSION, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET and BENCH_ALG (RS256 or ES256)\n")
  os.exit(2)
end

-- One fixed PKCE pair: C = base64url(SHA-256(V)) (bench/oidc.sh checks it with python3).
local verifier = "dBjftJeZ4CVP-mJ0kZJgXrwOYwKKwmxZlVTTSNUcStg"
local challenge = "BywPl2yevAgjBWC8-rr0nRt-B8t7BXc8A8jAR8TibzY"

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(s, url)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local k = { math.floor(n / 262144) % 64, math.floor(n / 4096) % 64, math.floor(n / 64) % 64, n % 64 }
    out[#out + 1] = b64:sub(k[1] + 1, k[1] + 1) .. b64:sub(k[2] + 1, k[2] + 1) ..
                    (b and b64:sub(k[3] + 1, k[3] + 1) or "=") .. (c and b64:sub(k[4] + 1, k[4] + 1) or "=")
  end
  local r = table.concat(out)
  if url then r = r:gsub("=", ""):gsub("+", "-"):gsub("/", "_") end
  return r
end

-- 15 bytes, so exactly the first 20 characters of the ID token's header as base64url.
local id_token_prefix = base64('{"alg":"' .. alg .. '",', true)

local threads = {}
local thread_counter = 0

function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("id", thread_counter)
  table.insert(threads, thread)
end

function init(args)
  chains = 0
  errors = 0
  statuses = {}
  step = 1
  code = nil
  access_token = nil
  -- What does not change is formatted once.
  authorize_req = wrk.format("GET", "/oidc/authorize?response_type=code&client_id=" .. urlencode(client_id) ..
      "&redirect_uri=" .. urlencode(redirect_uri) .. "&scope=openid%20profile%20email%20schools&state=s&nonce=n" ..
      "&code_challenge=" .. challenge .. "&code_challenge_method=S256", { ["Cookie"] = "mina_session=" .. session })
  token_headers = {
    ["Authorization"] = "Basic " .. base64(urlencode(client_id) .. ":" .. urlencode(client_secret)),
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  token_tail = "&redirect_uri=" .. urlencode(redirect_uri) .. "&code_verifier=" .. verifier
end

function request()
  if step == 2 then
    return wrk.format("POST", "/oidc/token", token_headers,
                      "grant_type=authorization_code&code=" .. urlencode(code) .. token_tail)
  elseif step == 3 then
    return wrk.format("GET", "/oidc/userinfo", { ["Authorization"] = "Bearer " .. access_token })
  end
  return authorize_req
end

local function fail()
  errors = errors + 1
  step = 1
end

function response(status, headers, body)
  local k = step .. ":" .. status
  statuses[k] = (statuses[k] or 0) + 1
  if step == 1 then
    local location = headers["Location"] or headers["location"] or ""
    code = status == 303 and location:match("[?&]code=([^&]+)") or nil
    if not code then return fail() end
    step = 2
  elseif step == 2 then
    access_token = status == 200 and body:match('"access_token"%s*:%s*"([^"]+)"') or nil
    local id_token = body:match('"id_token"%s*:%s*"([^"]+)"') or ""
    if not access_token or id_token:sub(1, #id_token_prefix) ~= id_token_prefix then return fail() end
    step = 3
  else
    if status ~= 200 or not body:find('"sub"', 1, true) then return fail() end
    chains = chains + 1
    step = 1
  end
end

function done(summary, latency, requests)
  local total, total_err, merged = 0, 0, {}
  for _, t in ipairs(threads) do
    total = total + (t:get("chains") or 0)
    total_err = total_err + (t:get("errors") or 0)
    local s = t:get("statuses") or {}
    for k, v in pairs(s) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do parts[#parts + 1] = k .. ":" .. v end
  table.sort(parts)
  -- wrk's own socket errors (connect, read, write, timeout) are failures too.
  local e = summary.errors
  local sock = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  io.write(string.format("oidc_result chains=%d errors=%d socket_errors=%d seconds=%.3f chains_per_s=%.2f statuses=%s\n",
                         total, total_err + sock, sock, secs, secs > 0 and total / secs or 0, table.concat(parts, ",")))
end
