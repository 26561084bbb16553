// Compatibility oracle for connect_core's Java properties reader: what java.util.Properties.load(InputStream) makes
// of a file (ISO-8859-1, as Kafka's Utils.loadProps reads worker and connector files). JDK only.
//
// Run: java PropertiesOracle.java < cases
// Input lines:  <base64 of the file's bytes>
// Output: one line per input line: "ok" then " <base64 UTF-8 key>:<base64 UTF-8 value>" per entry, keys sorted;
//         or "error <exception class>" when load throws.

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;
import java.util.TreeSet;

public class PropertiesOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder out = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            Properties props = new Properties();
            try {
                props.load(new ByteArrayInputStream(Base64.getDecoder().decode(line)));
            } catch (Exception e) {
                out.append("error ").append(e.getClass().getName()).append('\n');
                continue;
            }
            out.append("ok");
            for (String key : new TreeSet<>(props.stringPropertyNames())) {
                out.append(' ').append(b64.encodeToString(key.getBytes(StandardCharsets.UTF_8))).append(':')
                   .append(b64.encodeToString(props.getProperty(key).getBytes(StandardCharsets.UTF_8)));
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
