#!/bin/bash
# Command-line tests of exitstat: every mode's JSON and CSV parsed back with
# python3, exit statuses, terminal refresh, the man page, and the real
# static binary on this machine.  Prints "ok NAME" / "not ok NAME - why".
set -u
: "${REASONS_JSON:?run from make (REASONS_JSON names build/reasons/reasons.json, the reason tables)}"
out=${1:?usage: cli-tests.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
man_page="$here/../exitstat.1"
fake="$out/exitstat-fake"
real="$out/exitstat"
tmp=$(mktemp -d)
exporter_pid=
prometheus_pid=
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local pid
	for pid in $prometheus_pid $exporter_pid; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok $1"; }
not_ok() { echo "not ok $1 - $2"; }
expect_status() { # NAME WANT GOT
	if [ "$2" -eq "$3" ]; then ok "$1"; else not_ok "$1" "status $3, want $2"; fi
}

# fake SCENARIO ARGS...: stdout -> $tmp/out, stderr -> $tmp/err, status in $st
fake() {
	local scenario=$1
	shift
	EXITSTAT_FAKE_SCENARIO=$scenario "$fake" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
}

# check NAME FILE PYTHON: runs PYTHON with `text` = FILE's contents; the
# script raises (assert) on failure.
check() {
	local name=$1 file=$2 code=$3 why
	if why=$(python3 -c "
import csv, io, json, os, sys
text = open(sys.argv[1]).read()
help_text = open(sys.argv[2]).read()
man_text = open(sys.argv[3]).read()
def fields(obj, prefix=''):
    '''Every key of a JSON document, as dotted paths (lists as [])'''
    found = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            found.add(k)
            found |= fields(v)
    elif isinstance(obj, list):
        for v in obj:
            found |= fields(v)
    return found
def documented(keys):
    missing = [k for k in keys if k not in man_text]
    assert not missing, 'not documented in exitstat.1: %s' % missing
$code
" "$file" "$tmp/help" "$man_page" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "$(echo "$why" | tail -n 1)"
	fi
}

"$fake" --help >"$tmp/help" 2>&1 || true
EXITSTAT_FAKE_SCENARIO=vmx "$fake" --help >"$tmp/help"

# ---- snapshot ----
fake vmx --json
expect_status "snapshot --json: exit 0" 0 "$st"
check "snapshot --json: parses, fields documented, exact check, sum = total" "$tmp/out" '
doc = json.loads(text)
assert doc["mode"] == "snapshot" and doc["format_version"] == 1
documented(fields(doc))
c = doc["check"]
assert c["consistent"] and c["exact"] and c["sum_of_reasons"] == c["total"], c
assert sum(r["count"] for r in doc["reasons"]) == doc["total"]["count"] == c["total"]
io = [r for r in doc["reasons"] if r["name"] == "IO_INSTRUCTION"][0]
assert io["reason"] == 30 and io["count"] == 1000 and io["cycles"] == 1000000, io
assert abs(io["mean_us"] - 1000 * 1000 / 2994374) < 0.001, io
assert doc["interface"]["numbering"] == "vmx" and doc["interface"]["counter_bits"] == 64
counts = [r["count"] for r in doc["reasons"]]
assert counts == sorted(counts, reverse=True), counts
'
fake svm --csv --all
expect_status "snapshot --csv --all: exit 0" 0 "$st"
cp "$tmp/out" "$tmp/snapshot.csv"
fake svm --json --all
check "snapshot --csv: parses, one row per defined reason and nothing else (no TOTAL row)" "$tmp/snapshot.csv" '
rows = list(csv.reader(io.StringIO(text)))
head = rows[0]
assert head == "reason,reason_label,name,count,share_pct,cycles,mean_cycles,mean_us".split(","), head
documented(head)
assert all(len(r) == len(head) for r in rows), "ragged rows"
body = rows[1:]
assert all(r[0].isdigit() and r[1] and r[2] != "TOTAL" for r in body), [r for r in body if not r[0].isdigit()]
svm = json.load(open(os.environ["REASONS_JSON"]))["numberings"]["svm"]["reasons"]
assert sorted((int(r[0]), r[1], r[2]) for r in body) == [(s["reason"], s["reason_label"], s["name"]) for s in svm], "rows are not the SVM table"
total = json.load(open(os.path.dirname(sys.argv[1]) + "/out"))["total"]["count"]
assert sum(int(r[3]) for r in body) == total, (sum(int(r[3]) for r in body), total)
npf = [r for r in body if r[2] == "NPF"][0]
assert npf[0] == "1024" and npf[1] == "0x400" and npf[3] == "300", npf
zero = [r for r in body if r[3] == "0"][0]
assert zero[6] == "" and zero[7] == "", zero
'

# ---- watch ----
fake svm watch -n 2 -i 0.25 --json
expect_status "watch --json: exit 0" 0 "$st"
check "watch --json: one object per interval, deltas exact" "$tmp/out" '
docs = [json.loads(line) for line in text.splitlines()]
assert [d["interval"] for d in docs] == [1, 2]
assert [d["time"] for d in docs] == ["2026-12-02T00:16:40.250Z", "2026-12-02T00:16:40.500Z"], [d["time"] for d in docs]
for d in docs:
    assert d["mode"] == "watch"
    documented(fields(d))
    assert d["total"]["count"] == 100 and abs(d["total"]["rate_per_s"] - 400) < 1e-6, d["total"]
    assert [(r["name"], r["count"]) for r in d["reasons"]] == [("IOIO", 100)], d["reasons"]
assert docs[1]["total"]["since_start"] == 200
'
fake vmx watch -n 3 --csv
expect_status "watch --csv: exit 0" 0 "$st"
check "watch --csv: one header, rows of every interval" "$tmp/out" '
rows = list(csv.reader(io.StringIO(text)))
head = rows[0]
assert head == "time,interval,seconds,reason,reason_label,name,count,rate_per_s,share_pct,cycles,mean_cycles,mean_us,since_start".split(","), head
documented(head)
assert all(len(r) == len(head) for r in rows)
assert [r[1] for r in rows[1:]] == ["1", "2", "3"], [r[1] for r in rows]
assert rows[1][0] == "2026-12-02T00:16:41.000Z" and rows[2][0] == "2026-12-02T00:16:42.000Z", [r[0] for r in rows]
assert all(r[3].isdigit() and r[5] != "TOTAL" for r in rows[1:]), "a row that is not a reason"
assert rows[-1][5] == "IO_INSTRUCTION" and rows[-1][6] == "100" and rows[-1][12] == "300", rows[-1]
'
# A terminal: refreshed in place until Ctrl-C (simulated after 2 intervals).
EXITSTAT_FAKE_SCENARIO=vmx EXITSTAT_FAKE_STOP_AFTER=2 \
	script -qec "$fake watch" /dev/null >"$tmp/tty" 2>&1
expect_status "watch on a terminal: Ctrl-C ends it with 0" 0 $?
check "watch on a terminal: clears and redraws in place" "$tmp/tty" '
assert text.count("\x1b[H\x1b[2J") == 3, text.count("\x1b[H\x1b[2J")
assert "interval 2:" in text and "interval 3:" not in text
'

fake svm watch -n 2 --by category --csv
expect_status "watch --by category --csv: exit 0" 0 "$st"
check "watch --by category --csv: category columns, every category per interval, deltas exact" "$tmp/out" '
rows = list(csv.reader(io.StringIO(text)))
head = rows[0]
assert head == "time,interval,seconds,category,count,rate_per_s,share_pct,cycles,mean_cycles,mean_us,since_start".split(","), head
documented(head)
cats = [c["name"] for c in json.load(open(os.environ["REASONS_JSON"]))["categories"]]
for k in ("1", "2"):
    got = {r[3]: int(r[4]) for r in rows[1:] if r[1] == k}
    assert sorted(got) == sorted(cats), sorted(got)
    assert got["io"] == 100 and sum(got.values()) == 100, got
'
fake vmx run --by category --json -- true
check "run --by category --json: categories instead of reasons" "$tmp/err" '
doc = json.loads(text)
documented(fields(doc))
counts = {c["category"]: c["count"] for c in doc["categories"]}
assert "reasons" not in doc and counts["io"] == 1000 and counts["cpuid"] == 2, counts
assert sum(counts.values()) == doc["total"]["count"], (counts, doc["total"])
'

# ---- run ----
fake vmx run --json -- sh -c 'echo from-command; exit 7'
expect_status "run --json: exit status of the command passed through" 7 "$st"
check "run --json: report on stderr, own queries subtracted exactly" "$tmp/err" '
doc = json.loads(text)
documented(fields(doc))
assert doc["command"] == ["sh", "-c", "echo from-command; exit 7"]
assert doc["exit_status"] == 7 and doc["signal"] is None
counts = {r["name"]: r["count"] for r in doc["reasons"]}
assert counts == {"IO_INSTRUCTION": 1000, "CPUID": 2}, counts
assert doc["total"]["count"] == 1002 and doc["own_queries_subtracted"] > 0
'
if [ "$(cat "$tmp/out")" = from-command ]; then ok "run: stdout belongs to the command"; else not_ok "run: stdout belongs to the command" "$(head -c 200 "$tmp/out")"; fi
# env --default-signal: a test run started in the background (nohup, &)
# inherits SIGINT ignored, and a shell cannot undo that itself.
fake svm run --csv env --default-signal=INT sh -c 'kill -INT $$'
expect_status "run: command killed by SIGINT -> 130" 130 "$st"
check "run --csv: parses" "$tmp/err" '
rows = list(csv.reader(io.StringIO(text)))
assert rows[0] == "reason,reason_label,name,count,share_pct,cycles,mean_cycles,mean_us".split(",")
assert {r[2]: r[3] for r in rows[1:]} == {"IOIO": "1000", "CPUID": "2"}, rows
'
fake vmx run -o "$tmp/report.json" --json -- true
expect_status "run -o FILE: exit 0" 0 "$st"
check "run -o FILE: the report is in FILE" "$tmp/report.json" '
assert json.loads(text)["command"] == ["true"]
'

# ---- raw ----
fake vmx raw 0x4FFFFFFA --json
check "raw --json: registers as hex strings" "$tmp/out" '
doc = json.loads(text)
documented(fields(doc))
assert doc["eax"] == "0x00000001" and int(doc["ebx"], 16) == 2994374 and doc["ecx"] == "0x00000002", doc
'
fake svm raw 0x4FFFFFFD 0x7b --csv
check "raw --csv: parses" "$tmp/out" '
rows = list(csv.reader(io.StringIO(text)))
assert rows[0] == ["leaf", "subleaf", "eax", "ebx", "ecx", "edx"]
documented(rows[0])
assert rows[1][0] == "0x4ffffffd" and rows[1][1] == "0x0000007b" and rows[1][2] == "0x000003e8", rows
'

# ---- Prometheus ----
# prom_check NAME FILE PYTHON: check() with `samples` = {(metric, labels): value}
# and `families` = {metric: [HELP?, TYPE?]} of FILE in the text format.
prom_check() {
	check "$1" "$2" '
import re
samples, families = {}, {}
for line in text.splitlines():
    m = re.match(r"# (HELP|TYPE) (\w+) ", line)
    if m:
        families.setdefault(m.group(2), []).append(m.group(1))
        continue
    if line.startswith("#") or not line:
        continue
    m = re.match(r"(\w+)(?:\{(.*)\})? (\S+)$", line)
    assert m, "not a sample line: " + line
    labels = tuple(sorted(re.findall(r"(\w+)=\"([^\"]*)\"", m.group(2) or "")))
    samples[(m.group(1), labels)] = float(m.group(3))
table = json.load(open(os.environ["REASONS_JSON"]))["numberings"]
def reasons(metric):
    return {dict(k[1])["name"]: v for k, v in samples.items() if k[0] == metric}
'"$3"
}
for numbering in vmx svm; do
	fake "$numbering" --format prometheus
	expect_status "--format prometheus ($numbering): exit 0" 0 "$st"
	if promtool check metrics <"$tmp/out" >"$tmp/promtool" 2>&1; then
		ok "--format prometheus ($numbering): promtool check metrics accepts it"
	else
		not_ok "--format prometheus ($numbering): promtool check metrics accepts it" "$(head -n 3 "$tmp/promtool")"
	fi
	NUMBERING=$numbering prom_check "--format prometheus ($numbering): a counter per reason with its labels, HELP and TYPE, # EOF" "$tmp/out" '
numbering = os.environ["NUMBERING"]
want = {(r["reason_label"], r["name"], r["category"]) for r in table[numbering]["reasons"]}
for metric in ("exitstat_exits_total", "exitstat_exit_cycles_total"):
    got = {(d["reason"], d["name"], d["category"]) for d in (dict(k[1]) for k in samples if k[0] == metric)}
    assert got == want, (metric, sorted(got ^ want)[:5])
    assert families[metric] == ["HELP", "TYPE"], families
assert {dict(k[1])["vendor"] for k in samples if k[1]} == {"intel" if numbering == "vmx" else "amd"}
exits = reasons("exitstat_exits_total")
io_name = [r["name"] for r in table[numbering]["reasons"] if r["category"] == "io"][0]
assert exits[io_name] == 1000 and exits["HLT"] == 20, exits
assert sum(exits.values()) == samples[("exitstat_all_exits_total", ())], "sum over reasons is not the total"
assert text.endswith("\n# EOF\n"), text[-40:]
'
done

# watch --textfile: the file node_exporter's textfile collector reads,
# replaced whole after every reading; then node_exporter itself serves it.
textdir="$tmp/textfile"
mkdir "$textdir"
fake vmx watch -n 3 -i 0.25 --textfile "$textdir/exitstat.prom"
expect_status "watch --textfile: exit 0" 0 "$st"
files=$(find "$textdir" -mindepth 1 -printf '%f ')
if [ ! -s "$tmp/out" ] && [ "$files" = "exitstat.prom " ]; then
	ok "watch --textfile: only the file, nothing on stdout, no temporary file left"
else
	not_ok "watch --textfile: only the file, nothing on stdout, no temporary file left" "stdout $(head -c 100 "$tmp/out"); files: $files"
fi
prom_check "watch --textfile: the last reading's counters (1000 + 3 x 100 I/O exits)" "$textdir/exitstat.prom" '
exits = reasons("exitstat_exits_total")
assert exits["IO_INSTRUCTION"] == 1300 and exits["EPT_VIOLATION"] == 300, exits
assert sum(exits.values()) == samples[("exitstat_all_exits_total", ())]
'
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$textdir" >"$tmp/exporter.log" 2>&1 &
exporter_pid=$!
# Poll until it serves (or 30 s pass, a loaded machine): no fixed wait.
scraped=false
for _ in $(seq 300); do
	if curl -sf "http://127.0.0.1:$port/metrics" >"$tmp/scraped"; then
		scraped=true
		break
	fi
	kill -0 "$exporter_pid" 2>/dev/null || break
	sleep 0.1
done
if $scraped; then
	cp "$textdir/exitstat.prom" "$tmp/file.prom"
	prom_check "node_exporter textfile collector: serves every exitstat sample with the file's value, no scrape error" "$tmp/scraped" '
served = {k: v for k, v in samples.items() if k[0].startswith("exitstat_")}
file_text = open(os.path.join(os.path.dirname(sys.argv[1]), "file.prom")).read()
in_file = {}
for line in file_text.splitlines():
    m = re.match(r"(exitstat_\w+)(?:\{(.*)\})? (\S+)$", line)
    if m:
        in_file[(m.group(1), tuple(sorted(re.findall(r"(\w+)=\"([^\"]*)\"", m.group(2) or ""))))] = float(m.group(3))
assert len(in_file) == 2 * 80 + 3, len(in_file)
assert served == in_file, sorted(set(served.items()) ^ set(in_file.items()))[:4]
assert samples[("node_textfile_scrape_error", ())] == 0
assert reasons("exitstat_exits_total")["IO_INSTRUCTION"] == 1300
'
else
	not_ok "node_exporter textfile collector: serves every exitstat sample with the file's value, no scrape error" "no answer on port $port: $(tail -n 3 "$tmp/exporter.log")"
fi
# And a Prometheus server scraping that node_exporter: PromQL returns the
# file's counters, summed by category as exitstat --by category would.
prom_port=$(free_port)
printf '%s\n' 'global:' '  scrape_interval: 1s' 'scrape_configs:' '  - job_name: node' \
	'    static_configs:' "      - targets: ['127.0.0.1:$port']" >"$tmp/prometheus.yml"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
prometheus_pid=$!
# Poll until the first scrape is queryable (or 60 s pass).
answered=false
for _ in $(seq 600); do
	if curl -sf --data-urlencode 'query=sum by (category) (exitstat_exits_total)' \
		"http://127.0.0.1:$prom_port/api/v1/query" >"$tmp/promql.json" &&
	   python3 -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["data"]["result"] else 1)' "$tmp/promql.json"; then
		answered=true
		break
	fi
	kill -0 "$prometheus_pid" 2>/dev/null || break
	sleep 0.1
done
if $answered; then
	check "Prometheus server via node_exporter: PromQL sum by (category) is the file's counters by category" "$tmp/promql.json" '
import re
got = {r["metric"]["category"]: float(r["value"][1]) for r in json.loads(text)["data"]["result"]}
want = {}
for line in open(os.path.join(os.path.dirname(sys.argv[1]), "file.prom")):
    m = re.match(r"exitstat_exits_total\{.*category=\"(\w+)\"\} (\d+)$", line)
    if m:
        want[m.group(1)] = want.get(m.group(1), 0) + int(m.group(2))
assert got == want, (got, want)
assert got["io"] == 1300 and got["npf_ept"] == 300, got
'
else
	not_ok "Prometheus server via node_exporter: PromQL sum by (category) is the file's counters by category" "no answer on port $prom_port: $(tail -n 3 "$tmp/prometheus.log")"
fi
for pid in $prometheus_pid $exporter_pid; do
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
done
prometheus_pid=
exporter_pid=
fake vmx watch -n 1 --textfile "$tmp/no-such-dir/exitstat.prom"
expect_status "watch --textfile into a missing directory: exit 73" 73 "$st"

# ---- errors ----
for args in "--frob" "watch -i" "run" "raw 0xZ" "--sort x" "--format xml" \
	"--json --format csv" "run --format prometheus -- true" \
	"--format prometheus --by category" "--textfile x.prom" \
	"watch --textfile x.txt" "watch --textfile x.prom --json" \
	"watch --textfile x.prom -o y"; do
	# shellcheck disable=SC2086  # the arguments are meant to split
	fake vmx $args
	expect_status "bad options '$args': exit 64" 64 "$st"
done
fake vmx watch --textfile exitstat.txt
if grep -q "reads only files named \*.prom" "$tmp/err"; then ok "--textfile without .prom: says what to name it"; else not_ok "--textfile without .prom: says what to name it" "$(head -n 1 "$tmp/err")"; fi
"$real" --no-such-option >/dev/null 2>"$tmp/err"
expect_status "real binary: bad option exits 64" 64 $?
fake stock-amd
expect_status "stock KVM: exit 2" 2 "$st"
fake bare --json
expect_status "not in a VM: exit 2" 2 "$st"

# ---- the real binary on this machine ----
if readelf -lW "$real" | grep -q INTERP; then
	not_ok "real binary is static" "it has a program interpreter"
else
	ok "real binary is static"
fi
"$real" >"$tmp/out" 2>"$tmp/err"
st=$?
if "$real" raw 0x4FFFFFFB | grep -q 'ebx=0x74697845 ecx=0x74617453 edx=0x4d564b73'; then
	expect_status "real binary on a host with the interface: exit 0" 0 "$st"
else
	expect_status "real binary here (no interface): exit 2" 2 "$st"
	if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -Eq '^exitstat: (not running in a virtual machine|this hypervisor \(.*\) does not export exit statistics)' "$tmp/err"; then
		ok "real binary here: one-line explanation"
	else
		not_ok "real binary here: one-line explanation" "$(cat "$tmp/err")"
	fi
fi
echo "# real binary here: status $st: $(cat "$tmp/err")"

# ---- the man page ----
if MANWIDTH=80 man --warnings -l "$man_page" >"$tmp/man" 2>"$tmp/manerr" && [ ! -s "$tmp/manerr" ]; then
	ok "man -l exitstat.1 renders without warnings"
else
	not_ok "man -l exitstat.1 renders without warnings" "$(head -n 3 "$tmp/manerr")"
fi
exit 0
