package io.lmforge.trainer.dist;

import com.typesafe.config.ConfigException;
import io.lmforge.config.InvalidConfigException;
import io.lmforge.config.Settings;

import java.io.Serializable;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code distributed { ... }} section of a training config. Travels to the executors with
 * the barrier task, hence serializable; {@link #collectiveOptions()} builds the executor-side options.
 *
 * @param ranks             number of training processes (Spark barrier tasks)
 * @param backend           {@code tcp} (CPU ring) or {@code nccl} (GPU)
 * @param gpusPerTask       GPUs each task asks of Spark's scheduler on a cluster (0 on CPU)
 * @param timeout           longest any collective waits without progress
 * @param connectTimeout    longest the ring waits for its neighbours at start
 * @param segmentBytes      ring pipelining unit
 * @param socketBufferBytes SO_SNDBUF/SO_RCVBUF
 * @param bucketBytes       gradient bucket size ({@link GradientBuckets})
 * @param advertiseHost     the address peers dial; empty: the executor's host as Spark knows it
 */
public record DistributedSettings(int ranks, Backend backend, int gpusPerTask, Duration timeout, Duration connectTimeout,
                                  int segmentBytes, int socketBufferBytes, long bucketBytes,
                                  String advertiseHost) implements Serializable {

    public enum Backend { TCP, NCCL }

    public DistributedSettings {
        if (ranks < 1) {
            throw new InvalidConfigException("distributed.ranks must be >= 1: " + ranks);
        }
        if (gpusPerTask < 0) {
            throw new InvalidConfigException("distributed.gpus-per-task must be >= 0: " + gpusPerTask);
        }
        if (backend == Backend.NCCL && gpusPerTask == 0) {
            throw new InvalidConfigException("distributed.backend = nccl needs distributed.gpus-per-task >= 1");
        }
        collectiveOptions(timeout, connectTimeout, segmentBytes, socketBufferBytes); // validates
        advertiseHost = advertiseHost == null ? "" : advertiseHost.trim();
    }

    /** The address to advertise, when configured (Optional is not serializable, so the field is a string). */
    public Optional<String> advertised() {
        return advertiseHost.isEmpty() ? Optional.empty() : Optional.of(advertiseHost);
    }

    /** {@code ranks} CPU ranks over TCP with the defaults. */
    public static DistributedSettings cpu(int ranks) {
        CollectiveOptions d = CollectiveOptions.defaults();
        return new DistributedSettings(ranks, Backend.TCP, 0, d.timeout(), d.connectTimeout(), d.segmentBytes(),
                d.socketBufferBytes(), 25L << 20, "");
    }

    public static DistributedSettings from(Settings s) {
        int ranks = s.integer("ranks");
        Backend backend = Backend.valueOf(s.oneOf("backend", s.string("backend"), Set.of("tcp", "nccl"))
                .toUpperCase());
        int gpus = s.integer("gpus-per-task", backend == Backend.NCCL ? 1 : 0);
        Duration timeout = duration(s, "timeout");
        Duration connect = duration(s, "connect-timeout");
        long segment = s.bytes("segment-bytes");
        long socket = s.bytes("socket-buffer-bytes");
        long bucket = s.bytes("bucket-bytes");
        String host = s.string("advertise-host");
        s.requireNoUnknownKeys();
        try {
            return new DistributedSettings(ranks, backend, gpus, timeout, connect, Math.toIntExact(segment),
                    Math.toIntExact(socket), bucket, host);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(s.path() + ": " + e.getMessage(), e);
        }
    }

    private static Duration duration(Settings s, String key) {
        try {
            return s.duration(key);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(s.name(key) + " must be a duration such as 30s or 10m: " + e.getMessage(), e);
        }
    }

    private static CollectiveOptions collectiveOptions(Duration timeout, Duration connect, int segment, int socket) {
        return CollectiveOptions.defaults().withTimeout(timeout).withConnectTimeout(connect).withSegmentBytes(segment)
                .withSocketBufferBytes(socket);
    }

    public CollectiveOptions collectiveOptions() {
        return collectiveOptions(timeout, connectTimeout, segmentBytes, socketBufferBytes);
    }

    public DistributedSettings withRanks(int n) {
        return new DistributedSettings(n, backend, gpusPerTask, timeout, connectTimeout, segmentBytes, socketBufferBytes,
                bucketBytes, advertiseHost);
    }

    public DistributedSettings withTimeouts(Duration collective, Duration connect) {
        return new DistributedSettings(ranks, backend, gpusPerTask, collective, connect, segmentBytes, socketBufferBytes,
                bucketBytes, advertiseHost);
    }

    public DistributedSettings withGpusPerTask(int gpus) {
        return new DistributedSettings(ranks, backend, gpus, timeout, connectTimeout, segmentBytes, socketBufferBytes,
                bucketBytes, advertiseHost);
    }
}
