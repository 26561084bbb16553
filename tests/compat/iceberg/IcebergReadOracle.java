// Reads Iceberg tables with Iceberg's Java library (the JVM's side of the cross-read in tests/compat/iceberg):
// java -cp <iceberg jars> IcebergReadOracle.java <catalog.properties> <namespace.table>...
// The properties file holds the catalog's properties (without the "iceberg.catalog." prefix) and "name".
// Prints one JSON object per table: its schema and partition spec as Iceberg's parsers write them, the current
// snapshot's summary, and every row (timestamptz as epoch microseconds, decimals as plain strings).
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.PartitionSpecParser;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

public class IcebergReadOracle {
  public static void main(String[] args) throws Exception {
    Properties file = new Properties();
    try (FileReader reader = new FileReader(args[0])) {
      file.load(reader);
    }
    Map<String, String> props = new HashMap<>();
    file.stringPropertyNames().forEach(key -> props.put(key, file.getProperty(key)));
    String name = props.remove("name");
    Catalog catalog = CatalogUtil.buildIcebergCatalog(name, props, null);
    ObjectMapper mapper = new ObjectMapper();
    for (int i = 1; i < args.length; i++) {
      Table table = catalog.loadTable(TableIdentifier.parse(args[i]));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("table", args[i]);
      out.put("schema", mapper.readTree(SchemaParser.toJson(table.schema())));
      out.put("spec", mapper.readTree(PartitionSpecParser.toJson(table.spec())));
      Snapshot snapshot = table.currentSnapshot();
      out.put("summary", snapshot == null ? null : snapshot.summary());
      List<Object> rows = new ArrayList<>();
      try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
        for (Record record : records) {
          rows.add(value(record));
        }
      }
      out.put("rows", rows);
      System.out.println(mapper.writeValueAsString(out));
    }
  }

  private static Object value(Object value) {
    if (value instanceof Record) {
      Record record = (Record) value;
      Map<String, Object> fields = new LinkedHashMap<>();
      for (Types.NestedField field : record.struct().fields()) {
        fields.put(field.name(), value(record.getField(field.name())));
      }
      return fields;
    }
    if (value instanceof OffsetDateTime) {
      return ChronoUnit.MICROS.between(Instant.EPOCH, ((OffsetDateTime) value).toInstant());
    }
    if (value instanceof BigDecimal) {
      return ((BigDecimal) value).toPlainString();
    }
    return value;
  }
}
