"""lambda-connect: Apache Kafka Connect rebuilt as serverless functions."""
