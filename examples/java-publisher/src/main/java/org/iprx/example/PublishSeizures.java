package org.iprx.example;

import java.io.File;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes seizures to ipr-exchange the way docs/publishing.md says a foreign publisher must:
 * Avro single-object encoding of a published schema version, a fresh UUID per event, the exporter's
 * id (or the seizure id) as the record key, and the iprx-* headers.
 *
 * <p>Arguments: BOOTSTRAP TOPIC AVSC COUNT [SAMPLE_FILE]. AVSC is a published version from
 * schemas/history (self-contained). Prints "sent EVENT_ID" per event sent; SAMPLE_FILE gets the first value,
 * for `iprx schemas verify SAMPLE_FILE`.
 *
 * <p>Environment: IPRX_PUBLISHER_ID (the member id, default CN/GOV/JAVA/example); IPRX_SIGNING_KEY_FILE and
 * IPRX_SIGNING_KEY_ID to sign every event with the member's Ed25519 key (PKCS#8 PEM, as `iprx members keygen`
 * writes it) under scheme iprx-sig-1: Ed25519 over "iprx-sig-1" 0 key_id 0 publisher_id 0 value.
 */
public final class PublishSeizures {
  private static final String SCHEMA_NAME = "iprx.seizure.SeizureRecorded";
  private static final String EVENT_TYPE = "seizure.recorded";
  private static final String PUBLISHER =
      System.getenv().getOrDefault("IPRX_PUBLISHER_ID", "CN/GOV/JAVA/example");

  private PublishSeizures() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: PublishSeizures BOOTSTRAP TOPIC AVSC COUNT [SAMPLE_FILE]");
      System.exit(2);
    }
    String bootstrap = args[0];
    String topic = args[1];
    Schema schema = new Schema.Parser().parse(new File(args[2]));
    int count = Integer.parseInt(args[3]);

    // Logical types as Java values: the encoder turns them into Avro's long, bytes and string.
    GenericData model = new GenericData();
    model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    model.addLogicalTypeConversion(new Conversions.UUIDConversion());
    model.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    // Single-object encoding: C3 01, the schema's CRC-64-AVRO fingerprint (spec canonical form), the body.
    BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(model, schema);

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    String keyFile = System.getenv("IPRX_SIGNING_KEY_FILE");
    String keyId = System.getenv("IPRX_SIGNING_KEY_ID");
    PrivateKey signingKey = keyFile == null || keyFile.isEmpty() ? null : readKey(Path.of(keyFile));

    String batch = UUID.randomUUID().toString().substring(0, 8);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < count; i++) {
        GenericRecord seizure = seizure(schema, "JAVA-" + batch + "-" + i, i);
        ByteBuffer encoded = encoder.encode(seizure);
        byte[] value = new byte[encoded.remaining()];
        encoded.get(value);
        if (i == 0 && args.length > 4) {
          Files.write(Path.of(args[4]), value);
        }
        GenericRecord header = (GenericRecord) seizure.get("header");
        GenericRecord exporter = (GenericRecord) seizure.get("exporter");
        // The key decides the partition: the exporter's id, or the seizure id when it has none.
        Object exporterId = exporter == null ? null : exporter.get("id");
        String key = exporterId != null ? exporterId.toString() : seizure.get("seizure_id").toString();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        record.headers().add("iprx-schema", SCHEMA_NAME.getBytes(StandardCharsets.UTF_8));
        record.headers().add("iprx-event-type", EVENT_TYPE.getBytes(StandardCharsets.UTF_8));
        record.headers().add("iprx-publisher", PUBLISHER.getBytes(StandardCharsets.UTF_8));
        if (signingKey != null) {
          record.headers().add("iprx-signature-key", keyId.getBytes(StandardCharsets.UTF_8));
          record.headers().add("iprx-signature", sign(signingKey, keyId, value));
        }
        producer.send(record).get();
        System.out.println("sent " + header.get("event_id"));
      }
    }
  }

  private static GenericRecord seizure(Schema schema, String seizureId, int i) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    Schema headerSchema = schema.getField("header").schema();
    GenericRecord header = new GenericData.Record(headerSchema);
    header.put("event_id", UUID.randomUUID());
    header.put("event_type", EVENT_TYPE);
    header.put("occurred_at", now.minus(1, ChronoUnit.HOURS));
    header.put("published_at", now);
    header.put("publisher", PUBLISHER);
    header.put("jurisdiction", "440300");
    header.put("causation_id", null);
    header.put("correlation_id", null);

    Schema partySchema = nonNull(schema.getField("exporter").schema());
    GenericRecord exporter = new GenericData.Record(partySchema);
    exporter.put("id", null);
    exporter.put("name", "Example Trading Ltd");
    exporter.put("country", "HK");
    exporter.put("natural_person", false);

    GenericRecord seizure = new GenericData.Record(schema);
    seizure.put("header", header);
    seizure.put("seizure_id", seizureId);
    seizure.put("customs_office_code", "5300");
    seizure.put("seized_at", now.minus(2, ChronoUnit.HOURS));
    seizure.put("direction", symbol(schema, "direction", "EXPORT"));
    seizure.put("transport_mode", symbol(schema, "transport_mode", "SEA"));
    seizure.put("hs_code", "852351");
    seizure.put("goods_description", "USB flash drives bearing a counterfeit trademark");
    seizure.put("ipr_type", symbol(schema, "ipr_type", "TRADEMARK"));
    seizure.put("quantity", 1000L + i);
    seizure.put("unit", "PCS");
    // Above the 1,000,000 CNY threshold of seizure.significant: each one raises a signal.
    seizure.put("estimated_value_cny", new BigDecimal("1500000.00").add(BigDecimal.valueOf(i)));
    seizure.put("exporter", exporter);
    seizure.put("route", List.of("CN", "HK"));
    for (Schema.Field field : schema.getFields()) {
      if (seizure.get(field.pos()) == null && !field.hasDefaultValue() && field.schema().isNullable()) {
        seizure.put(field.pos(), null);
      }
    }
    return seizure;
  }

  /** Ed25519 over "iprx-sig-1" 0x00 key_id 0x00 publisher_id 0x00 value (docs/publishing.md). */
  private static byte[] sign(PrivateKey key, String keyId, byte[] value) throws Exception {
    java.io.ByteArrayOutputStream signed = new java.io.ByteArrayOutputStream();
    for (byte[] part : List.of(
        "iprx-sig-1".getBytes(StandardCharsets.UTF_8),
        keyId.getBytes(StandardCharsets.UTF_8),
        PUBLISHER.getBytes(StandardCharsets.UTF_8))) {
      signed.write(part);
      signed.write(0);
    }
    signed.write(value);
    Signature signature = Signature.getInstance("Ed25519");
    signature.initSign(key);
    signature.update(signed.toByteArray());
    return signature.sign();
  }

  private static PrivateKey readKey(Path pem) throws Exception {
    String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static Schema nonNull(Schema union) {
    return union.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow();
  }

  private static GenericData.EnumSymbol symbol(Schema schema, String field, String value) {
    return new GenericData.EnumSymbol(schema.getField(field).schema(), value);
  }
}
