#!/usr/bin/env sysbench
-- A bank-transfer write load for sysbench: each event moves an amount between two accounts in
-- ONE autocommit UPDATE, so every committed state keeps the invariant
--   COUNT(*) = accounts  and  SUM(balance) = accounts * 1000
-- and a statement either committed or is not there at all. With --latency_log=PREFIX every
-- thread writes "start_us latency_us" lines (wall clock, microseconds) to PREFIX.<thread>.

sysbench.cmdline.options = {
  accounts = {"Number of accounts", 10000},
  latency_log = {"Per-thread latency log file prefix (empty: no log)", ""},
}

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } qtest_timespec;
  int clock_gettime(int clock_id, qtest_timespec *tp);
]]
local ts = ffi.new("qtest_timespec")
local function now_us()
  ffi.C.clock_gettime(0, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

function prepare()
  local con = sysbench.sql.driver():connect()
  local n = sysbench.opt.accounts
  con:query("CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB STATS_AUTO_RECALC=0")
  local batch = {}
  for i = 1, n do
    batch[#batch + 1] = string.format("(%d,1000)", i)
    if #batch == 1000 or i == n then
      con:query("INSERT INTO accounts VALUES " .. table.concat(batch, ","))
      batch = {}
    end
  end
end

function cleanup()
  sysbench.sql.driver():connect():query("DROP TABLE IF EXISTS accounts")
end

local con, log

function thread_init()
  con = sysbench.sql.driver():connect()
  if sysbench.opt.latency_log ~= "" then
    log = io.open(string.format("%s.%d", sysbench.opt.latency_log, sysbench.tid), "w")
  end
end

function thread_done()
  if log then log:close() end
  con:disconnect()
end

function event()
  local n = sysbench.opt.accounts
  local a = sysbench.rand.uniform(1, n)
  local b = sysbench.rand.uniform(1, n - 1)
  if b >= a then b = b + 1 end
  local amount = sysbench.rand.uniform(1, 100)
  local t0 = now_us()
  con:query(string.format(
    "UPDATE accounts SET balance = balance + CASE id WHEN %d THEN -%d ELSE %d END WHERE id IN (%d,%d)",
    a, amount, amount, a, b))
  if log then log:write(t0, " ", now_us() - t0, "\n") end
end
