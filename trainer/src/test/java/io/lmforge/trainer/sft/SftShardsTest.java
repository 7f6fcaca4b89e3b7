package io.lmforge.trainer.sft;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lmforge.model.checkpoint.CheckpointFiles;
import io.lmforge.shards.ShardFormatException;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.TestShards;
import io.lmforge.trainer.data.Batch;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TokenWindow;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lmforge sft-shards}: packing, the loss mask, bad lines, the tokenizer check, and the shard contract. */
class SftShardsTest {
    static final Configuration CONF = new Configuration();

    @TempDir
    static Path dir;
    static Path checkpoint;

    @BeforeAll
    static void checkpoint() throws IOException {
        checkpoint = SftTestData.checkpoint(dir.resolve("checkpoint"));
    }

    /** One example as packed: its tokens as text, and the text of the tokens the loss counts. */
    record Packed(String domain, String tokens, String trained) {
    }

    @Test
    void eachExampleKeepsItsOwnMaskAndBadLinesAreQuarantinedWithTheirLine() throws IOException {
        Path data = dir.resolve("examples.jsonl");
        List<String> lines = new ArrayList<>(List.of(
                "{\"context\": \"What is 2+2?\", \"response\": \"4\", \"metadata\": {\"domain\": \"math\"}}",
                "{\"context\": \"broken",
                "{\"context\": \"Hi\", \"response\": \"\"}",
                "",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": "
                        + "\"Capital of France?\"}, {\"role\": \"assistant\", \"content\": \"Paris.\"}, {\"role\": \"user\", "
                        + "\"content\": \"And of Spain?\"}, {\"role\": \"assistant\", \"content\": \"Madrid.\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}",
                "{\"context\": \"" + "x".repeat(200) + "\", \"response\": \"short\"}",
                "{\"context\": \"c\", \"response\": \"" + "y".repeat(80) + "\"}"));
        List<Packed> expected = new ArrayList<>(List.of(
                new Packed("math", "<bos>What is 2+2?\n\n4<eos>", "4<eos>"),
                new Packed("sft", "<bos>Be brief.\n\nCapital of France?\n\nParis.\n\nAnd of Spain?\n\nMadrid.<eos>",
                        "Paris.Madrid.<eos>"),
                // 1 + 202 + 5 + 1 tokens cut to 65: the oldest context goes, bos and the response stay.
                new Packed("sft", "<bos>" + "x".repeat(56) + "\n\nshort<eos>", "short<eos>")));
        for (int k = 1; k <= 9; k++) {
            lines.add("{\"context\": \"Question " + k + "\", \"response\": \"Answer " + k + "\"}");
            expected.add(new Packed("sft", "<bos>Question " + k + "\n\nAnswer " + k + "<eos>", "Answer " + k + "<eos>"));
        }
        Files.write(data, lines);

        Path out = dir.resolve("sft");
        SftShards.Report report = SftShards.build(new SftShards.Options(List.of(data), checkpoint, out, 64, 0, 1, 3));

        assertEquals(16, report.records(), "every non-blank line is a record");
        assertEquals(12, report.examples());
        assertEquals(1, report.truncated());
        assertEquals(report.records(), report.examples() + report.quarantined());
        List<String> errors = report.errors();
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith(data + " line 2: not JSON"), errors.get(0));
        assertEquals(data + " line 3: \"response\" is empty", errors.get(1));
        assertTrue(errors.get(2).startsWith(data + " line 6: the last message is the user's"), errors.get(2));
        assertTrue(errors.get(3).startsWith(data + " line 8: its response and eos are 81 tokens"), errors.get(3));
        assertEquals(4, Files.readAllLines(out.resolve("quarantine.jsonl")).size());
        JsonObject accounting = JsonParser.parseString(Files.readString(out.resolve("manifest.json"))).getAsJsonObject();
        assertEquals(16, accounting.get("records").getAsLong());
        assertEquals(4, accounting.get("quarantined").getAsLong());

        ShardManifest manifest = ShardManifest.load(out.resolve("shards").toString(), CONF);
        assertTrue(manifest.lossMasked());
        assertEquals(64, manifest.seqLen());
        byte[] tokenizer = Files.readAllBytes(checkpoint.resolve(CheckpointFiles.TOKENIZER));
        assertEquals(CheckpointFiles.sha256(tokenizer), manifest.tokenizerSha256());
        assertArrayEquals(tokenizer, Files.readAllBytes(out.resolve("tokenizer/tokenizer.json")), "beside the shards");

        List<Packed> packed = new ArrayList<>();
        ShardSplit train = ShardSplit.open(manifest, ShardManifest.TRAIN, 64, CONF);
        assertTrue(train.blocks().size() > 1, "3 windows per file");
        for (ShardSplit.Block block : train.blocks()) {
            for (TokenWindow w : train.read(block)) {
                packed.addAll(examples(w));
            }
        }
        assertEquals(0, train.badRows());
        assertEquals(expected.stream().sorted(java.util.Comparator.comparing(Packed::tokens)).toList(),
                packed.stream().sorted(java.util.Comparator.comparing(Packed::tokens)).toList());
        assertEquals(0, manifest.split(ShardManifest.VAL).sequences(), "val-fraction 0");
    }

    /**
     * The examples of a window, split at its doc_starts: each begins with an untrained bos, and
     * after the last one only untrained padding follows.
     */
    static List<Packed> examples(TokenWindow w) {
        int[] t = w.tokens();
        int[] starts = w.docStarts().clone();
        Arrays.sort(starts);
        int end = t.length;
        while (t[end - 1] == 2) {
            end--;
            assertFalse(w.scored(end), "padding is never trained on");
        }
        List<Packed> out = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            int from = starts[i];
            int to = i + 1 < starts.length ? starts[i + 1] : end;
            assertEquals(0, t[from], "an example starts with bos");
            assertFalse(w.scored(from), "bos is not trained on: the target after the previous eos does not count");
            assertEquals(1, t[to - 1], "an example ends with its eos");
            StringBuilder trained = new StringBuilder();
            for (int p = from; p < to; p++) {
                if (w.scored(p)) {
                    trained.append(SftTestData.text(t, p, p + 1));
                }
            }
            out.add(new Packed(w.domain(), SftTestData.text(t, from, to), trained.toString()));
        }
        return out;
    }

    @Test
    void aShorterTrainingContextSlicesTheMaskWithTheTokens() {
        int[] tokens = new int[17];
        byte[] mask = new byte[17];
        for (int p = 0; p < 17; p++) {
            tokens[p] = 4 + p;
            mask[p] = (byte) (p % 3 == 0 ? 1 : 0);
        }
        TokenWindow part = new TokenWindow(tokens, "sft", new int[]{0, 9}, mask).slice(8, 8);
        for (int p = 0; p <= 8; p++) {
            assertEquals(tokens[8 + p], part.tokens()[p]);
            assertEquals(mask[8 + p] == 1, part.scored(p), "position " + p);
        }
    }

    @Test
    void theValSplitIsASeededShareOfTheExamples() throws IOException {
        Path data = dir.resolve("many.jsonl");
        List<String> lines = new ArrayList<>();
        for (int k = 0; k < 200; k++) {
            lines.add("{\"context\": \"q" + k + "\", \"response\": \"a" + k + "\"}");
        }
        Files.write(data, lines);
        SftShards.Report a = SftShards.build(new SftShards.Options(List.of(data), checkpoint, dir.resolve("a"), 32, 0.25, 9, 100));
        SftShards.Report b = SftShards.build(new SftShards.Options(List.of(data), checkpoint, dir.resolve("b"), 32, 0.25, 9, 100));
        assertEquals(200, a.trainExamples() + a.valExamples());
        assertTrue(a.valExamples() > 25 && a.valExamples() < 75, "about a quarter: " + a.valExamples());
        assertEquals(a.valExamples(), b.valExamples(), "same seed, same split");
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/shards/val/part-00000.zstd.parquet")),
                Files.readAllBytes(dir.resolve("b/shards/val/part-00000.zstd.parquet")));
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> SftShards.build(
                new SftShards.Options(List.of(data), checkpoint, dir.resolve("a"), 32, 0.25, 9, 100)));
    }

    @Test
    void aTokenizerThatIsNotTheCheckpointsOwnIsRefused() throws IOException {
        Path other = SftTestData.checkpoint(dir.resolve("other"));
        Files.writeString(other.resolve(CheckpointFiles.TOKENIZER), Files.readString(other.resolve(CheckpointFiles.TOKENIZER))
                + "\n");
        Path data = dir.resolve("one.jsonl");
        Files.write(data, List.of("{\"context\": \"a\", \"response\": \"b\"}"));
        IOException e = assertThrows(IOException.class, () -> SftShards.build(
                new SftShards.Options(List.of(data), other, dir.resolve("refused"), 32, 0, 1, 10)));
        assertTrue(e.getMessage().contains("it is not the model's tokenizer"), e.getMessage());
    }

    @Test
    void shardsWithoutAMaskLoadAsBeforeAndAMaskedManifestNeedsTheColumn() throws IOException {
        Path plain = TestShards.write(dir.resolve("plain"), 8, 30, 1, 4, 2, 1);
        ShardManifest manifest = ShardManifest.load(plain.toString(), CONF);
        assertFalse(manifest.lossMasked(), "a manifest without \"loss_mask\"");
        assertFalse(new String(manifest.toJson()).contains("loss_mask"), "and it writes none back");
        ShardSplit split = ShardSplit.open(manifest, ShardManifest.TRAIN, 8, CONF);
        TokenWindow[] windows = split.read(split.blocks().get(0));
        for (TokenWindow w : windows) {
            assertNull(w.lossMask());
        }
        Batch batch = new Batch(List.of(windows), 8);
        for (int b = 0; b < windows.length; b++) {
            assertArrayEquals(Arrays.copyOfRange(windows[b].tokens(), 1, 9), batch.targetIds()[b], "every target as it is");
        }

        Path file = plain.resolve(ShardManifest.FILE);
        Files.writeString(file, Files.readString(file).replaceFirst("\\{", "{\"loss_mask\": true, "));
        ShardManifest claimsMask = ShardManifest.load(plain.toString(), CONF);
        assertTrue(claimsMask.lossMasked());
        ShardSplit masked = ShardSplit.open(claimsMask, ShardManifest.TRAIN, 8, CONF);
        ShardFormatException e = assertThrows(ShardFormatException.class, () -> masked.read(masked.blocks().get(0)));
        assertTrue(e.getMessage().contains("no loss_mask column"), e.getMessage());
    }
}
