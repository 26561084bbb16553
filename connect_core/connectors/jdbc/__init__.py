"""The JDBC source connector (Confluent ``io.confluent.connect.jdbc``) over SQLAlchemy.

Deliberately empty: importing this package must stay cheap; SQLAlchemy is loaded only by the modules that query.
"""
