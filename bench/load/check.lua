-- wrk script for the load benchmark (bench/load/run.mjs). Posts one JSON-RPC request with the
-- headers given in a file, and checks every answer: HTTP 200 carrying a JSON-RPC result
-- ("result" present, no "error", no "isError":true). Anything else counts as an error.
--
--   wrk -t1 -c32 -d10s -s check.lua URL -- REQUEST_FILE
--
-- REQUEST_FILE: header lines "Name: value", an empty line, then the body.
-- done() prints one JSON line: {"requests":N,"rps":R,"p50_us":..,"p99_us":..,"errors":E,...}.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local text = file:read("*a")
  file:close()
  local head, body = text:match("^(.-)\r?\n\r?\n(.*)$")
  local headers = {}
  for line in head:gmatch("[^\r\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  request_bytes = wrk.format("POST", nil, headers, body)
  bad = 0
  checked = 0
  first_bad = nil
end

function request()
  return request_bytes
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 or not body:find('"result":{', 1, true) or body:find('"error":{', 1, true)
      or body:find('"isError":true', 1, true) then
    bad = bad + 1
    if first_bad == nil then first_bad = status .. " " .. body:sub(1, 300) end
  end
end

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function done(summary, latency, requests)
  local bad_total, checked_total, sample = 0, 0, nil
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    checked_total = checked_total + thread:get("checked")
    sample = sample or thread:get("first_bad")
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"checked":%d,"bad":%d,"socket_errors":%d,"bytes":%d,"first_bad":%s}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    checked_total, bad_total, socket_errors, summary.bytes, sample and quote(sample) or "null"))
end
