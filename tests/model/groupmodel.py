#!/usr/bin/python3
"""groupmodel.py - the model of consumer groups that the logcat tests check
logcat --group against, written from logcat(1) alone.

    groupmodel.py script < SCRIPT
        SCRIPT is one step a line:
            append N          N more records are appended to the log
            auto ARGS...      logcat --group G ARGS -F '%o\\n' LOG
            manual ARGS...    the same with --commit manual
            commit            the pending position becomes the committed one
                              (logseek --group G --commit); with none, the
                              line "exit 1 MESSAGE" and nothing changes
        where ARGS are among --from OFFSET|-N|beginning|end, --to OFFSET and
        -n COUNT.  Prints, for each step, the line "== STEP", the offsets
        the step writes, one a line, and the line
        "committed=C pending=P" (C and P a number or "none"): what the
        tests print from the real tools.

    groupmodel.py cover N COMMITTED DELIVERED NEXT
        A reader was killed: DELIVERED holds what reached its pipe (JSON
        lines of logcat --json, maybe a partial last line), COMMITTED the
        offset its group then held ("none": no position), NEXT what the next
        run of the group wrote.  Checks that DELIVERED's whole lines are
        offsets 0..k-1, COMMITTED <= k, NEXT is COMMITTED..N-1, and so the
        two cover every record of the log.

The rules, from logcat(1): a group starts at its committed position (the
next offset to read), or at --from when it has none, a manual reader too
(a pending position is not where anyone starts); a run commits (auto) or
leaves as pending (manual) the offset after the last record it wrote, and
writes no position when it wrote nothing; a commit by an auto reader
discards the pending position.
"""
import json
import sys


def fail(msg):
    print("groupmodel: " + msg, file=sys.stderr)
    sys.exit(1)


def run(state, manual, args):
    size = state["size"]
    frm, to, count = "beginning", None, None
    i = 0
    while i < len(args):
        opt, val = args[i], args[i + 1]
        i += 2
        if opt == "--from":
            frm = val
        elif opt == "--to":
            to = int(val)
        elif opt in ("-n", "--max-records", "--count"):
            count = int(val)
        else:
            fail("unknown option in script: " + opt)
    if state["committed"] is not None:
        start = state["committed"]
    elif frm == "beginning":
        start = 0
    elif frm == "end":
        start = size
    elif frm.startswith("-"):
        start = max(0, size - int(frm[1:]))
    else:
        start = int(frm)
    hi = size if to is None else min(size, to)
    end = max(start, hi)
    if count is not None:
        end = min(end, start + count)
    written = list(range(start, end))
    if written and manual:
        state["pending"] = end
    elif written:
        # a commit by any reader discards the pending position
        state["committed"], state["pending"] = end, None
    return written


def show(x):
    return "none" if x is None else str(x)


def cmd_script():
    state = {"size": 0, "committed": None, "pending": None}
    for line in sys.stdin:
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        print("== " + " ".join(words))
        if words[0] == "append":
            state["size"] += int(words[1])
        elif words[0] in ("auto", "manual"):
            for off in run(state, words[0] == "manual", words[1:]):
                print(off)
        elif words[0] == "commit":
            if state["pending"] is None:
                print("exit 1 logseek: group 'g' of 'L' has no pending position")
            state["committed"], state["pending"] = state["pending"] or state["committed"], None
        else:
            fail("unknown step: " + line.strip())
        print("committed=%s pending=%s" % (show(state["committed"]), show(state["pending"])))


def cmd_cover(n, committed, delivered, following):
    n = int(n)
    with open(delivered, "rb") as f:
        data = f.read()
    whole = data[:data.rfind(b"\n") + 1].decode()
    offsets = [json.loads(line)["offset"] for line in whole.splitlines()]
    k = len(offsets)
    if offsets != list(range(k)):
        fail("the killed reader's whole lines are not offsets 0..%d" % (k - 1))
    c = 0 if committed == "none" else int(committed)
    if c > k:
        fail("the committed offset %d is past the %d records that reached the pipe" % (c, k))
    with open(following) as f:
        nxt = [json.loads(line)["offset"] for line in f]
    if nxt != list(range(c, n)):
        fail("the next run wrote %s, not offsets %d..%d" % (
            nxt[:3] + ["..."] + nxt[-3:] if len(nxt) > 6 else nxt, c, n - 1))
    if set(offsets) | set(nxt) != set(range(n)):
        fail("some records were delivered by neither run")
    print("delivered %d, committed %d, next run %d" % (k, c, len(nxt)))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "script":
        cmd_script()
    elif len(sys.argv) == 6 and sys.argv[1] == "cover":
        cmd_cover(*sys.argv[2:])
    else:
        fail("usage: groupmodel.py script < SCRIPT | cover N COMMITTED DELIVERED NEXT")


if __name__ == "__main__":
    main()
