package io.lambdaconnect.bench;

import org.apache.camel.kafkaconnector.CamelSinkConnector;

/**
 * Bench case 4o: Camel's generic sink connector under a name of its own, so the worker loads it (and its task) from
 * this plugin directory, which holds the elasticsearch-rest component. The generic class name alone is also offered
 * by 4c's aws2-s3 plugin directory, and the worker would pick one of the two directories for both.
 */
public class CamelElasticsearchSinkConnector extends CamelSinkConnector {
}
