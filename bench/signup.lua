-- wrk script: every request signs a different volunteer up for a session (no pair repeats).
-- Pairs come from the file named by env PAIRS: "token session_id" per line; thread k takes lines k, k+n, ...
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("THREADS"))
  pairs_ = {}
  local i = 0
  for line in io.lines(os.getenv("PAIRS")) do
    if i % n == id then
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
  return wrk.format("POST", "/api/v1/sessions/" .. pair[2] .. "/signups",
    {["Authorization"] = "Bearer " .. pair[1], ["Content-Type"] = "application/json"}, "")
end
