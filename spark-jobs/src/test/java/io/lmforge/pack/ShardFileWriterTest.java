package io.lmforge.pack;

import io.lmforge.testing.SparkTestSession;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shard writer against Spark's Parquet writer, which wrote the shards before it: the same
 * sequences give a file of the same Parquet schema whose rows Spark and DuckDB read back the same,
 * in the same order, across several row groups and with empty {@code doc_starts}.
 */
class ShardFileWriterTest {
    @TempDir
    Path dir;

    @Test
    void writesWhatSparksParquetWriterWrites() throws Exception {
        int window = 257;
        List<Packer.Sequence> sequences = new ArrayList<>();
        Random random = new Random(17);
        String[] domains = {"web", "code", "中文", "man-de"};
        for (int i = 0; i < 240; i++) {
            int[] ids = new int[window];
            for (int k = 0; k < window; k++) {
                ids[k] = random.nextInt(151_669);
            }
            int[] starts = random.ints(random.nextInt(4), 0, window).sorted().distinct().toArray();
            sequences.add(new Packer.Sequence(ids, domains[(i / 20) % domains.length], starts));
        }
        Configuration hadoop = new Configuration();
        // Small row groups: several per file, as a large shard has.
        long rowGroup = 64 << 10;
        Path ours = dir.resolve("ours.parquet");
        try (ShardFileWriter w = new ShardFileWriter(hadoop, new org.apache.hadoop.fs.Path(ours.toUri()), rowGroup)) {
            for (Packer.Sequence s : sequences) {
                w.write(s.inputIds(), s.domain(), s.docStarts());
            }
            assertEquals(sequences.size(), w.sequences());
        }
        SparkSession spark = SparkTestSession.get();
        List<Row> rows = sequences.stream().map(s -> RowFactory.create(s.inputIds(), s.domain(), s.docStarts())).toList();
        Path sparks = dir.resolve("spark");
        spark.createDataFrame(rows, Packer.SHARD_SCHEMA).coalesce(1).write()
                .option("compression", "zstd").option("parquet.enable.dictionary", "false")
                .option("parquet.block.size", rowGroup).parquet(sparks.toString());
        File sparkFile = Files.list(sparks).filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow().toFile();

        MessageType oursSchema = footerSchema(ours.toFile(), hadoop);
        assertEquals(footerSchema(sparkFile, hadoop), oursSchema);
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(ours.toUri()), hadoop))) {
            assertTrue(r.getRowGroups().size() >= 3, r.getRowGroups().size() + " row groups");
            assertEquals(sequences.size(), r.getRecordCount());
            assertEquals("ZSTD", r.getRowGroups().get(0).getColumns().get(0).getCodec().name());
        }

        // Spark reads both files as the same columns and the same rows.
        List<Row> fromOurs = spark.read().parquet(ours.toString()).collectAsList();
        List<Row> fromSpark = spark.read().parquet(sparkFile.toString()).collectAsList();
        assertEquals(spark.read().parquet(sparkFile.toString()).schema(), spark.read().parquet(ours.toString()).schema());
        assertEquals(fromSpark.size(), fromOurs.size());
        for (int i = 0; i < fromOurs.size(); i++) {
            assertEquals(fromSpark.get(i), fromOurs.get(i), "row " + i);
        }
        // And DuckDB, an independent reader, reads ours as the sequences written.
        List<ShardsTest.Seq> read = duckDb(ours);
        assertEquals(sequences.size(), read.size());
        for (int i = 0; i < read.size(); i++) {
            assertArrayEquals(sequences.get(i).inputIds(), read.get(i).ids(), "sequence " + i);
            assertEquals(sequences.get(i).domain(), read.get(i).domain(), "sequence " + i);
            assertArrayEquals(sequences.get(i).docStarts(), read.get(i).docStarts(), "sequence " + i);
        }
    }

    @Test
    void anEmptyFileHasTheSchemaAndNoRows() throws Exception {
        Path empty = dir.resolve("empty.parquet");
        new ShardFileWriter(new Configuration(), new org.apache.hadoop.fs.Path(empty.toUri()), 1 << 20).close();
        assertEquals(0, SparkTestSession.get().read().parquet(empty.toString()).count());
        assertEquals(ShardFileWriter.SCHEMA, footerSchema(empty.toFile(), new Configuration()));
        assertArrayEquals(Packer.SHARD_SCHEMA.fieldNames(), SparkTestSession.get().read().parquet(empty.toString()).schema().fieldNames());
        assertEquals(0, duckDb(empty).size());
    }

    private static MessageType footerSchema(File f, Configuration hadoop) throws Exception {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f.toURI()), hadoop))) {
            return r.getFileMetaData().getSchema();
        }
    }

    private static List<ShardsTest.Seq> duckDb(Path file) throws SQLException {
        com.fasterxml.jackson.databind.node.ArrayNode files = new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode();
        files.add(file.getFileName().toString());
        return ShardsTest.readWithDuckDb(file.getParent(), files);
    }
}
