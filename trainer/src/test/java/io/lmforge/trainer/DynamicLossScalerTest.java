package io.lmforge.trainer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DynamicLossScalerTest {
    private static final DynamicLossScaler.Config SMALL = new DynamicLossScaler.Config(1024f, 2f, 0.5f, 3, 256f, 4096f, 3);

    @Test
    void overflowSkipsTheStepAndHalvesTheScale() {
        DynamicLossScaler s = new DynamicLossScaler(SMALL);
        assertTrue(s.update(true));
        assertFalse(s.update(false), "the step is skipped");
        assertEquals(512f, s.scale());
        assertEquals(1f / 512f, s.inverseScale());
        assertEquals(new DynamicLossScaler.State(512f, 0, 0, 1), s.state(), "the run of good steps restarts");
    }

    @Test
    void growsAfterARunOfGoodStepsUpToTheCeiling() {
        DynamicLossScaler s = new DynamicLossScaler(SMALL);
        s.update(true);
        s.update(true);
        assertEquals(1024f, s.scale(), "not yet: 2 of 3");
        s.update(true);
        assertEquals(2048f, s.scale());
        for (int i = 0; i < 3; i++) {
            s.update(true);
        }
        assertEquals(4096f, s.scale());
        for (int i = 0; i < 6; i++) {
            s.update(true);
        }
        assertEquals(4096f, s.scale(), "capped at the maximum");
    }

    @Test
    void anOverflowInTheMiddleOfARunRestartsTheCount() {
        DynamicLossScaler s = new DynamicLossScaler(SMALL);
        s.update(true);
        s.update(true);
        s.update(false);
        s.update(true);
        s.update(true);
        assertEquals(512f, s.scale(), "only two good steps since the overflow");
        s.update(true);
        assertEquals(1024f, s.scale());
    }

    @Test
    void neverGoesBelowTheFloorAndGivesUpWhenOverflowsPersistThere() {
        DynamicLossScaler s = new DynamicLossScaler(SMALL);
        s.update(false); // 512
        s.update(false); // 256 = floor
        assertEquals(256f, s.scale());
        s.update(false); // at floor: 1
        s.update(false); // 2
        assertEquals(256f, s.scale());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.update(false));
        assertTrue(e.getMessage().contains("3 steps in a row at the minimum loss scale 256.0"), e.getMessage());
    }

    @Test
    void aGoodStepAtTheFloorResetsTheGiveUpCount() {
        DynamicLossScaler s = new DynamicLossScaler(SMALL);
        s.update(false);
        s.update(false);
        s.update(false);
        s.update(false);
        s.update(true);
        s.update(false);
        s.update(false);
        assertEquals(2, s.state().overflowsAtMinimum());
    }

    @Test
    void stateRoundTripsThroughACheckpoint() {
        DynamicLossScaler a = new DynamicLossScaler(SMALL);
        DynamicLossScaler b = null;
        boolean[] pattern = {true, true, false, true, true, true, true, false, true, true};
        for (int i = 0; i < pattern.length; i++) {
            a.update(pattern[i]);
            if (i == 4) {
                b = DynamicLossScaler.restore(SMALL, a.state()); // "resume" from here
            }
        }
        for (int i = 5; i < pattern.length; i++) {
            b.update(pattern[i]);
        }
        assertEquals(a.state(), b.state());
        assertThrows(IllegalArgumentException.class,
                () -> DynamicLossScaler.restore(SMALL, new DynamicLossScaler.State(1e6f, 0, 0, 0)));
    }
}
