# topic-helper.bash - loaded by the topic tests of logseek and logcompact
# (after helper.bash): topics made by hand from the model's placement, so
# that what the tests expect never comes from the tools under test.

PM="$PY $ROOT/tests/model/partitionmodel.py"

# split_topic DIR N ENVELOPES [LOGAPPEND-OPTION...]: makes the topic DIR of
# N partitions by hand (its topic file as logformat(5) has it, then each
# partition an ordinary log): each envelope line of ENVELOPES (logcat
# --json) goes to the partition partitionmodel.py places its "key" in, in
# order; DIR.placed keeps "P ENVELOPE" per line.
split_topic() {
	local dir=$1 n=$2 env=$3 p
	shift 3
	mkdir "$dir" && printf 'logtools-topic 1\npartitions %d\n' "$n" >"$dir/topic" || return 1
	$PM place "$n" --key key <"$env" | paste -d ' ' - "$env" >"$dir.placed" || return 1
	for ((p = 0; p < n; p++)); do
		awk -v p="$p" '$1 == p { sub(/^[0-9]+ /, ""); print }' "$dir.placed" |
			logappend --envelope "$@" "$dir/$p" || return 1
	done
}
