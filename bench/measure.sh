# measure LABEL CMD…: runs CMD $runs times (RUNS, default 3) with stdout
# to /dev/null and prints the fastest run's wall and CPU time and the
# largest peak RSS (exit status 1 counts as success). Needs $work (a scratch folder). Sourced by the bench
# scripts.
runs=${RUNS:-3}
measure() {
	local label=$1
	shift
	if [ ! -x /usr/bin/time ]; then
		local best=
		for _ in $(seq "$runs"); do
			local start end
			start=$(date +%s.%N)
			"$@" >/dev/null || [ $? -le 1 ]
			end=$(date +%s.%N)
			best=$(awk -v s="$start" -v e="$end" -v b="$best" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
		done
		awk -v l="$label" -v b="$best" 'BEGIN { printf "%-34s wall %7.2fs   (no /usr/bin/time: no CPU time or RSS)\n", l, b }'
		return
	fi
	: >"$work/runs.txt"
	for _ in $(seq "$runs"); do
		# exit 1 is analyze's "found an error finding": a result, not a failure
		local rc=0
		/usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || rc=$?
		if [ "$rc" -gt 1 ]; then
			cat "$work/time.txt" >&2
			return 1
		fi
		# wall seconds, cpu seconds, RSS kB
		awk -F': ' '
			/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
			/User time/ { c += $2 } /System time/ { c += $2 }
			/Maximum resident set size/ { r = $2 }
			END { print w, c, r }' "$work/time.txt" >>"$work/runs.txt"
	done
	sort -n "$work/runs.txt" | awk -v l="$label" -v n="$runs" '
		NR == 1 { w = $1; c = $2 } { if ($3 > r) r = $3 }
		END { printf "%-34s wall %7.2fs   cpu %7.2fs   peak RSS %7.1f MB   (best of %d)\n", l, w, c, r / 1024, n }'
}

