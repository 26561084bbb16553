// Compatibility oracle for runtime/client_overrides.py: Kafka's ConnectorClientConfigOverridePolicy classes (All,
// None, Principal, Allowlist of KIP-1188) configured with an allowlist and asked about one client key.
//
// Run: java -cp <compat classpath> OverridePolicyOracle.java < cases
// Input lines:  <policy alias>\t<allowlist>\t<client key>
// Output: one line per input line: "ok", "refused <base64 message>", or "configure <base64 exception message>".

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigRequest;
import org.apache.kafka.connect.health.ConnectorType;

public class OverridePolicyOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder out = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] parts = line.split("\t", -1);
            ConnectorClientConfigOverridePolicy policy = (ConnectorClientConfigOverridePolicy) Class.forName(
                "org.apache.kafka.connect.connector.policy." + parts[0] + "ConnectorClientConfigOverridePolicy")
                .getDeclaredConstructor().newInstance();
            try {
                policy.configure(Map.of("connector.client.config.override.allowlist", parts[1]));
            } catch (Exception e) {
                out.append("configure ").append(b64.encodeToString(e.getMessage().getBytes(StandardCharsets.UTF_8)))
                   .append('\n');
                continue;
            }
            List<ConfigValue> values = policy.validate(new ConnectorClientConfigRequest("c", ConnectorType.SOURCE,
                null, Map.of(parts[2], "v"), ConnectorClientConfigRequest.ClientType.PRODUCER));
            List<String> errors = values.get(0).errorMessages();
            out.append(errors.isEmpty() ? "ok" : "refused " + b64.encodeToString(
                String.join("\n", errors).getBytes(StandardCharsets.UTF_8))).append('\n');
        }
        System.out.print(out);
    }
}
