// Compatibility oracle for MirrorMaker 2's checkpoints: Kafka's own RemoteClusterUtils.translateOffsets (the client
// API a consumer uses to fail over) reads a checkpoints topic and prints what it translates.
//
// Run: java -cp "<connect-mirror-client classpath>" MirrorClientOracle.java <bootstrap> <source alias> <group>
// Output: one line per partition, sorted: <topic> <partition> <offset> <metadata as hex>

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;

public class MirrorClientOracle {
    public static void main(String[] args) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", args[0]);
        Map<TopicPartition, OffsetAndMetadata> translated =
            RemoteClusterUtils.translateOffsets(props, args[1], args[2], Duration.ofSeconds(30));
        TreeMap<String, String> lines = new TreeMap<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : translated.entrySet()) {
            StringBuilder hex = new StringBuilder();
            for (byte b : entry.getValue().metadata().getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                hex.append(String.format("%02x", b));
            }
            String key = entry.getKey().topic() + " " + entry.getKey().partition();
            lines.put(key, key + " " + entry.getValue().offset() + " " + (hex.length() == 0 ? "-" : hex.toString()));
        }
        for (String line : lines.values()) {
            System.out.println(line);
        }
    }
}
