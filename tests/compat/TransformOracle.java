// Compatibility oracle for SMTs, predicates and Kafka's primitive converters: runs each JSON-line case on stdin
// through the real Apache Kafka classes and prints one JSON line per case on stdout.
//
// Run: java -cp "$(cat classpath.txt)" TransformOracle.java < cases.jsonl
//
// An "smt" case is {"id", "kind":"smt", "record":{...}, "props":{...}}. The record's key, value and header values
// are JsonConverter envelopes ({"schema":..,"payload":..}, schemas.enable=true) or null (a Kafka null). The props
// use the connector syntax (transforms=, transforms.<a>.type, .predicate, .negate, predicates=); the chain is built
// and applied the way ConnectorConfig.transformationStages / TransformationStage / TransformationChain do.
// Output: {"id", "record":{topic, partition, timestamp, key, value, headers}} | {"id", "dropped":true}
//       | {"id", "error":{"stage":"config"|"apply", "class", "message"}}.
//
// A "conv" case is {"id", "kind":"conv", "class", "config", "isKey", "op":"write"|"read"|"hwrite"|"hread",
// "data"}: write/hwrite build (schema, value) from the envelope in data and print {"id","bytes":b64|null};
// read/hread decode data (b64 or null) and print {"id","read":envelope|null}. Failures print "error".
// The Python side is test_transforms_compat.py.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

public class TransformOracle {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonConverter JSON = new JsonConverter();

    static {
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("schemas.enable", "true");
        cfg.put("replace.null.with.default", "false");
        cfg.put("converter.type", "header");
        JSON.configure(cfg);
    }

    /** One step of the chain: transformation, optional predicate, negate (TransformationStage). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    record Stage(Transformation transformation, Predicate predicate,
                 boolean negate) {
        ConnectRecord apply(ConnectRecord record) {
            if (predicate != null && !(negate ^ predicate.test(record))) {
                return record;
            }
            return transformation.apply(record);
        }
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            JsonNode c = MAPPER.readTree(line);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("id", c.get("id").asText());
            if ("conv".equals(c.get("kind").asText())) {
                runConverter(c, result);
            } else {
                runSmt(c, result);
            }
            out.println(MAPPER.writeValueAsString(result));
        }
        out.flush();
    }

    // -- SMT cases ---------------------------------------------------------------------------------
    static void runSmt(JsonNode c, Map<String, Object> result) {
        Map<String, String> props = new LinkedHashMap<>();
        c.get("props").fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
        List<Stage> stages;
        try {
            stages = stages(props);
        } catch (Throwable t) {
            result.put("error", error("config", t));
            return;
        }
        ConnectRecord record;
        try {
            record = record(c.get("record"));
        } catch (Throwable t) {
            result.put("error", error("record", t));
            return;
        }
        try {
            for (Stage stage : stages) {
                record = stage.apply(record);
                if (record == null) break;
            }
        } catch (Throwable t) {
            result.put("error", error("apply", t));
            return;
        }
        if (record == null) {
            result.put("dropped", true);
            return;
        }
        try {
            result.put("record", describe(record));
        } catch (Throwable t) {
            result.put("error", error("serialize", t));
        }
    }

    static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        if (value == null || value.isBlank()) return out;
        for (String s : value.split(",")) {
            if (!s.trim().isEmpty()) out.add(s.trim());
        }
        return out;
    }

    static Map<String, Object> withPrefix(Map<String, String> props, String prefix) {
        Map<String, Object> out = new LinkedHashMap<>();
        props.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    /** Load a plugin by class name or simple alias; unknown names fail like ConfigDef's CLASS type does. */
    static Object instantiate(String key, String name, String pkg) throws Exception {
        Class<?> cls;
        try {
            cls = Class.forName(name);
        } catch (ClassNotFoundException e) {
            try {
                cls = Class.forName(pkg + name);
            } catch (ClassNotFoundException e2) {
                throw new ConfigException(key, name, "Class " + name + " could not be found.");
            }
        }
        return cls.getDeclaredConstructor().newInstance();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static List<Stage> stages(Map<String, String> props) throws Exception {
        List<Stage> stages = new ArrayList<>();
        for (String alias : list(props.get("transforms"))) {
            String prefix = "transforms." + alias + ".";
            Transformation t = (Transformation)
                instantiate(prefix + "type", props.get(prefix + "type"), "org.apache.kafka.connect.transforms.");
            Map<String, Object> configs = withPrefix(props, prefix);
            Object predicateAlias = configs.remove("predicate");
            Object negate = configs.remove("negate");
            t.configure(configs);
            Predicate predicate = null;
            if (predicateAlias != null) {
                String predicatePrefix = "predicates." + predicateAlias + ".";
                predicate = (Predicate) instantiate(predicatePrefix + "type", props.get(predicatePrefix + "type"),
                    "org.apache.kafka.connect.transforms.predicates.");
                predicate.configure(withPrefix(props, predicatePrefix));
            }
            stages.add(new Stage(t, predicate, negate != null && Boolean.parseBoolean(negate.toString())));
        }
        return stages;
    }

    static SchemaAndValue envelope(JsonNode node) {
        if (node == null || node.isNull()) return JSON.toConnectData("t", null);
        return JSON.toConnectData("t", node.asText().getBytes(StandardCharsets.UTF_8));
    }

    static ConnectRecord record(JsonNode r) {
        String topic = r.get("topic").asText();
        Integer partition = r.get("partition").isNull() ? null : r.get("partition").asInt();
        Long timestamp = r.get("timestamp").isNull() ? null : r.get("timestamp").asLong();
        SchemaAndValue key = envelope(r.get("key"));
        SchemaAndValue value = envelope(r.get("value"));
        ConnectHeaders headers = new ConnectHeaders();
        for (JsonNode h : r.get("headers")) {
            SchemaAndValue hv = h.get(1).isNull() ? SchemaAndValue.NULL
                : JSON.toConnectHeader("t", h.get(0).asText(), h.get(1).asText().getBytes(StandardCharsets.UTF_8));
            headers.add(h.get(0).asText(), hv);
        }
        if ("source".equals(r.get("type").asText())) {
            return new SourceRecord(Map.of("p", 1), Map.of("o", 1), topic, partition, key.schema(), key.value(),
                value.schema(), value.value(), timestamp, headers);
        }
        return new SinkRecord(topic, partition, key.schema(), key.value(), value.schema(), value.value(),
            r.get("offset").asLong(), timestamp, TimestampType.CREATE_TIME, headers);
    }

    static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static Map<String, Object> describe(ConnectRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", record.topic());
        out.put("partition", record.kafkaPartition());
        out.put("timestamp", record.timestamp());
        out.put("key", text(JSON.fromConnectData(record.topic(), record.keySchema(), record.key())));
        out.put("value", text(JSON.fromConnectData(record.topic(), record.valueSchema(), record.value())));
        List<List<String>> headers = new ArrayList<>();
        for (Header h : record.headers()) {
            headers.add(java.util.Arrays.asList(
                h.key(), text(JSON.fromConnectHeader(record.topic(), h.key(), h.schema(), h.value()))));
        }
        out.put("headers", headers);
        return out;
    }

    static Map<String, Object> error(String stage, Throwable t) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("stage", stage);
        e.put("class", t.getClass().getSimpleName());
        e.put("message", t.getMessage());
        return e;
    }

    // -- converter cases ---------------------------------------------------------------------------
    static void runConverter(JsonNode c, Map<String, Object> result) {
        try {
            Object conv = Class.forName(c.get("class").asText()).getDeclaredConstructor().newInstance();
            Map<String, Object> config = new HashMap<>();
            c.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            String op = c.get("op").asText();
            JsonNode data = c.get("data");
            boolean header = op.startsWith("h");
            if (header) {
                ((HeaderConverter) conv).configure(config);
            } else {
                ((Converter) conv).configure(config, c.get("isKey").asBoolean());
            }
            if (op.endsWith("write")) {
                SchemaAndValue sv = envelope(data);
                byte[] bytes = header
                    ? ((HeaderConverter) conv).fromConnectHeader("t", "h", sv.schema(), sv.value())
                    : ((Converter) conv).fromConnectData("t", sv.schema(), sv.value());
                result.put("bytes", bytes == null ? null : Base64.getEncoder().encodeToString(bytes));
            } else {
                byte[] bytes = data.isNull() ? null : Base64.getDecoder().decode(data.asText());
                SchemaAndValue sv = header
                    ? ((HeaderConverter) conv).toConnectHeader("t", "h", bytes)
                    : ((Converter) conv).toConnectData("t", bytes);
                result.put("read", text(JSON.fromConnectData("t", sv.schema(), sv.value())));
            }
        } catch (Throwable t) {
            result.put("error", error("convert", t));
        }
    }
}
