-- wrk script: POSTs the pre-signed webhooks of $BODIES (wa_bodies.py) in turn, each thread
-- from its own slice, so no body is sent twice while there are bodies left.
local bodies, sigs = {}, {}
for line in io.lines(os.getenv("BODIES")) do
    local s, b = line:match("^(%S+)\t(.*)$")
    sigs[#sigs + 1] = s
    bodies[#bodies + 1] = b
end
local threads = tonumber(os.getenv("WRK_THREADS") or "1")
local counter = 0
local i = 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
end

function init(args)
    local slice = math.floor(#bodies / threads)
    i = (id or 0) * slice
end

request = function()
    i = i % #bodies + 1
    return wrk.format("POST", "/internal/whatsapp",
        {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[i]}, bodies[i])
end
