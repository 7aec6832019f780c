-- One wrk script for every benchmarked endpoint, driven by environment variables:
--   BENCH_METHOD  GET | POST (default GET)
--   BENCH_PATH    the path, with $1, $2, ... taken from the current data row
--   BENCH_BODY    a JSON body template (optional), with the same placeholders
--   BENCH_DATA    a file of tab-separated rows (optional); rows rotate, each thread its own share
--   BENCH_TOKEN   the 1-based column holding a bearer token (optional)
-- `done` prints one JSON line: requests, duration, errors and latency percentiles.

local method = os.getenv("BENCH_METHOD") or "GET"
local path_template = os.getenv("BENCH_PATH") or "/api/v1/health"
local body_template = os.getenv("BENCH_BODY")
local data_file = os.getenv("BENCH_DATA")
local token_column = tonumber(os.getenv("BENCH_TOKEN") or "0")

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

local rows = {}
local position = 0

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do
    table.insert(fields, field)
  end
  return fields
end

local function fill(template, fields)
  return (string.gsub(template, "%$(%d+)", function(n) return fields[tonumber(n)] or "" end))
end

function init(args)
  local step = tonumber(os.getenv("BENCH_THREADS") or "1")
  local mine = thread_id or 1
  if data_file then
    local n = 0
    for line in io.lines(data_file) do
      n = n + 1
      if (n - mine) % step == 0 then
        table.insert(rows, split(line))
      end
    end
    if #rows == 0 then -- fewer rows than threads (one admin token): every thread uses them all
      for line in io.lines(data_file) do
        table.insert(rows, split(line))
      end
    end
  end
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
end

function request()
  local fields = {}
  if #rows > 0 then
    position = position % #rows + 1
    fields = rows[position]
  end
  local headers = {}
  if token_column > 0 then
    headers["Authorization"] = "Bearer " .. fields[token_column]
  end
  local body = nil
  if body_template then
    body = fill(body_template, fields)
  end
  return wrk.format(method, fill(path_template, fields), headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p95": %d, ' ..
    '"p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
