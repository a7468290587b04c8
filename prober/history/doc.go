package history

// FormatDoc is the README.md kept at the root of the history branch, so
// that the data explains itself to anyone who checks the branch out.
const FormatDoc = `# upchain history

This branch is written by ` + "`upchain probe`" + ` (and ` + "`upchain serve`" + `): every probe
result, one commit per round. Do not edit it by hand while a prober runs.
All times are UTC. Files are plain text, append-only, one record per line;
lines starting with ` + "`#`" + ` are comments. The first line of every file names
its format and version (` + "`# upchain raw v3`" + `); readers refuse newer versions.

| path | content | kept |
| --- | --- | --- |
| ` + "`raw/YYYY-MM-DD.txt`" + ` | raw samples of one UTC day, all checks | raw retention (default 14 days) |
| ` + "`hourly/YYYY-MM-DD.txt`" + ` | hourly roll-ups of one day | hourly retention (default 90 days) |
| ` + "`daily/YYYY.txt`" + ` | daily roll-ups of one year | forever |
| ` + "`values-hourly/YYYY-MM-DD.txt`" + ` | hourly value roll-ups of one day | hourly retention |
| ` + "`values-daily/YYYY.txt`" + ` | daily value roll-ups of one year | forever |
| ` + "`state.json`" + ` | current state per check and region | always current |

## Raw samples

    # round 3f9c0a1b2c4d 12:05:00 fra-daemon
    12:05:01 eth-mainnet-rpc global up 200 - 143 height=19000123 peers=50

Columns, separated by one space: time of day (HH:MM:SS), check slug,
region (` + "`global`" + ` is the public name), status (up, degraded, down), protocol
code (HTTP status, 0 if none), reason code (` + "`-`" + ` if none, e.g. timeout,
refused, http_status, condition), latency in milliseconds, then observed
values as name=value. In names and values, space, ` + "`%`" + `, ` + "`=`" + `, ` + "`#`" + ` and control
characters are percent-encoded (` + "`%20`" + `); an empty field is ` + "`-`" + `.
A ` + "`# round ID TIME LOCATION`" + ` line precedes the samples of each round; the id makes
sure a round is never recorded twice, and the location names the runner
that probed (every sample of a round has the round's location). Version 1
files have no location on their round lines; they, and any round line
without one, read as location ` + "`default`" + `. Rounds are appended in the order
they were recorded, which is almost always time order.

Examples: ` + "`grep ' down ' raw/*.txt`" + `, ` + "`awk '$2 == \"eth-mainnet-rpc\"' raw/2024-06-01.txt`" + `.

## Roll-ups

    00 eth-mainnet-rpc global 12 0 1 3600 0 300 100.000 143 180 231

Columns: hour (hourly files) or date (daily files), check, region, samples,
down samples, degraded samples, covered seconds, down seconds, degraded
seconds, uptime % (derived), latency p50, p95 and max in ms over the samples
that were not down (` + "`-`" + ` if none).

Time is weighted: a sample stands for the time until the next sample of the
same check and region, at most twice the check's interval. Time that no
sample covers is a gap (no data), not downtime. Uptime = 1 - down seconds /
covered seconds; degraded counts as up. A raw day is rolled up once it is
older than the raw retention; the raw file of the last rolled-up day stays
until the next day is rolled up, to weight the first samples of that day.

## Value roll-ups (version 3)

    00 eth-mainnet-rpc global peers 12 48 52 50

Columns: hour (` + "`values-hourly`" + `, charted values only) or date (` + "`values-daily`" + `), check, region,
value name, samples that recorded it, minimum, maximum and last value, as
recorded (integers of any size stay exact: balances in wei; booleans are
` + "`false`" + ` < ` + "`true`" + `). Only values that a kind declares charted or part of
the validator history are rolled up, in the same step as the uptime
roll-ups. Version 2 files (no value roll-ups) read as before; days rolled
up before version 3 have no value roll-ups.

## state.json

Per check and region: status, since when, consecutive failures and
successes, last failure reason and failed conditions, open incident, time
of the newest result. It is a checkpoint, not rewritten every round: an
entry is rewritten when its status, reason, failed conditions or incident
change, and at least every 12 hours; its ` + "`round`" + ` names the round after
which its counts and times continue in the raw files. Readers (upchain's
Store.State) replay those rounds. Observed values are not repeated here
(they are on the raw lines). Rewriting every counter every round would
about double the growth of this branch.
`
