-- wrk script of `make bench-compare` (bench/compare.py passes its arguments after `--`).
--   GET runs:    -- get <expected status> <cookie or "-">
--   intake runs: -- intake <run tag> <picture without IEND> <log folder> <network 0-255>
-- Intake: each request carries a picture made unique by a tEXt chunk "bench <tag>-<thread>-<n>",
-- and comes from an address of its own, 10.<network>.x.y in X-Forwarded-For (a crowd of
-- citizens, each under the production rate limits, as behind the reverse proxy);
-- each thread logs what it sent and what each 201 answered, for compare.py to verify.
-- done() prints one line "WRKJSON {...}" with requests, the duration, latency percentiles
-- and the responses that were not the expected status.
local bit = require("bit")

local threads = {}
local mode, expected, tag, picture, out, network
unexpected, counter = 0, 0  -- globals: done() reads each thread's with thread:get
local boundary = "compareboundary7d41b2c9"

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local crc_table = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if bit.band(c, 1) == 1 then c = bit.bxor(0xEDB88320, bit.rshift(c, 1)) else c = bit.rshift(c, 1) end
  end
  crc_table[i] = c
end

local function be32(n)
  return string.char(bit.band(bit.rshift(n, 24), 255), bit.band(bit.rshift(n, 16), 255),
                     bit.band(bit.rshift(n, 8), 255), bit.band(n, 255))
end

local function chunk(kind, data)
  local c = 0xFFFFFFFF
  local s = kind .. data
  for i = 1, #s do
    c = bit.bxor(crc_table[bit.band(bit.bxor(c, s:byte(i)), 0xFF)], bit.rshift(c, 8))
  end
  return be32(#data) .. s .. be32(bit.bxor(c, 0xFFFFFFFF))
end

function init(args)
  mode = args[1]
  if mode == "get" then
    expected = tonumber(args[2])
    if args[3] ~= "-" then wrk.headers["Cookie"] = args[3] end
  else
    tag = args[2]
    local f = assert(io.open(args[3], "rb"))
    picture = f:read("*a")
    f:close()
    out = assert(io.open(args[4] .. "/" .. tag .. "-" .. id .. ".log", "w"))
    out:setvbuf("line")
    network = tonumber(args[5])
    expected = 201
  end
end

local complaint = '{"category": "vote_buying", "region": "KZ-KAR-BAL", "anonymous": true, ' ..
  '"language": "ru", "narrative": "Benchmark complaint: a man offered voters 5000 tenge ' ..
  'near polling station BAL-007."}'

function request()
  if mode == "get" then return wrk.format("GET") end
  counter = counter + 1
  local token = tag .. "-" .. id .. "-" .. counter
  local png = picture .. chunk("tEXt", "Comment\0bench " .. token) .. chunk("IEND", "")
  local body = "--" .. boundary .. '\r\nContent-Disposition: form-data; name="complaint"\r\n' ..
    "Content-Type: application/json\r\n\r\n" .. complaint .. "\r\n--" .. boundary ..
    '\r\nContent-Disposition: form-data; name="evidence"; filename="photo.png"\r\n' ..
    "Content-Type: image/png\r\n\r\n" .. png .. "\r\n--" .. boundary .. "--\r\n"
  out:write("sent ", token, "\n")
  local n = (id - 1) * 8192 + counter % 8192  -- up to 8 threads: 65,536 addresses per run
  local address = "10." .. network .. "." .. math.floor(n / 256) .. "." .. n % 256
  return wrk.format("POST", "/api/v1/complaints", {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["X-Forwarded-For"] = address,
    ["Idempotency-Key"] = "bench-" .. token, ["Accept"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= expected then unexpected = unexpected + 1 end
  if out then
    if status == 201 then out:write("201 ", (body:gsub("\n", " ")), "\n")
    else out:write("status ", status, "\n") end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("unexpected") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_s": %.3f, "bytes": %d, "p50_ms": %.2f, ' ..
    '"p95_ms": %.2f, "p99_ms": %.2f, "unexpected": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.bytes, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, bad,
    e.connect + e.read + e.write + e.timeout))
end
