"""Change data capture from the MySQL/MariaDB binlog in Debezium's event and offset formats."""
