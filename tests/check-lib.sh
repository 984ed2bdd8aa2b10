# shellcheck shell=bash
# Shared by tests/run-all (make check) and tests/run-long (make
# check-long): a PASS/FAIL/SKIP line per test, the logs, and the closing
# lines: "N skipped" (with the skipped tests' names when N > 0) and, last,
# "N passed, N failed".
#
#   check_init NAME     logs and results in $BUILD/NAME/
#   run_one NAME CMD... a test of its own: PASS if CMD succeeds
#   run_step NAME CMD...  CMD prints its own PASS/FAIL/SKIP/INFO lines
#   check_summary       the closing lines; returns 1 if anything failed

check_init() {
	log_dir=$BUILD/$1
	mkdir -p "$log_dir"
	results=$log_dir/results.txt
	: >"$results"
	# The skipped tests, as step/name, one a line.
	skipped=$log_dir/skipped.txt
	: >"$skipped"
}

say() { echo "== $*" >&2; }
record() { echo "$1" | tee -a "$results"; }

# Run a step that prints its own PASS/FAIL lines; a step that dies
# without any FAIL line is reported as one failure.
run_step() {
	local name=$1
	shift
	local out=$log_dir/$name.log
	say "$name"
	"$@" >"$out" 2>&1
	local rc=$?
	grep -E '^(PASS|FAIL|SKIP|INFO) ' "$out" | tee -a "$results"
	sed -n "s|^SKIP \([^:]*\):.*|$name/\1|p" "$out" >>"$skipped"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
		record "FAIL $name: exited $rc (see $out)"
		tail -n 20 "$out" >&2
	fi
}

# A step that is one test: PASS if the command succeeds.
run_one() {
	local name=$1
	shift
	local out=$log_dir/${name//\//-}.log
	say "$name"
	if "$@" >"$out" 2>&1; then
		record "PASS $name"
	else
		record "FAIL $name: see $out"
		tail -n 20 "$out" >&2
	fi
}

check_summary() {
	local passed failed nskipped
	passed=$(grep -c '^PASS ' "$results")
	failed=$(grep -c '^FAIL ' "$results")
	nskipped=$(wc -l <"$skipped")
	if [ "$nskipped" -gt 0 ]; then
		echo "$nskipped skipped: $(awk 'NR > 1 { printf ", " } { printf "%s", $0 }' "$skipped")"
	else
		echo "0 skipped"
	fi
	# CI reads this line: it must stay the last one.
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
