package io.lmforge.trainer;

import io.lmforge.trainer.data.DataPosition;
import io.lmforge.shards.ShardManifest;
import io.lmforge.trainer.data.ShardSplit;
import io.lmforge.trainer.data.TokenWindow;
import io.lmforge.trainer.data.TrainingStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingStreamTest {
    @TempDir
    static Path dir;
    private static ShardSplit split;

    @BeforeAll
    static void shards() throws IOException {
        TestShards.write(dir, 32, 200, 3, 7, 2, 9);     // 21 windows in 3 blocks
        Configuration conf = new Configuration();
        split = ShardSplit.open(ShardManifest.load(dir.toString(), conf), "train", 32, conf);
    }

    private static List<String> take(TrainingStream s, int n) {
        List<String> out = new ArrayList<>();
        for (TokenWindow w : s.next(n)) {
            out.add(Arrays.toString(w.tokens()));
        }
        return out;
    }

    @Test
    void anEpochVisitsEverySampleOnceInASeededOrder() {
        try (TrainingStream a = new TrainingStream(split, 1, 0, 1, DataPosition.START);
             TrainingStream b = new TrainingStream(split, 1, 0, 1, DataPosition.START);
             TrainingStream c = new TrainingStream(split, 2, 0, 1, DataPosition.START)) {
            List<String> epoch = take(a, 21);
            assertEquals(21, new HashSet<>(epoch).size());
            assertEquals(epoch, take(b, 21));
            assertNotEquals(epoch, take(c, 21), "another seed, another order");
            List<String> second = take(a, 21);
            assertEquals(new HashSet<>(epoch), new HashSet<>(second));
            assertNotEquals(epoch, second, "each epoch reshuffles");
            assertEquals(new DataPosition(1, 21), a.position());
        }
    }

    @Test
    void aStreamRestartedAtItsPositionContinuesExactly() {
        try (TrainingStream full = new TrainingStream(split, 7, 0, 1, DataPosition.START);
             TrainingStream first = new TrainingStream(split, 7, 0, 1, DataPosition.START)) {
            List<String> all = take(full, 30);
            List<String> head = take(first, 13);
            try (TrainingStream rest = new TrainingStream(split, 7, 0, 1, first.position())) {
                head.addAll(take(rest, 17));
            }
            assertEquals(all, head);
        }
    }

    @Test
    void ranksGetDisjointEqualShares() {
        int world = 2;
        Set<String> seen = new HashSet<>();
        int perRank = -1;
        for (int rank = 0; rank < world; rank++) {
            try (TrainingStream s = new TrainingStream(split, 3, rank, world, DataPosition.START)) {
                perRank = (int) s.slotsPerEpoch();
                for (String w : take(s, perRank)) {
                    assertTrue(seen.add(w), "a sample went to two ranks");
                }
            }
        }
        assertEquals(10, perRank, "21 samples over 2 ranks: 10 each, one left for the next epoch");
        assertEquals(20, seen.size());
    }
}
