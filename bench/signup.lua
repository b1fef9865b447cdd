-- wrk script: every request signs a different volunteer up for a session (no pair repeats).
-- Pairs come from the file named by env PAIRS: "token session_id" per line, from line OFFSET on;
-- thread k takes lines k, k+n, ... The path is PREFIX .. session_id .. SUFFIX.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local n = tonumber(os.getenv("THREADS"))
  local offset = tonumber(os.getenv("OFFSET") or "0")
  prefix = os.getenv("PREFIX") or "/api/v1/sessions/"
  suffix = os.getenv("SUFFIX") or "/signups"
  pairs_ = {}
  local i = 0
  for line in io.lines(os.getenv("PAIRS")) do
    if i >= offset and (i - offset) % n == id then
      local token, session = line:match("(%S+) (%S+)")
      table.insert(pairs_, {token, session})
    end
    i = i + 1
  end
  next_ = 1
end

function request()
  local pair = pairs_[next_]
  next_ = next_ + 1
  if pair == nil then
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", prefix .. pair[2] .. suffix,
    {["Authorization"] = "Bearer " .. pair[1], ["Content-Type"] = "application/json"}, "")
end
