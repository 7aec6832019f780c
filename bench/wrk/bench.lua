-- One wrk script for every benchmarked endpoint, driven by environment variables:
--   BENCH_METHOD  GET | POST (default GET)
--   BENCH_PATH    the path, with $1, $2, ... taken from the current data row
--   BENCH_BODY    a JSON body template (optional), with the same placeholders
--   BENCH_DATA    a file of tab-separated rows (optional); rows rotate, each thread its own share
--   BENCH_TOKEN   the 1-based column holding a bearer token (optional)
--   BENCH_FLOW    "quiz": rows are (token, quiz id, student id, submit body); each thread starts an
--                 attempt from the next row, and submits every attempt it was given before it starts
--                 another, so requests alternate start / submit (the count of submits is reported)
-- `done` prints one JSON line: requests, duration, errors and latency percentiles.

local method = os.getenv("BENCH_METHOD") or "GET"
local path_template = os.getenv("BENCH_PATH") or "/api/v1/health"
local body_template = os.getenv("BENCH_BODY")
local data_file = os.getenv("BENCH_DATA")
local token_column = tonumber(os.getenv("BENCH_TOKEN") or "0")
local flow = os.getenv("BENCH_FLOW")

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

-- The quiz flow: attempts started (201) wait here for their submit, by student and quiz.
local pending = {}
local rows_by_key = {}
submitted = 0

local function quiz_request()
  local ready = table.remove(pending, 1)
  if ready then
    return wrk.format("POST", "/api/v1/attempts/" .. ready.attempt .. "/submit",
      { Authorization = "Bearer " .. ready.row[1] }, ready.row[4])
  end
  position = position % #rows + 1
  local row = rows[position]
  rows_by_key[row[3] .. row[2]] = row
  return wrk.format("POST", "/api/v1/quizzes/" .. row[2] .. "/attempts",
    { Authorization = "Bearer " .. row[1] }, "{}")
end

function response(status, headers, body)
  if flow ~= "quiz" then
    return
  end
  if status == 201 then
    local attempt = string.match(body, '"id":"([^"]+)"')
    local quiz = string.match(body, '"quiz_id":"([^"]+)"')
    local student = string.match(body, '"student_id":"([^"]+)"')
    local row = rows_by_key[(student or "") .. (quiz or "")]
    if attempt and row then
      table.insert(pending, { attempt = attempt, row = row })
    end
  elseif status == 200 then
    submitted = submitted + 1
  end
end

function request()
  if flow == "quiz" then
    return quiz_request()
  end
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
  local pairs_done = 0
  for _, thread in ipairs(threads) do
    pairs_done = pairs_done + (thread:get("submitted") or 0)
  end
  io.write(string.format(
    '{"requests": %d, "submitted": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p95": %d, ' ..
    '"p99": %d, "max": %d}}\n',
    summary.requests, pairs_done, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
