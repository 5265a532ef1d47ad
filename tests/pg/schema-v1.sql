-- The PostgreSQL result store's first schema (version 1), frozen as
-- central/cstore_pg.c created it, with a little data: the test of the
-- upgrade (central.sh) loads it and lets the receiver migrate it. Never
-- edit it to follow a later schema; add a file for that one.
CREATE TABLE batches(batch_id text COLLATE "C" PRIMARY KEY,
  station_id text COLLATE "C" NOT NULL, sha256 bytea NOT NULL,
  len_bytes bigint NOT NULL, n_results bigint NOT NULL, received_wall bigint NOT NULL);
CREATE TABLE results(station_id text COLLATE "C" NOT NULL, seq bigint NOT NULL,
  sealed bytea NOT NULL, batch_id text COLLATE "C" NOT NULL,
  received_wall bigint NOT NULL, PRIMARY KEY(station_id, seq));
CREATE TABLE progress(station_id text COLLATE "C" PRIMARY KEY, highest bigint NOT NULL);
CREATE TABLE heartbeats(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  station_id text COLLATE "C" NOT NULL, received_wall bigint NOT NULL,
  software text NOT NULL, content text NOT NULL, pending bigint NOT NULL,
  oldest_pending_s bigint NOT NULL, disk_free_bytes bigint NOT NULL,
  station_wall_s bigint NOT NULL, last_seq bigint NOT NULL);
CREATE INDEX heartbeats_station ON heartbeats(station_id, id);
CREATE TABLE heartbeat_latest(station_id text COLLATE "C" PRIMARY KEY,
  heartbeat_id bigint NOT NULL, received_wall bigint NOT NULL, software text NOT NULL,
  content text NOT NULL, pending bigint NOT NULL, oldest_pending_s bigint NOT NULL,
  disk_free_bytes bigint NOT NULL, station_wall_s bigint NOT NULL,
  last_seq bigint NOT NULL);
CREATE TABLE cstore_schema(one integer PRIMARY KEY CHECK (one = 1),
  app text NOT NULL, version integer NOT NULL);
INSERT INTO cstore_schema VALUES (1, 'synaq-results', 1);

-- An older station's results 1..2 and its heartbeat.
INSERT INTO batches VALUES ('0123456789abcdef0123456789abcdef', 'old-001',
  '\x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 100, 2, 1700000000);
INSERT INTO results VALUES ('old-001', 1, '\xdeadbeef01', '0123456789abcdef0123456789abcdef', 1700000000),
                           ('old-001', 2, '\xdeadbeef02', '0123456789abcdef0123456789abcdef', 1700000000);
INSERT INTO progress VALUES ('old-001', 2);
INSERT INTO heartbeats(station_id, received_wall, software, content, pending, oldest_pending_s,
  disk_free_bytes, station_wall_s, last_seq)
  VALUES ('old-001', 1700000000, '0.0.9', 'e1:1', 0, 0, 1000000, 1700000000, 2);
INSERT INTO heartbeat_latest SELECT station_id, id, received_wall, software, content, pending,
  oldest_pending_s, disk_free_bytes, station_wall_s, last_seq FROM heartbeats;
