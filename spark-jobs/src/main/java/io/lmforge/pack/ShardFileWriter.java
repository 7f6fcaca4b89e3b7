package io.lmforge.pack;

import io.lmforge.corpus.Columns;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.IntStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.bytes.BytesInput;
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
 * Writes one shard file with parquet-hadoop's page writers. Spark's Parquet writer spends several
 * calls per list element (a group, a field, the value, through lambdas per type), which cost as
 * much as encoding the text, and parquet-hadoop's column writers still several (the value, its two
 * levels, each byte of it): so the {@code input_ids} pages are made here whole (the ids copied in
 * bulk, their levels one run per sequence), and only the small columns go through column writers.
 * The file is the same Parquet: {@link Packer#SHARD_SCHEMA} in Spark's three-level list layout,
 * Spark's schema in the footer, zstd, no dictionary, min/max statistics.
 */
final class ShardFileWriter implements Closeable {
    /** {@link Packer#SHARD_SCHEMA} as Spark writes it (non-null lists of non-null int32). */
    static final MessageType SCHEMA = Types.buildMessage()
            .addField(intList(Packer.INPUT_IDS))
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(Columns.DOMAIN)
            .addField(intList(Packer.DOC_STARTS))
            .named("spark_schema");
    /** The columns written through column writers: all but {@code input_ids}. */
    private static final MessageType SMALL_COLUMNS = new MessageType("spark_schema",
            SCHEMA.getType(Columns.DOMAIN), SCHEMA.getType(Packer.DOC_STARTS));
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
    private IdsPages ids;
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
        store = properties.newColumnWriteStore(SMALL_COLUMNS, pages, pages);
        ids = new IdsPages(pages.getPageWriter(columns[0]), properties.getPageSizeThreshold());
        domain = store.getColumnWriter(columns[1]);
        starts = store.getColumnWriter(columns[2]);
    }

    /** Appends one sequence. */
    void write(int[] inputIds, String domainName, int[] docStarts) throws IOException {
        if (inputIds.length == 0) {
            throw new IllegalArgumentException("a sequence has at least one token");
        }
        ids.add(inputIds);
        if (!domainName.equals(lastDomain)) {
            lastDomain = domainName;
            lastDomainBytes = Binary.fromConstantByteArray(domainName.getBytes(StandardCharsets.UTF_8));
        }
        domain.write(lastDomainBytes, 0, 0);
        writeList(starts, docStarts);
        store.endRecord();
        records++;
        total++;
        if (store.getBufferedSize() + ids.bufferedSize() >= rowGroupBytes) {
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
            ids.flush();
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

    /**
     * Writes {@code parts} (files of this writer) one after the other into {@code target}: their
     * row groups are copied as they are, with their column and offset indexes.
     */
    static void concatenate(Configuration hadoop, java.util.List<Path> parts, Path target, long rowGroupBytes) throws IOException {
        ParquetFileWriter out = new ParquetFileWriter(HadoopOutputFile.fromPath(target, hadoop), SCHEMA,
                ParquetFileWriter.Mode.OVERWRITE, rowGroupBytes, ParquetWriter.MAX_PADDING_SIZE_DEFAULT);
        out.start();
        java.util.List<ColumnDescriptor> columns = SCHEMA.getColumns();
        for (Path part : parts) {
            org.apache.parquet.io.InputFile in = org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(part, hadoop);
            try (org.apache.parquet.hadoop.ParquetFileReader reader = org.apache.parquet.hadoop.ParquetFileReader.open(in);
                 org.apache.parquet.io.SeekableInputStream from = in.newStream()) {
                if (!reader.getFileMetaData().getSchema().equals(SCHEMA)) {
                    throw new IOException(part + " is not a shard part: its schema is " + reader.getFileMetaData().getSchema());
                }
                for (org.apache.parquet.hadoop.metadata.BlockMetaData block : reader.getRowGroups()) {
                    out.startBlock(block.getRowCount());
                    for (int c = 0; c < columns.size(); c++) {
                        org.apache.parquet.hadoop.metadata.ColumnChunkMetaData chunk = block.getColumns().get(c);
                        out.appendColumnChunk(columns.get(c), from, chunk, null, reader.readColumnIndex(chunk),
                                reader.readOffsetIndex(chunk));
                    }
                    out.endBlock();
                }
            }
        }
        out.end(Map.of(SPARK_SCHEMA_KEY, Packer.SHARD_SCHEMA.json()));
    }

    /**
     * The {@code input_ids} column chunk of a row group, a data page (v1) at a time: repetition
     * levels 0 then 1 for each sequence, definition level 1 for every id (both run-length encoded,
     * one run each), the ids as plain little-endian int32, and their min and max.
     */
    private static final class IdsPages {
        private final PageWriter writer;
        private final int pageBytes;
        private byte[] values;
        private int size;
        private final java.io.ByteArrayOutputStream repetition = new java.io.ByteArrayOutputStream();
        private int rows;
        private int min = Integer.MAX_VALUE;
        private int max = Integer.MIN_VALUE;

        IdsPages(PageWriter writer, int pageBytes) {
            this.writer = writer;
            this.pageBytes = pageBytes;
            this.values = new byte[Math.min(pageBytes, 1 << 16)];
        }

        void add(int[] ids) throws IOException {
            if (values.length - size < 4 * ids.length) {
                values = java.util.Arrays.copyOf(values, Math.max(2 * values.length, size + 4 * ids.length));
            }
            java.nio.ByteBuffer.wrap(values, size, 4 * ids.length).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(ids);
            size += 4 * ids.length;
            int lo = min;
            int hi = max;
            for (int id : ids) {
                lo = Math.min(lo, id);
                hi = Math.max(hi, id);
            }
            min = lo;
            max = hi;
            run(repetition, 1, 0);
            if (ids.length > 1) {
                run(repetition, ids.length - 1, 1);
            }
            rows++;
            if (size >= pageBytes) {
                flush();
            }
        }

        /** Bytes this row group holds so far: its written pages (compressed) and the one being filled. */
        long bufferedSize() {
            return writer.getMemSize() + size;
        }

        /** Writes the page being filled, if it holds any sequence. */
        void flush() throws IOException {
            if (rows == 0) {
                return;
            }
            java.io.ByteArrayOutputStream definition = new java.io.ByteArrayOutputStream(8);
            run(definition, size / 4, 1);
            IntStatistics statistics = (IntStatistics) Statistics.createStats(SCHEMA.getColumns().get(0).getPrimitiveType());
            statistics.setMinMax(min, max);
            writer.writePage(BytesInput.concat(levels(repetition), levels(definition), BytesInput.from(values, 0, size)),
                    size / 4, rows, statistics, Encoding.RLE, Encoding.RLE, Encoding.PLAIN);
            repetition.reset();
            size = 0;
            rows = 0;
            min = Integer.MAX_VALUE;
            max = Integer.MIN_VALUE;
        }

        /** A level section of a v1 page: its length (int32, little-endian), then its runs. */
        private static BytesInput levels(java.io.ByteArrayOutputStream runs) {
            return BytesInput.concat(BytesInput.fromInt(runs.size()), BytesInput.from(runs.toByteArray()));
        }

        /** A run of the RLE/bit-packing hybrid at bit width 1: its length (ULEB128, shifted by one), then the value's byte. */
        private static void run(java.io.ByteArrayOutputStream out, int count, int value) {
            long header = (long) count << 1;
            while ((header & ~0x7FL) != 0) {
                out.write((int) ((header & 0x7F) | 0x80));
                header >>>= 7;
            }
            out.write((int) header);
            out.write(value);
        }
    }
}
