CREATE TABLE t (id bigint PRIMARY KEY, i2 smallint, i4 integer, o oid, r real, d double precision,
  n numeric, n2 numeric(20,5), m money, b boolean, j json, jb jsonb, by bytea,
  tz timestamptz, ts timestamp, ts3 timestamp(3), dt date, tm time, txt text, vc varchar(10),
  u uuid, arr integer[], iv interval);
CREATE TABLE comp (x integer, y text, v text, PRIMARY KEY (x, y));
CREATE TABLE full_t (id integer PRIMARY KEY, v text);
ALTER TABLE full_t REPLICA IDENTITY FULL;
CREATE TABLE nopk (a integer, b text);
CREATE TABLE idx_t (id integer PRIMARY KEY, u integer NOT NULL UNIQUE, v text);
ALTER TABLE idx_t REPLICA IDENTITY USING INDEX idx_t_u_key;
INSERT INTO t VALUES (1, 32767, -2147483648, 4294967295, 1.5, 0.1, 12345.678901234567890123, 1.50000, 1234.56, true,
  '{"a": [1, 2.5, "x"], "big": 18446744073709551615, "huge": 123456789012345678901234567890}',
  '{"k": {"n": null, "t": true}, "z": -9007199254740993, "s": "caf\u00e9 \ud83d\ude00"}', '\x00ff10',
  '2024-01-02 03:04:05.123456+02', '2024-01-02 01:04:05.123456', '2024-01-02 01:04:05.12', '2024-02-29', '13:14:15.5',
  E'h\u00e9llo "quoted" \\ back\nslash\ttab \U0001F600 \x01', 'short', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2,NULL}', '1 day 02:03:04');
INSERT INTO t (id, r, d, n, tz, ts) VALUES (9007199254740993, 'NaN', 'Infinity', 'NaN', 'infinity', '-infinity');
INSERT INTO t (id, r, d, n, by, tz, ts, dt, j, jb) VALUES (-9223372036854775808, '-Infinity', -1e300, '-0.000000000000000000001', '',
  '2000-01-01 00:00:00+00', '0044-03-15 12:00:00 BC', '0001-01-01 BC', '[]', '"str"');
BEGIN;
UPDATE t SET txt = 'updated', b = false WHERE id = 1;
INSERT INTO nopk VALUES (1, 'other table in the transaction');
INSERT INTO comp VALUES (1, 'a', 'one'), (1, 'b', 'two'), (2, 'a', 'three');
COMMIT;
UPDATE t SET id = 2 WHERE id = 1;
UPDATE comp SET y = 'c' WHERE x = 1 AND y = 'b';
DELETE FROM t WHERE id = -9223372036854775808;
INSERT INTO full_t VALUES (1, 'a'), (2, 'b');
UPDATE full_t SET v = 'c' WHERE id = 1;
UPDATE full_t SET id = 3 WHERE id = 2;
DELETE FROM full_t WHERE id = 1;
SELECT pg_logical_emit_message(true, 'pfx', 'transactional message');
SELECT pg_logical_emit_message(false, 'pfx', 'plain message');
BEGIN;
INSERT INTO comp VALUES (3, 'x', 'before truncate');
TRUNCATE comp;
INSERT INTO comp VALUES (4, 'y', 'after truncate');
COMMIT;
BEGIN;
INSERT INTO t (id, txt) SELECT g, 'row ' || g FROM generate_series(100, 109) g;
UPDATE t SET id = 110 WHERE id = 100;
DELETE FROM t WHERE id = 101;
COMMIT;
TRUNCATE t, full_t;
INSERT INTO t (id, txt) VALUES (3, 'after the truncate'), (4, 'four');
UPDATE t SET id = 5, txt = 'moved' WHERE id = 4;
INSERT INTO idx_t VALUES (1, 10, 'a');
UPDATE idx_t SET v = 'b';
INSERT INTO t (id, tz, ts) VALUES (6, '2024-06-30 23:59:59.999999-09:30', '12345-01-01 00:00:00');
