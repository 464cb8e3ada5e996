/* logcat - read or replay a log, or a framed stream, and write its records. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barrier.h"
#include "checkpoint.h"
#include "cli.h"
#include "group.h"
#include "input.h"
#include "lock.h"
#include "output.h"
#include "position.h"
#include "record.h"
#include "replay.h"
#include "timeparse.h"
#include "topic.h"
#include "units.h"

static const char usage[] =
"usage: logcat [options] [LOGDIR | TOPIC | -]\n"
"Write the records of LOGDIR (or of TOPIC's partitions merged by time, or of a\n"
"framed stream on stdin, '-') to stdout.\n"
"\n"
"      --from POS       start at OFFSET, @TIME, -N (the last N records),\n"
"                       beginning (the default) or end; in a topic, in each partition\n"
"      --to POS         stop before OFFSET or before the first record at @TIME\n"
"  -n, --count N        write at most N records (also --max-records N)\n"
"  -p, --partition P[,P...]  a topic: read these partitions only\n"
"      --member I/M     a topic, with --group or --resume: read the partitions p\n"
"                       with p mod M = I\n"
"  -f, --follow         at the end, wait for new records (until SIGINT or SIGTERM)\n"
"  -g, --group NAME     read as consumer group NAME: start at its committed\n"
"                       position, commit the position after what was written\n"
"      --commit MODE    auto (the default) or manual: leave a pending position\n"
"                       for 'logseek --group NAME --commit'\n"
"      --commit-interval DUR  commit at most this often while writing (default 1s)\n"
"      --wait           wait while another reader has the group, instead of failing\n"
"      --resume OUT     a checkpointed pipe (... | logappend --checkpoint OUT): start\n"
"                       where OUT's last checkpoint says, write the saved states\n"
"                       first and checkpoint barriers with the records (framed)\n"
"      --checkpoint-interval DUR  with --resume: a barrier at most this often\n"
"                       (default 1s; 0: after every batch)\n"
"  -j, --json           JSON lines: offset, partition (a topic's), ts, key, value, headers\n"
"      --framed         the framed stream (the default unless stdout is a terminal)\n"
"      --values         the values alone, as JSON lines\n"
"  -F, --format TMPL    text by template: %o offset, %T ts, %t time, %k key, %s value,\n"
"                       %K %S their lengths in bytes (-1: null), %h headers, %p partition,\n"
"                       %% percent; \\n \\t escapes\n"
"      --checkpoints    show LOGDIR's checkpoint records (logappend --checkpoint's)\n"
"                       as JSON lines, and nothing else\n"
"  -h, --help           show this help\n"
"      --version        show the version\n"
"TIME is RFC 3339 (2026-11-20T09:00:00Z), epoch milliseconds, now, or now-2h.\n";

enum { O_FROM = 256, O_TO, O_FRAMED, O_VALUES, O_COMMIT, O_COMMIT_INTERVAL, O_WAIT, O_MEMBER,
       O_RESUME, O_CHECKPOINT_INTERVAL, O_CHECKPOINTS };

static const struct option longopts[] = {
	{ "from", required_argument, NULL, O_FROM },
	{ "to", required_argument, NULL, O_TO },
	{ "count", required_argument, NULL, 'n' },
	{ "max-records", required_argument, NULL, 'n' },
	{ "follow", no_argument, NULL, 'f' },
	{ "group", required_argument, NULL, 'g' },
	{ "commit", required_argument, NULL, O_COMMIT },
	{ "commit-interval", required_argument, NULL, O_COMMIT_INTERVAL },
	{ "wait", no_argument, NULL, O_WAIT },
	{ "partition", required_argument, NULL, 'p' },
	{ "member", required_argument, NULL, O_MEMBER },
	{ "resume", required_argument, NULL, O_RESUME },
	{ "checkpoint-interval", required_argument, NULL, O_CHECKPOINT_INTERVAL },
	{ "json", no_argument, NULL, 'j' },
	{ "framed", no_argument, NULL, O_FRAMED },
	{ "values", no_argument, NULL, O_VALUES },
	{ "format", required_argument, NULL, 'F' },
	{ "checkpoints", no_argument, NULL, O_CHECKPOINTS },
	CLI_OPTIONS,
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

/* --partition: its syntax checked now, the partitions when the topic is
 * open. */
static void parse_partitions(const char *s)
{
	struct error err;
	uint32_t *set;
	size_t n;

	if (topic_partition_list(s, 0, &set, &n, &err) < 0)
		usage_error("--partition: %s", err.msg);
	free(set);
}

/* --checkpoints: one JSON line per checkpoint record (issue 17). */
static int show_checkpoint(void *ctx, uint64_t offset, const uint8_t *p, size_t n,
			   struct error *err)
{
	struct buf *line = ctx;
	struct barrier b;

	if (barrier_decode_body(&b, p, n, err) < 0)
		return error_prefix(err, "checkpoint at offset %llu", (unsigned long long)offset);
	buf_reset(line);
	if (checkpoint_json(line, offset, &b) < 0 || buf_add(line, "\n", 1) < 0) {
		barrier_free(&b);
		return error_set(err, "out of memory");
	}
	barrier_free(&b);
	if (fwrite(line->p, 1, line->len, stdout) != line->len)
		return error_errno(err, "write error on standard output");
	return 0;
}

static int checkpoints(const char *path)
{
	struct buf line = BUF_INIT;
	struct error err;
	int rc = checkpoint_list(path, show_checkpoint, &line, &err);

	buf_release(&line);
	if (rc == 0 && fflush(stdout) == EOF)
		rc = error_errno(&err, "write error on standard output");
	if (rc)
		die(EXIT_FAIL, "%s", err.msg);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct replay_range range = { .from = FROM_BEGINNING, .to = TO_NONE, .count = UINT64_MAX };
	struct replay_options ropt = { .commit_interval = 1000, .stop = &stop,
				       .checkpoint_interval = 1000 };
	enum output_format fmt = isatty(STDOUT_FILENO) ? OUT_JSON : OUT_FRAMED;
	const char *tpl = NULL, *src;
	int show_checkpoints = 0;
	struct output out;
	struct error err = { "" }, note = { "" };
	int c, rc, commit_given = 0, interval_given = 0, ckpt_given = 0;

	cli_start(argv, "logcat", CLI_SAY_WAITING);
	while ((c = getopt_long(argc, argv, "fg:hjn:p:F:", longopts, NULL)) != -1) {
		switch (c) {
		case O_FROM:
		case O_TO:
			if (stream_range_position(&range, c == O_FROM, optarg, time_now_ms(), &err) < 0)
				usage_error("%s: %s", c == O_FROM ? "--from" : "--to", err.msg);
			break;
		case 'n':
			if (number_parse(optarg, &range.count) < 0)
				usage_error("--max-records: invalid count '%s' (accepted: a number)", optarg);
			break;
		case 'f': ropt.follow = 1; break;
		case 'g':
			if (group_name_check(optarg, &err) < 0)
				usage_error("--group: %s", err.msg);
			ropt.group = optarg;
			break;
		case O_COMMIT:
			commit_given = 1;
			if (strcmp(optarg, "auto") && strcmp(optarg, "manual"))
				usage_error("--commit: invalid mode '%s' (accepted: auto, manual)", optarg);
			ropt.commit_manual = !strcmp(optarg, "manual");
			break;
		case O_COMMIT_INTERVAL:
			interval_given = 1;
			if (duration_parse(optarg, &ropt.commit_interval, &err) < 0)
				usage_error("--commit-interval: %s", err.msg);
			break;
		case O_WAIT: ropt.wait_group = 1; break;
		case O_RESUME: ropt.resume = optarg; break;
		case O_CHECKPOINT_INTERVAL:
			ckpt_given = 1;
			if (duration_parse(optarg, &ropt.checkpoint_interval, &err) < 0)
				usage_error("--checkpoint-interval: %s", err.msg);
			break;
		case 'p': parse_partitions(optarg); ropt.partitions = optarg; break;
		case O_MEMBER:
			if (topic_member_parse(optarg, &ropt.member, &ropt.members, &err) < 0)
				usage_error("--member: %s", err.msg);
			break;
		case 'j': fmt = OUT_JSON; break;
		case O_FRAMED: fmt = OUT_FRAMED; break;
		case O_VALUES: fmt = OUT_VALUES; break;
		case 'F': fmt = OUT_TEMPLATE; tpl = optarg; break;
		case O_CHECKPOINTS: show_checkpoints = 1; break;
		default: cli_option(c, usage);
		}
	}
	src = cli_operand(argc, argv, "missing LOGDIR (or - for a framed stream on stdin)");
	if (show_checkpoints && (!strcmp(src, "-") || argc - optind != 1 || ropt.group ||
				 ropt.follow || ropt.partitions))
		usage_error("--checkpoints shows a log's checkpoints: a LOGDIR, and no --group, "
			    "--follow or --partition");
	if (show_checkpoints)
		return checkpoints(src);
	if (!strcmp(src, "-") && range.from == FROM_LAST)
		usage_error("--from -N needs a log directory, not a stream");
	if (!strcmp(src, "-") && (ropt.follow || ropt.group))
		usage_error("--follow and --group need a log directory, not a stream");
	if ((commit_given || ropt.wait_group || interval_given) && !ropt.group)
		usage_error("--commit, --commit-interval and --wait go with --group");
	if (ropt.members && !ropt.group && !ropt.resume)
		usage_error("--member goes with --group or --resume");
	if (ropt.partitions && ropt.members)
		usage_error("--partition and --member: give one (a member's partitions are fixed)");
	if (!strcmp(src, "-") && (ropt.partitions || ropt.members))
		usage_error("--partition and --member need a topic, not a stream");
	if (ropt.resume && ropt.group)
		usage_error("--resume and --group: the position lives in OUT's checkpoint, not in "
			    "a group");
	if (ropt.resume && !strcmp(src, "-"))
		usage_error("--resume needs a log or topic to read, not a stream");
	if (ropt.resume && fmt != OUT_FRAMED)
		usage_error("--resume writes the framed stream (its checkpoint items): not with "
			    "--json, --values or --format");
	if (ckpt_given && !ropt.resume)
		usage_error("--checkpoint-interval goes with --resume");
	ropt.note = &note;
	if (ropt.follow || ropt.group || ropt.resume) {
		struct sigaction sa = { .sa_handler = on_stop };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (output_init(&out, STDOUT_FILENO, fmt, tpl, &err) < 0)
		usage_error("--format: %s", err.msg);
	out.stop = &stop;

	if (!strcmp(src, "-"))
		rc = replay_stream(STDIN_FILENO, "stdin", &range, &out, &err);
	else
		rc = replay_log(src, &range, &ropt, &out, &err);
	output_release(&out);
	if (note.msg[0])
		warnmsg("%s", note.msg);
	if (rc == OUTPUT_ERROR && lock_signal)
		return 128 + lock_signal;	/* while waiting for the group's lock */
	if (rc == OUTPUT_CLOSED)
		return EXIT_OK;		/* the reader went away: end quietly */
	if (rc != OUTPUT_OK)
		die(EXIT_FAIL, "%s", err.msg);
	return EXIT_OK;
}
