package io.lambdaconnect.bench;

import java.io.ByteArrayOutputStream;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Bench case 4c/4q: Camel's aggregation of a CamelSinkConnector's exchanges into one JSON-lines S3 object, the file
 * our S3 sink writes with JsonFormat: each record's value bytes (JSON text from Camel's SchemaAndStructToJsonTransform)
 * followed by a newline, appended in arrival order in one buffer (linear in the records; the connector's own
 * StringAggregator re-copies the whole text for every record and joins without a final newline).
 *
 * <p>Each completed object is named {@code <keyPrefix><sequence, zero-padded to 10>.json}, the sequence counting the
 * objects this bean completed: a CamelSinkTask sees no Kafka offsets (0.11.0 maps none into the exchange), so the
 * key cannot be the first record's offset as our sink's is. Set {@code keyPrefix} with
 * {@code camel.beans.aggregate.keyPrefix}.
 */
public class JsonLinesAggregator implements AggregationStrategy {
    private static final String S3_KEY = "CamelAwsS3Key"; // AWS2S3Constants.KEY
    private static final String S3_CONTENT_LENGTH = "CamelAwsS3ContentLength"; // AWS2S3Constants.CONTENT_LENGTH

    private String keyPrefix = "";
    private long objects;

    public String getKeyPrefix() {
        return keyPrefix;
    }

    public void setKeyPrefix(String keyPrefix) {
        this.keyPrefix = keyPrefix;
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange into = oldExchange == null ? newExchange : oldExchange;
        Message message = into.getIn();
        Object held = message.getBody();
        ByteArrayOutputStream lines;
        if (held instanceof ByteArrayOutputStream) {
            lines = (ByteArrayOutputStream) held;
        } else {
            lines = new ByteArrayOutputStream(1 << 16);
            append(lines, held == null ? null : message.getBody(byte[].class));
            message.setBody(lines);
        }
        if (oldExchange != null) {
            append(lines, newExchange.getIn().getBody(byte[].class));
        }
        return into;
    }

    private static void append(ByteArrayOutputStream lines, byte[] value) {
        if (value != null) { // a tombstone writes no line (our sink: behavior.on.null.values=ignore)
            lines.write(value, 0, value.length);
            lines.write('\n');
        }
    }

    @Override
    public void onCompletion(Exchange exchange) {
        Message message = exchange.getIn();
        byte[] body = ((ByteArrayOutputStream) message.getBody()).toByteArray();
        message.setBody(body);
        message.setHeader(S3_KEY, String.format("%s%010d.json", keyPrefix, objects++));
        message.setHeader(S3_CONTENT_LENGTH, (long) body.length);
    }
}
