-- wrk script for bench/read_path.py: GET PATH_ with a bearer token from the file named by env TOKENS
-- (one a line; thread k starts at line k and every request takes the next token), or none when
-- TOKENS is empty. With env ETAG, every request sends If-None-Match: ETAG (a client revalidating).
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  path = os.getenv("PATH_")
  etag = os.getenv("ETAG") or ""
  tokens = {}
  local file = os.getenv("TOKENS") or ""
  if file ~= "" then
    for line in io.lines(file) do
      table.insert(tokens, line)
    end
  end
  next_ = id + 1
end

function request()
  local headers = {}
  if #tokens > 0 then
    headers["Authorization"] = "Bearer " .. tokens[next_]
    next_ = next_ % #tokens + 1
  end
  if etag ~= "" then
    headers["If-None-Match"] = etag
  end
  return wrk.format("GET", path, headers)
end
