// Compatibility oracle for the Java text formats of connect_core/api/java_text.py: reads one case per line on
// stdin and prints what the JDK and Jackson (the version Kafka's connect-json ships) write for it.
//
// Run: java -cp "$(cat classpath.txt)" JavaTextOracle.java < cases
// Input lines:  D <hex of the double's bits>   ->  Double.toString(d)
//               F <hex of the double's bits>   ->  <hex of Float.floatToRawIntBits((float) d)> Float.toString((float) d)
//               S <base64 of UTF-8 text>       ->  base64 of Jackson's JSON string for the text
//               C <charset> <base64 of bytes>  ->  Kafka's StringConverter.toConnectData: the string's UTF-16 code
//                                                  units, 4 hex digits each (one replaced character is fffd)
//               E <charset> <hex UTF-16 units> ->  base64 of Kafka's StringConverter.fromConnectData of that string
//               J <0|1> <base64 of JSON bytes> ->  base64 of String.valueOf(value) of Kafka's JsonConverter
//                                                  (schemas.enable 0/1) reading the bytes: what FileStreamSinkTask
//                                                  prints (run with -Duser.timezone=UTC, a Lambda function's zone)
// Output: one line per input line, in order.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.StringConverter;

public class JavaTextOracle {
    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, StringConverter> converters = new HashMap<>();
        JsonConverter[] jsonConverters = new JsonConverter[2];
        for (int i = 0; i < 2; i++) {
            jsonConverters[i] = new JsonConverter();
            jsonConverters[i].configure(Map.of("schemas.enable", i == 1 ? "true" : "false"), false);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String arg = line.substring(2);
            switch (line.charAt(0)) {
                case 'D':
                    out.append(Double.toString(Double.longBitsToDouble(Long.parseUnsignedLong(arg, 16))));
                    break;
                case 'F':
                    float f = (float) Double.longBitsToDouble(Long.parseUnsignedLong(arg, 16));
                    out.append(String.format("%08x", Float.floatToRawIntBits(f))).append(' ').append(Float.toString(f));
                    break;
                case 'S':
                    String text = new String(Base64.getDecoder().decode(arg), StandardCharsets.UTF_8);
                    byte[] json = mapper.writeValueAsBytes(text); // UTF-8 generator, as JsonSerializer uses
                    out.append(Base64.getEncoder().encodeToString(json));
                    break;
                case 'C': {
                    String[] parts = arg.split(" ", 2);
                    byte[] data = Base64.getDecoder().decode(parts.length > 1 ? parts[1] : "");
                    String decoded = (String) converter(converters, parts[0]).toConnectData("t", data).value();
                    for (int i = 0; i < decoded.length(); i++) {
                        out.append(String.format("%04x", (int) decoded.charAt(i)));
                    }
                    break;
                }
                case 'E': {
                    String[] parts = arg.split(" ", 2);
                    String units = parts.length > 1 ? parts[1] : "";
                    StringBuilder chars = new StringBuilder();
                    for (int i = 0; i + 4 <= units.length(); i += 4) {
                        chars.append((char) Integer.parseInt(units.substring(i, i + 4), 16));
                    }
                    byte[] bytes = converter(converters, parts[0]).fromConnectData("t", null, chars.toString());
                    out.append(Base64.getEncoder().encodeToString(bytes));
                    break;
                }
                case 'J': {
                    byte[] jsonBytes = Base64.getDecoder().decode(arg.substring(2));
                    Object value = jsonConverters[arg.charAt(0) - '0'].toConnectData("t", jsonBytes).value();
                    out.append(Base64.getEncoder().encodeToString(
                            String.valueOf(value).getBytes(StandardCharsets.UTF_8)));
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown case kind: " + line);
            }
            out.append('\n');
        }
        System.out.print(out);
    }

    private static StringConverter converter(Map<String, StringConverter> converters, String charset) {
        return converters.computeIfAbsent(charset, name -> {
            StringConverter converter = new StringConverter();
            converter.configure(Map.of("converter.encoding", name), false);
            return converter;
        });
    }
}
