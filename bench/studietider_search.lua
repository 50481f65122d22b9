-- wrk script: the public search, GET /studiemedel?q=<text>&termin=<term>, without login, rotating
-- over a fixed list of queries (bench/studietider.sh writes it from the data it filled).
--
-- Environment:
--   BENCH_QUERIES  a file with one query a line: the text, a tab, the term (may be empty) (required)
--
-- Every answer must be a 200. Anything else is counted as an error; done() prints a
-- machine-readable line
--   search_result ok=<n> errors=<n> socket_errors=<n> statuses=<status:count,...>
-- and bench/studietider.sh refuses a run with errors > 0.
--
-- The requests are formatted once in init(), so the client spends as little CPU per request as
-- wrk does without a script (it shares the two cores with the server).

local path = os.getenv("BENCH_QUERIES") or ""
local queries = {}
local f = path ~= "" and io.open(path, "r") or nil
if f then
  for line in f:lines() do
    local text, term = line:match("^([^\t]*)\t?(.*)$")
    if text and (text ~= "" or term ~= "") then queries[#queries + 1] = { text, term } end
  end
  f:close()
end
if #queries == 0 then
  io.stderr:write("studietider_search.lua: set BENCH_QUERIES to a file of queries (text<TAB>term a line)\n")
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

-- BENCH_VARY_CASE=1: every request spells its query's ASCII letters in another mix of upper and
-- lower case (the k-th request of a query: letter i in upper case when bit i of k is set). The
-- server finds the same educations, but a page it keeps rendered (server.search_cache_pages) is
-- kept by the text as typed, so each request is new to it: this measures the search itself.
local vary = os.getenv("BENCH_VARY_CASE") == "1"

local function spelled(text, k)
  local i = 0
  return (text:gsub("%a", function(c)
    local bit = math.floor(k / 2 ^ i) % 2
    i = i + 1
    return bit == 1 and c:upper() or c:lower()
  end))
end

function init(args)
  ok = 0
  errors = 0
  statuses = {}
  reqs = {}
  for i, q in ipairs(queries) do
    reqs[i] = wrk.format("GET", "/studiemedel?q=" .. urlencode(q[1]) .. "&termin=" .. urlencode(q[2]))
  end
  -- Each thread starts elsewhere in the list; within a thread the connections share one rotation.
  nxt = (((id or 1) - 1) * 17) % #reqs
  round = 0
end

function request()
  nxt = nxt % #reqs + 1
  if not vary then return reqs[nxt] end
  if nxt == 1 then round = round + 1 end
  local q = queries[nxt]
  return wrk.format("GET", "/studiemedel?q=" .. urlencode(spelled(q[1], round)) .. "&termin=" .. urlencode(q[2]))
end

function response(status, headers, body)
  if status == 200 then
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
  -- wrk's own socket errors (connect, read, write, timeout) are failures too.
  local e = summary.errors
  local sock = e.connect + e.read + e.write + e.timeout
  io.write(string.format("search_result ok=%d errors=%d socket_errors=%d statuses=%s\n",
                         total_ok, total_err + sock, sock, table.concat(parts, ",")))
end
