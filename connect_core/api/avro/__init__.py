"""Confluent's ``kafka-connect-avro-data``: the Avro binary encoding, the Connect <-> Avro data mapping and
container files.

It sits in the api because two layers share it: the ``AvroConverter`` (``converters/avro.py``) and the S3 sink's
``AvroFormat``/``ParquetFormat`` (``connectors/s3``), as both of Confluent's artifacts depend on the one library.
Pure Python; ``cramjam`` is imported only for the snappy/zstandard container codecs.
"""
