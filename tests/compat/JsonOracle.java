// Compatibility oracle: prints what the real Apache Kafka converters produce for a fixed list of named cases.
//
// Run: java -cp "$(cat classpath.txt)" JsonOracle.java
// Output lines (tab separated; payloads base64 so that any byte survives):
//   W <case> <mode> NULL | B64:<bytes> | ERR:<message b64>   Kafka's fromConnectData / fromConnectHeader
//   R <id> <mode> <description b64> | ERR:<message b64>       Kafka's toConnectData of the input bytes
//   I <id> <mode> B64:<bytes>                                 the input of an R line that is not a W output
// schema.content (KIP-1054, Kafka 4.2+): mode "content:<schema id>:<mode>", ids "content:<input id>"; a converter
// whose configure() fails prints one R line with id "content-configure".
// The Python side (test_json_converter_compat.py) builds the same cases by name.

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

public class JsonOracle {
    static final Base64.Encoder B64 = Base64.getEncoder();
    static final Map<String, Object[]> CASES = new LinkedHashMap<>();
    static final Map<String, Map<String, Object>> MODES = new LinkedHashMap<>();

    static void c(String name, Schema schema, Object value) {
        CASES.put(name, new Object[] {schema, value});
    }

    static Map<String, Object> cfg(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static <K, V> Map<K, V> map(Object... kv) {
        Map<K, V> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            @SuppressWarnings("unchecked") K k = (K) kv[i];
            @SuppressWarnings("unchecked") V v = (V) kv[i + 1];
            m.put(k, v);
        }
        return m;
    }

    static long utcMillis(int y, int mo, int d, int h, int mi, int s, int ms) {
        return java.time.LocalDateTime.of(y, mo, d, h, mi, s, ms * 1_000_000)
            .toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
    }

    static void defineCases() {
        // primitives
        c("int8", Schema.INT8_SCHEMA, (byte) 12);
        c("int8_min", Schema.INT8_SCHEMA, (byte) -128);
        c("int16", Schema.INT16_SCHEMA, (short) -1234);
        c("int32", Schema.INT32_SCHEMA, 123456789);
        c("int64", Schema.INT64_SCHEMA, 9007199254740993L);
        c("int64_min", Schema.INT64_SCHEMA, Long.MIN_VALUE);
        c("bool_true", Schema.BOOLEAN_SCHEMA, true);
        c("bool_false", Schema.BOOLEAN_SCHEMA, false);
        c("string", Schema.STRING_SCHEMA, "hello");
        c("string_escapes", Schema.STRING_SCHEMA, "q\"b\\s/n\nt\tr\rb\bf\fc\u0001\u001fd\u007fé€😀\u2028<>&'");
        c("string_empty", Schema.STRING_SCHEMA, "");
        c("bytes", Schema.BYTES_SCHEMA, new byte[] {0, 1, 2, (byte) 0xfe, (byte) 0xff});
        c("bytes_empty", Schema.BYTES_SCHEMA, new byte[0]);
        c("bytes_buffer", Schema.BYTES_SCHEMA, ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8)));
        // doubles
        double[] doubles = {0.0, -0.0, 1.0, -1.5, 0.1, 1e10, 1e-5, 0.001, 1e-3 * 0.999, 1234567.0, 1e7, 9999999.0,
            123456789.0, 1e16, 1e21, 1e22, 1e23, 2e-3, 5e-324, Double.MAX_VALUE, Double.MIN_NORMAL, 3.141592653589793,
            100.0, 1.0E-7, 4.35, 0.3, 2.0 / 3.0, 1e300, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int i = 0; i < doubles.length; i++) c("float64_" + i, Schema.FLOAT64_SCHEMA, doubles[i]);
        float[] floats = {0.0f, -0.0f, 1.0f, 0.1f, 1.5f, 1e10f, 1e-5f, 3.4028235E38f, 1.4E-45f, 16777217f, 0.3f,
            1234567.0f, 1e7f, 2.0f / 3.0f, 100.25f, Float.NaN, Float.POSITIVE_INFINITY};
        for (int i = 0; i < floats.length; i++) c("float32_" + i, Schema.FLOAT32_SCHEMA, floats[i]);
        // optional, defaults, metadata
        c("opt_string_null", Schema.OPTIONAL_STRING_SCHEMA, null);
        c("opt_int32_value", Schema.OPTIONAL_INT32_SCHEMA, 7);
        c("req_string_null", Schema.STRING_SCHEMA, null);
        c("req_default_null", SchemaBuilder.int32().defaultValue(42).build(), null);
        c("opt_default_null", SchemaBuilder.string().optional().defaultValue("dflt").build(), null);
        c("metadata", SchemaBuilder.int32().name("com.acme.Id").version(3).doc("the id").parameter("a", "1")
            .parameter("b", "x\"y").optional().defaultValue(5).build(), 9);
        c("bytes_default", SchemaBuilder.bytes().defaultValue(new byte[] {9, 8}).build(), new byte[] {1});
        // arrays and maps
        c("array_int32", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), Arrays.asList(1, 2, 3));
        c("array_empty", SchemaBuilder.array(Schema.STRING_SCHEMA).build(), new ArrayList<>());
        c("array_opt_elems", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build(),
            Arrays.asList("a", null, "c"));
        c("array_default", SchemaBuilder.array(Schema.INT32_SCHEMA).defaultValue(Arrays.asList(1, 2)).build(),
            Arrays.asList(3));
        c("map_string_keys", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build(),
            map("a", 1L, "b", 2L));
        c("map_int_keys", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build(), map(1, "one", 2, "two"));
        c("map_empty_string_keys", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), map());
        c("map_empty_int_keys", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.INT32_SCHEMA).build(), map());
        c("map_opt_values", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_FLOAT64_SCHEMA).build(),
            map("x", null, "y", 1.5));
        // structs
        Schema address = SchemaBuilder.struct().name("com.acme.Address").field("street", Schema.STRING_SCHEMA)
            .field("zip", Schema.OPTIONAL_INT32_SCHEMA).build();
        Schema user = SchemaBuilder.struct().name("com.acme.User").version(1).doc("a user")
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("score", SchemaBuilder.float64().defaultValue(1.5).build())
            .field("address", address)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).optional().build())
            .build();
        Struct addr = new Struct(address).put("street", "Main St");
        c("struct_nested", user, new Struct(user).put("id", 1).put("name", "Ann").put("score", 2.5)
            .put("address", addr).put("tags", Arrays.asList("a", "b")).put("attrs", map("k", "v")));
        c("struct_unset_fields", user, new Struct(user).put("id", 2).put("address", addr)
            .put("tags", new ArrayList<>()));
        Schema simple = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).optional().build();
        c("struct_optional_null", simple, null);
        c("array_of_structs", SchemaBuilder.array(simple).build(),
            Arrays.asList(new Struct(simple).put("a", 1), null));
        // logical types
        Schema dec2 = Decimal.schema(2);
        c("decimal", dec2, new BigDecimal("12.34"));
        c("decimal_negative", dec2, new BigDecimal("-0.01"));
        c("decimal_zero", dec2, new BigDecimal("0.00"));
        c("decimal_big", Decimal.schema(3), new BigDecimal("123456789012345678901234567890.123"));
        c("decimal_128", Decimal.schema(0), new BigDecimal("128"));
        c("decimal_small", Decimal.schema(7), new BigDecimal("0.0000001"));
        c("decimal_neg_scale", Decimal.schema(-2), new BigDecimal(new BigInteger("12"), -2));
        c("decimal_scale10", Decimal.schema(10), new BigDecimal("1.0000000000"));
        c("decimal_opt_null", Decimal.builder(2).optional().build(), null);
        c("decimal_default", Decimal.builder(2).defaultValue(new BigDecimal("1.50")).build(), new BigDecimal("2.25"));
        c("date", Date.SCHEMA, new java.util.Date(utcMillis(2024, 2, 29, 0, 0, 0, 0)));
        c("date_before_epoch", Date.SCHEMA, new java.util.Date(utcMillis(1969, 7, 20, 0, 0, 0, 0)));
        c("time", Time.SCHEMA, new java.util.Date(utcMillis(1970, 1, 1, 13, 45, 30, 123)));
        c("timestamp", Timestamp.SCHEMA, new java.util.Date(utcMillis(2024, 1, 2, 3, 4, 5, 678)));
        c("timestamp_before_epoch", Timestamp.SCHEMA, new java.util.Date(utcMillis(1960, 5, 6, 7, 8, 9, 10)));
        c("timestamp_opt_default", Timestamp.builder().optional()
            .defaultValue(new java.util.Date(86400000L)).build(), null);
        Schema logicalStruct = SchemaBuilder.struct().name("Row")
            .field("d", Date.builder().optional().build())
            .field("t", Time.SCHEMA)
            .field("ts", Timestamp.SCHEMA)
            .field("amount", Decimal.builder(4).optional().build())
            .build();
        c("struct_logical", logicalStruct, new Struct(logicalStruct)
            .put("d", new java.util.Date(utcMillis(2000, 1, 1, 0, 0, 0, 0)))
            .put("t", new java.util.Date(1000L))
            .put("ts", new java.util.Date(1700000000123L))
            .put("amount", new BigDecimal("10.2345")));
        // schemaless
        c("null_null", null, null);
        c("schemaless_int", null, 5);
        c("schemaless_long", null, 5L);
        c("schemaless_double", null, 2.5);
        c("schemaless_string", null, "s");
        c("schemaless_bool", null, true);
        c("schemaless_bytes", null, new byte[] {1, 2, 3});
        c("schemaless_list", null, Arrays.asList(1, "two", null, 3.0, false));
        c("schemaless_map", null, map("b", 1, "a", Arrays.asList(1, 2), "c", map("x", null)));
        c("schemaless_map_int_keys", null, map(1, "a", 2, "b"));
        c("schemaless_map_mixed_keys", null, map("a", 1, 2, 3));
        c("schemaless_decimal", null, new BigDecimal("1.5"));
        c("schemaless_date", null, new java.util.Date(0L));
        // schemaless edge cases of the orjson fast path (jackson_json.py): doubles, escapes, bytes, nesting, order
        c("schemaless_doubles", null, Arrays.asList(0.0, -0.0, 1e10, 1e-5, 0.001, 9.99e-4, 1e7, 9999999.0,
            123456789.0, 1e16, 1e21, 5e-324, Double.MAX_VALUE, Double.MIN_NORMAL, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, 0.1, 2.0 / 3.0, -1234.5, 1.0E-7, 9007199254740993.0));
        c("schemaless_map_doubles", null, map("nan", Double.NaN, "big", 1e10, "small", -1e-5, "plain", 2.5,
            "zero", -0.0, "inf", Double.NEGATIVE_INFINITY));
        c("schemaless_strings", null, map("q\"b\\/", "c\u0001\u001f\u007fd", "\u00e9\u20ac\ud83d\ude00\u2028",
            Arrays.asList("\\u00ab", "x\\\u0001", "\b\f\n\r\t", "\ud834\udd1e\ud83c\udde9\ud83c\uddea", "",
                "\u0000", "<>&'")));
        c("schemaless_escaped_keys", null, map("k\u0001", 1, "\ud83d\ude80", 2, "\"\\", 3, "\u00fc", 4));
        c("schemaless_nested", null, map("a", map("b", Arrays.asList(map("c", new byte[] {0, (byte) 0xff}),
            Arrays.asList(), map())), "big", Long.MAX_VALUE, "min", Long.MIN_VALUE, "t", true, "n", null,
            "deep", Arrays.asList(Arrays.asList(Arrays.asList(1e10, "\u001f")))));
        c("schemaless_key_order", null, map("z", 1, "a", 2, "m", 3, "b", map("y", 1, "x", 2)));
        c("schemaless_bytes_list", null, Arrays.asList(new byte[] {}, new byte[] {1, 2, 3, 4},
            ByteBuffer.wrap(new byte[] {5, 6}), new byte[] {(byte) 0xfb, (byte) 0xff}));
        c("schemaless_int_keys_nested", null, map("outer", map(1, 1e10, 2, "x\u0001")));
        c("schemaless_list_of_maps", null, Arrays.asList(map("id", 1L, "score", 0.25, "note", null),
            map("id", 2L, "score", 1.5e9, "note", "\ud83d\ude00")));
    }

    static void defineModes() {
        MODES.put("env", cfg("schemas.enable", "true"));
        MODES.put("raw", cfg("schemas.enable", "false"));
        MODES.put("envnum", cfg("schemas.enable", "true", "decimal.format", "NUMERIC"));
        MODES.put("rawnum", cfg("schemas.enable", "false", "decimal.format", "numeric"));
        MODES.put("envkeepnull", cfg("schemas.enable", "true", "replace.null.with.default", "false"));
        MODES.put("rawkeepnull", cfg("schemas.enable", "false", "replace.null.with.default", "false"));
    }

    static final String[][] READS = {
        {"schemaless_int", "1"},
        {"schemaless_negative", "-7"},
        {"schemaless_big_int", "12345678901234567890"},
        {"schemaless_float", "1.5"},
        {"schemaless_exp", "1e3"},
        {"schemaless_many_digits", "0.1000000000000000055511151231257827"},
        {"schemaless_string", "\"x\\u00e9\""},
        {"schemaless_null", "null"},
        {"schemaless_bool", "true"},
        {"schemaless_object", "{\"a\":[1,\"x\",null,true,2.5],\"b\":{\"c\":{}}}"},
        {"schemaless_array", "[1,[2],{\"k\":\"v\"}]"},
        {"whitespace", " { \"schema\" : null , \"payload\" : 3 } "},
        {"env_schema_null", "{\"schema\":null,\"payload\":{\"a\":1}}"},
        {"env_missing_payload", "{\"schema\":null}"},
        {"env_missing_schema", "{\"payload\":1}"},
        {"env_extra_field", "{\"schema\":null,\"payload\":1,\"x\":2}"},
        {"env_not_object", "[1,2]"},
        {"env_scalar", "5"},
        {"invalid_json", "{\"schema\":"},
        {"type_mismatch", "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":\"x\"}"},
        {"int_into_float", "{\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":1}"},
        {"float_into_int", "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":1.7}"},
        {"unknown_type", "{\"schema\":{\"type\":\"nope\",\"optional\":false},\"payload\":1}"},
        {"no_type", "{\"schema\":{\"optional\":false},\"payload\":1}"},
        {"optional_missing", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"a\"}]},\"payload\":{\"a\":1}}"},
        {"struct_missing_field", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,\"field\":\"a\"}],\"optional\":false},\"payload\":{}}"},
        {"required_null_default", "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"default\":5},\"payload\":null}"},
        {"required_null_no_default", "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":null}"},
        {"decimal_numeric_in", "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":12.3}"},
        {"decimal_base64_in", "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":\"BNI=\"}"},
        {"map_pairs_in", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int64\",\"optional\":false},\"values\":{\"type\":\"boolean\",\"optional\":true},\"optional\":false},\"payload\":[[1,true],[2,null]]}"},
        {"params_non_string", "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"parameters\":{\"a\":1}},\"payload\":1}"},
        {"optional_string_true", "{\"schema\":{\"type\":\"int32\",\"optional\":\"true\"},\"payload\":null}"},
        {"bytes_bad_base64", "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":\"***\"}"},
    };

    // KIP-1054: the converter's schema.content (ids shared with test_json_converter_compat.py CONTENT_SCHEMAS)
    static final String[][] CONTENT_SCHEMAS = {
        {"row", "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},{\"type\":\"int64\",\"optional\":true,\"default\":7,\"field\":\"n\"}],\"optional\":false,\"name\":\"com.acme.Row\"}"},
        {"int32", "{\"type\":\"int32\",\"optional\":false}"},
        {"opt_default", "{\"type\":\"string\",\"optional\":true,\"default\":\"dflt\"}"},
        {"decimal", "{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}}"},
        {"spaced", " { \"type\" : \"string\" } "},
        {"null", "null"},
        {"empty", ""},
        {"blank", " "},
        {"bad_json", "{\"type\":"},
        {"bad_type", "{\"type\":\"nope\"}"},
        {"no_type", "{\"optional\":true}"},
        {"not_object", "[1]"},
        {"bad_default", "{\"type\":\"int32\",\"default\":\"x\"}"},
    };
    static final String[][] CONTENT_INPUTS = {
        {"row", "{\"id\":1,\"name\":\"a\"}"},
        {"row_nulls", "{\"id\":2,\"name\":null,\"n\":null}"},
        {"row_extra", "{\"id\":3,\"zzz\":true}"},
        {"envelope", "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":5}"},
        {"int", "5"},
        {"float", "5.25"},
        {"null", "null"},
        {"string", "\"s\""},
        {"b64", "\"BNI=\""},
        {"bad", "{"},
    };
    static final String[] CONTENT_MODES = {"env", "raw", "envkeepnull"};

    static void contentCases(JsonConverter schemaWriter) {
        for (String[] s : CONTENT_SCHEMAS) {
            for (String m : CONTENT_MODES) {
                String mode = "content:" + s[0] + ":" + m;
                Map<String, Object> conf = new HashMap<>(MODES.get(m));
                conf.put("schema.content", s[1]);
                JsonConverter reader = new JsonConverter();
                try {
                    reader.configure(conf, false);
                } catch (Throwable t) {
                    System.out.println("R\tcontent-configure\t" + mode + "\t" + err(t));
                    continue;
                }
                for (String[] in : CONTENT_INPUTS) {
                    byte[] input = in[1].getBytes(StandardCharsets.UTF_8);
                    System.out.println("I\tcontent:" + in[0] + "\t" + mode + "\tB64:" + b64(input));
                    read(reader, schemaWriter, "content:" + in[0], mode, input);
                }
                read(reader, schemaWriter, "content:null_bytes", mode, null);
            }
        }
    }

    static String b64(byte[] b) {
        return B64.encodeToString(b);
    }

    static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String err(Throwable t) {
        return "ERR:" + b64(t.getClass().getSimpleName() + ": " + t.getMessage());
    }

    static String valDesc(Object v) {
        if (v == null) return "null";
        if (v instanceof Struct) {
            Struct s = (Struct) v;
            StringBuilder sb = new StringBuilder("struct{");
            for (Field f : s.schema().fields()) {
                if (f.index() > 0) sb.append(",");
                sb.append(f.name()).append("=").append(valDesc(s.getWithoutDefault(f.name())));
            }
            return sb.append("}").toString();
        }
        if (v instanceof List) {
            StringBuilder sb = new StringBuilder("[");
            boolean first = true;
            for (Object o : (List<?>) v) {
                if (!first) sb.append(",");
                first = false;
                sb.append(valDesc(o));
            }
            return sb.append("]").toString();
        }
        if (v instanceof Map) {
            TreeMap<String, String> sorted = new TreeMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) sorted.put(valDesc(e.getKey()), valDesc(e.getValue()));
            StringBuilder sb = new StringBuilder("map{");
            boolean first = true;
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                if (!first) sb.append(",");
                first = false;
                sb.append(e.getKey()).append("=").append(e.getValue());
            }
            return sb.append("}").toString();
        }
        if (v instanceof byte[]) return "bytes:" + b64((byte[]) v);
        if (v instanceof ByteBuffer) {
            ByteBuffer bb = ((ByteBuffer) v).duplicate();
            byte[] b = new byte[bb.remaining()];
            bb.get(b);
            return "bytes:" + b64(b);
        }
        if (v instanceof BigDecimal) {
            BigDecimal d = (BigDecimal) v;
            return "dec:" + d.unscaledValue() + "e" + (-d.scale());
        }
        if (v instanceof java.util.Date) return "date:" + ((java.util.Date) v).getTime();
        if (v instanceof Byte) return "i8:" + v;
        if (v instanceof Short) return "i16:" + v;
        if (v instanceof Integer) return "i32:" + v;
        if (v instanceof Long) return "i64:" + v;
        if (v instanceof Float) return "f32:" + v;
        if (v instanceof Double) return "f64:" + v;
        if (v instanceof Boolean) return "bool:" + v;
        if (v instanceof String) return "str:" + b64((String) v);
        return "obj:" + v.getClass().getName() + ":" + v;
    }

    static void read(JsonConverter reader, JsonConverter schemaWriter, String id, String mode, byte[] input) {
        try {
            SchemaAndValue sv = reader.toConnectData("topic", input);
            String schema = sv.schema() == null ? "null" : schemaWriter.asJsonSchema(sv.schema()).toString();
            System.out.println("R\t" + id + "\t" + mode + "\t" + b64(schema + " => " + valDesc(sv.value())));
        } catch (Throwable t) {
            System.out.println("R\t" + id + "\t" + mode + "\t" + err(t));
        }
    }

    public static void main(String[] args) {
        defineCases();
        defineModes();
        JsonConverter schemaWriter = new JsonConverter();
        schemaWriter.configure(cfg("schemas.enable", "true"), false);
        for (Map.Entry<String, Map<String, Object>> mode : MODES.entrySet()) {
            JsonConverter conv = new JsonConverter();
            conv.configure(mode.getValue(), false);
            JsonConverter reader = new JsonConverter();
            reader.configure(mode.getValue(), false);
            for (Map.Entry<String, Object[]> e : CASES.entrySet()) {
                String line = "W\t" + e.getKey() + "\t" + mode.getKey() + "\t";
                byte[] out = null;
                try {
                    out = conv.fromConnectData("topic", (Schema) e.getValue()[0], e.getValue()[1]);
                    System.out.println(line + (out == null ? "NULL" : "B64:" + b64(out)));
                } catch (Throwable t) {
                    System.out.println(line + err(t));
                }
                if (out != null) read(reader, schemaWriter, e.getKey(), mode.getKey(), out);
            }
            for (String[] r : READS) {
                byte[] input = r[1].getBytes(StandardCharsets.UTF_8);
                System.out.println("I\t" + r[0] + "\t" + mode.getKey() + "\tB64:" + b64(input));
                read(reader, schemaWriter, r[0], mode.getKey(), input);
            }
            read(reader, schemaWriter, "null_bytes", mode.getKey(), null);
        }
        contentCases(schemaWriter);
        SimpleHeaderConverter hc = new SimpleHeaderConverter();
        hc.configure(new HashMap<>());
        for (Map.Entry<String, Object[]> e : CASES.entrySet()) {
            String line = "W\t" + e.getKey() + "\thdr\t";
            try {
                byte[] out = hc.fromConnectHeader("topic", "h", (Schema) e.getValue()[0], e.getValue()[1]);
                System.out.println(line + (out == null ? "NULL" : "B64:" + b64(out)));
            } catch (Throwable t) {
                System.out.println(line + err(t));
            }
        }
        String[] headerInputs = {"", "true", "FALSE", "null", "0", "127", "128", "-129", "32768", "2147483648",
            "9223372036854775808", "1.5", "0.1", "1e3", "1.0", "3.4028235E39", "12.340", "abc", "  12  ", "a b",
            "[1,2,3]", "[1,\"a\"]", "{\"a\":1,\"b\":2}", "{\"a\":1", "2024-02-29", "13:45:30.123Z",
            "2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05Z", "\"quoted\"", "[]", "{}", "-0", "+5", "1,2"};
        for (String in : headerInputs) {
            byte[] input = in.getBytes(StandardCharsets.UTF_8);
            String id = "h:" + b64(in);
            System.out.println("I\t" + id + "\thdr\tB64:" + b64(input));
            try {
                SchemaAndValue sv = hc.toConnectHeader("topic", "h", input);
                String schema = sv.schema() == null ? "null" : schemaWriter.asJsonSchema(sv.schema()).toString();
                System.out.println("R\t" + id + "\thdr\t" + b64(schema + " => " + valDesc(sv.value())));
            } catch (Throwable t) {
                System.out.println("R\t" + id + "\thdr\t" + err(t));
            }
        }
    }
}
