package io.lmforge.trainer.dist;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * How a collective behaves on the wire and when things go wrong.
 *
 * @param timeout           longest a collective waits without any progress from its peer (a
 *                          peer that is still computing counts as no progress: make it longer
 *                          than the slowest rank's detour, e.g. rank 0 writing a checkpoint)
 * @param connectTimeout    longest the ring waits for its neighbours to connect
 * @param segmentBytes      pipelining unit: a received segment is reduced and forwarded while
 *                          the next one is on the wire; must be the same on every rank (checked)
 * @param socketBufferBytes SO_SNDBUF and SO_RCVBUF asked of the kernel
 * @param cancelled         polled while waiting; true aborts the collective (a killed Spark task)
 */
public record CollectiveOptions(Duration timeout, Duration connectTimeout, int segmentBytes,
                                int socketBufferBytes, BooleanSupplier cancelled) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

    public CollectiveOptions {
        if (timeout.isNegative() || timeout.isZero() || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("collective timeouts must be positive: " + timeout + ", " + connectTimeout);
        }
        if (segmentBytes < 4096 || segmentBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("segmentBytes must be a multiple of 4 and at least 4096: " + segmentBytes);
        }
        if (socketBufferBytes < 0) {
            throw new IllegalArgumentException("socketBufferBytes must be >= 0 (0: the kernel's default): " + socketBufferBytes);
        }
    }

    public static CollectiveOptions defaults() {
        return new CollectiveOptions(DEFAULT_TIMEOUT, Duration.ofMinutes(2), 1 << 20, 4 << 20, () -> false);
    }

    public CollectiveOptions withTimeout(Duration t) {
        return new CollectiveOptions(t, connectTimeout, segmentBytes, socketBufferBytes, cancelled);
    }

    public CollectiveOptions withConnectTimeout(Duration t) {
        return new CollectiveOptions(timeout, t, segmentBytes, socketBufferBytes, cancelled);
    }

    public CollectiveOptions withSegmentBytes(int bytes) {
        return new CollectiveOptions(timeout, connectTimeout, bytes, socketBufferBytes, cancelled);
    }

    public CollectiveOptions withSocketBufferBytes(int bytes) {
        return new CollectiveOptions(timeout, connectTimeout, segmentBytes, bytes, cancelled);
    }

    public CollectiveOptions withCancelled(BooleanSupplier c) {
        return new CollectiveOptions(timeout, connectTimeout, segmentBytes, socketBufferBytes, c);
    }
}
