package io.lmforge.trainer.sft;

import io.lmforge.shards.ShardColumns;
import io.lmforge.shards.ShardManifest;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Writes one split's windows as zstd Parquet files {@code part-NNNNN.zstd.parquet} of at most
 * {@code rowsPerFile} rows (one row group each: the unit the trainer shuffles and decodes), with
 * the shards' columns laid out as Spark writes them, plus {@code loss_mask}; and counts what the
 * manifest lists.
 */
final class SftSplitWriter implements Consumer<SftPacker.Window>, Closeable {
    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message spark_schema {\n"
            + "  optional group " + ShardColumns.INPUT_IDS + " (LIST) { repeated group list { optional int32 element; } }\n"
            + "  optional binary " + ShardColumns.DOMAIN + " (STRING);\n"
            + "  optional group " + ShardColumns.DOC_STARTS + " (LIST) { repeated group list { optional int32 element; } }\n"
            + "  optional group " + ShardColumns.LOSS_MASK + " (LIST) { repeated group list { optional int32 element (INTEGER(8,true)); } }\n"
            + "}");
    private static final long ROW_GROUP_BYTES = 1L << 30;   // above a file's size: one row group per file

    private final String name;
    private final Path dir;
    private final int rowsPerFile;
    private final int seqLen;
    private final SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    private final List<String> files = new ArrayList<>();
    private final List<Long> fileSequences = new ArrayList<>();
    private final Map<String, Long> tokensByDomain = new TreeMap<>();
    private final Map<String, Long> examplesByDomain = new TreeMap<>();
    private ParquetWriter<Group> writer;
    private long rowsInFile;
    private long sequences;

    /** @param dir the split's directory, {@code SHARDS/train} or {@code SHARDS/val} */
    SftSplitWriter(String name, Path dir, int seqLen, int rowsPerFile) {
        this.name = name;
        this.dir = dir;
        this.seqLen = seqLen;
        this.rowsPerFile = rowsPerFile;
    }

    @Override
    public void accept(SftPacker.Window w) {
        try {
            if (writer == null || rowsInFile == rowsPerFile) {
                roll();
            }
            Group g = groups.newGroup();
            list(g.addGroup(ShardColumns.INPUT_IDS), w.tokens());
            g.add(ShardColumns.DOMAIN, w.domain());
            list(g.addGroup(ShardColumns.DOC_STARTS), w.docStarts());
            Group mask = g.addGroup(ShardColumns.LOSS_MASK);
            for (byte b : w.lossMask()) {
                mask.addGroup("list").add("element", (int) b);
            }
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir, e);
        }
        rowsInFile++;
        sequences++;
        fileSequences.set(fileSequences.size() - 1, rowsInFile);
        tokensByDomain.merge(w.domain(), (long) seqLen, Long::sum);
        examplesByDomain.merge(w.domain(), (long) w.examples(), Long::sum);
    }

    private void roll() throws IOException {
        closeFile();
        Files.createDirectories(dir);
        String file = String.format("part-%05d.zstd.parquet", files.size());
        writer = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(dir.resolve(file).toUri()))
                .withType(SCHEMA).withConf(new Configuration())
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withRowGroupSize(ROW_GROUP_BYTES)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build();
        files.add(file);
        fileSequences.add(0L);
        rowsInFile = 0;
    }

    private static void list(Group list, int[] values) {
        for (int v : values) {
            list.addGroup("list").add("element", v);
        }
    }

    /** The split as the manifest lists it (file names relative to the split's directory). */
    ShardManifest.Split split() {
        return new ShardManifest.Split(name, files.stream().map(org.apache.hadoop.fs.Path::new).toList(),
                List.copyOf(fileSequences), sequences, sequences * seqLen, new TreeMap<>(tokensByDomain),
                new TreeMap<>(examplesByDomain));
    }

    private void closeFile() throws IOException {
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }

    @Override
    public void close() throws IOException {
        closeFile();
    }
}
