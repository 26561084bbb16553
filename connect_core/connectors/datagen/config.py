"""``DatagenConfig``: kafka-connect-datagen's keys (``DatagenConnectorConfig``), names and defaults unchanged.

The schema comes from exactly one of ``quickstart`` (the schemas in ``quickstart/``), ``schema.string`` or
``schema.filename``; a file name that is one of the bundled schemas is read from the package (as the JVM finds it
on the class path), any other file must lie under the worker's file roots.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, model_validator

from connect_core.api.config import config_field
from connect_core.api.errors import ConfigError

if TYPE_CHECKING:
    from connect_core.api.file_roots import FileRoots

__all__ = ["QUICKSTARTS", "DatagenConfig", "schema_text"]

QUICKSTART_DIR = Path(__file__).parent / "quickstart"
DEFAULT_MAX_INTERVAL_MS = 500
# quickstart name -> (schema file, key field): kafka-connect-datagen's Quickstart enum
QUICKSTARTS: dict[str, tuple[str, str]] = {
    "clickstream_codes": ("clickstream_codes_schema.avro", "code"),
    "clickstream": ("clickstream_schema.avro", "ip"),
    "clickstream_users": ("clickstream_users_schema.avro", "user_id"),
    "orders": ("orders_schema.avro", "orderid"),
    "ratings": ("ratings_schema.avro", "rating_id"),
    "users": ("users_schema.avro", "userid"),
    "users_": ("users_array_map_schema.avro", "userid"),
    "pageviews": ("pageviews_schema.avro", "viewtime"),
    "stock_trades": ("stock_trades_schema.avro", "symbol"),
    "inventory": ("inventory.avro", "id"),
    "product": ("product.avro", "id"),
    "purchases": ("purchase.avro", "id"),
    "transactions": ("transactions.avro", "transaction_id"),
    "stores": ("stores.avro", "store_id"),
    "credit_cards": ("credit_cards.avro", "card_id"),
    "campaign_finance": ("campaign_finance.avro", "candidate_id"),
    "fleet_mgmt_description": ("fleet_mgmt_description.avro", "vehicle_id"),
    "fleet_mgmt_location": ("fleet_mgmt_location.avro", "vehicle_id"),
    "fleet_mgmt_sensors": ("fleet_mgmt_sensors.avro", "vehicle_id"),
    "pizza_orders": ("pizza_orders.avro", "store_id"),
    "pizza_orders_completed": ("pizza_orders_completed.avro", "store_id"),
    "pizza_orders_cancelled": ("pizza_orders_cancelled.avro", "store_id"),
    "insurance_offers": ("insurance_offers.avro", "offer_id"),
    "insurance_customers": ("insurance_customers.avro", "customer_id"),
    "insurance_customer_activity": ("insurance_customer_activity.avro", "activity_id"),
    "gaming_games": ("gaming_games.avro", "id"),
    "gaming_players": ("gaming_players.avro", "player_id"),
    "gaming_player_activity": ("gaming_player_activity.avro", "player_id"),
    "payroll_employee": ("payroll_employee.avro", "employee_id"),
    "payroll_employee_location": ("payroll_employee_location.avro", "employee_id"),
    "payroll_bonus": ("payroll_bonus.avro", "employee_id"),
    "syslog_logs": ("syslog_logs.avro", "host"),
    "device_information": ("device_information.avro", "device_ip"),
    "siem_logs": ("siem_logs.avro", "hostname"),
    "shoes": ("shoes.avro", "id"),
    "shoe_customers": ("shoe_customers.avro", "id"),
    "shoe_orders": ("shoe_orders.avro", "order_id"),
    "shoe_clickstream": ("shoe_clickstream.avro", "product_id"),
}
SCHEMA_SOURCES = ("schema.string", "schema.filename", "quickstart")


def _check_quickstart(key: str, value: str) -> None:
    if value and value.lower() not in QUICKSTARTS:
        raise ConfigError(f"{key} must be one out of {','.join(QUICKSTARTS)}")


class DatagenConfig(BaseModel):
    """Config of ``DatagenConnector`` (``DatagenConnectorConfig``)."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True, frozen=True)

    kafka_topic: str = config_field(alias="kafka.topic", importance="HIGH", description="Topic to write to")
    max_interval: int = config_field(DEFAULT_MAX_INTERVAL_MS, alias="max.interval", type="LONG", importance="HIGH",
                                     description="Max interval between messages (ms)")
    iterations: int = config_field(-1, alias="iterations", importance="HIGH",
                                   description="Number of messages to send from each task, or less than 1 for "
                                               "unlimited")
    schema_string: str = config_field("", alias="schema.string", importance="HIGH",
                                      description="The literal JSON-encoded Avro schema to use")
    schema_filename: str = config_field("", alias="schema.filename", importance="HIGH",
                                        description="Filename of schema to use")
    schema_keyfield: str = config_field("", alias="schema.keyfield", importance="HIGH",
                                        description="Name of field to use as the message key")
    quickstart: str = config_field("", alias="quickstart", importance="HIGH", validator=_check_quickstart,
                                   description="Name of quickstart to use")
    random_seed: int | None = config_field(
        None, alias="random.seed", type="LONG", importance="LOW",
        description="Numeric seed for generating random data. Two connectors started with the same seed will "
                    "deterministically produce the same data. Each task will generate different data than the other "
                    "tasks in the same connector.")

    @model_validator(mode="after")
    def _one_schema_source(self) -> DatagenConfig:
        if sum(1 for value in (self.schema_string, self.schema_filename, self.quickstart) if value) != 1:
            raise ConfigError("Must set exactly one of " + ", ".join(SCHEMA_SOURCES))
        return self

    @property
    def key_field(self) -> str:
        """``schema.keyfield``, else the quickstart's key field, else none (null keys)."""
        if not self.schema_keyfield and self.quickstart:
            return QUICKSTARTS[self.quickstart.lower()][1]
        return self.schema_keyfield


def schema_text(config: DatagenConfig, roots: FileRoots) -> str:
    """The Avro schema's text; a schema file outside the worker's file roots is refused naming the key."""
    if config.quickstart:
        return (QUICKSTART_DIR / QUICKSTARTS[config.quickstart.lower()][0]).read_text("utf-8")
    if config.schema_string:
        return config.schema_string
    bundled = QUICKSTART_DIR / config.schema_filename
    if "/" not in config.schema_filename and bundled.is_file():  # a class path resource on the JVM
        return bundled.read_text("utf-8")
    path = roots.resolve("schema.filename", config.schema_filename)
    try:
        return Path(path).read_text("utf-8")
    except OSError as error:
        raise ConfigError("Unable to find the schema file") from error
