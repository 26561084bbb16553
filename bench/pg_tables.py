"""The PostgreSQL side of the CDC rows (4e, 4u): a schema of its own on the shared server with the dataset as
PostgreSQL types, fresh copies of it, the slots and publications, and the Debezium PostgreSQL connector's keys both
sides take."""

from __future__ import annotations

import time

from bench import common

DEBEZIUM_POSTGRES = "io.debezium:debezium-connector-postgres:3.7.0.Final"
JSON = "org.apache.kafka.connect.json.JsonConverter"
DDL = """CREATE TABLE {table} (
  id BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  qty INT NOT NULL,
  price NUMERIC(12,2) NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  active BOOLEAN NOT NULL,
  created_at TIMESTAMP(3) NOT NULL,
  day DATE NOT NULL,
  note VARCHAR(200) NULL,
  category SMALLINT NOT NULL
)"""
# the values of dataset.FILL (case 1's MariaDB rows), as PostgreSQL computes them
FILL = """INSERT INTO {table}
SELECT s, 'name-' || s, s % 1000, (s % 100000) / 100.0, (s % 1000) * 0.25, s % 2 = 1,
       TIMESTAMP '2024-01-01 00:00:00' + s * INTERVAL '1 second', DATE '2024-01-01' + (s % 365)::int,
       CASE WHEN s % 10 = 0 THEN NULL ELSE 'note for row ' || s || ' lorem ipsum dolor sit amet' END, s % 7
FROM generate_series(1, {rows}) s"""


def unique_name(prefix: str) -> str:
    """A unique identifier PostgreSQL takes unquoted as a slot name (lowercase, digits, underscores)."""
    return common.unique(prefix).replace("-", "_")


class PgTables:
    """A schema of its own on the shared PostgreSQL: the dataset table, the fresh copies, slots and publications."""

    def __init__(self, pg: dict[str, str], records: int) -> None:
        """Create the schema and the dataset table of ``records`` rows."""
        import psycopg2

        self.pg = pg
        self.conn = psycopg2.connect(host=pg["host"], port=int(pg["port"]), user=pg["user"], password=pg["password"],
                                     dbname=pg["database"])
        self.conn.autocommit = True
        self.schema = unique_name("pgcdc")
        self.slots: list[str] = []
        self.sql(f"CREATE SCHEMA {self.schema}")
        self.sql(DDL.format(table=f"{self.schema}.src"), FILL.format(table=f"{self.schema}.src", rows=records))

    def sql(self, *statements: str) -> None:
        """Run ``statements`` (autocommit)."""
        with self.conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def new_table(self) -> str:
        """An empty table shaped like the dataset's; its unqualified name."""
        table = unique_name("t")
        self.sql(DDL.format(table=f"{self.schema}.{table}"))
        return table

    def copy(self, table: str) -> None:
        """Every dataset row into ``table`` in one transaction, in key order."""
        self.sql(f"INSERT INTO {self.schema}.{table} SELECT * FROM {self.schema}.src ORDER BY id")

    def copy_row(self, table: str, index: int) -> None:
        """The dataset's ``index``-th row into ``table`` (a probe: is Debezium's stream running?)."""
        self.sql(f"INSERT INTO {self.schema}.{table} SELECT * FROM {self.schema}.src ORDER BY id LIMIT 1 "
                 f"OFFSET {index}")

    def drop_slot(self, slot: str) -> None:
        """Drop ``slot`` and its publication ``pub_<slot>`` once no WAL sender holds it (a slot left behind keeps
        the shared server's WAL)."""
        deadline = time.monotonic() + 60
        with self.conn.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s", (slot,))
                row = cursor.fetchone()
                if row is None:
                    break
                if not row[0]:
                    cursor.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
                    break
                time.sleep(0.2)
            cursor.execute(f"DROP PUBLICATION IF EXISTS pub_{slot}")

    def drop(self) -> None:
        """Every slot this made, then the schema."""
        for slot in self.slots:
            try:
                self.drop_slot(slot)
            except Exception:  # best effort: the next one is still dropped
                pass
        self.sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.conn.close()


def connector_config(pg: dict[str, str], prefix: str, slot: str, include: str) -> dict[str, str]:
    """The keys both sides get alike: Debezium's PostgreSQL connector with pgoutput, its own slot and filtered
    publication ``pub_<slot>``, ``snapshot.mode=no_data``, JsonConverter without schemas."""
    return {"connector.class": "io.debezium.connector.postgresql.PostgresConnector", "tasks.max": "1",
            "database.hostname": pg["host"], "database.port": pg["port"], "database.user": pg["user"],
            "database.password": pg["password"], "database.dbname": pg["database"], "topic.prefix": prefix,
            "plugin.name": "pgoutput", "slot.name": slot, "publication.name": f"pub_{slot}",
            "publication.autocreate.mode": "filtered", "table.include.list": include, "snapshot.mode": "no_data",
            "key.converter": JSON, "value.converter": JSON, "key.converter.schemas.enable": "false",
            "value.converter.schemas.enable": "false"}
