package io.lmforge.trainer.dist;

import io.lmforge.trainer.DynamicLossScaler;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientBucketsTest {

    private static Map<String, Integer> model() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("embed", 3000);
        sizes.put("layer0.norm", 16);
        sizes.put("layer0.attn.q", 256);
        sizes.put("layer0.attn.k", 256);
        sizes.put("layer0.mlp", 900);
        sizes.put("head.bias", 0);
        return sizes;
    }

    @Test
    void layoutKeepsOrderClosesFullBucketsAndGivesBigTensorsTheirOwn() {
        GradientBuckets b = GradientBuckets.plan(model(), 1024 * 4); // 1024 floats per bucket
        assertEquals(new GradientBuckets.Slot("embed", 0, 0, 3000), b.slot("embed"), "larger than a bucket: alone");
        assertEquals(new GradientBuckets.Slot("layer0.norm", 1, 0, 16), b.slot("layer0.norm"));
        assertEquals(new GradientBuckets.Slot("layer0.attn.q", 1, 16, 256), b.slot("layer0.attn.q"));
        assertEquals(new GradientBuckets.Slot("layer0.attn.k", 1, 272, 256), b.slot("layer0.attn.k"));
        assertEquals(new GradientBuckets.Slot("layer0.mlp", 2, 0, 900), b.slot("layer0.mlp"), "would overflow bucket 1");
        assertEquals(new GradientBuckets.Slot("head.bias", 2, 900, 0), b.slot("head.bias"));
        assertEquals(3, b.bucketCount());
        assertEquals(3000 * 4, b.bucket(0).remaining());
        assertEquals(528 * 4, b.bucket(1).remaining());
    }

    @Test
    void packAndUnpackRoundTripEveryTensorThroughArraysAndBuffers() {
        GradientBuckets b = GradientBuckets.plan(model(), 4096);
        Random rnd = new Random(5);
        Map<String, float[]> values = new LinkedHashMap<>();
        model().forEach((name, n) -> {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextFloat();
            }
            values.put(name, v);
            if (name.contains("attn")) {
                FloatBuffer src = FloatBuffer.allocate(n + 2).put(new float[2]).put(v).position(2);
                b.pack(name, src);
                assertEquals(2, src.position());
            } else {
                b.pack(name, v);
            }
        });
        values.forEach((name, v) -> {
            float[] out = new float[v.length];
            b.unpack(name, out);
            assertArrayEquals(v, out, name);
            FloatBuffer dst = FloatBuffer.allocate(v.length);
            b.unpack(name, dst);
            assertArrayEquals(v, dst.array(), name);
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.pack("embed", new float[5]));
        assertTrue(e.getMessage().contains("tensor embed has 3000 floats in the buckets, got 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.pack("nope", new float[1]));
    }

    @Test
    void bucketedMeanEqualsThePerTensorMeanOnEveryRank() {
        int n = 3;
        Map<String, Integer> sizes = model();
        List<Map<String, float[]>> results = RingHarness.run(n, RingHarness.fastOptions().withSegmentBytes(4096), c -> {
            GradientBuckets b = GradientBuckets.plan(sizes, 2048);
            Random rnd = new Random(c.rank());
            Map<String, float[]> grads = new LinkedHashMap<>();
            sizes.forEach((name, len) -> {
                float[] g = new float[len];
                for (int i = 0; i < len; i++) {
                    g[i] = (float) rnd.nextGaussian();
                }
                grads.put(name, g);
                b.pack(name, g);
            });
            b.allReduce(c, ReduceOp.MEAN);
            assertTrue(b.allFinite());
            Map<String, float[]> out = new LinkedHashMap<>();
            sizes.forEach((name, len) -> {
                float[] g = new float[len];
                b.unpack(name, g);
                out.put(name, g);
            });
            // the per-tensor reference on the same collective
            Map<String, float[]> perTensor = new LinkedHashMap<>();
            grads.forEach((name, g) -> {
                float[] copy = g.clone();
                c.allReduce(copy, ReduceOp.MEAN);
                perTensor.put(name, copy);
            });
            perTensor.forEach((name, g) -> {
                for (int i = 0; i < g.length; i++) {
                    assertEquals(g[i], out.get(name)[i], 1e-6f * Math.max(1, Math.abs(g[i])), name + "[" + i + "]");
                }
            });
            return out;
        });
        for (String name : sizes.keySet()) {
            assertArrayEquals(results.get(0).get(name), results.get(1).get(name), name);
            assertArrayEquals(results.get(0).get(name), results.get(2).get(name), name);
        }
    }

    @Test
    void normScaleAndFiniteness() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("a", 2);
        sizes.put("b", 1);
        GradientBuckets b = GradientBuckets.plan(sizes, 4);
        b.pack("a", new float[]{3, 4});
        b.pack("b", new float[]{12});
        assertEquals(169.0, b.sumOfSquares());
        b.scale(0.5f);
        float[] a = new float[2];
        b.unpack("a", a);
        assertArrayEquals(new float[]{1.5f, 2f}, a);
        assertTrue(b.allFinite());
        b.pack("b", new float[]{Float.NaN});
        assertFalse(b.allFinite());
    }

    @Test
    void overflowOnOneRankIsSeenByEveryRankAfterTheAllReduce() {
        // Rank 1's gradient overflowed; after the mean all-reduce every rank sees a non-finite
        // value, so every rank's scaler skips the same step and halves to the same scale.
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("w", 1000);
        sizes.put("b", 10);
        List<Float> scales = RingHarness.run(3, RingHarness.fastOptions(), c -> {
            GradientBuckets g = GradientBuckets.plan(sizes, 1024);
            float[] w = new float[1000];
            Arrays.fill(w, 0.5f);
            if (c.rank() == 1) {
                w[123] = Float.POSITIVE_INFINITY;
            }
            g.pack("w", w);
            g.pack("b", new float[10]);
            g.allReduce(c, ReduceOp.MEAN);
            DynamicLossScaler scaler = new DynamicLossScaler(new DynamicLossScaler.Config(1024f, 2f, 0.5f, 3, 256f, 4096f, 3));
            assertFalse(scaler.update(g.allFinite()));
            return scaler.scale();
        });
        assertEquals(List.of(512f, 512f, 512f), scales);
    }
}
