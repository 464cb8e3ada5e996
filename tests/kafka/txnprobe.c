/* txnprobe - what a transaction does on a Kafka-protocol cluster: one
 * transactional producer's run, for tests/model/KAFKA-NOTES.md,
 * "Transactions".  Not part of the build or the suite:
 *
 *   cc -o /tmp/txnprobe tests/kafka/txnprobe.c -lrdkafka
 *
 *   txnprobe BROKERS TOPIC TXNID MODE GROUP N FIRST [SECONDS]
 *
 * init_transactions, begin_transaction, N messages "MODE-FIRST" ...
 * "MODE-(FIRST+N-1)" to TOPIC partition 0 (flushed), then
 * send_offsets_to_transaction of {"in" [0]: FIRST+N} for GROUP, then by MODE:
 *   commit   commit_transaction
 *   abort    abort_transaction
 *   open     sleep SECONDS (default 5) and exit with the transaction open
 *   late     sleep SECONDS, produce two messages "late2-0", "late2-1" and
 *            commit (an instance that another one with the same TXNID may
 *            have replaced meanwhile)
 * Each call's outcome on stderr ("commit ok", or the error with its
 * retriable/abortable/fatal flags, exit 1).
 *
 *   txnprobe committed BROKERS GROUP TOPIC PARTITIONS
 *
 * prints "PARTITION OFFSET" per partition: GROUP's committed offsets
 * (rd_kafka_committed; -1001 is none).
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void check(rd_kafka_error_t *e, const char *what)
{
	if (e) {
		fprintf(stderr, "%s: %s (retriable %d abortable %d fatal %d)\n", what,
			rd_kafka_error_string(e), rd_kafka_error_is_retriable(e),
			rd_kafka_error_txn_requires_abort(e), rd_kafka_error_is_fatal(e));
		exit(1);
	}
	fprintf(stderr, "%s ok\n", what);
}

static void put(rd_kafka_t *rk, const char *topic, const char *v)
{
	rd_kafka_resp_err_t e = rd_kafka_producev(
		rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
		RD_KAFKA_V_VALUE((void *)v, strlen(v)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_END);
	if (e) {
		fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
		exit(1);
	}
}

static int committed(char **v)
{
	char err[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t e;
	rd_kafka_t *rk;
	int n = atoi(v[5]);

	rd_kafka_conf_set(conf, "bootstrap.servers", v[2], err, sizeof err);
	rd_kafka_conf_set(conf, "group.id", v[3], err, sizeof err);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	l = rd_kafka_topic_partition_list_new(n);
	for (int i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(l, v[4], i);
	e = rd_kafka_committed(rk, l, 10000);
	if (e) {
		fprintf(stderr, "committed: %s\n", rd_kafka_err2str(e));
		return 1;
	}
	for (int i = 0; i < n; i++)
		printf("%d %lld\n", (int)l->elems[i].partition, (long long)l->elems[i].offset);
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return 0;
}

int main(int argc, char **argv)
{
	char err[512], b[64];
	rd_kafka_conf_t *conf;
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_consumer_group_metadata_t *g;
	rd_kafka_t *rk;
	int n, first, secs;
	const char *mode;

	if (argc == 6 && !strcmp(argv[1], "committed"))
		return committed(argv);
	if (argc < 8) {
		fprintf(stderr, "usage: txnprobe BROKERS TOPIC TXNID MODE GROUP N FIRST [SECONDS]\n"
				"       txnprobe committed BROKERS GROUP TOPIC PARTITIONS\n");
		return 2;
	}
	mode = argv[4];
	n = atoi(argv[6]);
	first = atoi(argv[7]);
	secs = argc > 8 ? atoi(argv[8]) : 5;
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) ||
	    rd_kafka_conf_set(conf, "transactional.id", argv[3], err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
	if (!rk) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	check(rd_kafka_init_transactions(rk, 10000), "init");
	check(rd_kafka_begin_transaction(rk), "begin");
	for (int i = 0; i < n; i++) {
		snprintf(b, sizeof b, "%s-%d", mode, first + i);
		put(rk, argv[2], b);
	}
	rd_kafka_flush(rk, 5000);
	l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, "in", 0)->offset = first + n;
	g = rd_kafka_consumer_group_metadata_new(argv[5]);
	check(rd_kafka_send_offsets_to_transaction(rk, l, g, 10000), "send_offsets");
	rd_kafka_consumer_group_metadata_destroy(g);
	rd_kafka_topic_partition_list_destroy(l);
	if (!strcmp(mode, "commit")) {
		check(rd_kafka_commit_transaction(rk, 10000), "commit");
	} else if (!strcmp(mode, "abort")) {
		check(rd_kafka_abort_transaction(rk, 10000), "abort");
	} else if (!strcmp(mode, "late")) {
		sleep((unsigned)secs);
		put(rk, argv[2], "late2-0");
		put(rk, argv[2], "late2-1");
		check(rd_kafka_commit_transaction(rk, 10000), "late commit");
	} else {
		fprintf(stderr, "open: exiting in %d s with the transaction open\n", secs);
		sleep((unsigned)secs);
		_exit(0);
	}
	rd_kafka_destroy(rk);
	return 0;
}
