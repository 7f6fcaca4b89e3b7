package io.lmforge.trainer;

import io.lmforge.config.InvalidConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {

    @Test
    void defaultsFollowTheSourceDocuments() {
        TrainConfig c = TrainerTest.config("");
        assertEquals(3e-4, c.optimizer().lr());
        assertEquals(1e-6, c.optimizer().minLr());
        assertEquals(0.9, c.optimizer().adam().beta1());
        assertEquals(0.95, c.optimizer().adam().beta2());
        assertEquals(1e-8, c.optimizer().adam().eps());
        assertEquals(1.0, c.optimizer().gradClip());
        assertEquals(5, c.checkpoint().keep());
        assertEquals(8000, c.metrics().prometheusPort());
        assertEquals("tiny", c.model().name());
        assertFalse(c.vocabSizeExplicit());
    }

    @Test
    void scheduleDecaysUntilMaxStepsUnlessTold() {
        TrainConfig c = TrainerTest.config("train { max-steps = 1000 }, optimizer { warmup-steps = 100 }");
        assertEquals(900, c.schedule().decaySteps());
        assertEquals(1e-6, c.schedule().at(999), 1e-9);
        assertEquals(500, TrainerTest.config("optimizer { decay-steps = 500 }").schedule().decaySteps());
    }

    @Test
    void typosAndBadValuesNameTheKey() {
        for (String[] bad : new String[][]{
                {"train { max-step = 10 }", "train.max-step"},
                {"optimizer { lr = 3e-4, min-lr = 1e-3 }", "optimizer.min-lr"},
                {"eval { every = 0 }", "eval.every"},
                {"checkpoint { keep = 0 }", "checkpoint.keep"},
                {"metrics { prometheus = 1 }", "metrics.prometheus"},
                {"train { device = tpu }", "train.device"},
                {"model { layers = 0 }", "model.layers"},
                {"trian { seed = 1 }", "trian"}}) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> TrainerTest.config(bad[0]), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void theMicroBatchOverrideKeepsEverythingElse() {
        TrainConfig.Run run = TrainerTest.config("train { micro-batch = 8, grad-accumulation = 3, threads = 1 }").run();
        TrainConfig.Run changed = run.withMicroBatch(16);
        assertEquals(16, changed.microBatch());
        assertEquals(new TrainConfig.Run(run.seed(), run.maxSteps(), 16, run.gradAccumulation(), run.contextLength(),
                run.labelSmoothing(), run.maskDocuments(), run.device(), run.threads(), run.precision()), changed);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> run.withMicroBatch(0));
        assertTrue(e.getMessage().contains("train.micro-batch"), e.getMessage());
    }

    @Test
    void theDistributedSectionBelongsToTheTrainingConfig() throws Exception {
        TrainConfig c = TrainerTest.config("distributed { ranks = 2, timeout = 30s }");
        assertEquals(2, c.distributed().ranks());
        assertEquals(1, TrainerTest.config("").distributed().ranks());
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> TrainerTest.config("distributed { rank = 2 }"));
        assertTrue(e.getMessage().contains("distributed.rank"), e.getMessage());
        // Executors receive the config with the barrier task.
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(c, in.readObject());
        }
    }

    @Test
    void anExplicitVocabularyIsRemembered() {
        assertTrue(TrainerTest.config("model { vocab-size = 70000 }").vocabSizeExplicit());
    }
}
