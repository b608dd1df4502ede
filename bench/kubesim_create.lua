-- wrk script for bench/kubesim.sh: POST ConfigMaps with unique names,
-- and stop after LIMIT responses when the environment sets it.
local n = 0
local limit = tonumber(os.getenv("LIMIT") or "0")
local prefix = os.getenv("PREFIX") or "bench"

request = function()
	n = n + 1
	local body = string.format(
		'{"apiVersion":"v1","kind":"ConfigMap","metadata":' ..
		'{"name":"%s-%d","labels":{"app":"bench","tier":"load"}},' ..
		'"data":{"key":"value-%d","other":"a somewhat longer value ' ..
		'to make the object realistic"}}', prefix, n, n)
	return wrk.format("POST", "/api/v1/namespaces/default/configmaps",
		{["Content-Type"] = "application/json"}, body)
end

local done = 0
response = function(status, headers, body)
	done = done + 1
	if limit > 0 and done >= limit then
		wrk.thread:stop()
	end
end
