package io.lambdaconnect.bench;

import org.apache.camel.kafkaconnector.CamelSinkConnector;

/**
 * Bench cases 4c/4q: Camel's generic sink connector under a name of its own, so the worker loads it (and its task)
 * from this plugin directory, which holds the aws2-s3 component and the aggregation bean. The generic class name
 * alone is also offered by 4o's elasticsearch-rest plugin directory, and the worker would pick one of the two.
 */
public class CamelS3SinkConnector extends CamelSinkConnector {
}
