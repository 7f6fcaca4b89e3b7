package io.lmforge.trainer;

import io.lmforge.shards.ShardFormatException;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.ShardReader;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TokenWindow;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardReaderTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void readsTheManifestAndSparkLayoutShards(@TempDir Path dir) throws IOException {
        TestShards.write(dir, 16, 50, 2, 5, 4, 1);
        ShardManifest m = ShardManifest.load(dir.toString(), CONF);
        assertEquals(16, m.seqLen());
        assertEquals(50, m.vocabSize());
        assertEquals(2, m.ignoreIndex());
        assertEquals(2, m.split("train").files().size());
        ShardSplit train = ShardSplit.open(m, "train", 16, CONF);
        assertEquals(10, train.windows());
        assertEquals(2, train.blocks().size());

        List<TestShards.Row> expected = TestShards.rows(new Random(1), 5, 16, 50);
        TokenWindow[] first = train.read(train.blocks().get(0));
        assertEquals(5, first.length);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(expected.get(i).tokens(), first[i].tokens());
            assertEquals(expected.get(i).domain(), first[i].domain());
            assertArrayEquals(expected.get(i).docStarts(), first[i].docStarts());
        }
    }

    @Test
    void readsLegacyTwoLevelLists(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("legacy.parquet");
        List<TestShards.Row> rows = TestShards.rows(new Random(3), 3, 8, 30);
        TestShards.writeFile(file, TestShards.LEGACY_SCHEMA, rows);
        List<TokenWindow> read = ShardReader.readRowGroup(new org.apache.hadoop.fs.Path(file.toUri()), 0, 0, 8, 30, CONF,
                (f, r, p) -> { throw new AssertionError(p); });
        assertEquals(3, read.size());
        assertArrayEquals(rows.get(2).tokens(), read.get(2).tokens());
        assertArrayEquals(new int[]{0}, read.get(2).docStarts(), "no doc_starts column: one document");
    }

    @Test
    void badRowsAreSkippedAndNamedWithFileAndRow(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.parquet");
        List<TestShards.Row> rows = new ArrayList<>(TestShards.rows(new Random(4), 4, 8, 30));
        rows.set(1, new TestShards.Row(new int[]{5, 6, 7}, "web", new int[]{0}));          // too short
        int[] outOfVocab = rows.get(2).tokens().clone();
        outOfVocab[4] = 30;
        rows.set(2, new TestShards.Row(outOfVocab, "web", new int[]{0}));
        TestShards.writeFile(file, TestShards.SPARK_SCHEMA, rows);
        List<String> problems = new ArrayList<>();
        List<TokenWindow> read = ShardReader.readRowGroup(new org.apache.hadoop.fs.Path(file.toUri()), 0, 100, 8, 30, CONF,
                (f, r, p) -> problems.add(f.getName() + " row " + r + ": " + p));
        assertEquals(4, read.size(), "entries stay aligned with rows");
        assertNull(read.get(1));
        assertNull(read.get(2));
        assertArrayEquals(rows.get(3).tokens(), read.get(3).tokens());
        assertEquals(2, problems.size());
        assertTrue(problems.get(0).startsWith("bad.parquet row 101: input_ids has 3 tokens"), problems.get(0));
        assertTrue(problems.get(1).contains("row 102: token 30 at position 4 is outside the vocabulary"), problems.get(1));
    }

    @Test
    void aParquetFileThatIsNotAShardIsNamedInTheError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("other.parquet");
        org.apache.parquet.schema.MessageType schema =
                org.apache.parquet.schema.MessageTypeParser.parseMessageType("message m { required binary text (UTF8); }");
        try (var w = org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
                .withType(schema).withConf(CONF).build()) {
            w.write(new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema).newGroup().append("text", "hello"));
        }
        ShardFormatException e = assertThrows(ShardFormatException.class,
                () -> ShardReader.rowGroupSizes(new org.apache.hadoop.fs.Path(file.toUri()), CONF));
        assertTrue(e.getMessage().contains("other.parquet") && e.getMessage().contains("no input_ids column"), e.getMessage());
    }

    @Test
    void missingManifestSaysWhatDataMustBe(@TempDir Path dir) {
        ShardFormatException e = assertThrows(ShardFormatException.class, () -> ShardManifest.load(dir.toString(), CONF));
        assertTrue(e.getMessage().contains("manifest.json: not found"), e.getMessage());
    }

    @Test
    void windowsSplitIntoShorterContexts(@TempDir Path dir) throws IOException {
        TestShards.write(dir, 16, 50, 1, 2, 2, 5);
        ShardSplit split = ShardSplit.open(ShardManifest.load(dir.toString(), CONF), "train", 4, CONF);
        assertEquals(4, split.samplesPerWindow());
        assertEquals(8, split.samples());
        TokenWindow w = split.read(split.blocks().get(0))[0];
        TokenWindow part = split.sample(w, 2);
        assertEquals(5, part.tokens().length);
        assertArrayEquals(java.util.Arrays.copyOfRange(w.tokens(), 8, 13), part.tokens());
        Files.exists(dir);
    }
}
