package io.lmforge.pack;

import io.lmforge.corpus.Columns;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes one shard file with parquet-hadoop's column writers: each token goes straight into its
 * column as one value with its repetition level. Spark's Parquet writer spends several calls per
 * list element (a group, a field, the value, through lambdas per type), which cost as much as
 * encoding the text; the file is the same Parquet: {@link Packer#SHARD_SCHEMA} in Spark's
 * three-level list layout, Spark's schema in the footer, zstd, no dictionary.
 */
final class ShardFileWriter implements Closeable {
    /** {@link Packer#SHARD_SCHEMA} as Spark writes it (non-null lists of non-null int32). */
    static final MessageType SCHEMA = Types.buildMessage()
            .addField(intList(Packer.INPUT_IDS))
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(Columns.DOMAIN)
            .addField(intList(Packer.DOC_STARTS))
            .named("spark_schema");
    /** The footer key under which Spark keeps a file's Spark schema (so it reads the columns as non-null). */
    private static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    private final ParquetFileWriter file;
    private final CodecFactory codecs;
    private final CompressionCodecFactory.BytesInputCompressor compressor;
    private final ParquetProperties properties;
    private final long rowGroupBytes;
    private final ColumnDescriptor[] columns;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private ColumnWriter ids;
    private ColumnWriter domain;
    private ColumnWriter starts;
    private String lastDomain;
    private Binary lastDomainBytes;
    private int rowGroup;
    private long records;
    private long total;

    ShardFileWriter(Configuration hadoop, Path path, long rowGroupBytes) throws IOException {
        this.rowGroupBytes = rowGroupBytes;
        this.properties = ParquetProperties.builder()
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
                // zstd over plain int32 ids came out smaller than over dictionary ids (1.22 against 1.43
                // bytes per token, DeepSeek-V3's 128k vocabulary) and spares a hash lookup per token.
                .withDictionaryEncoding(false)
                .build();
        this.codecs = new CodecFactory(hadoop, properties.getPageSizeThreshold());
        this.compressor = codecs.getCompressor(CompressionCodecName.ZSTD);
        this.file = new ParquetFileWriter(HadoopOutputFile.fromPath(path, hadoop), SCHEMA, ParquetFileWriter.Mode.OVERWRITE,
                rowGroupBytes, ParquetWriter.MAX_PADDING_SIZE_DEFAULT);
        this.columns = SCHEMA.getColumns().toArray(new ColumnDescriptor[0]);
        file.start();
        startRowGroup();
    }

    private static org.apache.parquet.schema.Type intList(String name) {
        return Types.requiredList().requiredElement(PrimitiveTypeName.INT32).named(name);
    }

    private void startRowGroup() {
        pages = new ColumnChunkPageWriteStore(compressor, SCHEMA, properties.getAllocator(),
                properties.getColumnIndexTruncateLength(), properties.getPageWriteChecksumEnabled(), null, rowGroup);
        store = properties.newColumnWriteStore(SCHEMA, pages, pages);
        ids = store.getColumnWriter(columns[0]);
        domain = store.getColumnWriter(columns[1]);
        starts = store.getColumnWriter(columns[2]);
    }

    /** Appends one sequence. */
    void write(int[] inputIds, String domainName, int[] docStarts) throws IOException {
        writeList(ids, inputIds);
        if (!domainName.equals(lastDomain)) {
            lastDomain = domainName;
            lastDomainBytes = Binary.fromConstantByteArray(domainName.getBytes(StandardCharsets.UTF_8));
        }
        domain.write(lastDomainBytes, 0, 0);
        writeList(starts, docStarts);
        store.endRecord();
        records++;
        total++;
        if (store.getBufferedSize() >= rowGroupBytes) {
            flushRowGroup();
            startRowGroup();
        }
    }

    /** A required list of required int32: definition level 1 for an element, 0 for an empty list. */
    private static void writeList(ColumnWriter column, int[] values) {
        if (values.length == 0) {
            column.writeNull(0, 0);
            return;
        }
        column.write(values[0], 0, 1);
        for (int i = 1; i < values.length; i++) {
            column.write(values[i], 1, 1);
        }
    }

    private void flushRowGroup() throws IOException {
        if (records > 0) {
            store.flush();
            file.startBlock(records);
            pages.flushToFileWriter(file);
            file.endBlock();
            rowGroup++;
        }
        store.close();
        pages.close();
        records = 0;
    }

    /** Sequences written so far. */
    long sequences() {
        return total;
    }

    @Override
    public void close() throws IOException {
        try {
            flushRowGroup();
            file.end(Map.of(SPARK_SCHEMA_KEY, Packer.SHARD_SCHEMA.json()));
        } finally {
            codecs.release();
        }
    }
}
