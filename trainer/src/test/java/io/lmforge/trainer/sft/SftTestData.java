package io.lmforge.trainer.sft;

import io.lmforge.model.ModelConfig;
import io.lmforge.model.checkpoint.RandomCheckpoint;
import io.lmforge.trainer.TrainerTest;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A small dense model's random checkpoint with the byte-level tokenizer (ids 0-3 {@code <bos>
 * <eos> <pad> <unk>}, 4 + b for byte b), the base every fine-tuning test starts from.
 */
public final class SftTestData {
    /** The model section of the configs that train from {@link #checkpoint}: its shape. */
    public static final String MODEL = """
            model { preset = tiny, hidden-size = 32, layers = 2, heads = 2, intermediate-size = 64, max-positions = 160
                    moe { routed-experts = 0 } }
            """;

    private SftTestData() {
    }

    public static ModelConfig model() {
        return TrainerTest.config(MODEL).model().withVocabSize(RandomCheckpoint.TOKENIZER_VOCAB);
    }

    public static Path checkpoint(Path dir) throws IOException {
        return RandomCheckpoint.write(dir, model(), 3);
    }

    /** The text of byte-level ids, {@code <eos>} for 1 and {@code <bos>} for 0. */
    public static String text(int[] ids, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            s.append(ids[i] == 0 ? "<bos>" : ids[i] == 1 ? "<eos>" : ids[i] == 2 ? "<pad>" : String.valueOf((char) (ids[i] - 4)));
        }
        return s.toString();
    }
}
